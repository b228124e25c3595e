"""A UDP relay that delays every DNS answer, for the concurrency benchmark.

The loopback DNS fake has no latency fault, so the benchmark puts this relay in front of it:
each query waits ``delay`` seconds, then goes to the fake, and the answer comes back. It runs
on 127.0.0.1 only; each query is handled on its own thread, so concurrent queries overlap.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType


class DelayedResolver:
    def __init__(self, upstream: tuple[str, int], delay: float) -> None:
        self.upstream = upstream
        self.delay = delay
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._stop = threading.Event()

    @property
    def address(self) -> str:
        host, port = self._sock.getsockname()
        return f"{host}:{port}"

    def __enter__(self) -> DelayedResolver:
        threading.Thread(target=self._serve, name="bench-dns-delay", daemon=True).start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                query, client = self._sock.recvfrom(4096)
            except OSError:
                return
            threading.Thread(target=self._relay, args=(query, client), daemon=True).start()

    def _relay(self, query: bytes, client: tuple[str, int]) -> None:
        time.sleep(self.delay)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as upstream:
            upstream.settimeout(5)
            try:
                upstream.sendto(query, self.upstream)
                answer, _ = upstream.recvfrom(65535)
                self._sock.sendto(answer, client)
            except OSError:
                pass  # the client times out, as it would with a real lost packet


def upstream_of(resolvers: str) -> tuple[str, int]:
    host, _, port = resolvers.split(",")[0].strip().rpartition(":")
    return host, int(port)
