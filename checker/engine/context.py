"""What a check receives besides its parameters: settings, shared clients, and its deadline."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from checker.engine.model import CheckError
from checker.engine.settings import Settings
from checker.engine.sharing import HostLimits, RequestKey, RequestMemo

T = TypeVar("T")


@dataclass
class Services:
    """Clients and caches shared by every check of one run (thread-safe)."""

    settings: Settings
    env: Mapping[str, str]
    memo: RequestMemo = field(init=False)
    limits: HostLimits = field(init=False)
    _cache: dict[str, Any] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.memo = RequestMemo(enabled=self.settings.share_requests)
        self.limits = HostLimits(self.settings.per_host)

    def shared(self, key: str, factory: Callable[[], T], *, deadline: float | None = None) -> T:
        """Build a value once per run (a client, a bootstrap file) and hand it to every check.

        A factory that raises caches nothing, so the next check tries again. A check waiting
        for another one's factory (``time.monotonic()`` ``deadline``) stops waiting at its own
        deadline: someone else's stalled download must not time it out silently.
        """
        with self._guard:
            if key in self._cache:
                return self._cache[key]  # type: ignore[no-any-return]
            lock = self._locks.setdefault(key, threading.Lock())
        wait = -1.0 if deadline is None else max(0.0, deadline - time.monotonic())
        if not lock.acquire(timeout=wait):
            raise CheckError(f"timed out waiting for another check to fetch {key}")
        try:
            with self._guard:
                if key in self._cache:
                    return self._cache[key]  # type: ignore[no-any-return]
            value = factory()
            with self._guard:
                self._cache[key] = value
            return value
        finally:
            lock.release()


@dataclass(frozen=True)
class CheckContext:
    services: Services
    deadline: float
    # Requests started before this (time.monotonic()) are not reused: a retry or the look
    # that confirms a drift asks again, together with the checks looking again with it.
    fresh_after: float = float("-inf")

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def env(self) -> Mapping[str, str]:
        return self.services.env

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def call_timeout(self) -> float:
        """Timeout for one network call: never past this attempt's deadline."""
        return max(0.05, min(self.settings.timeout, self.remaining()))

    def once(
        self, key: RequestKey, host: str, fetch: Callable[[], T], *, deadline: float | None = None
    ) -> T:
        """Ask ``key`` of ``host`` once per run (see :mod:`checker.engine.sharing`): the
        request itself holds one of the host's ``per_host`` slots."""
        until = self.deadline if deadline is None else min(deadline, self.deadline)

        def ask() -> T:
            with self.services.limits.slot(host, until):
                return fetch()

        return self.services.memo.once(key, ask, fresh_after=self.fresh_after, deadline=until)

    def credential(self, secret: str | None) -> str:
        """A digest standing for ``secret`` in a :class:`RequestKey` (never the secret)."""
        return self.services.memo.credential(secret)


def make_services(settings: Settings, env: Mapping[str, str]) -> Services:
    return Services(settings=settings, env=env)
