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
rate limited with a wait, server error, ...) in words safe to show: never the token. The
``github`` checks read GitHub through :func:`get_organization` and :func:`get_repository`:
rate limits, 5xx, network failures and a redirect PyGithub will not follow (another host or
scheme) are ``error`` (the runner retries them); a rejected token, a server that refuses
anonymous callers (401 without a token) or a 403 that is not a rate limit is ``unverifiable``:
we cannot look with what we have.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from checker.engine.model import CheckError, Evidence, Unverifiable
from checker.engine.redaction import register_secret
from checker.engine.sharing import RequestKey
from checker.net.http import USER_AGENT, parse_retry_after

if TYPE_CHECKING:
    from github import Github

    from checker.engine.context import CheckContext

PER_PAGE = 100


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
        user_agent=USER_AGENT,
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
        from checker.net.http import short_reason

        return GitHubFailure(Failure.NETWORK, None, f"connection failed ({short_reason(exc)})")
    if isinstance(exc, ValueError):
        # PyGithub decodes a JSON content type itself: a cut-off or garbage body lands here.
        return GitHubFailure(Failure.SERVER, None, "answered with a body that is not valid JSON")
    return None


def _fetch(
    ctx: CheckContext, path: str, required: str, get: Callable[[Any], Any]
) -> tuple[dict[str, Any] | None, Evidence]:
    """GET one object through PyGithub; None when GitHub says 404."""
    base = ctx.settings.endpoints.github_api
    token = token_from(ctx.env)
    source = f"GET {base}{path}"
    client = build_github(base, token, timeout=ctx.call_timeout())
    # PyGithub makes one GET per call (following a same-host redirect itself): the call is
    # the request, asked once per run for the same URL and token.
    key = RequestKey("HTTP", "GET", f"{base}{path}", ctx.credential(token))
    host = urlsplit(base).netloc
    try:
        data = ctx.once(key, host, lambda: get(client).raw_data)
    except RuntimeError as exc:
        if "redirected" not in str(exc):
            raise
        # PyGithub follows a 301 only on the same host and scheme (the token must not go
        # elsewhere); its words name both ends, never the token.
        raise CheckError(
            f"{source}: the server answered with a redirect PyGithub will not follow ({exc})",
            evidence=(Evidence(source=f"{source} -> HTTP 301", excerpt=str(exc)),),
        ) from None
    except Exception as exc:
        failure = describe_failure(exc)
        if failure is None:
            raise
        evidence = Evidence(source=f"{source} -> {failure.message}", excerpt=failure.message)
        if failure.retry_after is not None:
            ctx.services.limits.pause(host, failure.retry_after)
        if failure.kind is Failure.NOT_FOUND:
            return None, evidence
        if failure.kind is Failure.UNAUTHORIZED:
            reason = (
                f"GitHub rejected GITHUB_TOKEN ({failure.message}); fix or unset it"
                if token
                else f"{base} refuses anonymous callers ({failure.message}); set GITHUB_TOKEN"
            )
            raise Unverifiable(reason, evidence=(evidence,)) from None
        if failure.kind is Failure.FORBIDDEN:
            who = "the token in GITHUB_TOKEN" if token else "an anonymous caller"
            raise Unverifiable(
                f"{path}: GitHub refuses {who} ({failure.message})", evidence=(evidence,)
            ) from None
        raise CheckError(
            f"{source}: {failure.message}", retry_after=failure.retry_after, evidence=(evidence,)
        ) from None
    text = json.dumps(data, indent=1, sort_keys=True, default=str)
    evidence = Evidence(
        source=f"{source} -> HTTP 200",
        excerpt=text,
        raw=text,
        media_type="application/json",
    )
    if not isinstance(data, dict) or not isinstance(data.get(required), str):
        # PyGithub wraps a body that is not JSON as {"data": ...}: a proxy page, not GitHub.
        raise CheckError(
            f"{source} answered with something that is not GitHub JSON", evidence=(evidence,)
        )
    return data, evidence


def get_organization(ctx: CheckContext, org: str) -> tuple[dict[str, Any] | None, Evidence]:
    """``GET /orgs/{org}``: its JSON, or None when GitHub says 404."""
    return _fetch(ctx, f"/orgs/{org}", "login", lambda gh: gh.get_organization(org))


def get_repository(ctx: CheckContext, repository: str) -> tuple[dict[str, Any] | None, Evidence]:
    """``GET /repos/{owner}/{name}``: its JSON, or None when GitHub says 404."""
    return _fetch(ctx, f"/repos/{repository}", "full_name", lambda gh: gh.get_repo(repository))
