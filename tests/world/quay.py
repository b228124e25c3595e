"""A fake quay.io API (``/api/v1``) in the documented JupyterHub state.

It keeps quay's real permission behaviour, which is the trap the check must handle: an
anonymous caller gets **401** ``invalid_token`` for a repository that is missing *or* private;
a signed-in caller without access gets **403** ``insufficient_scope``; 404 comes only once the
caller may read the namespace. Bodies are the shapes quay's API returns (``endpoints/api``).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from tests.world.httpfake import FakeHTTPService, Reply, Request

TOKEN = "quay-fake-token-0123456789"
DOCUMENTED_REPOSITORIES = (
    "jupyterhub/repo2docker",
    "jupyterhub/k8s-binderhub",
    "jupyterhub/k8s-hub",
    "jupyterhub/jupyterhub",
)
DESCRIPTIONS = {
    "repo2docker": "Turn repositories into Jupyter-enabled Docker images",
    "k8s-binderhub": "BinderHub image for the BinderHub Helm chart",
    "k8s-hub": "JupyterHub image for the Zero to JupyterHub Helm chart",
    "jupyterhub": "JupyterHub: multi-user server for Jupyter notebooks",
}


def _problem(status: int, error_type: str, detail: str) -> Reply:
    """quay's application/problem+json error body (endpoints/exception.py)."""
    return Reply.json(
        {
            "detail": detail,
            "error_message": detail,
            "error_type": error_type,
            "title": error_type,
            "type": f"https://quay.io/api/v1/error/{error_type}",
            "status": status,
        },
        status,
    )


def requires_authentication() -> Reply:
    return _problem(401, "invalid_token", "Requires authentication")


def _quay_date(ts: float) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S -0000", time.gmtime(ts))


class FakeQuay(FakeHTTPService):
    def __init__(self) -> None:
        super().__init__("quay")
        self.organizations: set[str] = set()
        self.repositories: dict[str, dict[str, Any]] = {}
        self.reset_hooks.append(self._documented)
        self._documented()
        self.route("GET", "/api/v1/organization/{org}")(self._organization)
        self.route("GET", "/api/v1/repository/{ns}/{name}")(self._repository)
        self.route("GET", "/api/v1/repository/{ns}/{name}/tag")(self._tags)

    # --- the documented world and ways to drift it ------------------------------------------
    def _documented(self) -> None:
        self.organizations = {"jupyterhub"}
        pushed = time.time() - 2 * 86400
        self.repositories = {
            full: {
                "description": DESCRIPTIONS[full.split("/")[1]],
                "is_public": True,
                "state": "NORMAL",
                "tags": {"latest": pushed, "2024.07.0": pushed - 86400 * 90},
            }
            for full in DOCUMENTED_REPOSITORIES
        }

    def delete_repository(self, full_name: str) -> None:
        del self.repositories[full_name]

    def make_private(self, full_name: str) -> None:
        self.repositories[full_name]["is_public"] = False

    def delete_tag(self, full_name: str, tag: str) -> None:
        del self.repositories[full_name]["tags"][tag]

    def delete_organization(self, org: str) -> None:
        self.organizations.discard(org)

    # --- the API --------------------------------------------------------------------------
    def _signed_in(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {TOKEN}"

    def _readable(self, request: Request) -> tuple[dict[str, Any] | None, Reply | None]:
        """quay's require_repo_read: permission first, existence after."""
        full = f"{request.params['ns']}/{request.params['name']}"
        repo = self.repositories.get(full)
        signed_in = self._signed_in(request)
        if request.headers.get("authorization") and not signed_in:
            return None, _problem(401, "invalid_token", "Invalid bearer token format")
        if repo is None or not (repo["is_public"] or signed_in):
            if not signed_in:
                return None, requires_authentication()
            if request.params["ns"] not in self.organizations:
                return None, _problem(403, "insufficient_scope", "Unauthorized")
            return None, _problem(404, "not_found", "Not Found")
        return repo, None

    def _organization(self, request: Request) -> Reply:
        org = request.params["org"]
        if org not in self.organizations:
            return _problem(404, "not_found", "Not Found")
        return Reply.json(
            {
                "name": org,
                "email": "",
                "avatar": {
                    "name": org,
                    "hash": "3d2ad8a7a4f2e5a2c8d1a4c0f6a9b1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c",
                    "color": "#e377c2",
                    "kind": "org",
                },
                "is_admin": False,
                "is_member": False,
            }
        )

    def _repository(self, request: Request) -> Reply:
        repo, refusal = self._readable(request)
        if refusal is not None:
            return refusal
        assert repo is not None
        data = {
            "namespace": request.params["ns"],
            "name": request.params["name"],
            "kind": "image",
            "description": repo["description"],
            "is_public": repo["is_public"],
            "is_organization": request.params["ns"] in self.organizations,
            "is_starred": False,
            "status_token": "" if repo["is_public"] else "c0ffee",
            "trust_enabled": False,
            "tag_expiration_s": 1209600,
            "is_free_account": True,
            "state": repo["state"],
            "can_write": False,
            "can_admin": False,
        }
        if request.query.get("includeTags", "true").lower() not in ("false", "0"):
            data["tags"] = {
                name: {"name": name, "size": 412_000_000, "last_modified": _quay_date(ts)}
                for name, ts in repo["tags"].items()
            }
        return Reply.json(data)

    def _tags(self, request: Request) -> Reply:
        repo, refusal = self._readable(request)
        if refusal is not None:
            return refusal
        assert repo is not None
        wanted = request.query.get("specificTag")
        tags = [
            {
                "name": name,
                "reversion": False,
                "start_ts": int(ts),
                "manifest_digest": "sha256:" + hashlib.sha256(name.encode()).hexdigest(),
                "is_manifest_list": True,
                "size": None,
                "last_modified": _quay_date(ts),
            }
            for name, ts in sorted(repo["tags"].items(), key=lambda item: -item[1])
            if wanted is None or name == wanted
        ]
        limit = int(request.query.get("limit", "50"))
        return Reply.json({"tags": tags[:limit], "page": 1, "has_additional": len(tags) > limit})

    def not_found(self, request: Request) -> Reply:
        return _problem(404, "not_found", "Not Found")

    def env(self) -> dict[str, str]:
        return {"CHECKER_QUAY_URL": self.url}


def start() -> FakeQuay:
    service = FakeQuay()
    service.start()
    return service
