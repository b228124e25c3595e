"""Check types of the ``quay`` family: an organisation and a repository on quay.io (or a mirror).

quay's trap: to an anonymous caller it answers **401** both for a repository that does not exist
and for one that is private; it says 404 only once the caller may read the namespace. So a
repository documented as *public* that answers 401/403/404 anonymously has drifted ("not
publicly visible"), while for one documented as private an anonymous 401 proves nothing
(``unverifiable`` without ``QUAY_TOKEN``). 429, 5xx and network failures are ``error``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from checker.checks.params import matching
from checker.engine.matchers import Matcher, must_exist
from checker.engine.model import CheckError, Observation, Unverifiable
from checker.engine.registry import CheckType
from checker.net.http import http_client

if TYPE_CHECKING:
    from checker.engine.context import CheckContext
    from checker.net.http import HttpResponse

TOKEN_ENV = "QUAY_TOKEN"  # noqa: S105 - the variable's name, not a secret
SEGMENT = r"[a-z0-9][a-z0-9_.-]*"

PUBLIC = "public"
PRIVATE = "private"
MISSING = "missing"
HIDDEN = "not publicly visible (private or missing)"
TAG_FIELDS = ("tag_exists", "tag_last_modified", "tag_manifest_digest")
ERROR_KEYS = ("error_type", "error_message", "detail")  # quay's problem+json error body


class OrganizationParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    organization: Annotated[
        str, matching(f"^{SEGMENT}$", "a quay.io namespace (lowercase letters, digits)")
    ] = Field(description="quay.io organisation name, e.g. jupyterhub")


class RepositoryParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    repository: Annotated[
        str, matching(f"^{SEGMENT}(?:/{SEGMENT})+$", "of the form namespace/name (lowercase)")
    ] = Field(description="namespace/name, e.g. jupyterhub/repo2docker")
    public: bool | None = Field(
        default=True,
        description="documented visibility: true (checked anonymously), false (needs "
        "QUAY_TOKEN), or null to only check that it exists",
    )
    tag: str | None = Field(default=None, description="a tag that must exist, e.g. latest")


def _get(
    ctx: CheckContext, path: str, token: str | None, params: dict[str, str] | None = None
) -> HttpResponse:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    base = ctx.settings.endpoints.quay
    return http_client(ctx).get(
        f"{base}/api/v1/{path}", timeout=ctx.call_timeout(), headers=headers, params=params
    )


def observe_organization(params: OrganizationParams, ctx: CheckContext) -> Observation:
    # Anonymous on purpose: an organisation's existence is public, and a bad token would
    # otherwise turn a fact into an authentication error.
    response = _get(ctx, f"organization/{quote(params.organization)}", None)
    if response.status == 404:
        response.service_error("quay", ERROR_KEYS)
        return Observation({"exists": False, "name": None}, (response.evidence(),))
    if response.status != 200:
        raise response.unexpected("quay")
    data = response.json_object_with(("name",), "a quay organization")
    return Observation({"exists": True, "name": data["name"]}, (response.evidence(),))


def _repository_values(params: RepositoryParams, response: HttpResponse) -> dict[str, Any]:
    data = response.json_object_with(("name", "namespace", "is_public"), "a quay repository")
    if not isinstance(data["is_public"], bool):
        raise response.unexpected("quay")
    return {
        "exists": True,
        "visibility": PUBLIC if data["is_public"] else PRIVATE,
        "is_public": data["is_public"],
        "kind": data.get("kind"),
        "state": data.get("state"),
        "description": data.get("description"),
    }


def _hidden(params: RepositoryParams, token: str | None, response: HttpResponse) -> dict[str, Any]:
    """quay answered 401/403: missing and private look the same from here."""
    if params.public is True:
        return {"exists": None, "visibility": HIDDEN, "is_public": None}
    if token is None:
        raise Unverifiable(
            f"quay answers HTTP {response.status} to anonymous callers for both missing and "
            f"private repositories; set {TOKEN_ENV} to a token that can read "
            f"{params.repository} to check it",
            evidence=(response.evidence(),),
        )
    raise CheckError(
        f"quay answered HTTP {response.status} to {TOKEN_ENV}: {params.repository} does not "
        "exist, or the token may not read it (quay does not say which)",
        evidence=(response.evidence(),),
    )


def _tag_values(
    params: RepositoryParams, ctx: CheckContext, token: str | None
) -> tuple[dict[str, Any], HttpResponse]:
    assert params.tag is not None
    response = _get(
        ctx,
        f"repository/{params.repository}/tag/",
        token,
        {"specificTag": params.tag, "onlyActiveTags": "true", "limit": "1"},
    )
    if response.status != 200:
        raise response.unexpected("quay")
    tags = response.json_object_with(("tags",), "a quay tag list")["tags"]
    if not isinstance(tags, list):
        raise response.unexpected("quay")
    found = next((t for t in tags if isinstance(t, dict) and t.get("name") == params.tag), None)
    return {
        "tag_exists": found is not None,
        "tag_last_modified": found.get("last_modified") if found else None,
        "tag_manifest_digest": found.get("manifest_digest") if found else None,
    }, response


def observe_repository(params: RepositoryParams, ctx: CheckContext) -> Observation:
    # A documented-public repository is checked as the public sees it: anonymously.
    token = None if params.public is True else (ctx.env.get(TOKEN_ENV) or None)
    response = _get(ctx, f"repository/{params.repository}", token, {"includeTags": "false"})
    evidence = [response.evidence()]
    values: dict[str, Any] = dict.fromkeys(
        ("is_public", "kind", "state", "description", *TAG_FIELDS), None
    )
    if response.status == 200:
        values.update(_repository_values(params, response))
    elif response.status in (401, 403, 404):
        response.service_error("quay", ERROR_KEYS)
        if response.status == 404:
            values.update({"exists": False, "visibility": MISSING})
        else:
            values.update(_hidden(params, token, response))
    else:
        raise response.unexpected("quay")
    if params.tag is not None and values["exists"]:
        tag_values, tag_response = _tag_values(params, ctx, token)
        values.update(tag_values)
        evidence.append(tag_response.evidence())
    return Observation(values, tuple(evidence))


def _repository_expect(params: RepositoryParams) -> dict[str, Matcher]:
    expect: dict[str, Matcher] = {}
    if params.public is None:
        expect = must_exist()
    else:
        expect["visibility"] = Matcher(equals=PUBLIC if params.public else PRIVATE)
    if params.tag is not None:
        expect["tag_exists"] = Matcher(equals=True)
    return expect


CHECK_TYPES: list[CheckType[Any]] = [
    CheckType(
        name="quay.organization",
        summary="a quay.io organisation exists (GET /api/v1/organization/{org}, anonymous)",
        params=OrganizationParams,
        observe=observe_organization,
        fields={
            "exists": "false when quay answers 404 (no such organisation)",
            "name": "the organisation's name as quay spells it",
        },
        default_expect=lambda _params: must_exist(),
    ),
    CheckType(
        name="quay.repository",
        summary="a quay.io repository exists, is public (or private), optionally has a tag",
        params=RepositoryParams,
        observe=observe_repository,
        fields={
            "exists": "true when seen, false on 404, null when quay would not say (401/403)",
            "visibility": f'"{PUBLIC}", "{PRIVATE}", "{MISSING}" or "{HIDDEN}"',
            "is_public": "quay's is_public flag (null when not seen)",
            "kind": 'repository kind, e.g. "image"',
            "state": 'repository state, e.g. "NORMAL", "READ_ONLY", "MIRROR"',
            "description": "the repository description",
            "tag_exists": "whether the tag given by `tag` is an active tag (null when not seen)",
            "tag_last_modified": "when the tag was last pushed (quay's date text)",
            "tag_manifest_digest": "the manifest digest the tag points to",
        },
        default_expect=_repository_expect,
    ),
]
