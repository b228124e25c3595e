"""A fake GitHub REST API (v3) on loopback, answering like api.github.com.

Documented world: organisation ``jupyterhub`` with repositories ``jupyterhub/jupyterhub``,
``jupyterhub/mybinder.org-deploy`` and ``jupyterhub/binderhub``; the repository issues are
synced to is ``jupyterhub/infra-checks`` (empty, issues enabled). ``jupyterhub/no-issues`` has
issues disabled (410).

Real shapes and quirks modelled: every answer carries ``x-ratelimit-*`` headers; errors are
``{"message", "documentation_url", "status"}``; list endpoints paginate with ``per_page``
(default 30, max 100) and ``Link`` headers; the issues list includes pull requests (with a
``pull_request`` key); label filters are ANDed and an unknown label lists nothing; writes need a
token (401 without one, 403 for a read-only token); bodies over 65,536 characters are 422.
Faults specific to GitHub: :meth:`fail_next` (a 5xx, optionally *after* the write took
effect, as a real 502 on create can) and :meth:`secondary_limit` (403 with ``Retry-After``).

What people and GitHub do to issues, answered as GitHub answers (bodies as recorded in public
bug reports of probot/stale, actions/stale, renovatebot/renovate and others):
- :meth:`lock_issue`: edits and closes still work; a comment is 403 "Unable to create comment
  because issue is locked." (documentation_url: the locking-conversations article);
- :meth:`delete_issue`: gone from lists; the issue itself answers 410 "This issue was deleted"
  (while a repository with issues off answers 410 "Issues are disabled for this repo");
- :meth:`archive_repository`: reads work; every write is 403 "Repository was archived so is
  read-only.";
- ``state_reason``: closing records ``completed`` unless told ``not_planned``; reopening records
  ``reopened``; it is ignored unless the state changes, and any other value is a 422 with
  ``errors[]``;
- a token without push access (``NO_LABEL_TOKEN``) has the labels it sets silently dropped, on
  create and on update (REST docs: "Labels are silently dropped otherwise");
- the issue list's ``Link`` header points at ``/repositories/{id}/issues?page=N``, as GitHub's
  does, and that URL answers too;
- :meth:`before`: run something (another run's create, a person's edit) just before a request.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.world.httpfake import FakeHTTPService, Reply, Request

# The team page (a vendored copy, see tests/data/document/README.md), served by the contents API.
TEAM_PAGE = ("jupyterhub/team-compass", "main", "docs/team/shared-infrastructure.md")
TEAM_PAGE_FILE = Path(__file__).resolve().parent.parent / "data/document/shared-infrastructure.md"

DOCS = "https://docs.github.com/rest"
TOKEN = "ghs_fakeTokenForTheLoopbackWorld0123456789"
READ_ONLY_TOKEN = "ghs_fakeReadOnlyTokenForTheLoopbackWorld"
# Can file issues but, lacking triage/push access, GitHub silently drops the labels it sets.
NO_LABEL_TOKEN = "ghs_fakeTokenWithoutTriageAccess00000000"
ISSUES_REPO = "jupyterhub/infra-checks"
BODY_LIMIT = 65536
NOW = "2026-11-25T22:00:00Z"

USER = {
    "login": "github-actions[bot]",
    "id": 41898282,
    "node_id": "MDM6Qm90NDE4OTgyODI=",
    "type": "Bot",
    "site_admin": False,
}


@dataclass
class _WriteFault:
    method: str | None  # None: any method
    path_prefix: str
    status: int
    after: bool  # True: the write happens, then the error is returned
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str = ""
    errors: list[dict[str, str]] | None = None


@dataclass
class _Hook:
    method: str
    path: str
    action: Callable[[Request], object]
    skip: int  # matching requests to let through first


STATE_REASONS = ("completed", "not_planned", "reopened")
LOCKED_DOC = "https://docs.github.com/articles/locking-conversations/"


class FakeGitHub(FakeHTTPService):
    def __init__(self) -> None:
        super().__init__("github")
        self.state_lock = threading.RLock()
        self.write_faults: list[_WriteFault] = []
        self.rate_remaining = 4999
        self.write_budget: int | None = None
        self._ids = itertools.count(2_000_000_000)
        self.orgs: dict[str, dict[str, Any]] = {}
        self.repos: dict[str, dict[str, Any]] = {}
        self.issues: dict[str, list[dict[str, Any]]] = {}
        self.comments: dict[tuple[str, int], list[dict[str, Any]]] = {}
        # Label names are case-insensitive on GitHub: keyed here by their casefold.
        self.labels: dict[str, dict[str, dict[str, Any]]] = {}
        self.renamed: dict[str, str] = {}
        self.hooks: list[_Hook] = []
        # (owner/repo, ref, path) -> bytes; a private repository's files need a token.
        self.files: dict[tuple[str, str, str], bytes] = {}
        self.private_repos: set[str] = set()
        self._routes_setup()
        self._contents_route()
        self.reset_hooks.append(self.documented)

    # --- the documented world --------------------------------------------------------------
    def documented(self) -> None:
        with self.state_lock:
            self.write_faults.clear()
            self.hooks = []
            self.rate_remaining = 4999
            self.write_budget = None
            self.orgs = {"jupyterhub": self._org_json("jupyterhub", "JupyterHub")}
            self.repos, self.issues, self.comments, self.labels = {}, {}, {}, {}
            self.renamed = {}
            for name in ("jupyterhub", "mybinder.org-deploy", "binderhub", "infra-checks"):
                self.add_repository(f"jupyterhub/{name}")
            self.add_repository("jupyterhub/no-issues", has_issues=False)
            self.files = {TEAM_PAGE: TEAM_PAGE_FILE.read_bytes()}
            self.private_repos = set()

    def _org_json(self, login: str, name: str) -> dict[str, Any]:
        return {
            "login": login,
            "id": 17927519,
            "node_id": "MDEyOk9yZ2FuaXphdGlvbjE3OTI3NTE5",
            "url": f"{self.url}/orgs/{login}",
            "repos_url": f"{self.url}/orgs/{login}/repos",
            "avatar_url": "https://avatars.githubusercontent.com/u/17927519?v=4",
            "description": "",
            "name": name,
            "company": None,
            "blog": "https://jupyter.org/hub",
            "location": None,
            "email": None,
            "is_verified": True,
            "has_organization_projects": True,
            "has_repository_projects": True,
            "public_repos": 110,
            "public_gists": 0,
            "followers": 1000,
            "following": 0,
            "html_url": f"https://github.com/{login}",
            "created_at": "2016-03-17T17:51:26Z",
            "updated_at": "2024-01-01T00:00:00Z",
            "type": "Organization",
        }

    def add_repository(self, full_name: str, *, has_issues: bool = True) -> None:
        owner, name = full_name.split("/")
        with self.state_lock:
            self.repos[full_name] = {
                "id": next(self._ids),
                "node_id": "R_kgDOfake",
                "name": name,
                "full_name": full_name,
                "private": False,
                "visibility": "public",
                "owner": {"login": owner, "id": 17927519, "type": "Organization"},
                "html_url": f"https://github.com/{full_name}",
                "description": None,
                "fork": False,
                "url": f"{self.url}/repos/{full_name}",
                "archived": False,
                "disabled": False,
                "has_issues": has_issues,
                "default_branch": "main",
                "created_at": "2016-03-17T17:51:26Z",
                "pushed_at": "2026-11-20T10:00:00Z",
                "open_issues_count": 0,
            }
            self.issues.setdefault(full_name, [])
            self.labels.setdefault(full_name, {})

    def rename_repository(self, old: str, new: str) -> None:
        """GitHub keeps answering the old name, with a 301 to /repositories/{id}."""
        with self.state_lock:
            repo = self.repos.pop(old)
            name = new.split("/")[1]
            repo.update(full_name=new, name=name, html_url=f"https://github.com/{new}")
            repo["url"] = f"{self.url}/repos/{new}"
            self.repos[new] = repo
            self.renamed[old] = new

    def issue(self, number: int, repo: str = ISSUES_REPO) -> dict[str, Any]:
        """The live record of an issue (edit it to act as a person would)."""
        with self.state_lock:
            return next(i for i in self.issues[repo] if i["number"] == number)

    def lock_issue(self, number: int, reason: str = "too heated", repo: str = ISSUES_REPO) -> None:
        with self.state_lock:
            self.issue(number, repo).update(locked=True, active_lock_reason=reason)

    def delete_issue(self, number: int, repo: str = ISSUES_REPO) -> None:
        """Deleted by an admin: no longer listed; the issue itself answers 410."""
        with self.state_lock:
            self.issue(number, repo)["_deleted"] = True

    def archive_repository(self, full_name: str) -> None:
        with self.state_lock:
            self.repos[full_name]["archived"] = True

    def before(
        self, method: str, path: str, action: Callable[[Request], object], *, skip: int = 0
    ) -> None:
        """Run ``action`` just before the matching request (after ``skip`` of them) is
        answered: another run's write, or a person's edit, landing at exactly that moment."""
        with self.state_lock:
            self.hooks.append(_Hook(method, path, action, skip))

    def _run_hooks(self, request: Request) -> None:
        with self.state_lock:
            for hook in list(self.hooks):
                if hook.method == request.method and request.path == hook.path:
                    if hook.skip > 0:
                        hook.skip -= 1
                        continue
                    self.hooks.remove(hook)
                    hook.action(request)

    def delete_organization(self, login: str) -> None:
        with self.state_lock:
            self.orgs.pop(login, None)

    def delete_repository(self, full_name: str) -> None:
        with self.state_lock:
            self.repos.pop(full_name, None)

    # --- faults GitHub-style -----------------------------------------------------------------
    def fail_next(
        self,
        method: str | None,
        path_prefix: str,
        *,
        status: int = 502,
        after: bool = False,
        times: int = 1,
        message: str = "",
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        """The next ``times`` matching calls answer ``status``; with ``after`` they took effect
        first (a 502 on a create that did create the issue). With ``message`` (and ``errors``,
        as a 422 has) the answer is GitHub's JSON error instead of a bare 5xx page."""
        with self.state_lock:
            self.write_faults.append(
                _WriteFault(method, path_prefix, status, after, times, {}, message, errors)
            )

    def cut_writes_after(self, count: int) -> None:
        """Model a run killed after ``count`` writes: the next write takes effect but its answer
        is lost (502), and every later write fails without effect."""
        with self.state_lock:
            self.write_budget = count

    def secondary_limit(
        self, method: str | None, path_prefix: str, *, retry_after: int | None = 1
    ) -> None:
        """One 403 secondary rate limit, as GitHub sends it (``None``: without ``Retry-After``,
        when GitHub's docs say to wait at least a minute)."""
        with self.state_lock:
            self.write_faults.append(
                _WriteFault(
                    method,
                    path_prefix,
                    403,
                    False,
                    1,
                    {} if retry_after is None else {"Retry-After": str(retry_after)},
                    "You have exceeded a secondary rate limit. Please wait a few minutes before "
                    "you try again. If you reach out to GitHub Support for help, please include "
                    "the request ID 0000:1111:2222:3333:4444.",
                )
            )

    def primary_limit_exhausted(self) -> None:
        """Every call now gets 403 with x-ratelimit-remaining: 0 (anonymous callers' fate)."""
        with self.state_lock:
            self.rate_remaining = 0

    def moved_permanently(self, path: str, location: str) -> None:
        """``path`` answers GitHub's 301 (as a renamed Enterprise Server host, or http sent on
        to https, does) pointing at ``location``."""
        body = {
            "message": "Moved Permanently",
            "url": location,
            "documentation_url": "https://docs.github.com/v3/#http-redirects",
        }
        self.inject(
            "status",
            status=301,
            path_prefix=path,
            body=json.dumps(body).encode(),
            headers={"Location": location, "Content-Type": "application/json; charset=utf-8"},
        )

    def require_login(self) -> None:
        """Calls answer 401 "Must authenticate", as an Enterprise Server in private mode answers
        anonymous callers (the fault does not look at tokens: ask anonymously)."""
        body = {"message": "Must authenticate to access this API.", "documentation_url": DOCS}
        self.inject(
            "status",
            status=401,
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )

    # --- helpers ---------------------------------------------------------------------------------
    def _rate_headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": str(self.rate_remaining),
            "x-ratelimit-reset": str(int(time.time()) + 3600),
            "x-ratelimit-used": str(5000 - self.rate_remaining),
            "x-ratelimit-resource": "core",
            "x-github-api-version-selected": "2022-11-28",
            "x-github-request-id": "0000:1111:2222:3333:4444",
        }

    def error(self, status: int, message: str, doc: str = DOCS, **extra: Any) -> Reply:
        return Reply.json(
            {"message": message, "documentation_url": doc, "status": str(status), **extra}, status
        )

    def not_found(self, request: Request) -> Reply:
        return self.error(404, "Not Found")

    def error_reply(self, status: int) -> Reply:
        reply = (
            Reply.text("<html><body><h1>502 Bad Gateway</h1></body></html>", status, "text/html")
            if status == 502
            else Reply.json({"message": "Server Error"}, status)
        )
        reply.headers.update(self._rate_headers())
        return reply

    def env(self) -> dict[str, str]:
        return {"GITHUB_API_URL": self.url}

    def _token(self, request: Request) -> str | None:
        auth = request.headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        return value if scheme.lower() in ("token", "bearer") else None

    def _spend_write(self) -> int | None:
        """Count a write against the budget; the remaining budget once it is overspent."""
        with self.state_lock:
            if self.write_budget is None:
                return None
            self.write_budget -= 1
            return self.write_budget if self.write_budget < 0 else None

    def _take_write_fault(self, request: Request) -> _WriteFault | None:
        with self.state_lock:
            for fault in self.write_faults:
                if fault.method in (None, request.method) and request.path.startswith(
                    fault.path_prefix
                ):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.write_faults.remove(fault)
                    return fault
        return None

    def dispatch(self, request: Request) -> Reply:
        self._run_hooks(request)
        token = self._token(request)
        if token is not None and token not in (TOKEN, READ_ONLY_TOKEN, NO_LABEL_TOKEN):
            reply = self.error(401, "Bad credentials")
        elif self.rate_remaining <= 0:
            reply = self.error(
                403,
                "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated "
                "requests get a higher rate limit. Check out the documentation for more details.)",
                "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting",
            )
        elif request.method != "GET" and token is None:
            reply = self.error(401, "Requires authentication")
        elif request.method != "GET" and token == READ_ONLY_TOKEN:
            reply = self.error(403, "Resource not accessible by integration")
        elif request.method != "GET" and self._archived(request.path):
            reply = self.error(
                403, "Repository was archived so is read-only.", f"{DOCS}/issues/issues"
            )
        elif request.method != "GET" and self._spend_write() is not None:
            with self.state_lock:
                if self.write_budget == -1:  # the write that was under way at the kill
                    super().dispatch(request)
            reply = self.error_reply(502)
        else:
            fault = self._take_write_fault(request)
            if fault is None:
                reply = super().dispatch(request)
            elif fault.after:
                super().dispatch(request)
                reply = self.error_reply(fault.status)
            elif fault.message:
                extra: dict[str, Any] = {} if fault.errors is None else {"errors": fault.errors}
                reply = self.error(fault.status, fault.message, **extra)
                reply.headers.update(fault.headers)
            else:
                reply = self.error_reply(fault.status)
        reply.headers.update(self._rate_headers())
        return reply

    def _archived(self, path: str) -> bool:
        parts = path.split("/")
        if len(parts) < 4 or parts[1] != "repos":
            return False
        with self.state_lock:
            repo = self.repos.get(f"{parts[2]}/{parts[3]}")
            return bool(repo and repo["archived"])

    def _page(
        self, request: Request, items: list[dict[str, Any]], path: str | None = None
    ) -> Reply:
        per_page = min(int(request.query.get("per_page", "30")), 100)
        page = max(int(request.query.get("page", "1")), 1)
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]

        def link(n: int) -> str:
            query = {**request.query, "page": str(n), "per_page": str(per_page)}
            return f"<{self.url}{path or request.path}?{urlencode(query)}>"

        links = []
        if page < last:
            links += [f'{link(page + 1)}; rel="next"', f'{link(last)}; rel="last"']
        if page > 1:
            links += [f'{link(1)}; rel="first"', f'{link(page - 1)}; rel="prev"']
        headers = {"Link": ", ".join(links)} if links else {}
        return Reply.json(chunk, 200, headers)

    def _label_json(
        self, repo: str, name: str, color: str, description: str | None
    ) -> dict[str, Any]:
        return {
            "id": next(self._ids),
            "node_id": "LA_kwDOfake",
            "url": f"{self.url}/repos/{repo}/labels/{name}",
            "name": name,
            "color": color,
            "default": False,
            "description": description,
        }

    def _issue_json(self, repo: str, number: int, data: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.url}/repos/{repo}/issues/{number}"
        labels = [
            self.labels[repo].get(name.casefold()) or self._label_json(repo, name, "ededed", None)
            for name in data.get("labels") or []
        ]
        for label in labels:
            self.labels[repo].setdefault(label["name"].casefold(), label)
        return {
            "url": url,
            "repository_url": f"{self.url}/repos/{repo}",
            "labels_url": url + "/labels{/name}",
            "comments_url": url + "/comments",
            "events_url": url + "/events",
            "html_url": f"https://github.com/{repo}/issues/{number}",
            "id": next(self._ids),
            "node_id": "I_kwDOfake",
            "number": number,
            "title": data["title"],
            "user": USER,
            "labels": labels,
            "state": "open",
            "locked": False,
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "comments": 0,
            "created_at": NOW,
            "updated_at": NOW,
            "closed_at": None,
            "author_association": "NONE",
            "active_lock_reason": None,
            "body": data.get("body"),
            "closed_by": None,
            "reactions": {"url": url + "/reactions", "total_count": 0},
            "timeline_url": url + "/timeline",
            "performed_via_github_app": None,
            "state_reason": None,
        }

    # --- state access for tests -----------------------------------------------------------------
    def add_issue(
        self,
        repo: str,
        title: str,
        body: str | None = None,
        labels: tuple[str, ...] = (),
        *,
        state: str = "open",
        pull_request: bool = False,
        state_reason: str | None = None,
    ) -> dict[str, Any]:
        """An issue (or a pull request) filed by someone else, straight into the world."""
        with self.state_lock:
            items = self.issues[repo]
            issue = self._issue_json(
                repo, len(items) + 1, {"title": title, "body": body, "labels": list(labels)}
            )
            issue["state"] = state
            if state == "closed":
                issue["state_reason"] = state_reason or "completed"
                issue["closed_at"] = NOW
            if pull_request:
                issue["pull_request"] = {
                    "url": f"{self.url}/repos/{repo}/pulls/{issue['number']}",
                    "html_url": f"https://github.com/{repo}/pull/{issue['number']}",
                    "diff_url": f"https://github.com/{repo}/pull/{issue['number']}.diff",
                    "patch_url": f"https://github.com/{repo}/pull/{issue['number']}.patch",
                    "merged_at": None,
                }
            items.append(issue)
            return issue

    def managed(self, repo: str = ISSUES_REPO, label: str = "infra-drift") -> list[dict[str, Any]]:
        """Issues (not PRs) carrying ``label``, oldest first."""
        with self.state_lock:
            return [
                i
                for i in self.issues[repo]
                if "pull_request" not in i
                and any(lb["name"].casefold() == label.casefold() for lb in i["labels"])
            ]

    def comments_on(self, number: int, repo: str = ISSUES_REPO) -> list[str]:
        with self.state_lock:
            return [c["body"] for c in self.comments.get((repo, number), [])]

    def writes(self) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.method in ("POST", "PATCH", "PUT", "DELETE"))

    # --- routes ----------------------------------------------------------------------------------
    def _routes_setup(self) -> None:
        route = self.route

        def repo_or_error(request: Request, issues: bool = False) -> tuple[str, Reply | None]:
            full = f"{request.params['owner']}/{request.params['repo']}"
            if full not in self.repos:
                return full, self.not_found(request)
            if issues and not self.repos[full]["has_issues"]:
                return full, self.error(410, "Issues are disabled for this repo", f"{DOCS}/issues")
            return full, None

        def found(item: dict[str, Any] | None, doc: str) -> Reply:
            return Reply.json(item) if item else self.error(404, "Not Found", f"{DOCS}/{doc}")

        @route("GET", "/orgs/{org}")
        def get_org(request: Request) -> Reply:
            with self.state_lock:
                org = self.orgs.get(request.params["org"])
            return found(org, "orgs/orgs#get-an-organization")

        @route("GET", "/repos/{owner}/{repo}")
        def get_repo(request: Request) -> Reply:
            full = f"{request.params['owner']}/{request.params['repo']}"
            with self.state_lock:
                repo = self.repos.get(full)
                moved = self.repos.get(self.renamed.get(full, ""))
            if repo is None and moved is not None:
                location = f"{self.url}/repositories/{moved['id']}"
                body = {
                    "message": "Moved Permanently",
                    "url": location,
                    "documentation_url": "https://docs.github.com/v3/#http-redirects",
                }
                return Reply.json(body, 301, {"Location": location})
            return found(repo, "repos/repos#get-a-repository")

        @route("GET", "/repositories/{ident}")
        def get_repo_by_id(request: Request) -> Reply:
            with self.state_lock:
                ident = int(request.params["ident"])
                repo = next((r for r in self.repos.values() if r["id"] == ident), None)
            return found(repo, "repos/repos#get-a-repository")

        def issues_of(full: str, request: Request) -> Reply:
            # GitHub's Link header names the repository by id, whatever name was asked for.
            with self.state_lock:
                state = request.query.get("state", "open")
                wanted = [w for w in request.query.get("labels", "").split(",") if w]
                items = [
                    i
                    for i in self.issues[full]
                    if not i.get("_deleted")
                    and (state == "all" or i["state"] == state)
                    and all(
                        any(lb["name"].casefold() == w.casefold() for lb in i["labels"])
                        for w in wanted
                    )
                ]
                items.sort(key=lambda i: i["number"], reverse=True)  # newest first
                shown = [{k: v for k, v in i.items() if not k.startswith("_")} for i in items]
                path = f"/repositories/{self.repos[full]['id']}/issues"
                return self._page(request, json.loads(json.dumps(shown)), path)

        @route("GET", "/repos/{owner}/{repo}/issues")
        def list_issues(request: Request) -> Reply:
            with self.state_lock:
                full, failed = repo_or_error(request, issues=True)
            return failed or issues_of(full, request)

        @route("GET", "/repositories/{ident}/issues")
        def list_issues_by_id(request: Request) -> Reply:
            with self.state_lock:
                ident = int(request.params["ident"])
                full = next((n for n, r in self.repos.items() if r["id"] == ident), None)
                if full is None:
                    return self.not_found(request)
                if not self.repos[full]["has_issues"]:
                    return self.error(410, "Issues are disabled for this repo", f"{DOCS}/issues")
            return issues_of(full, request)

        @route("POST", "/repos/{owner}/{repo}/issues")
        def create_issue(request: Request) -> Reply:
            with self.state_lock:
                full, failed = repo_or_error(request, issues=True)
                if failed:
                    return failed
                data = request.json()
                if not isinstance(data, dict) or not data.get("title"):
                    return self.error(
                        422, "Validation Failed", f"{DOCS}/issues/issues#create-an-issue"
                    )
                if len(data.get("body") or "") > BODY_LIMIT:
                    return self._too_long("Issue")
                if self._token(request) == NO_LABEL_TOKEN:
                    data["labels"] = []
                issue = self._issue_json(full, len(self.issues[full]) + 1, data)
                self.issues[full].append(issue)
                return Reply.json(issue, 201, {"Location": issue["url"]})

        def find(request: Request) -> tuple[str, dict[str, Any] | None, Reply | None]:
            full, failed = repo_or_error(request, issues=True)
            if failed:
                return full, None, failed
            number = int(request.params["number"])
            for issue in self.issues[full]:
                if issue["number"] == number and issue.get("_deleted"):
                    gone = self.error(
                        410, "This issue was deleted", f"{DOCS}/issues/issues#get-an-issue"
                    )
                    return full, None, gone
                if issue["number"] == number:
                    return full, issue, None
            return full, None, self.not_found(request)

        @route("GET", "/repos/{owner}/{repo}/issues/{number}")
        def get_issue(request: Request) -> Reply:
            with self.state_lock:
                _, issue, failed = find(request)
                return failed or Reply.json(_public(issue or {}))

        @route("PATCH", "/repos/{owner}/{repo}/issues/{number}")
        def edit_issue(request: Request) -> Reply:
            with self.state_lock:
                full, issue, failed = find(request)
                if failed or issue is None:
                    return failed or self.not_found(request)
                data = request.json()
                if len(data.get("body") or "") > BODY_LIMIT:
                    return self._too_long("Issue")
                if data.get("state_reason") not in (None, *STATE_REASONS):
                    return self.error(
                        422,
                        "Validation Failed",
                        f"{DOCS}/issues/issues#update-an-issue",
                        errors=[
                            {
                                "resource": "Issue",
                                "code": "invalid",
                                "field": "state_reason",
                                "message": "state_reason is not included in the list",
                            }
                        ],
                    )
                for key in ("title", "body"):
                    if key in data:
                        issue[key] = data[key]
                if "labels" in data and self._token(request) != NO_LABEL_TOKEN:
                    issue["labels"] = self._issue_json(full, 0, {"title": "", **data})["labels"]
                if data.get("state") in ("open", "closed") and data["state"] != issue["state"]:
                    issue["state"] = data["state"]
                    issue["closed_at"] = NOW if data["state"] == "closed" else None
                    # Ignored unless the state changes (REST docs); reopening says "reopened".
                    issue["state_reason"] = (
                        (data.get("state_reason") or "completed")
                        if data["state"] == "closed"
                        else "reopened"
                    )
                issue["updated_at"] = NOW
                return Reply.json(_public(issue))

        @route("GET", "/repos/{owner}/{repo}/issues/{number}/comments")
        def list_comments(request: Request) -> Reply:
            with self.state_lock:
                full, issue, failed = find(request)
                if failed or issue is None:
                    return failed or self.not_found(request)
                return self._page(request, list(self.comments.get((full, issue["number"]), [])))

        @route("POST", "/repos/{owner}/{repo}/issues/{number}/comments")
        def create_comment(request: Request) -> Reply:
            with self.state_lock:
                full, issue, failed = find(request)
                if failed or issue is None:
                    return failed or self.not_found(request)
                body = request.json().get("body") or ""
                if issue["locked"]:
                    return self.error(
                        403, "Unable to create comment because issue is locked.", LOCKED_DOC
                    )
                if len(body) > BODY_LIMIT:
                    return self._too_long("IssueComment")
                cid = next(self._ids)
                comment = {
                    "id": cid,
                    "node_id": "IC_kwDOfake",
                    "url": f"{self.url}/repos/{full}/issues/comments/{cid}",
                    "html_url": f"{issue['html_url']}#issuecomment-{cid}",
                    "body": body,
                    "user": USER,
                    "created_at": NOW,
                    "updated_at": NOW,
                    "issue_url": issue["url"],
                    "author_association": "NONE",
                }
                self.comments.setdefault((full, issue["number"]), []).append(comment)
                issue["comments"] += 1
                return Reply.json(comment, 201)

        @route("GET", "/repos/{owner}/{repo}/labels/{name}")
        def get_label(request: Request) -> Reply:
            with self.state_lock:
                full, failed = repo_or_error(request)
                if failed:
                    return failed
                label = self.labels[full].get(request.params["name"].casefold())
                return found(label, "issues/labels#get-a-label")

        @route("POST", "/repos/{owner}/{repo}/labels")
        def create_label(request: Request) -> Reply:
            with self.state_lock:
                full, failed = repo_or_error(request)
                if failed:
                    return failed
                data = request.json()
                if data["name"].casefold() in self.labels[full]:
                    return self.error(
                        422,
                        "Validation Failed",
                        f"{DOCS}/issues/labels#create-a-label",
                        errors=[{"resource": "Label", "code": "already_exists", "field": "name"}],
                    )
                label = self._label_json(
                    full, data["name"], data.get("color", "ededed"), data.get("description")
                )
                self.labels[full][data["name"].casefold()] = label
                return Reply.json(label, 201)

    def _too_long(self, resource: str) -> Reply:
        return self.error(
            422,
            "Validation Failed",
            f"{DOCS}/issues",
            errors=[
                {
                    "resource": resource,
                    "code": "custom",
                    "field": "body",
                    "message": "body is too long (maximum is 65536 characters)",
                }
            ],
        )

    def _contents_route(self) -> None:
        """``GET /repos/{owner}/{repo}/contents/{path}?ref=``: the raw bytes for the raw media
        type; otherwise the JSON object, base64 in lines of 60 like GitHub, and for a file over
        1 MB ``content: ""`` with ``encoding: "none"``; 404 for a private file without a token."""

        def contents(request: Request) -> Reply:
            full = f"{request.params['owner']}/{request.params['repo']}"
            key = (full, request.query.get("ref", "main"), request.params["path"])
            with self.state_lock:
                data = self.files.get(key)
                hidden = full in self.private_repos and self._token(request) is None
            if data is None or hidden:
                return self.error(404, "Not Found", f"{DOCS}/repos/contents#get-repository-content")
            headers = self._rate_headers()
            if "vnd.github.raw" in request.headers.get("accept", ""):
                return Reply(200, data, {**headers, "content-type": "application/vnd.github.raw"})
            encoded = base64.b64encode(data).decode()
            big = len(data) > 1024 * 1024
            return Reply.json(
                {
                    "type": "file",
                    "encoding": "none" if big else "base64",
                    "size": len(data),
                    "name": key[2].rsplit("/", 1)[-1],
                    "path": key[2],
                    "sha": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest(),
                    "content": "" if big else "\n".join(re.findall(".{1,60}", encoded)) + "\n",
                },
                headers=headers,
            )

        pattern = r"^/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/contents/(?P<path>.+?)/?$"
        self._routes.insert(0, ("GET", re.compile(pattern), contents))


def _public(issue: dict[str, Any]) -> dict[str, Any]:
    """An issue as GitHub shows it (without the fake's own bookkeeping)."""
    return {k: v for k, v in issue.items() if not k.startswith("_")}


def start() -> FakeGitHub:
    service = FakeGitHub()
    service.start()
    service.documented()  # URLs in the documented state need the port, known only now
    return service
