"""What the checks of one run share: each upstream request made once, and each host's limit.

:class:`RequestMemo` is a single-flight plus a per-run memo: a check asking what another is
already asking (same method, target and credentials) waits for that answer instead of asking
again, and a check asking later gets the answer (or the failure) already got. A look that must
be new (a retry after an error, the second look that confirms a drift) accepts only requests
started after its check's previous look ended; such requests are shared in turn among the
checks that look again together.

:class:`HostLimits` keeps at most ``per_host`` requests of the run in flight to any one host,
and pauses a host (only that one) for as long as its ``Retry-After`` asked.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from checker.engine.model import CheckError

T = TypeVar("T")


@dataclass(frozen=True)
class RequestKey:
    """One upstream question. ``credential`` is a salted digest, so a key can be compared and
    hashed but never shows (or lets anyone recover) the token it stands for."""

    protocol: str  # "HTTP", "DNS", "WHOIS"
    method: str  # GET, a DNS record type, "query"
    target: str  # the URL with its query, or the server and the question
    credential: str = field(default="", repr=False)

    def __str__(self) -> str:
        return f"{self.protocol} {self.method} {self.target}"


class NotAsked(CheckError):
    """The request was never sent (no free slot in time, the host paused): nothing to share,
    so the next check to ask tries for itself."""


class _Flight:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class RequestMemo:
    """Single-flight plus memo for one run (thread-safe). ``enabled=False`` asks every time
    (``[settings] share_requests = false``, for comparison)."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._salt = os.urandom(16)
        self._flights: dict[RequestKey, _Flight] = {}
        self._lock = threading.Lock()
        self.made = 0  # requests actually made, for benchmarks and tests
        self.shared = 0  # answers handed to a check that did not ask for them itself

    def credential(self, secret: str | None) -> str:
        if not secret:
            return ""
        return hmac.new(self._salt, secret.encode(), hashlib.sha256).hexdigest()

    def once(
        self,
        key: RequestKey,
        fetch: Callable[[], T],
        *,
        fresh_after: float,
        deadline: float,
    ) -> T:
        """``fetch()``'s answer for ``key``, asked once; a request started before
        ``fresh_after`` (``time.monotonic()``) is not reused. A check waiting for another's
        request stops at its own ``deadline``."""
        with self._lock:
            flight = self._flights.get(key) if self.enabled else None
            owner = flight is None or flight.started < fresh_after
            if owner:
                flight = _Flight()
                self.made += 1
                if self.enabled:
                    self._flights[key] = flight
            else:
                self.shared += 1
        assert flight is not None
        if owner:
            try:
                flight.value = fetch()
            except BaseException as exc:
                flight.error = exc
                if isinstance(exc, NotAsked):
                    with self._lock:
                        if self._flights.get(key) is flight:
                            del self._flights[key]
                raise
            finally:
                flight.done.set()
            return flight.value  # type: ignore[no-any-return]
        if not flight.done.wait(max(0.0, deadline - time.monotonic())):
            raise CheckError(f"{key}: timed out waiting for the answer another check asked for")
        if flight.error is not None:
            raise _again(flight.error)
        return flight.value  # type: ignore[no-any-return]


def _again(error: BaseException) -> BaseException:
    """The shared failure, as a fresh exception where that is possible (several threads raise
    it at once; a CheckError's meaning is all in its fields)."""
    if isinstance(error, CheckError):
        return CheckError(error.message, retry_after=error.retry_after, evidence=error.evidence)
    return error


class HostLimits:
    """At most ``per_host`` requests in flight to each host; a host can be paused."""

    def __init__(self, per_host: int) -> None:
        self.per_host = per_host
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._paused_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def pause(self, host: str, seconds: float) -> None:
        """The host asked (``Retry-After``) not to be asked again for ``seconds``."""
        with self._lock:
            until = time.monotonic() + seconds
            self._paused_until[host] = max(until, self._paused_until.get(host, 0.0))

    @contextmanager
    def slot(self, host: str, deadline: float) -> Iterator[None]:
        """Hold one of ``host``'s slots for one request, waiting at most until ``deadline``."""
        with self._lock:
            semaphore = self._slots.setdefault(host, threading.BoundedSemaphore(self.per_host))
            paused_until = self._paused_until.get(host, 0.0)
        now = time.monotonic()
        if paused_until > now:
            if paused_until > deadline:
                raise NotAsked(
                    f"{host} asked (Retry-After) not to be asked for {paused_until - now:.0f} s "
                    "more, past this check's deadline"
                )
            time.sleep(paused_until - now)
        if not semaphore.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise NotAsked(
                f"{host}: no free connection before the deadline ({self.per_host} requests "
                "of this run already in flight to it)"
            )
        try:
            yield
        finally:
            semaphore.release()
