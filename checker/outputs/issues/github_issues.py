"""Reading and writing the issues of one repository through PyGithub's requester.

Every call goes through PyGithub's requester (its auth, base URL, timeouts and write spacing)
and hands back GitHub's JSON as it is: listing through ``PaginatedList`` would give half-loaded
``Issue`` objects that fetch themselves again on the first missing attribute.

Failures become :class:`SyncError` carrying GitHub's own reason (``message``,
``errors[].message``, ``documentation_url``) and a hint for a person, told apart the way GitHub
tells them apart: an issue deleted (410 "This issue was deleted") is not issues disabled (410
"Issues are disabled for this repo"); an archived repository (403 "Repository was archived so is
read-only.") is not a missing permission; a locked issue (403 "Unable to create comment because
issue is locked.") refuses only comments (:class:`IssueLocked`). ``stops_sync`` marks a failure
every later call would repeat (the repository, the token, the rate-limit budget); any other
failure is one issue's, and the sync goes on with the rest.

Rate limits are waited out within a budget for the whole sync: as long as GitHub asks
(``Retry-After``, or until ``x-ratelimit-reset``), and on a secondary limit that persists,
exponentially longer each time with jitter, as GitHub's REST docs ask. 5xx on an idempotent call
is retried a few times; a 5xx on a create or a comment may have taken effect
(:class:`AmbiguousWrite`), so the caller looks before trying again.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from checker.errors import SyncError
from checker.net.github_client import Failure, GitHubFailure, describe_failure
from checker.outputs.issues.kinds import IssueState, StateReason
from checker.outputs.issues.plan import ExistingIssue
from checker.outputs.issues.region import identity

if TYPE_CHECKING:
    from github import Github

T = TypeVar("T")
NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
MAX_PAGES = 100  # 10,000 managed issues: far beyond any sane checks.toml
SCAN_PAGES = 20  # the marker scan reads at most the newest 2,000 issues of the repository
ATTEMPTS = 3  # for 5xx and dropped connections on idempotent calls
RATE_LIMIT_ATTEMPTS = 8  # the wait budget, not this, is what normally ends a rate-limit streak
SECONDARY_WAIT = 60.0  # GitHub: "wait at least one minute" when it names no time
JITTER = 0.25  # up to a quarter more than the exponential wait, so runs do not retry in step
PERMISSION = "a token with `issues: write` permission on the repository"


class AmbiguousWrite(Exception):
    """A write failed in a way that may or may not have taken effect."""

    def __init__(self, failure: GitHubFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class IssueLocked(SyncError):
    """GitHub refused a comment because the conversation is locked (edits still work)."""


class IssueDeleted(SyncError):
    """The issue was deleted after it was listed (GitHub answers 410 for it)."""


@dataclass(frozen=True)
class Reason:
    """GitHub's own account of a refusal, in its words."""

    status: int | None
    message: str
    details: tuple[str, ...] = ()  # errors[].message (or code) of a 422
    documentation_url: str | None = None

    @classmethod
    def of(cls, exc: BaseException, failure: GitHubFailure) -> Reason:
        data = getattr(exc, "data", None)
        if not isinstance(data, Mapping):
            return cls(failure.status, failure.message)
        message = data.get("message")
        errors = data.get("errors")
        details: list[str] = []
        for error in errors if isinstance(errors, list) else []:
            if isinstance(error, Mapping):
                said = error.get("message") or " ".join(
                    str(error[k]) for k in ("resource", "field", "code") if error.get(k)
                )
                details.append(str(said)[:300])
            elif isinstance(error, str):
                details.append(error[:300])
        doc = data.get("documentation_url")
        return cls(
            failure.status,
            str(message)[:300] if isinstance(message, str) else failure.message,
            tuple(details[:5]),
            doc if isinstance(doc, str) and doc.startswith("https://") else None,
        )

    def __str__(self) -> str:
        text = f'"{self.message}"' + (f" ({'; '.join(self.details)})" if self.details else "")
        if self.status is not None:
            text += f", HTTP {self.status}"
        return text + (f", see {self.documentation_url}" if self.documentation_url else "")


@dataclass
class IssueStore:
    gh: Github
    repository: str
    label: str
    max_rate_limit_wait: float
    backoff: float = 1.0  # first pause before retrying a 5xx (then doubled)
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[float, float], float] = field(default=random.uniform, repr=False)
    waited: float = 0.0

    @property
    def _where(self) -> str:
        return f"{self.repository} on {self.gh.requester.base_url}"

    # --- error handling ---------------------------------------------------------------------
    def _refused(
        self, exc: BaseException, failure: GitHubFailure, what: str, number: int | None
    ) -> SyncError:
        reason = Reason.of(exc, failure)
        said = reason.message.lower()
        head = f"issue sync: could not {what} in {self._where}: GitHub said {reason}"
        if failure.kind is Failure.GONE and number is not None and "deleted" in said:
            return IssueDeleted(
                f"{head}: issue #{number} was deleted after it was listed; if the drift "
                "remains, the next run files a new issue",
                transient=True,
            )
        if failure.kind is Failure.GONE:
            return SyncError(
                f"{head}: the repository has issues disabled; enable issues in its settings "
                "or point [issues] repository at another repository",
                stops_sync=True,
            )
        if failure.kind is Failure.FORBIDDEN and "locked" in said and number is not None:
            return IssueLocked(f"{head}: issue #{number} is locked")
        if failure.kind is Failure.FORBIDDEN and "archived" in said:
            return SyncError(
                f"{head}: the repository is archived, so it is read-only; unarchive it or "
                "point [issues] repository at another repository",
                stops_sync=True,
            )
        if failure.kind is Failure.UNAUTHORIZED:
            return SyncError(
                f"{head}: GITHUB_TOKEN was not accepted; issue sync needs {PERMISSION}",
                stops_sync=True,
            )
        if failure.kind is Failure.FORBIDDEN:
            return SyncError(
                f"{head}: issue sync needs {PERMISSION} in GITHUB_TOKEN (in a workflow: "
                "`permissions: issues: write`)",
                stops_sync=True,
            )
        if failure.kind is Failure.NOT_FOUND and number is not None:
            return SyncError(
                f"{head}: issue #{number} is gone (transferred, deleted, or not visible to "
                "the token); the next run lists the issues again",
                transient=True,
            )
        if failure.kind is Failure.NOT_FOUND:
            return SyncError(
                f"issue sync: {self._where} was not found while trying to {what} (HTTP 404): "
                f"check the repository name, and that GITHUB_TOKEN can see it ({PERMISSION})",
                stops_sync=True,
            )
        if failure.kind is Failure.INVALID:
            return SyncError(f"{head}: GitHub refused the request as invalid")
        return SyncError(head, transient=failure.transient)

    def _rate_wait(self, exc: BaseException, failure: GitHubFailure, streak: int) -> float:
        """How long to wait before the next try: what GitHub asks, and on a secondary limit
        that persists, exponentially more each time, with jitter (never less than asked: the
        first wait is exactly GitHub's, so its usual minute fits the default budget)."""
        headers = getattr(exc, "headers", None) or {}
        remaining = {str(k).lower(): str(v) for k, v in dict(headers).items()}.get(
            "x-ratelimit-remaining"
        )
        asked = failure.retry_after
        if remaining == "0":  # the primary limit: nothing helps before the reset
            return asked if asked is not None else SECONDARY_WAIT
        base = asked if asked is not None else SECONDARY_WAIT
        if streak == 1:
            return base
        wait = base * 2.0 ** (streak - 1)
        return wait + float(self.jitter(0.0, wait * JITTER))

    def call(
        self, what: str, fn: Callable[[], T], *, idempotent: bool, number: int | None = None
    ) -> T:
        """Run one API call; wait out rate limits (within budget), retry 5xx when safe."""
        attempt = streak = 0
        while True:
            try:
                return fn()
            except Exception as exc:
                failure = describe_failure(exc)
                if failure is None:
                    raise
                error = exc
            if failure.kind is Failure.RATE_LIMITED:
                # A rate-limited request was refused, not executed: safe to replay, even a POST.
                streak += 1
                wait = self._rate_wait(error, failure, streak)
                if streak >= RATE_LIMIT_ATTEMPTS or self.waited + wait > self.max_rate_limit_wait:
                    raise SyncError(
                        f"issue sync: GitHub rate limit while trying to {what}: asked to wait "
                        f"{wait:.0f} s more, beyond the {self.max_rate_limit_wait:.0f} s allowed "
                        "([issues] max_rate_limit_wait); the next run finishes the job",
                        transient=True,
                        stops_sync=True,
                    )
                self.waited += wait
                self.sleep(wait)
                continue
            attempt += 1
            if failure.transient:
                if not idempotent:
                    raise AmbiguousWrite(failure)
                if attempt < ATTEMPTS:
                    self.sleep(self.backoff * 2.0 ** (attempt - 1))
                    continue
            raise self._refused(error, failure, what, number)

    def _request(
        self, verb: str, url: str, *, params: dict[str, Any] | None = None, body: Any = None
    ) -> tuple[dict[str, Any], Any]:
        return self.gh.requester.requestJsonAndCheck(verb, url, parameters=params, input=body)

    def _issue_url(self, number: int) -> str:
        return f"/repos/{self.repository}/issues/{number}"

    # --- reads ----------------------------------------------------------------------------------
    def label_exists(self) -> bool:
        url = f"/repos/{self.repository}/labels/{quote(self.label, safe='')}"

        def get() -> bool:
            try:
                self._request("GET", url)
            except Exception as exc:
                failure = describe_failure(exc)
                if failure is not None and failure.kind is Failure.NOT_FOUND:
                    return False
                raise
            return True

        return self.call("read the label", get, idempotent=True)

    def issues(
        self, params: Mapping[str, Any], *, max_pages: int = MAX_PAGES
    ) -> Iterator[dict[str, Any]]:
        """Issues of the repository (never pull requests) as GitHub lists them, page after page
        (following ``Link: rel="next"``, wherever it points), at most ``max_pages``."""
        url: str | None = f"/repos/{self.repository}/issues"
        query: dict[str, Any] | None = {"per_page": 100, **params}
        for _ in range(max_pages):
            if url is None:
                return
            headers, data = self.call(
                "list issues",
                lambda u=url, q=query: self._request("GET", u, params=q),  # type: ignore[misc]
                idempotent=True,
            )
            if not isinstance(data, list):
                raise SyncError(
                    f"issue sync: listing issues of {self.repository} gave no list",
                    transient=True,
                    stops_sync=True,
                )
            yield from (i for i in data if isinstance(i, dict) and "pull_request" not in i)
            link = NEXT.search(str(headers.get("link", "")))
            url, query = (link.group(1), None) if link else (None, None)
        if url is not None:
            raise PageLimit(max_pages)

    def list_managed(self) -> list[ExistingIssue]:
        """Every issue with our label and a marker, open or closed, all pages."""
        try:
            items = list(self.issues({"labels": self.label, "state": "all"}))
        except PageLimit:
            raise SyncError(
                f"issue sync: more than {MAX_PAGES} pages of labelled issues", stops_sync=True
            ) from None
        return [i for i in (self._existing(item) for item in items) if i is not None]

    def find_by_marker(
        self, check_ids: Collection[str], known: Collection[int] = ()
    ) -> tuple[list[ExistingIssue], bool]:
        """Issues carrying the marker of one of ``check_ids``, labelled or not, open or closed,
        among the newest :data:`SCAN_PAGES` pages of the repository's issues, except the
        ``known`` numbers. Stops as soon as every check is found; the flag says whether the
        scan saw everything it had to (False: it hit the bound)."""
        wanted, found = set(check_ids), []
        try:
            for item in self.issues({"state": "all"}, max_pages=SCAN_PAGES):
                issue = self._existing(item)
                if issue is None or issue.marker.check_id not in wanted:
                    continue
                if issue.number not in known:
                    found.append(issue)
                wanted.discard(issue.marker.check_id)
                if not wanted:
                    break
        except PageLimit:
            return found, False
        return found, True

    def last_comment(self, number: int, count: int) -> str | None:
        """The body of issue ``number``'s last comment, given its comment count: one small call."""
        if count <= 0:
            return None
        _, data = self.call(
            f"read the last comment of issue #{number}",
            lambda: self._request(
                "GET", f"{self._issue_url(number)}/comments", params={"per_page": 1, "page": count}
            ),
            idempotent=True,
            number=number,
        )
        if isinstance(data, list) and data and isinstance(data[-1], dict):
            body = data[-1].get("body")
            return body if isinstance(body, str) else None
        return None

    # --- writes ---------------------------------------------------------------------------------
    def create_label(self, colour: str, description: str) -> None:
        body = {"name": self.label, "color": colour, "description": description}

        def create() -> None:
            try:
                self._request("POST", f"/repos/{self.repository}/labels", body=body)
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

    def create_issue(self, title: str, body: str, labels: Sequence[str]) -> dict[str, Any]:
        """The new issue as GitHub returned it (its labels may lack ours: see :meth:`has_label`)."""
        data = self.call(
            "create an issue",
            lambda: self._request(
                "POST",
                f"/repos/{self.repository}/issues",
                body={"title": title, "body": body, "labels": list(labels)},
            )[1],
            idempotent=False,
        )
        if not isinstance(data, dict) or not isinstance(data.get("number"), int):
            raise SyncError(
                "issue sync: GitHub created an issue but did not say which", transient=True
            )
        return data

    def edit_issue(self, number: int, **changes: Any) -> dict[str, Any]:
        """PATCH the issue (works on a locked one too) and return it as GitHub now has it.
        A PATCH sets a state, so replaying it is harmless."""
        sent = {
            k: v.value if isinstance(v, StateReason | IssueState) else v for k, v in changes.items()
        }
        data = self.call(
            f"edit issue #{number}",
            lambda: self._request("PATCH", self._issue_url(number), body=sent)[1],
            idempotent=True,
            number=number,
        )
        return data if isinstance(data, dict) else {}

    def comment(self, number: int, body: str) -> None:
        self.call(
            f"comment on issue #{number}",
            lambda: self._request(
                "POST", f"{self._issue_url(number)}/comments", body={"body": body}
            ),
            idempotent=False,
            number=number,
        )

    def has_label(self, data: Any) -> bool:
        # GitHub's label names are case-insensitive: an existing "Infra-Drift" is attached
        # when we ask for "infra-drift", and that is our label.
        return self.label.casefold() in {n.casefold() for n in _label_names(data)}

    def _existing(self, item: Mapping[str, Any]) -> ExistingIssue | None:
        body = item.get("body") if isinstance(item.get("body"), str) else ""
        marker = identity(body)
        number = item.get("number")
        if marker is None or not isinstance(number, int):
            return None
        reason = item.get("state_reason")
        comments = item.get("comments")
        return ExistingIssue(
            number,
            IssueState.OPEN if item.get("state") == "open" else IssueState.CLOSED,
            str(item.get("title") or ""),
            marker,
            body=str(body),
            state_reason=StateReason(reason) if reason in _REASONS else None,
            locked=item.get("locked") is True,
            labelled=self.has_label(item),
            labels=_label_names(item),
            comments=comments if isinstance(comments, int) else 0,
        )


class PageLimit(Exception):
    def __init__(self, pages: int) -> None:
        super().__init__(f"more than {pages} pages")


_REASONS = {r.value for r in StateReason}


def _label_names(data: Any) -> tuple[str, ...]:
    labels = data.get("labels") if isinstance(data, Mapping) else None
    names = (lb.get("name") if isinstance(lb, Mapping) else lb for lb in labels or [])
    return tuple(n for n in names if isinstance(n, str))


def _already_exists(exc: Exception) -> bool:
    """GitHub's 422 for a label that exists; other 422s (a name too long...) are real errors."""
    failure = describe_failure(exc)
    if failure is None or failure.kind is not Failure.INVALID:
        return False
    data = getattr(exc, "data", None)
    errors = data.get("errors") if isinstance(data, dict) else None
    return any(isinstance(e, dict) and e.get("code") == "already_exists" for e in errors or [])
