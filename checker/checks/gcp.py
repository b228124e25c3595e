"""``gcp.project``: a Google Cloud project exists and is ACTIVE (Cloud Resource Manager v3).

Name the project by ``project_id`` (``projects.get``), by ``display_name`` (``projects.search``;
display names are not unique, and older documents name projects that way), or both (get by id,
then expect that display name). ``DELETE_REQUESTED`` and a 404 are ``drift``; the API's 403
means "no permission *or* no such project" and is reported as that ambiguity (``error``), and so
is a search that finds no project of that name (search lists only projects the caller may get).
An API disabled for the credentials' project or a token without the needed scope is
``unverifiable`` until someone fixes that; no credentials at all is ``unverifiable`` with how to
configure them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from checker.engine.matchers import Matcher, must_exist
from checker.engine.model import CheckError, Observation
from checker.engine.registry import CheckType
from checker.net.gcp_client import (
    AMBIGUOUS_SEARCH,
    api_endpoint,
    get_project,
    projects_evidence,
    search_projects,
)

if TYPE_CHECKING:
    from checker.engine.context import CheckContext

PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
MAX_MATCHES = 50
FIELDS = {
    "exists": "false when projects.get answers 404 (by display name, no match is an error)",
    "state": '"ACTIVE", "DELETE_REQUESTED" or "STATE_UNSPECIFIED"',
    "project_id": "the project's id, e.g. binderhub-288415",
    "project_number": "the project's number (from its resource name projects/<number>)",
    "display_name": "the project's display name",
    "parent": "the folder or organisation it belongs to, e.g. organizations/123",
    "create_time": "when the project was created (RFC 3339)",
    "matching_project_ids": "ids of every project with the display name (search only)",
}


class ProjectParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    project_id: str | None = Field(default=None, description="project id, e.g. binderhub-288415")
    display_name: str | None = Field(default=None, description="display name, e.g. binderhub")

    @field_validator("project_id")
    @classmethod
    def _project_id(cls, value: str | None) -> str | None:
        if value is not None and not PROJECT_ID.match(value):
            raise ValueError(
                f"{value!r} is not a project id (6-30 lowercase letters, digits, hyphens)"
            )
        return value

    @model_validator(mode="after")
    def _named(self) -> ProjectParams:
        if self.project_id is None and not (self.display_name or "").strip():
            raise ValueError("give project_id, display_name, or both")
        return self


def _project_values(project: Any) -> dict[str, Any]:
    """The observed fields of one ``resourcemanager_v3.Project``."""
    if not project.name.startswith("projects/") or not project.project_id:
        raise CheckError(
            "Cloud Resource Manager answered with something that is not a project "
            f"(name {project.name!r}, projectId {project.project_id!r})"
        )
    created = project.create_time
    return {
        "exists": True,
        "state": project.state.name,
        "project_id": project.project_id,
        "project_number": project.name.removeprefix("projects/"),
        "display_name": project.display_name,
        "parent": project.parent or None,
        "create_time": created.isoformat() if created else None,
    }


def _by_id(params: ProjectParams, ctx: CheckContext, endpoint: str) -> Observation:
    name = f"projects/{params.project_id}"
    source = f"projects.get {name} at {endpoint}"
    project, evidence = get_project(ctx, name, source)
    if project is None:
        absent = dict.fromkeys(FIELDS)
        absent["exists"] = False
        return Observation(absent, (evidence,))
    values = {**_project_values(project), "matching_project_ids": None}
    return Observation(values, (evidence,))


def _search_query(display_name: str) -> str:
    # Values with spaces need quotes in the search grammar; the match is case-insensitive.
    value = f'"{display_name}"' if re.search(r"\s", display_name) else display_name
    return f"displayName:{value}"


def _by_display_name(params: ProjectParams, ctx: CheckContext, endpoint: str) -> Observation:
    assert params.display_name is not None
    query = _search_query(params.display_name)
    source = f"projects.search {query} at {endpoint}"
    found = search_projects(ctx, query, source, limit=MAX_MATCHES)
    wanted = params.display_name.strip().casefold()
    matches = [p for p in found if p.display_name.strip().casefold() == wanted]
    evidence = (projects_evidence(source, found),)
    if not matches:
        # search lists only what the caller may get: "no such name" and "no permission on it"
        # give the same empty answer, so this is the 403's ambiguity, not a project seen absent.
        raise CheckError(
            f"{source}: no project visible to this identity is named {params.display_name!r}; "
            f"{AMBIGUOUS_SEARCH}",
            evidence=evidence,
        )
    # Several projects may share a display name: report the active one when there is one.
    chosen = next((p for p in matches if p.state.name == "ACTIVE"), matches[0])
    values = {
        **_project_values(chosen),
        "matching_project_ids": [p.project_id for p in matches],
    }
    return Observation(values, evidence)


def observe_project(params: ProjectParams, ctx: CheckContext) -> Observation:
    endpoint = api_endpoint(ctx)
    if params.project_id is not None:
        return _by_id(params, ctx, endpoint)
    return _by_display_name(params, ctx, endpoint)


def _default_expect(params: ProjectParams) -> dict[str, Matcher]:
    expect = {**must_exist(), "state": Matcher(equals="ACTIVE")}
    if params.project_id is not None and params.display_name:
        expect["display_name"] = Matcher(equals=params.display_name)
    return expect


CHECK_TYPES: list[CheckType[Any]] = [
    CheckType(
        name="gcp.project",
        summary="a Google Cloud project exists and is ACTIVE (by project id and/or display name)",
        params=ProjectParams,
        observe=observe_project,
        fields=FIELDS,
        default_expect=_default_expect,
    )
]
