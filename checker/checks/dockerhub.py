"""Check types of the ``dockerhub`` family: an organisation and a repository on Docker Hub.

Docker Hub answers 404 both for a missing repository and for a private one asked anonymously,
so ``exists: false`` means "not publicly there" — for the public images this tool checks, that is
the drift. 429 (with ``X-Retry-After``, a unix time) and 5xx are ``error``. "Images are pushed
here" is checked by freshness: ``max_age_days`` bounds the days since ``last_updated``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat

from checker.checks.params import matching
from checker.engine.matchers import Matcher, must_exist
from checker.engine.model import CheckError, Evidence, Observation, Unverifiable, utcnow
from checker.engine.registry import CheckType
from checker.net.dates import parse_iso_date
from checker.net.http import http_client

if TYPE_CHECKING:
    from checker.engine.context import CheckContext
    from checker.net.http import HttpResponse

NAMESPACE = r"[a-z0-9][a-z0-9_-]*"
REPOSITORY = r"[a-z0-9][a-z0-9_.-]*"
ERROR_KEYS = ("message", "detail", "errinfo")  # Docker Hub's error bodies


class OrganizationParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    organization: Annotated[
        str, matching(f"^{NAMESPACE}$", "a Docker Hub namespace (lowercase letters, digits)")
    ] = Field(description="Docker Hub organisation (namespace), e.g. jupyterhub")


class RepositoryParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    repository: Annotated[
        str, matching(f"^{NAMESPACE}/{REPOSITORY}$", "of the form namespace/name (lowercase)")
    ] = Field(description="namespace/name, e.g. jupyterhub/k8s-hub")
    max_age_days: PositiveFloat | None = Field(
        default=None,
        description="freshness: the last push must be at most this many days old",
    )


def _get(ctx: CheckContext, path: str, params: dict[str, str] | None = None) -> HttpResponse:
    base = ctx.settings.endpoints.dockerhub
    return http_client(ctx).get(
        f"{base}/v2/{path}",
        timeout=ctx.call_timeout(),
        headers={"Accept": "application/json"},
        params=params,
    )


def parse_time(text: Any) -> datetime | None:
    """Docker Hub's ISO 8601 times (``2024-05-01T12:34:56.123456Z``); None when absent/odd."""
    return parse_iso_date(text) if isinstance(text, str) else None


def days_since(text: Any) -> float | None:
    when = parse_time(text)
    if when is None:
        return None
    return round((utcnow() - when).total_seconds() / 86400, 2)


REPOSITORY_FIELDS = {
    "exists": "false when Docker Hub answers 404 (missing, or private to an anonymous caller)",
    "is_private": "Docker Hub's is_private flag",
    "status": 'status_description, e.g. "active" or "inactive"',
    "last_updated": "time of the last push (ISO 8601)",
    "days_since_update": "days since last_updated (null if never pushed)",
    "pull_count": "number of pulls",
    "star_count": "number of stars",
    "description": "the short description",
}


def observe_repository(params: RepositoryParams, ctx: CheckContext) -> Observation:
    namespace, name = params.repository.split("/", 1)
    response = _get(ctx, f"namespaces/{quote(namespace)}/repositories/{quote(name)}")
    values: dict[str, Any] = dict.fromkeys(REPOSITORY_FIELDS)
    if response.status == 404:
        response.service_error("Docker Hub", ERROR_KEYS)
        values["exists"] = False
        return Observation(values, (response.evidence(),))
    if response.status != 200:
        raise response.unexpected("Docker Hub")
    data = response.json_object_with(("name", "namespace"), "a Docker Hub repository")
    values.update(
        exists=True,
        is_private=data.get("is_private"),
        status=data.get("status_description"),
        last_updated=data.get("last_updated"),
        days_since_update=days_since(data.get("last_updated")),
        pull_count=data.get("pull_count"),
        star_count=data.get("star_count"),
        description=data.get("description"),
    )
    return Observation(values, (response.evidence(),))


def _repository_expect(params: RepositoryParams) -> dict[str, Matcher]:
    expect = must_exist()
    if params.max_age_days is not None:
        expect["days_since_update"] = Matcher(at_most=params.max_age_days)
    return expect


def _profile(response: HttpResponse, evidence: tuple[Evidence, ...]) -> Observation:
    """An account Docker Hub answered 200 for: ``/v2/orgs/{org}/`` (an organisation), or
    ``/v2/users/{name}/`` (where Docker Hub sends a name that belongs to a user)."""
    data = response.json_object()
    name = data.get("orgname") or data.get("username") or data.get("name")
    if not isinstance(name, str):
        raise CheckError(
            f"{response.url} answered HTTP 200 with JSON that is not a Docker Hub "
            "organisation (no orgname)",
            evidence=evidence,
        )
    user = data.get("type") == "User" or ("username" in data and "orgname" not in data)
    values = {
        "exists": True,
        "kind": "user" if user else "organization",
        "name": name,
        "full_name": data.get("full_name"),
        "public_repositories": None,
    }
    return Observation(values, evidence)


def _absent(evidence: tuple[Evidence, ...]) -> Observation:
    values = dict.fromkeys(("kind", "name", "full_name", "public_repositories"))
    return Observation({**values, "exists": False}, evidence)


def observe_organization(params: OrganizationParams, ctx: CheckContext) -> Observation:
    """``/v2/orgs/{org}/`` first (it says "organisation"). When it says 404 or refuses an
    anonymous caller, the namespace's public repository listing is asked; but Docker Hub lists
    a namespace that does not exist as an empty 200 (docker/hub-feedback#2357), so only a
    non-empty listing proves the namespace is there. An empty one agrees with a 404 (drift);
    after a refusal, ``/v2/users/{name}/`` decides, and when it cannot, nobody can from here."""
    org = quote(params.organization)
    response = _get(ctx, f"orgs/{org}/")
    if response.status == 200:
        return _profile(response, (response.evidence(),))
    if response.status not in (401, 403, 404):
        raise response.unexpected("Docker Hub")
    response.service_error("Docker Hub", ERROR_KEYS)
    listing = _get(ctx, f"namespaces/{org}/repositories", {"page_size": "1"})
    evidence: tuple[Evidence, ...] = (response.evidence(), listing.evidence())
    if listing.status != 200:
        raise listing.unexpected("Docker Hub")
    count = listing.json_object_with(("count", "results"), "a Docker Hub repository list")["count"]
    if not isinstance(count, int) or isinstance(count, bool):
        raise CheckError(f"{listing.url}: count {count!r} is not a number", evidence=evidence)
    if count > 0:
        values = {
            "exists": True,
            "kind": "namespace",
            "name": params.organization,
            "full_name": None,
            "public_repositories": count,
        }
        return Observation(values, evidence)
    if response.status == 404:
        return _absent(evidence)
    user = _get(ctx, f"users/{org}/")
    evidence = (*evidence, user.evidence())
    if user.status == 200:
        return _profile(user, evidence)
    if user.status == 404:
        user.service_error("Docker Hub", ERROR_KEYS)
        return _absent(evidence)
    if user.status not in (401, 403):
        raise user.unexpected("Docker Hub")
    raise Unverifiable(
        f"Docker Hub refuses an anonymous caller the organisation {params.organization!r} "
        f"(HTTP {response.status} on /v2/orgs/, HTTP {user.status} on /v2/users/), and its "
        "public repository listing is empty, which Docker Hub also answers for a namespace "
        "that does not exist: whether it exists cannot be told from here",
        evidence=evidence,
    )


CHECK_TYPES: list[CheckType[Any]] = [
    CheckType(
        name="dockerhub.organization",
        summary="a Docker Hub organisation exists (GET /v2/orgs/{org}/, else its public listing)",
        params=OrganizationParams,
        observe=observe_organization,
        fields={
            "exists": "false when /v2/orgs (or /v2/users) says 404 and nothing public is listed",
            "kind": '"organization" (seen via /v2/orgs), "user" (the name is a user account) '
            'or "namespace" (seen via its public listing)',
            "name": "the organisation's name",
            "full_name": "the organisation's display name (only via /v2/orgs)",
            "public_repositories": "number of public repositories (only via the listing)",
        },
        default_expect=lambda _params: must_exist(),
    ),
    CheckType(
        name="dockerhub.repository",
        summary="a public Docker Hub repository exists; optionally it was pushed recently",
        params=RepositoryParams,
        observe=observe_repository,
        fields=REPOSITORY_FIELDS,
        default_expect=_repository_expect,
        clock_fields={"days_since_update": "last_updated"},
    ),
]
