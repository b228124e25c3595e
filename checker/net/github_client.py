"""The one place that builds a PyGithub client, and reads GitHub's failures honestly.

PyGithub's defaults are wrong for us in three ways, so every client is built here:
- its urllib3 ``GithubRetry`` retries 5xx for GET *and POST* (a 502 on "create issue" that did
  create the issue would be replayed blindly: a duplicate) and sleeps until a primary rate limit
  resets (up to an hour) or 60 s on a secondary limit, far past any check deadline. We disable it
  (``retry=None``): the runner retries checks, and the issue sync retries writes itself, re-listing
  before it replays a create.
- its reads are spaced 0.25 s apart; GitHub only asks that *writes* be spaced (about 1 s), which
  ``seconds_between_writes`` does.
- its default page size is 30; we ask for 100 to spend fewer calls.

:func:`describe_failure` turns a PyGithub/requests exception into what happened (not found,
rate limited with a wait, server error, ...) in words safe to show: never the token.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from checker.engine.redaction import register_secret
from checker.net.http import parse_retry_after

if TYPE_CHECKING:
    from github import Github

PER_PAGE = 100


def user_agent() -> str:
    from checker import __version__

    return f"infra-checker/{__version__}"


def token_from(env: Mapping[str, str]) -> str | None:
    """``GITHUB_TOKEN`` when set and not blank; anonymous otherwise."""
    token = env.get("GITHUB_TOKEN", "").strip()
    return token or None


def build_github(
    base_url: str,
    token: str | None,
    *,
    timeout: float,
    write_interval: float | None = None,
    lazy: bool = False,
) -> Github:
    """A client that makes exactly the calls asked for, each bounded by ``timeout`` seconds."""
    from github import Auth, Github

    register_secret(token)
    return Github(
        base_url=base_url,
        auth=Auth.Token(token) if token else None,
        # PyGithub insists on whole seconds: round down so a call never outlives the deadline
        # (the runner's hard deadline still covers the sub-second case).
        timeout=max(1, int(timeout)),
        user_agent=user_agent(),
        per_page=PER_PAGE,
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=write_interval or None,
        lazy=lazy,
    )


class Failure(enum.Enum):
    NOT_FOUND = "not found"
    GONE = "gone"
    RATE_LIMITED = "rate limited"
    SERVER = "server error"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    INVALID = "invalid request"
    NETWORK = "network"
    OTHER = "other"


@dataclass(frozen=True)
class GitHubFailure:
    kind: Failure
    status: int | None
    message: str
    retry_after: float | None = None

    @property
    def transient(self) -> bool:
        """Worth trying again later: the request may not even have reached GitHub."""
        return self.kind in (Failure.RATE_LIMITED, Failure.SERVER, Failure.NETWORK)


def _lower(headers: Any) -> dict[str, str]:
    if not isinstance(headers, Mapping):
        return {}
    return {str(k).lower(): str(v) for k, v in headers.items()}


def _body_message(data: Any) -> str:
    if isinstance(data, Mapping):
        message = data.get("message")
        if isinstance(message, str):
            return message[:300]
    return ""


def describe_failure(exc: BaseException) -> GitHubFailure | None:
    """What a PyGithub or requests exception means; None when it is neither (a bug)."""
    import requests
    from github import GithubException, RateLimitExceededException

    if isinstance(exc, GithubException):
        status = exc.status
        headers = _lower(exc.headers)
        message = _body_message(exc.data)
        said = f": {message}" if message else ""
        lowered = message.lower()
        limited = (
            # PyGithub knows more of GitHub's secondary-limit wordings than "rate limit"
            isinstance(exc, RateLimitExceededException)
            or status == 429
            or (status == 403 and headers.get("x-ratelimit-remaining") == "0")
            or (status == 403 and "retry-after" in headers)
            or (status == 403 and "rate limit" in lowered)
        )
        if limited:
            wait = parse_retry_after(headers)
            if wait is None and "secondary rate limit" in lowered:
                wait = 60.0  # GitHub's documented minimum wait when it gives no header
            hint = f"; asked to wait {wait:.0f} s" if wait is not None else ""
            return GitHubFailure(
                Failure.RATE_LIMITED, status, f"rate limited (HTTP {status}){hint}", wait
            )
        if status >= 500:
            return GitHubFailure(
                Failure.SERVER, status, f"server error (HTTP {status}){said}", None
            )
        kinds = {
            404: Failure.NOT_FOUND,
            410: Failure.GONE,
            401: Failure.UNAUTHORIZED,
            403: Failure.FORBIDDEN,
            422: Failure.INVALID,
        }
        return GitHubFailure(kinds.get(status, Failure.OTHER), status, f"HTTP {status}{said}")
    if isinstance(exc, requests.Timeout):
        return GitHubFailure(Failure.NETWORK, None, "timed out")
    if isinstance(exc, requests.RequestException):
        from checker.net.http import _short_reason

        return GitHubFailure(Failure.NETWORK, None, f"connection failed ({_short_reason(exc)})")
    if isinstance(exc, ValueError):
        # PyGithub decodes a JSON content type itself: a cut-off or garbage body lands here.
        return GitHubFailure(Failure.SERVER, None, "answered with a body that is not valid JSON")
    return None
