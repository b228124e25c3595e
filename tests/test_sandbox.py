"""The test sandbox itself: nothing leaves loopback, and no test can hang the suite.

192.0.2.1 is TEST-NET-1 (RFC 5737, never routed); every attempt below is refused before a
packet is sent, which is exactly what these tests prove.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_socket import SocketConnectBlockedError

from tests.conftest import DatagramBlockedError
from tests.world import World

OFF_LOOPBACK = "192.0.2.1"
# pytest-socket also warns when it blocks; the raise is what these tests assert.
BLOCK_WARNING = pytest.mark.filterwarnings("ignore:A test tried to use socket:UserWarning")


@BLOCK_WARNING
def test_tcp_connect_off_loopback_is_blocked() -> None:
    with socket.socket() as sock, pytest.raises(SocketConnectBlockedError):
        sock.connect((OFF_LOOPBACK, 443))


@BLOCK_WARNING
def test_real_http_client_off_loopback_is_blocked() -> None:
    import requests

    with pytest.raises(SocketConnectBlockedError):
        requests.get(f"http://{OFF_LOOPBACK}/", timeout=1)


def test_udp_datagram_off_loopback_is_blocked() -> None:
    """pytest-socket guards connect() only; the conftest guards sendto() as well."""
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock,
        pytest.raises(DatagramBlockedError),
    ):
        sock.sendto(b"\x00", (OFF_LOOPBACK, 53))


def test_real_dns_client_off_loopback_is_blocked() -> None:
    import dns.message
    import dns.query

    query = dns.message.make_query("mybinder.org", "NS")
    with pytest.raises(DatagramBlockedError):
        dns.query.udp(query, OFF_LOOPBACK, timeout=1)


def test_names_do_not_resolve_in_tests() -> None:
    """The C resolver would send its own queries; in tests only localhost resolves."""
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("mybinder.org", 443)
    assert socket.getaddrinfo("localhost", 80)


def test_loopback_still_works(world: World) -> None:
    import requests

    assert requests.get(f"{world.site.url}/health", timeout=5).status_code == 200
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.sendto(b"ping", server.getsockname())
            server.settimeout(2)
            assert server.recvfrom(16)[0] == b"ping"


def test_sandbox_options_are_in_force(pytestconfig: pytest.Config) -> None:
    """The options come from pyproject addopts, so plain `pytest` and `make test` both get them."""
    assert 0 < pytestconfig.getoption("timeout") <= 120
    allowed = set(pytestconfig.getoption("allow_hosts").split(","))
    assert allowed <= {"127.0.0.1", "::1", "localhost"}


def test_per_test_timeout_kills_a_hanging_test(tmp_path: Path) -> None:
    """pytest-timeout really ends a hung test (shortened to 1 s here)."""
    test = tmp_path / "test_hang.py"
    test.write_text("import time\n\ndef test_hang():\n    time.sleep(30)\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout=1", str(test)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 1
    assert "Timeout" in proc.stdout and "1 failed" in proc.stdout
