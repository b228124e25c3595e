"""Shared fixtures: one loopback world per session, reset to the documented state per test."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checker.engine.redaction import SECRET_VARIABLES
from checker.engine.settings import ENV_OVERRIDES
from checker.net import gcp_client
from tests.world import World

# Whatever the developer's shell says, tests talk only to the loopback world.
for _var in (
    *SECRET_VARIABLES,
    *gcp_client.ENVIRONMENT,
    *ENV_OVERRIDES,
    "GITHUB_STEP_SUMMARY",
    "GITHUB_OUTPUT",
    "NO_COLOR",
):
    os.environ.pop(_var, None)


class DatagramBlockedError(RuntimeError):
    """A test sent a UDP datagram off loopback (pytest-socket only guards connect())."""


_true_sendto = socket.socket.sendto


def _loopback_sendto(sock: socket.socket, data: Any, *args: Any) -> int:
    # An unconnected UDP socket never calls connect(): this is how dnspython sends a query,
    # so without this guard a DNS check could reach a real resolver from a test.
    address = args[-1]
    host = address[0] if isinstance(address, tuple) else address
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise DatagramBlockedError(f"a test tried to send a datagram to {host!r} (not loopback)")
    return _true_sendto(sock, data, *args)  # type: ignore[no-any-return]


_true_getaddrinfo = socket.getaddrinfo


def _offline_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    # The C resolver sends its queries itself, past pytest-socket; in tests every name but
    # localhost is unresolvable, exactly as on a machine without a network.
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and name != "localhost":
        try:
            ipaddress.ip_address(name.split("%")[0])
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, f"{name}: not resolved in tests") from None
    return _true_getaddrinfo(host, *args, **kwargs)


socket.socket.sendto = _loopback_sendto  # type: ignore[assignment,method-assign]
socket.getaddrinfo = _offline_getaddrinfo


@pytest.fixture(scope="session")
def world_session() -> Iterator[World]:
    world = World()
    yield world
    world.stop()


@pytest.fixture
def world(world_session: World) -> Iterator[World]:
    world_session.reset()
    yield world_session
    world_session.reset()


@pytest.fixture
def write_config(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a checks.toml into a temp dir and return its path."""

    def write(text: str, name: str = "checks.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
