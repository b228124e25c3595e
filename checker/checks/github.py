"""Check types of the ``github`` family: an organisation or a repository exists (via PyGithub).

404 is ``drift`` (``exists: false``: absent, or private to an anonymous caller); rate limits,
5xx, network failures and a redirect PyGithub will not follow (another host or scheme) are
``error`` (the runner retries them); a rejected token, a server that refuses anonymous callers
(401 without a token) or a 403 that is not a rate limit is ``unverifiable``: we cannot look with
what we have.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from checker.engine.model import CheckError, Evidence, Observation, Unverifiable
from checker.engine.registry import CheckType
from checker.engine.sharing import RequestKey
from checker.net.github_client import Failure, build_github, describe_failure, token_from

if TYPE_CHECKING:
    from checker.engine.context import CheckContext

# Logins and repository names: letters, digits, "-", "_" and "." (never "/" or "?").
LOGIN = r"[A-Za-z0-9_.-]+"


class OrganizationParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    org: str = Field(pattern=f"^{LOGIN}$", description="organisation login, e.g. jupyterhub")


class RepositoryParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    repository: str = Field(
        pattern=f"^{LOGIN}/{LOGIN}$", description="owner/name, e.g. jupyterhub/mybinder.org-deploy"
    )


def _fetch(
    ctx: CheckContext, path: str, required: str, get: Callable[[Any], Any]
) -> tuple[dict[str, Any] | None, Evidence]:
    """GET one object through PyGithub; None when GitHub says 404."""
    base = ctx.settings.endpoints.github_api
    token = token_from(ctx.env)
    source = f"GET {base}{path}"
    client = build_github(base, token, timeout=ctx.call_timeout())
    # PyGithub makes one GET per call (following a same-host redirect itself): the call is
    # the request, asked once per run for the same URL and token.
    key = RequestKey("HTTP", "GET", f"{base}{path}", ctx.credential(token))
    host = urlsplit(base).netloc
    try:
        data = ctx.once(key, host, lambda: get(client).raw_data)
    except RuntimeError as exc:
        if "redirected" not in str(exc):
            raise
        # PyGithub follows a 301 only on the same host and scheme (the token must not go
        # elsewhere); its words name both ends, never the token.
        raise CheckError(
            f"{source}: the server answered with a redirect PyGithub will not follow ({exc})",
            evidence=(Evidence(source=f"{source} -> HTTP 301", excerpt=str(exc)),),
        ) from None
    except Exception as exc:
        failure = describe_failure(exc)
        if failure is None:
            raise
        evidence = Evidence(source=f"{source} -> {failure.message}", excerpt=failure.message)
        if failure.retry_after is not None:
            ctx.services.limits.pause(host, failure.retry_after)
        if failure.kind is Failure.NOT_FOUND:
            return None, evidence
        if failure.kind is Failure.UNAUTHORIZED:
            reason = (
                f"GitHub rejected GITHUB_TOKEN ({failure.message}); fix or unset it"
                if token
                else f"{base} refuses anonymous callers ({failure.message}); set GITHUB_TOKEN"
            )
            raise Unverifiable(reason, evidence=(evidence,)) from None
        if failure.kind is Failure.FORBIDDEN:
            who = "the token in GITHUB_TOKEN" if token else "an anonymous caller"
            raise Unverifiable(
                f"{path}: GitHub refuses {who} ({failure.message})", evidence=(evidence,)
            ) from None
        raise CheckError(
            f"{source}: {failure.message}", retry_after=failure.retry_after, evidence=(evidence,)
        ) from None
    text = json.dumps(data, indent=1, sort_keys=True, default=str)
    evidence = Evidence(
        source=f"{source} -> HTTP 200",
        excerpt=text[:2000],
        raw=text,
        media_type="application/json",
    )
    if not isinstance(data, dict) or not isinstance(data.get(required), str):
        # PyGithub wraps a body that is not JSON as {"data": ...}: a proxy page, not GitHub.
        raise CheckError(
            f"{source} answered with something that is not GitHub JSON", evidence=(evidence,)
        )
    return data, evidence


def _observed(check_type: CheckType[Any], data: dict[str, Any] | None, ev: Evidence) -> Observation:
    """Each declared field straight from GitHub's JSON; all null (but present, so an ``expect``
    on any of them still judges cleanly) when the object does not exist."""
    values: dict[str, Any] = {name: (data or {}).get(name) for name in check_type.fields}
    values["exists"] = data is not None
    return Observation(values, (ev,))


def observe_organization(params: OrganizationParams, ctx: CheckContext) -> Observation:
    data, evidence = _fetch(
        ctx, f"/orgs/{params.org}", "login", lambda gh: gh.get_organization(params.org)
    )
    return _observed(ORGANIZATION, data, evidence)


def observe_repository(params: RepositoryParams, ctx: CheckContext) -> Observation:
    data, evidence = _fetch(
        ctx, f"/repos/{params.repository}", "full_name", lambda gh: gh.get_repo(params.repository)
    )
    return _observed(REPOSITORY, data, evidence)


def _exists(_params: BaseModel) -> dict[str, Any]:
    return {"exists": {"equals": True}}


def _repository_expect(params: RepositoryParams) -> dict[str, Any]:
    # A renamed or transferred repository still answers under its old name (GitHub redirects),
    # but the document is then out of date: that is drift worth an issue.
    return {"exists": {"equals": True}, "full_name": {"equals": params.repository}}


ORGANIZATION: CheckType[OrganizationParams] = CheckType(
    name="github.organization",
    summary="a GitHub organisation exists (GET /orgs/{org} via PyGithub)",
    params=OrganizationParams,
    observe=observe_organization,
    fields={
        "exists": "GitHub answers for the organisation (false on 404)",
        "login": "the organisation's login",
        "name": "its display name",
        "public_repos": "number of public repositories",
        "is_verified": "whether GitHub shows it as a verified organisation",
        "html_url": "its page on GitHub",
    },
    default_expect=_exists,
)

REPOSITORY: CheckType[RepositoryParams] = CheckType(
    name="github.repository",
    summary="a GitHub repository exists (GET /repos/{owner}/{name} via PyGithub)",
    params=RepositoryParams,
    observe=observe_repository,
    fields={
        "exists": "GitHub answers for the repository (false on 404: absent or not visible)",
        "full_name": "owner/name as GitHub spells it (shows renames and transfers)",
        "private": "whether the repository is private",
        "visibility": "public, private or internal",
        "archived": "whether the repository is archived",
        "default_branch": "the default branch",
        "has_issues": "whether issues are enabled",
        "html_url": "its page on GitHub",
    },
    default_expect=_repository_expect,
)

CHECK_TYPES: list[CheckType[Any]] = [ORGANIZATION, REPOSITORY]
