"""A fake Docker Hub API (``hub.docker.com/v2``) in the documented JupyterHub state.

Repositories answer like ``GET /v2/namespaces/{ns}/repositories/{name}`` does (a private one is a
404 to an anonymous caller, as on Docker Hub); the organisation answers on ``/v2/orgs/{org}/``,
or, with ``orgs_need_login``, refuses anonymous callers there as an API that wants a login would;
``/v2/users/{name}/`` sends an organisation's name on to ``/v2/orgs/{name}`` (308), as Docker Hub
does. The namespace listing (``/v2/namespaces/{ns}/repositories`` and the older
``/v2/repositories/{ns}/``) answers like Docker Hub's: 200 ``count: 0`` with no results for a
namespace that does not exist (docker/hub-feedback#2357), 404 only past the first page. Rate
limiting uses Docker Hub's ``X-Retry-After`` (a unix time).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.world.httpfake import FakeHTTPService, Reply, Request

DOCUMENTED_REPOSITORIES = (
    "jupyterhub/jupyterhub",
    "jupyterhub/k8s-binderhub",
    "jupyterhub/k8s-hub",
)
NOT_FOUND = {"errinfo": None, "message": "not found"}


def hub_time(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class FakeDockerHub(FakeHTTPService):
    def __init__(self) -> None:
        super().__init__("dockerhub")
        self.organizations: set[str] = set()
        self.repositories: dict[str, dict[str, Any]] = {}
        self.orgs_need_login = False
        self.reset_hooks.append(self._documented)
        self._documented()
        self.route("GET", "/v2/namespaces/{ns}/repositories/{name}")(self._repository)
        self.route("GET", "/v2/namespaces/{ns}/repositories")(self._listing)
        self.route("GET", "/v2/repositories/{ns}")(self._listing)
        self.route("GET", "/v2/orgs/{org}")(self._organization)
        self.route("GET", "/v2/users/{name}")(self._user)

    # --- the documented world and ways to drift it ------------------------------------------
    def _documented(self) -> None:
        self.organizations = {"jupyterhub"}
        self.orgs_need_login = False
        now = datetime.now(timezone.utc)
        self.repositories = {
            full: {"is_private": False, "last_updated": now - timedelta(days=3, hours=index)}
            for index, full in enumerate(DOCUMENTED_REPOSITORIES)
        }

    def delete_repository(self, full_name: str) -> None:
        del self.repositories[full_name]

    def make_private(self, full_name: str) -> None:
        self.repositories[full_name]["is_private"] = True

    def set_last_updated(self, full_name: str, days_ago: float) -> None:
        self.repositories[full_name]["last_updated"] = datetime.now(timezone.utc) - timedelta(
            days=days_ago
        )

    def delete_organization(self, org: str) -> None:
        self.organizations.discard(org)
        for full in [f for f in self.repositories if f.startswith(f"{org}/")]:
            del self.repositories[full]

    def rate_limit(self, seconds: int = 1, **options: Any) -> None:
        """429 the way Docker Hub does it: X-Retry-After is a unix time, not a delay."""
        headers = {"X-Retry-After": str(int(time.time()) + seconds), "X-RateLimit-Remaining": "0"}
        self.inject(
            "rate_limit",
            retry_after=None,
            headers=headers,
            body=b'{"detail": "Rate limit exceeded", "error": false}',
            **options,
        )

    # --- the API --------------------------------------------------------------------------
    def _repository_json(self, full: str) -> dict[str, Any]:
        namespace, name = full.split("/")
        repo = self.repositories[full]
        return {
            "user": namespace,
            "name": name,
            "namespace": namespace,
            "repository_type": "image",
            "status": 1,
            "status_description": "active",
            "description": f"{name} image, built by the jupyterhub project",
            "is_private": repo["is_private"],
            "is_automated": False,
            "star_count": 37,
            "pull_count": 10_512_337,
            "last_updated": hub_time(repo["last_updated"]),
            "last_modified": hub_time(repo["last_updated"]),
            "date_registered": "2017-03-14T09:02:33.529476Z",
            "collaborator_count": 0,
            "affiliation": None,
            "hub_user": namespace,
            "has_starred": False,
            "full_description": f"# {name}\n\nSee https://github.com/jupyterhub",
            "permissions": {"read": True, "write": False, "admin": False},
            "media_types": ["application/vnd.oci.image.index.v1+json"],
            "content_types": ["image"],
            "categories": [],
            "immutable_tags_settings": {"enabled": False, "rules": []},
            "storage_size": 8_917_402_112,
        }

    def _visible(self, full: str) -> bool:
        return full in self.repositories and not self.repositories[full]["is_private"]

    def _repository(self, request: Request) -> Reply:
        full = f"{request.params['ns']}/{request.params['name']}"
        if not self._visible(full):
            return Reply.json(NOT_FOUND, 404)
        return Reply.json(self._repository_json(full))

    def _listing(self, request: Request) -> Reply:
        # Docker Hub does not say whether the namespace exists: an unknown one is an empty list.
        namespace = request.params["ns"]
        names = sorted(f for f in self.repositories if f.startswith(f"{namespace}/"))
        visible = [self._repository_json(f) for f in names if self._visible(f)]
        size = int(request.query.get("page_size", "10"))
        page = int(request.query.get("page", "1"))
        results = visible[(page - 1) * size : page * size]
        if page > 1 and not results:
            return Reply.json(NOT_FOUND, 404)
        return Reply.json(
            {"count": len(visible), "next": None, "previous": None, "results": results}
        )

    def _user(self, request: Request) -> Reply:
        name = request.params["name"]
        if name in self.organizations:
            return Reply(308, b"", {"Location": f"/v2/orgs/{name}"})
        return Reply.json(NOT_FOUND, 404)

    def _organization(self, request: Request) -> Reply:
        if self.orgs_need_login:
            return Reply.json({"detail": "Authentication credentials were not provided."}, 401)
        org = request.params["org"]
        if org not in self.organizations:
            return Reply.json(NOT_FOUND, 404)
        return Reply.json(
            {
                "id": "5d1a8c4a0b7b4d0f9a3e2c1b0a9d8e7f",
                "orgname": org,
                "full_name": "Project Jupyter: JupyterHub",
                "location": "",
                "company": "Project Jupyter",
                "profile_url": "https://jupyter.org",
                "date_joined": "2015-03-02T18:21:44.512372Z",
                "gravatar_url": "",
                "gravatar_email": "",
                "type": "Organization",
                "badge": "open_source",
                "is_active": True,
            }
        )

    def not_found(self, request: Request) -> Reply:
        return Reply.json(NOT_FOUND, 404)

    def env(self) -> dict[str, str]:
        return {"CHECKER_DOCKERHUB_URL": self.url}


def start() -> FakeDockerHub:
    service = FakeDockerHub()
    service.start()
    return service
