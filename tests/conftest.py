"""Shared fixtures: one loopback world per session, reset to the documented state per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.world import World

# Whatever the developer's shell says, tests talk only to the loopback world.
for _var in (
    "GITHUB_TOKEN",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_OUTPUT",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GITHUB_API_URL",
    "CHECKER_DNS_RESOLVERS",
    "CHECKER_WHOIS_SERVER",
    "CHECKER_RDAP_URL",
    "CHECKER_QUAY_URL",
    "CHECKER_DOCKERHUB_URL",
    "CHECKER_GCP_ENDPOINT",
    "NO_COLOR",
):
    os.environ.pop(_var, None)


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
