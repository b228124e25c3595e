"""The one HTTP layer every HTTP-speaking check uses.

It puts a timeout on every call and a deadline on the whole body (a server trickling bytes
cannot hold a check past its deadline), caps the body size, identifies itself with a
``User-Agent``, and turns the transient failures (connection errors, timeouts, 429, 5xx,
undecodable bodies) into :class:`CheckError` with the wait the service asked for, so the runner
can retry them with backoff. Everything else (200, 401, 404, ...) is returned for the check to
interpret, because what a 401 *means* differs between services.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from checker.engine.model import CheckError, Evidence, utcnow

if TYPE_CHECKING:
    import requests

CHUNK = 64 * 1024


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait, from ``Retry-After`` (seconds or HTTP date) or Docker Hub's
    ``X-Retry-After`` (a unix time)."""
    now = time.time() if now is None else now
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - now)
    value = headers.get("x-retry-after")
    if value and value.strip().isdigit():
        return max(0.0, float(value.strip()) - now)
    if headers.get("x-ratelimit-remaining") == "0":
        reset = headers.get("x-ratelimit-reset")
        if reset and reset.strip().isdigit():
            return max(0.0, float(reset.strip()) - now)
    return None


@dataclass(frozen=True)
class HttpResponse:
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    fetched_at_iso: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON, or a CheckError saying what came instead (HTML, garbage)."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            kind = (
                "an HTML page"
                if self.text.lstrip()[:15].lower().startswith(("<!doctype", "<html"))
                else "a body that is not JSON"
            )
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

    def evidence(self) -> Evidence:
        media = self.headers.get("content-type", "application/octet-stream").split(";")[0]
        return Evidence(
            source=f"GET {self.url} -> HTTP {self.status}",
            excerpt=self.text[:2000],
            raw=self.text,
            media_type=media,
        )


class HttpClient:
    """A thread-safe wrapper around one ``requests.Session``."""

    def __init__(self, *, user_agent: str, max_bytes: int, pool_size: int = 10) -> None:
        self.user_agent = user_agent
        self.max_bytes = max_bytes
        self._pool_size = pool_size
        self._session: requests.Session | None = None

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            import requests
            from requests.adapters import HTTPAdapter

            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=self._pool_size, pool_maxsize=self._pool_size)
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
        import requests

        started = time.monotonic()
        deadline = started + timeout
        try:
            with self.session.get(
                url,
                headers=dict(headers or {}),
                params=params,
                timeout=(min(timeout, 10.0), timeout),
                stream=True,
                allow_redirects=True,
            ) as resp:
                body = self._read_capped(resp, url, deadline, timeout)
                lower_headers = {k.lower(): v for k, v in resp.headers.items()}
                response = HttpResponse(
                    url=resp.url,
                    status=resp.status_code,
                    headers=lower_headers,
                    body=body,
                    fetched_at_iso=utcnow().isoformat(),
                )
        except requests.Timeout:
            raise CheckError(f"{url}: timed out after {timeout:.1f} s") from None
        except requests.ConnectionError as exc:
            raise CheckError(f"{url}: connection failed ({_short_reason(exc)})") from None
        except requests.RequestException as exc:
            raise CheckError(f"{url}: request failed ({_short_reason(exc)})") from None
        status = response.status
        if status in accept_statuses:
            return response
        if status == 429 or status >= 500:
            wait = parse_retry_after(response.headers)
            what = "rate limited (HTTP 429)" if status == 429 else f"server error (HTTP {status})"
            hint = f"; asked to retry after {wait:.0f} s" if wait is not None else ""
            raise CheckError(
                f"{url}: {what}{hint}", retry_after=wait, evidence=(response.evidence(),)
            )
        return response

    def _read_capped(
        self, resp: requests.Response, url: str, deadline: float, timeout: float
    ) -> bytes:
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise CheckError(
                f"{url}: response of {int(declared)} bytes exceeds the {self.max_bytes}-byte cap"
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_content(CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise CheckError(f"{url}: response exceeds the {self.max_bytes}-byte cap")
            if time.monotonic() > deadline:
                raise CheckError(f"{url}: timed out after {timeout:.1f} s reading the body")
            chunks.append(chunk)
        return b"".join(chunks)


def _short_reason(exc: Exception) -> str:
    """The innermost cause, without urllib3's object reprs."""
    reason: BaseException = exc
    while reason.__cause__ is not None or reason.__context__ is not None:
        nxt = reason.__cause__ or reason.__context__
        assert nxt is not None
        reason = nxt
    text = str(reason) or type(reason).__name__
    for marker in (
        "Connection refused",
        "Connection reset",
        "Name or service not known",
        "Temporary failure in name resolution",
        "timed out",
        "Remote end closed",
    ):
        if marker.lower() in str(exc).lower() or marker.lower() in text.lower():
            return marker.lower()
    return text[:200]
