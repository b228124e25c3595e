"""The one HTTP layer every HTTP-speaking check uses.

It puts a timeout on every call and a deadline on the whole body (a server trickling bytes
cannot hold a check past its deadline), caps the body size, identifies itself with a
``User-Agent``, and turns the transient failures (connection errors, timeouts, 429, 5xx,
undecodable bodies) into :class:`CheckError` with the wait the service asked for, so the runner
can retry them with backoff. Everything else (200, 401, 404, ...) is returned for the check to
interpret, because what a 401 *means* differs between services.

Retrying is deliberately not done here: the runner owns retries (bounded, with backoff, honouring
``retry_after``) so that one policy applies to every check, whatever client it uses.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import socket
import threading
import time
from collections.abc import Container, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from checker import __version__
from checker.engine.model import CheckError, Evidence, utcnow
from checker.engine.redaction import register_headers
from checker.engine.sharing import RequestKey

if TYPE_CHECKING:
    import requests

    from checker.engine.context import CheckContext

CHUNK = 64 * 1024
USER_AGENT = f"infra-checker/{__version__}"


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait, from ``Retry-After`` (seconds or HTTP date) or Docker Hub's
    ``X-Retry-After`` (a unix time). ``headers`` must have lower-case keys."""
    now = time.time() if now is None else now
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None and when.tzinfo is not None:
            return max(0.0, when.timestamp() - now)
    value = headers.get("x-retry-after")
    if value and value.strip().isdigit():
        return max(0.0, float(value.strip()) - now)
    if headers.get("x-ratelimit-remaining") == "0":
        reset = headers.get("x-ratelimit-reset")
        if reset and reset.strip().isdigit():
            return max(0.0, float(reset.strip()) - now)
    return None


def describe_body(body: bytes, content_type: str = "") -> str:
    """What came instead of JSON, in words a person can act on."""
    head = body[:512].decode("utf-8", errors="replace").lstrip().lower()
    if "html" in content_type.lower() or head.startswith(("<!doctype", "<html")):
        return "an HTML page"
    if not body.strip():
        return "an empty body"
    return "a body that is not JSON (truncated or garbage)"


def _not_json(constant: str) -> Any:
    """Python's json accepts NaN and Infinity; JSON does not, and a NaN observed would be judged
    (as drift) and then break every strict JSON reader of the report."""
    raise ValueError(f"{constant} is not JSON")


@dataclass(frozen=True)
class HttpResponse:
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    fetched_at: datetime

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON, or a CheckError saying what came instead (HTML, garbage)."""
        try:
            return json.loads(self.body, parse_constant=_not_json)
        except (ValueError, UnicodeDecodeError, RecursionError):
            kind = describe_body(self.body, self.headers.get("content-type", ""))
            raise CheckError(
                f"{self.url} answered HTTP {self.status} with {kind}",
                evidence=(self.evidence(),),
            ) from None

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise CheckError(
                f"{self.url} answered with JSON that is not an object",
                evidence=(self.evidence(),),
            )
        return data

    def json_object_with(self, keys: tuple[str, ...], what: str) -> dict[str, Any]:
        """The JSON object, when it has ``keys``: JSON from a proxy or a portal is not ``what``."""
        data = self.json_object()
        missing = [key for key in keys if key not in data]
        if missing:
            raise CheckError(
                f"{self.url} answered HTTP {self.status} with JSON that is not {what} "
                f"(no {', '.join(missing)})",
                evidence=(self.evidence(),),
            )
        return data

    def service_error(self, service: str, keys: tuple[str, ...]) -> dict[str, Any]:
        """The error body of a 4xx that carries meaning (404, quay's 401), when it is really
        ``service``'s (a JSON object with one of ``keys``). A proxy's or a wrong URL's page
        saying 404 is not the service saying so: that is an error, never drift."""
        try:
            data = self.json()
        except CheckError:
            data = None
        if not isinstance(data, dict) or not any(key in data for key in keys):
            kind = describe_body(self.body, self.headers.get("content-type", ""))
            if isinstance(data, (dict, list)):
                kind = "JSON of another shape"
            raise CheckError(
                f"{self.url} answered HTTP {self.status} with {kind}, not {service}'s error "
                "body: is the endpoint right?",
                evidence=(self.evidence(),),
            )
        return data

    def unexpected(self, service: str) -> CheckError:
        """The error for a status the check has no meaning for."""
        return CheckError(
            f"{self.url}: unexpected HTTP {self.status} from {service}",
            evidence=(self.evidence(),),
        )

    def evidence(self) -> Evidence:
        media = self.headers.get("content-type", "application/octet-stream").split(";")[0]
        return Evidence(
            source=f"GET {self.url} -> HTTP {self.status}",
            fetched_at=self.fetched_at,
            excerpt=self.text,
            raw=self.text,
            media_type=media,
        )


def read_body(resp: requests.Response, url: str, *, max_bytes: int, timeout: float) -> bytes:
    """Read a streamed response's body, at most ``max_bytes``, within ``timeout`` seconds.

    Reads with ``read1`` (returns what has arrived instead of waiting for a full chunk) and
    shortens the socket timeout to what is left, so a server dribbling one byte at a time or
    stalling mid-body ends as a CheckError at the deadline, not whenever it finishes.
    """
    import urllib3.exceptions

    deadline = time.monotonic() + timeout
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        resp.close()
        raise CheckError(
            f"{url}: response of {int(declared)} bytes exceeds the {max_bytes}-byte cap"
        )
    raw = resp.raw
    read1 = getattr(raw, "read1", None)
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CheckError(f"{url}: timed out after {timeout:.1f} s reading the body")
            _shorten_socket_timeout(raw, left)
            # requests leaves decoding to the reader: decode here so the cap counts real bytes.
            chunk = (
                read1(CHUNK, decode_content=True)
                if read1 is not None
                else raw.read(CHUNK, decode_content=True)
            )
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise CheckError(f"{url}: response exceeds the {max_bytes}-byte cap")
            chunks.append(chunk)
    except CheckError:
        resp.close()
        raise
    except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
        resp.close()
        raise CheckError(f"{url}: timed out after {timeout:.1f} s reading the body") from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        resp.close()
        raise CheckError(
            f"{url}: connection failed while reading the body ({short_reason(exc)})"
        ) from None
    return b"".join(chunks)


def _shorten_socket_timeout(raw: Any, seconds: float) -> None:
    """Make the next socket read give up when the body deadline does (best effort: urllib3
    does not expose the socket publicly, and without it the read timeout still applies)."""
    sock = getattr(getattr(raw, "connection", None), "sock", None) or getattr(
        getattr(getattr(getattr(raw, "_fp", None), "fp", None), "raw", None), "_sock", None
    )
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.settimeout(max(0.01, seconds))


class HttpClient:
    """A thread-safe wrapper around one ``requests.Session``."""

    def __init__(self, *, user_agent: str, max_bytes: int, pool_size: int = 10) -> None:
        self.user_agent = user_agent
        self.max_bytes = max_bytes
        self._pool_size = pool_size
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    @property
    def session(self) -> requests.Session:
        with self._lock:
            if self._session is None:
                import requests
                from requests.adapters import HTTPAdapter

                session = requests.Session()
                # No urllib3 retries: the runner retries, with backoff and Retry-After.
                adapter = HTTPAdapter(
                    pool_connections=self._pool_size, pool_maxsize=self._pool_size, max_retries=0
                )
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                session.headers["User-Agent"] = self.user_agent
                self._session = session
            return self._session

    def get(
        self,
        url: str,
        *,
        timeout: float,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        accept_statuses: Container[int] = (),
    ) -> HttpResponse:
        """GET ``url`` within ``timeout`` seconds in total.

        429 and 5xx raise :class:`CheckError` unless listed in ``accept_statuses``.
        """
        return judge_status(
            self.fetch(url, timeout=timeout, headers=headers, params=params), accept_statuses
        )

    def fetch(
        self,
        url: str,
        *,
        timeout: float,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """One GET, whatever its status; CheckError only when no answer came."""
        import requests

        register_headers(headers)  # a service may echo the credential back in its answer
        started = time.monotonic()
        try:
            with self.session.get(
                url,
                headers=dict(headers or {}),
                params=params,
                timeout=(min(timeout, 10.0), timeout),
                stream=True,
                allow_redirects=True,
            ) as resp:
                left = timeout - (time.monotonic() - started)
                body = read_body(resp, url, max_bytes=self.max_bytes, timeout=max(0.01, left))
                lower_headers = {k.lower(): v for k, v in resp.headers.items()}
                return HttpResponse(
                    url=resp.url,
                    status=resp.status_code,
                    headers=lower_headers,
                    body=body,
                    fetched_at=utcnow(),
                )
        except requests.Timeout:
            raise CheckError(f"{url}: timed out after {timeout:.1f} s") from None
        except requests.ConnectionError as exc:
            raise CheckError(f"{url}: connection failed ({short_reason(exc)})") from None
        except requests.RequestException as exc:
            raise CheckError(f"{url}: request failed ({short_reason(exc)})") from None


def judge_status(response: HttpResponse, accept_statuses: Container[int] = ()) -> HttpResponse:
    """429 and 5xx are failures to look (with the wait the service asked for), unless the
    caller accepts them; every other status is the caller's to interpret."""
    status = response.status
    if status in accept_statuses or not (status == 429 or status >= 500):
        return response
    wait = parse_retry_after(response.headers)
    what = "rate limited (HTTP 429)" if status == 429 else f"server error (HTTP {status})"
    hint = f"; asked to retry after {wait:.0f} s" if wait is not None else ""
    raise CheckError(
        f"{response.url}: {what}{hint}", retry_after=wait, evidence=(response.evidence(),)
    )


# Headers that carry who is asking: part of a request's identity, never shown.
CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", "x-api-key"})


class SharedHttp:
    """One check's view of the run's :class:`HttpClient`: an identical GET (method, URL with
    its query, headers and credentials) is made once per run and its answer shared; each
    request holds one of its host's ``per_host`` slots, and a ``Retry-After`` pauses that
    host for every check."""

    def __init__(self, client: HttpClient, ctx: CheckContext) -> None:
        self._client = client
        self._ctx = ctx
        self.user_agent = client.user_agent
        self.max_bytes = client.max_bytes

    def get(
        self,
        url: str,
        *,
        timeout: float,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        accept_statuses: Container[int] = (),
    ) -> HttpResponse:
        import requests

        ctx = self._ctx
        full = requests.Request("GET", url, params=params).prepare().url or url
        identity = sorted((k.lower(), v) for k, v in (headers or {}).items())
        key = RequestKey("HTTP", "GET", full, ctx.credential(json.dumps(identity)))
        host = urlsplit(full).netloc

        def ask() -> HttpResponse:
            response = self._client.fetch(url, timeout=timeout, headers=headers, params=params)
            wait = parse_retry_after(response.headers)
            if wait is not None and (response.status == 429 or response.status >= 500):
                ctx.services.limits.pause(host, wait)
            return response

        deadline = time.monotonic() + timeout
        return judge_status(ctx.once(key, host, ask, deadline=deadline), accept_statuses)


def http_client(ctx: CheckContext) -> SharedHttp:
    """The run's one HTTP client (one connection pool), shared by every check, as this
    check's view of it: identical requests are made once per run."""
    settings = ctx.settings

    def build() -> HttpClient:
        return HttpClient(
            user_agent=USER_AGENT,
            max_bytes=settings.max_response_bytes,
            pool_size=settings.concurrency,
        )

    return SharedHttp(ctx.services.shared("http", build), ctx)


def short_reason(exc: BaseException) -> str:
    """The innermost cause, without urllib3's object reprs."""
    reason: BaseException = exc
    seen = {id(reason)}
    while True:
        nxt = reason.__cause__ or reason.__context__
        if nxt is None or id(nxt) in seen:
            break
        seen.add(id(nxt))
        reason = nxt
    text = str(reason) or type(reason).__name__
    for marker in (
        "Connection refused",
        "Connection reset",
        "Name or service not known",
        "Temporary failure in name resolution",
        "timed out",
        "Remote end closed",
        "IncompleteRead",
    ):
        if marker.lower() in str(exc).lower() or marker.lower() in text.lower():
            return marker.lower()
    return text[:200]
