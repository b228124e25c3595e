"""Reading and writing the managed issues of one repository through PyGithub.

Reads use PyGithub's requester directly: listing items through ``PaginatedList`` would hand us
half-loaded ``Issue`` objects that fetch themselves again on the first missing attribute (one
extra GET per pull request in the list). Writes use PyGithub's objects (lazy, so no GET first).

Failures become :class:`SyncError` with a message for a person (never the token). Rate limits
are waited out within a budget for the whole sync; 5xx on an idempotent call is retried a few
times; a 5xx on *create* may have created the issue, so the caller re-lists before retrying.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from checker.errors import SyncError
from checker.net.github_client import Failure, GitHubFailure, describe_failure
from checker.outputs.issues.plan import ExistingIssue
from checker.outputs.issues.render import parse_marker

if TYPE_CHECKING:
    from github import Github
    from github.Repository import Repository

T = TypeVar("T")
NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
MAX_PAGES = 100  # 10,000 managed issues: far beyond any sane checks.toml
ATTEMPTS = 3
PERMISSION = "a token with `issues: write` permission on the repository"


class AmbiguousWrite(Exception):
    """A write failed in a way that may or may not have taken effect."""

    def __init__(self, failure: GitHubFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


@dataclass
class IssueStore:
    gh: Github
    repository: str
    label: str
    max_rate_limit_wait: float
    backoff: float = 1.0  # first pause before retrying a 5xx (then doubled)
    sleep: Callable[[float], None] = time.sleep
    waited: float = 0.0
    _repo: Repository | None = field(default=None, repr=False)

    @property
    def repo(self) -> Repository:
        if self._repo is None:
            self._repo = self.gh.get_repo(self.repository)  # lazy client: no request
        return self._repo

    # --- error handling ---------------------------------------------------------------------
    def _fatal(self, failure: GitHubFailure, what: str) -> SyncError:
        where = f"{self.repository} on {self.gh.requester.base_url}"
        if failure.kind is Failure.GONE:
            return SyncError(
                f"issue sync: {where} has issues disabled (HTTP 410); enable issues in the "
                "repository settings or point [issues] repository at another repository"
            )
        if failure.kind in (Failure.UNAUTHORIZED, Failure.FORBIDDEN):
            return SyncError(
                f"issue sync: GitHub refused to {what} in {where} ({failure.message}); "
                f"issue sync needs {PERMISSION} in GITHUB_TOKEN (in a workflow: "
                "`permissions: issues: write`)"
            )
        if failure.kind is Failure.NOT_FOUND:
            return SyncError(
                f"issue sync: {where} was not found while trying to {what} (HTTP 404): check "
                f"the repository name, and that GITHUB_TOKEN can see it ({PERMISSION})"
            )
        return SyncError(
            f"issue sync: could not {what} in {where}: {failure.message}",
            transient=failure.transient,
        )

    def call(self, what: str, fn: Callable[[], T], *, idempotent: bool) -> T:
        """Run one API call; wait out rate limits (within budget), retry 5xx when safe."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return fn()
            except Exception as exc:
                failure = describe_failure(exc)
                if failure is None:
                    raise
            if failure.kind is Failure.RATE_LIMITED:
                # A rate-limited request was refused, not executed: safe to replay, even a POST.
                wait = failure.retry_after if failure.retry_after is not None else 60.0
                if self.waited + wait > self.max_rate_limit_wait:
                    raise SyncError(
                        f"issue sync: GitHub rate limit while trying to {what}: asked to wait "
                        f"{wait:.0f} s, beyond the {self.max_rate_limit_wait:.0f} s allowed "
                        "([issues] max_rate_limit_wait); the next run finishes the job",
                        transient=True,
                    )
                self.waited += wait
                self.sleep(wait)
                continue
            if failure.transient:
                if not idempotent:
                    raise AmbiguousWrite(failure)
                if attempt < ATTEMPTS:
                    self.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
            raise self._fatal(failure, what)
        raise SyncError(f"issue sync: could not {what}: GitHub kept rate limiting", transient=True)

    # --- reads ----------------------------------------------------------------------------------
    def _get(self, url: str, params: dict[str, Any] | None = None) -> tuple[dict[str, Any], Any]:
        requester = self.gh.requester
        return requester.requestJsonAndCheck("GET", url, parameters=params)

    def label_exists(self) -> bool:
        url = f"/repos/{self.repository}/labels/{quote(self.label, safe='')}"

        def get() -> bool:
            try:
                self._get(url)
            except Exception as exc:
                failure = describe_failure(exc)
                if failure is not None and failure.kind is Failure.NOT_FOUND:
                    return False
                raise
            return True

        return self.call("read the label", get, idempotent=True)

    def list_managed(self) -> list[ExistingIssue]:
        """Every issue with our label and our marker, open or closed, all pages; no PRs."""
        return [i for i in map(_existing, self.list_labelled()) if i is not None]

    def list_labelled(self) -> list[dict[str, Any]]:
        """Every issue (no PRs) carrying our label, open or closed, all pages, as GitHub's JSON."""
        found: list[dict[str, Any]] = []
        url: str | None = f"/repos/{self.repository}/issues"
        params: dict[str, Any] | None = {"labels": self.label, "state": "all", "per_page": 100}
        for _ in range(MAX_PAGES):
            if url is None:
                return found
            headers, data = self.call(
                "list issues",
                partial(self._get, url, params),
                idempotent=True,
            )
            if not isinstance(data, list):
                raise SyncError(
                    f"issue sync: listing issues of {self.repository} gave no list",
                    transient=True,
                )
            found += [i for i in data if isinstance(i, dict) and "pull_request" not in i]
            link = NEXT.search(str(headers.get("link", "")))
            url, params = (link.group(1), None) if link else (None, None)
        raise SyncError(f"issue sync: more than {MAX_PAGES} pages of labelled issues")

    def read_issue(self, number: int) -> dict[str, Any]:
        data = self.call(
            f"read issue #{number}",
            partial(self._get, f"/repos/{self.repository}/issues/{number}"),
            idempotent=True,
        )[1]
        if not isinstance(data, dict):
            raise SyncError(f"issue sync: issue #{number} gave no object", transient=True)
        return data

    def list_comments(self, number: int) -> list[str]:
        """The bodies of an issue's comments (the first 100 pages' worth is plenty)."""
        bodies: list[str] = []
        url: str | None = f"/repos/{self.repository}/issues/{number}/comments"
        params: dict[str, Any] | None = {"per_page": 100}
        for _ in range(MAX_PAGES):
            if url is None:
                break
            headers, data = self.call(
                f"list comments of issue #{number}",
                partial(self._get, url, params),
                idempotent=True,
            )
            bodies += [str(c.get("body") or "") for c in data or [] if isinstance(c, dict)]
            link = NEXT.search(str(headers.get("link", "")))
            url, params = (link.group(1), None) if link else (None, None)
        return bodies

    # --- writes ---------------------------------------------------------------------------------
    def create_label(self, colour: str, description: str) -> None:
        def create() -> None:
            try:
                self.repo.create_label(self.label, colour, description)
            except Exception as exc:
                if not _already_exists(exc):
                    raise
                # Created meanwhile (another run, or a person): that is what we wanted.

        for _ in range(ATTEMPTS):
            try:
                return self.call("create the label", create, idempotent=False)
            except AmbiguousWrite:
                continue  # replaying is safe: a label that did get created answers already_exists
        raise SyncError(f"issue sync: GitHub failed to create label {self.label!r}", transient=True)

    def create_issue(self, title: str, body: str, labels: list[str]) -> int:
        issue = self.call(
            "create an issue",
            lambda: self.repo.create_issue(title=title, body=body, labels=labels),
            idempotent=False,
        )
        number = int(issue.number)
        if not self._has_label(issue.raw_data):
            # GitHub silently drops labels set by someone without triage access; an issue
            # without our label is invisible to the next run, which would file it again.
            self.edit_issue(number, labels=labels)
            data = self.call(
                f"read issue #{number}",
                partial(self._get, f"/repos/{self.repository}/issues/{number}"),
                idempotent=True,
            )[1]
            if not self._has_label(data):
                raise SyncError(
                    f"issue sync: GitHub dropped the label {self.label!r} from issue #{number} "
                    f"in {self.repository}: the token may file issues but not label them, and "
                    "an unlabelled issue would be filed again next run; use a token with "
                    "`issues: write` (triage access) on the repository"
                )
        return number

    def edit_issue(self, number: int, **changes: Any) -> None:
        # PATCH sets a state, so replaying it is harmless.
        self.call(
            f"edit issue #{number}",
            lambda: self.repo.get_issue(number).edit(**changes),
            idempotent=True,
        )

    def comment(self, number: int, body: str) -> None:
        self.call(
            f"comment on issue #{number}",
            lambda: self.repo.get_issue(number).create_comment(body),
            idempotent=False,
        )

    def _has_label(self, data: Any) -> bool:
        # GitHub's label names are case-insensitive: an existing "Infra-Drift" is attached
        # when we ask for "infra-drift", and that is our label.
        labels = data.get("labels") if isinstance(data, dict) else None
        names = {str(lb.get("name")).casefold() for lb in labels or [] if isinstance(lb, dict)}
        return self.label.casefold() in names


def _already_exists(exc: Exception) -> bool:
    """GitHub's 422 for a label that exists; other 422s (a name too long...) are real errors."""
    failure = describe_failure(exc)
    if failure is None or failure.kind is not Failure.INVALID:
        return False
    data = getattr(exc, "data", None)
    errors = data.get("errors") if isinstance(data, dict) else None
    return any(isinstance(e, dict) and e.get("code") == "already_exists" for e in errors or [])


def _existing(item: Any) -> ExistingIssue | None:
    if not isinstance(item, dict) or "pull_request" in item:
        return None
    marker = parse_marker(item.get("body") if isinstance(item.get("body"), str) else None)
    number = item.get("number")
    if marker is None or not isinstance(number, int):
        return None
    state = "open" if item.get("state") == "open" else "closed"
    return ExistingIssue(number, state, str(item.get("title") or ""), marker)
