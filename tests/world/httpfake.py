"""A real HTTP server on 127.0.0.1 that fakes one web service, with injectable faults.

Every fake web service of the loopback world (quay.io, Docker Hub, GitHub, Cloud Resource
Manager, RDAP, a plain site) is one :class:`FakeHTTPService`: routes are plain functions from a
:class:`Request` to a :class:`Reply`; faults are injected per service (optionally per path
prefix) and consumed in order; every request is recorded so tests can count calls.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

HANG_LIMIT_S = 30.0


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        return cls(
            status,
            json.dumps(data).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain") -> Reply:
        return cls(status, text.encode(), {"Content-Type": content_type})


Handler = Callable[[Request], Reply]

# The faults a service can be told to produce, named as the fault matrix names them.
FAULTS = (
    "hang",  # accept, read the request, never answer
    "trickle",  # answer 200 with a body dribbled one byte at a time
    "reset",  # reset the connection (RST) instead of answering
    "status",  # answer `status` (default 503) with a realistic error body
    "rate_limit",  # 429 with Retry-After: `retry_after` (default 1)
    "html",  # 200 with an HTML page where JSON was expected
    "truncated_json",  # 200, application/json, cut off mid-document
    "huge",  # 200 with a 10 MB body
    "latency",  # answer normally after `delay` seconds
)


@dataclass
class Fault:
    kind: str
    path_prefix: str = ""
    times: int | None = None  # None: every matching request until cleared
    status: int = 503
    retry_after: int | None = 1
    delay: float = 0.3
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up on a fault (a capped body, a deadline) are expected, not news.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeHTTPService:
    def __init__(self, name: str) -> None:
        self.name = name
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self.release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self.reset_hooks: list[Callable[[], None]] = []
        self.in_flight = 0  # requests being handled right now (faults and latency included)
        self.peak = 0  # the most requests it has handled at once since the last reset

    # --- routing -------------------------------------------------------------------------
    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        """Register a handler; ``{name}`` in the pattern captures one path segment."""
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "/?$")

        def register(handler: Handler) -> Handler:
            self._routes.append((method.upper(), regex, handler))
            return handler

        return register

    def not_found(self, request: Request) -> Reply:
        return Reply.json({"message": "Not Found"}, 404)

    def error_reply(self, status: int) -> Reply:
        """The body this service sends with a 5xx; services override it."""
        return Reply.text(f"<html><body><h1>{status}</h1></body></html>", status, "text/html")

    # --- faults --------------------------------------------------------------------------
    def inject(self, kind: str, **options: Any) -> Fault:
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}")
        fault = Fault(kind, **options)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
        self.release.set()

    def reset(self) -> None:
        """Back to the documented world: no faults, no recorded requests."""
        self.clear_faults()
        with self._lock:
            self.requests.clear()
            self.peak = 0
        self.release = threading.Event()
        for hook in self.reset_hooks:
            hook()

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.path_prefix):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def count(self, method: str | None = None, path_prefix: str = "") -> int:
        with self._lock:
            return sum(
                1
                for r in self.requests
                if (method is None or r.method == method) and r.path.startswith(path_prefix)
            )

    # --- serving -------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Reply:
        for method, regex, handler in self._routes:
            match = regex.match(request.path)
            if match and method == request.method:
                request.params = match.groupdict()
                return handler(request)
        return self.not_found(request)

    def start(self) -> FakeHTTPService:
        service = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                with service._lock:
                    service.in_flight += 1
                    service.peak = max(service.peak, service.in_flight)
                try:
                    self._serve()
                finally:
                    with service._lock:
                        service.in_flight -= 1

            def _serve(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(
                    method=self.command,
                    path=split.path,
                    query={k: v[-1] for k, v in parse_qs(split.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                with service._lock:
                    service.requests.append(request)
                fault = service._take_fault(split.path)
                if fault is not None and self._fault(fault, request):
                    return
                try:
                    reply = service.dispatch(request)
                except Exception as exc:  # a bug in a fake should be loud, not a hang
                    reply = Reply.text(f"fake {service.name} crashed: {exc!r}", 500)
                self._send(reply)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

            def _send(self, reply: Reply) -> None:
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply.body)

            def _fault(self, fault: Fault, request: Request) -> bool:
                """Act out a fault; True when the request is fully dealt with."""
                kind = fault.kind
                if kind == "hang":
                    service.release.wait(HANG_LIMIT_S)
                    self.close_connection = True
                    return True
                if kind == "reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    self.connection.close()
                    return True
                if kind == "latency":
                    service.release.wait(fault.delay)
                    return False
                if kind == "status":
                    reply = service.error_reply(fault.status)
                    if fault.body is not None:
                        # ``{authorization}`` echoes the request's header, as some services do.
                        auth = request.headers.get("authorization", "").encode()
                        body = fault.body.replace(b"{authorization}", auth)
                        reply = Reply(fault.status, body, reply.headers)
                    reply.headers.update(fault.headers)
                    self._send(reply)
                    return True
                if kind == "rate_limit":
                    headers = {"Content-Type": "application/json", **fault.headers}
                    if fault.retry_after is not None:
                        headers["Retry-After"] = str(fault.retry_after)
                    body = fault.body or b'{"message": "Too Many Requests"}'
                    self._send(Reply(429, body, headers))
                    return True
                if kind == "html":
                    self._send(
                        Reply.text(
                            "<!DOCTYPE html><html><head><title>Maintenance</title></head>"
                            "<body>We'll be back soon.</body></html>",
                            200,
                            "text/html",
                        )
                    )
                    return True
                if kind == "truncated_json":
                    self._send(
                        Reply(
                            200,
                            b'{"name": "jupyterhub", "is_public": tr',
                            {"Content-Type": "application/json"},
                        )
                    )
                    return True
                if kind == "huge":
                    self._send(
                        Reply(
                            200,
                            b'{"pad": "' + b"x" * 10_000_000 + b'"}',
                            {"Content-Type": "application/json"},
                        )
                    )
                    return True
                if kind == "trickle":
                    payload = b'{"slow": true}' * 20
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    try:
                        for byte in payload:
                            if service.release.wait(0.5):
                                break
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                    except OSError:
                        pass
                    self.close_connection = True
                    return True
                raise AssertionError(kind)

        server = _QuietServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, name=f"fake-{self.name}", daemon=True).start()
        return self

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {}

    def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
