"""Child process of the benchmarks: run the CLI once, report wall time and peak memory.

Usage: ``python -m bench.measure RESULT.json -- <checker argv>``. Runs ``checker.cli.main`` in
this fresh interpreter (so peak RSS is one run's, not the harness's) behind a socket guard that
refuses any address but loopback, and writes ``{"exit", "wall_s", "maxrss_kib"}`` to RESULT.json.
"""

from __future__ import annotations

import ipaddress
import json
import resource
import socket
import sys
import time
from pathlib import Path
from typing import Any

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_sendto = socket.socket.sendto


def _loopback_only(address: Any) -> None:
    host = address[0] if isinstance(address, tuple) else address
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise OSError(f"bench: refusing non-loopback address {host!r}")


def _connect(self: socket.socket, address: Any) -> None:
    _loopback_only(address)
    _real_connect(self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    _loopback_only(address)
    return _real_connect_ex(self, address)


def _sendto(self: socket.socket, data: Any, *args: Any) -> int:
    _loopback_only(args[-1])
    return _real_sendto(self, data, *args)


def guard_sockets() -> None:
    socket.socket.connect = _connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign,assignment]
    socket.socket.sendto = _sendto  # type: ignore[method-assign,assignment]


def main() -> int:
    out = Path(sys.argv[1])
    argv = sys.argv[sys.argv.index("--") + 1 :]
    guard_sockets()
    from checker.cli import main as checker_main

    started = time.perf_counter()
    code = checker_main(argv)
    wall = time.perf_counter() - started
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    out.write_text(json.dumps({"exit": code, "wall_s": wall, "maxrss_kib": maxrss}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
