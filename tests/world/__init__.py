"""The loopback world: real protocol servers on 127.0.0.1 that behave like the real services.

One :class:`World` is started per test session (see ``tests/conftest.py``) and shared by every
test; ``world.reset()`` puts every service back in the documented JupyterHub state between
tests. ``world.env()`` gives the endpoint overrides (the same ones users set for GitHub
Enterprise, mirrors or internal resolvers) that point the real clients at it.
"""

from __future__ import annotations

import socket
from typing import Protocol


class Service(Protocol):
    def reset(self) -> None: ...
    def stop(self) -> None: ...
    def env(self) -> dict[str, str]: ...


def closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class World:
    def __init__(self) -> None:
        # Each module owns one fake; imports are local so a fake's bugs stay in its module.
        from tests.world import dns_server, dockerhub, gcp, github, quay, rdap, site, whois_server

        self.site = site.start()
        self.quay = quay.start()
        self.dockerhub = dockerhub.start()
        self.github = github.start()
        self.gcp = gcp.start()
        self.rdap = rdap.start()
        self.whois = whois_server.start()
        self.dns = dns_server.start()
        self.services: list[Service] = [
            self.site,
            self.quay,
            self.dockerhub,
            self.github,
            self.gcp,
            self.rdap,
            self.whois,
            self.dns,
        ]

    def env(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for service in self.services:
            merged.update(service.env())
        return merged

    def reset(self) -> None:
        for service in self.services:
            service.reset()

    def stop(self) -> None:
        for service in self.services:
            service.stop()
