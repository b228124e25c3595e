"""A fake Cloud Resource Manager v3 REST API in the documented Binder state.

``GET /v3/projects/{id}`` and ``GET /v3/projects:search`` answer with the real ``Project`` JSON;
a project that does not exist, or that the caller may not see, is the real 403
``PERMISSION_DENIED`` "(or it may not exist)". Enums honour ``$alt=json;enum-encoding=int`` as
Google's frontends do. The same server plays two neighbours the credentials lookup talks to: a
link-local "metadata" address that is *not* a GCE metadata server (no ``Metadata-Flavor``), and
the STS token endpoint for workload identity credentials whose ``token_url`` points here.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

from tests.world.httpfake import FakeHTTPService, Reply, Request

STATES = {"STATE_UNSPECIFIED": 0, "ACTIVE": 1, "DELETE_REQUESTED": 2}
ACCESS_TOKEN = "ya29.fake-access-token"
METADATA_ACCOUNT = "/computeMetadata/v1/instance/service-accounts/default/"
SUBJECT_TOKEN = "eyJhbGciOiJSUzI1NiJ9.fake-github-oidc-token.sig"


def google_error(code: int, status: str, message: str, details: list[Any] | None = None) -> Reply:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details is not None:
        error["details"] = details
    return Reply.json({"error": error}, code)


def permission_denied(project: str) -> Reply:
    resource = f"//cloudresourcemanager.googleapis.com/projects/{project}"
    return google_error(
        403,
        "PERMISSION_DENIED",
        f"Permission 'resourcemanager.projects.get' denied on resource '{resource}' "
        "(or it may not exist).",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "IAM_PERMISSION_DENIED",
                "domain": "cloudresourcemanager.googleapis.com",
                "metadata": {
                    "permission": "resourcemanager.projects.get",
                    "resource": f"projects/{project}",
                },
            }
        ],
    )


CONSUMER = "123456789012"  # the project the credentials belong to (billed for API calls)


def service_disabled() -> Reply:
    """Google's 403 when the API is not enabled in the caller's own project."""
    activation = (
        "https://console.developers.google.com/apis/api/cloudresourcemanager.googleapis.com/"
        f"overview?project={CONSUMER}"
    )
    message = (
        f"Cloud Resource Manager API has not been used in project {CONSUMER} before or it is "
        f"disabled. Enable it by visiting {activation} then retry. If you enabled this API "
        "recently, wait a few minutes for the action to propagate to our systems and retry."
    )
    return google_error(
        403,
        "PERMISSION_DENIED",
        message,
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "SERVICE_DISABLED",
                "domain": "googleapis.com",
                "metadata": {
                    "activationUrl": activation,
                    "consumer": f"projects/{CONSUMER}",
                    "containerInfo": CONSUMER,
                    "service": "cloudresourcemanager.googleapis.com",
                    "serviceTitle": "Cloud Resource Manager API",
                },
            },
            {
                "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                "locale": "en-US",
                "message": message,
            },
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [
                    {"description": "Google developers console API activation", "url": activation}
                ],
            },
        ],
    )


def scope_insufficient(method: str) -> Reply:
    """Google's 403 for a token minted without a scope the method needs."""
    return google_error(
        403,
        "PERMISSION_DENIED",
        "Request had insufficient authentication scopes.",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                "domain": "googleapis.com",
                "metadata": {
                    "service": "cloudresourcemanager.googleapis.com",
                    "method": f"google.cloud.resourcemanager.v3.Projects.{method}",
                },
            }
        ],
    )


class FakeResourceManager(FakeHTTPService):
    def __init__(self) -> None:
        super().__init__("gcp")
        self.projects: dict[str, dict[str, Any]] = {}
        self.hidden: set[str] = set()
        self.require_token = False
        self.api_disabled = False
        self.narrow_scope = False
        self.reset_hooks.append(self._documented)
        self._documented()
        self.route("GET", "/v3/projects:search")(self._search)
        self.route("GET", "/v3/projects/{id}")(self._get)
        self.route("POST", "/v1/token")(self._token)
        self.route("GET", "/")(self._not_a_metadata_server)
        for path in (METADATA_ACCOUNT, METADATA_ACCOUNT + "token"):
            self.route("GET", path)(self._metadata)

    # --- the documented world and ways to drift it ------------------------------------------
    def _documented(self) -> None:
        self.hidden = set()
        self.require_token = False
        self.api_disabled = False  # the API is off in the credentials' own project
        self.narrow_scope = False  # the token lacks the cloud-platform(.read-only) scope
        # When set, "/" is a GCE metadata server whose service-account endpoints answer this
        # status (a metadata server having a bad moment); None: not a metadata server at all.
        self.metadata_status: int | None = None
        self.projects = {
            "binderhub-288415": {
                "name": "projects/487146235125",
                "parent": "organizations/781256453012",
                "projectId": "binderhub-288415",
                "state": "ACTIVE",
                "displayName": "binderhub",
                "createTime": "2020-09-08T16:12:47.513Z",
                "updateTime": "2023-02-14T09:30:11.204Z",
                "etag": 'W/"a3f1c2e5b7d90d8e"',
                "labels": {"firebase": "enabled"},
            }
        }

    def request_deletion(self, project_id: str) -> None:
        self.projects[project_id]["state"] = "DELETE_REQUESTED"

    def delete_project(self, project_id: str) -> None:
        del self.projects[project_id]

    def deny(self, project_id: str) -> None:
        """The caller loses resourcemanager.projects.get on an existing project."""
        self.hidden.add(project_id)

    def rename(self, project_id: str, display_name: str) -> None:
        self.projects[project_id]["displayName"] = display_name

    # --- the API --------------------------------------------------------------------------
    def _render(self, request: Request, project: dict[str, Any]) -> dict[str, Any]:
        alt = request.query.get("$alt", "")
        if "enum-encoding=int" in alt:
            return {**project, "state": STATES[project["state"]]}
        return dict(project)

    def _unauthenticated(self, request: Request, method: str) -> Reply | None:
        if self.require_token and request.headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            return google_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                "login cookie or other valid authentication credential.",
            )
        if self.api_disabled:
            return service_disabled()
        if self.narrow_scope:
            return scope_insufficient(method)
        return None

    def _find(self, key: str) -> dict[str, Any] | None:
        for project_id, project in self.projects.items():
            if key in (project_id, project["name"].removeprefix("projects/")):
                return None if project_id in self.hidden else project
        return None

    def _get(self, request: Request) -> Reply:
        refusal = self._unauthenticated(request, "GetProject")
        if refusal is not None:
            return refusal
        project = self._find(request.params["id"])
        if project is None:
            return permission_denied(request.params["id"])
        return Reply.json(self._render(request, project))

    def _search(self, request: Request) -> Reply:
        refusal = self._unauthenticated(request, "SearchProjects")
        if refusal is not None:
            return refusal
        query = request.query.get("query", "")
        match = re.fullmatch(r'\s*(displayName|id):\s*"?([^"]*)"?\s*', query, re.IGNORECASE)
        if match is None and query:
            return google_error(
                400, "INVALID_ARGUMENT", f"Request contains an invalid query: {query}"
            )
        visible = [p for pid, p in self.projects.items() if pid not in self.hidden]
        if match is not None:
            key = "displayName" if match.group(1).lower() == "displayname" else "projectId"
            visible = [p for p in visible if p[key].casefold() == match.group(2).casefold()]
        if not visible:
            return Reply.json({})  # Google omits empty repeated fields
        return Reply.json({"projects": [self._render(request, p) for p in visible]})

    def _token(self, request: Request) -> Reply:
        """Google STS: exchange the CI's OIDC token for an access token."""
        form = {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}
        if (
            form.get("grant_type") != "urn:ietf:params:oauth:grant-type:token-exchange"
            or form.get("subject_token") != SUBJECT_TOKEN
        ):
            return Reply.json(
                {
                    "error": "invalid_grant",
                    "error_description": "The audience in ID Token does not match the "
                    "expected audience.",
                },
                400,
            )
        return Reply.json(
            {
                "access_token": ACCESS_TOKEN,
                "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
                "token_type": "Bearer",
                "expires_in": 3599,
            }
        )

    def _not_a_metadata_server(self, request: Request) -> Reply:
        if self.metadata_status is None:
            return Reply.text("not found", 404)
        return Reply(200, b"computeMetadata/\n", {"Metadata-Flavor": "Google"})

    def _metadata(self, request: Request) -> Reply:
        if self.metadata_status is None:
            return Reply.text("not found", 404)
        reply = Reply.text("Service Unavailable", self.metadata_status)
        return Reply(reply.status, reply.body, {**reply.headers, "Metadata-Flavor": "Google"})

    def error_reply(self, status: int) -> Reply:
        if status == 503:
            return google_error(503, "UNAVAILABLE", "The service is currently unavailable.")
        return google_error(status, "INTERNAL", "Internal error encountered.")

    def not_found(self, request: Request) -> Reply:
        return google_error(404, "NOT_FOUND", "Requested entity was not found.")

    def workload_identity_file(self, subject_token_file: str) -> dict[str, Any]:
        """The credentials file google-github-actions/auth writes for workload identity
        federation, with its STS ``token_url`` pointed here."""
        return {
            "type": "external_account",
            "audience": "//iam.googleapis.com/projects/487146235125/locations/global/"
            "workloadIdentityPools/github/providers/mybinder",
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": f"{self.url}/v1/token",
            "credential_source": {"file": subject_token_file},
        }

    def env(self) -> dict[str, str]:
        # The metadata probe lands here (not a GCE metadata server) instead of 169.254.169.254.
        return {"CHECKER_GCP_ENDPOINT": self.url, "GCE_METADATA_IP": f"127.0.0.1:{self.port}"}


def start() -> FakeResourceManager:
    service = FakeResourceManager()
    service.start()
    return service
