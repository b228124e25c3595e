"""Check types of the ``github`` family: an organisation or a repository exists (via PyGithub).

404 is ``drift`` (``exists: false``: absent, or private to an anonymous caller); what the other
answers mean (``error`` or ``unverifiable``) is :mod:`checker.net.github_client`'s to say.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from checker.engine.matchers import Matcher, must_exist
from checker.engine.model import Evidence, Observation
from checker.engine.registry import CheckType
from checker.net.github_client import get_organization, get_repository

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


def _observed(check_type: CheckType[Any], data: dict[str, Any] | None, ev: Evidence) -> Observation:
    """Each declared field straight from GitHub's JSON; all null (but present, so an ``expect``
    on any of them still judges cleanly) when the object does not exist."""
    values: dict[str, Any] = {name: (data or {}).get(name) for name in check_type.fields}
    values["exists"] = data is not None
    return Observation(values, (ev,))


def observe_organization(params: OrganizationParams, ctx: CheckContext) -> Observation:
    data, evidence = get_organization(ctx, params.org)
    return _observed(ORGANIZATION, data, evidence)


def observe_repository(params: RepositoryParams, ctx: CheckContext) -> Observation:
    data, evidence = get_repository(ctx, params.repository)
    return _observed(REPOSITORY, data, evidence)


def _repository_expect(params: RepositoryParams) -> dict[str, Matcher]:
    # A renamed or transferred repository still answers under its old name (GitHub redirects),
    # but the document is then out of date: that is drift worth an issue.
    return {**must_exist(), "full_name": Matcher(equals=params.repository)}


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
    default_expect=lambda _params: must_exist(),
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
