"""Fake dockerhub service for the loopback world (to be filled in by its family's work)."""

from __future__ import annotations

from tests.world.httpfake import FakeHTTPService


def start() -> FakeHTTPService:
    service = FakeHTTPService("dockerhub")
    service.start()
    return service
