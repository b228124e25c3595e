"""Issue sync entry points used by the CLI (implemented by the drift-issues work)."""

from __future__ import annotations

from collections.abc import Mapping

from checker.engine.config import Config, ConfigError
from checker.engine.runner import RunReport


def preflight(config: Config, env: Mapping[str, str], *, dry_run: bool) -> None:
    raise ConfigError("issue sync is not implemented yet")


def sync(
    config: Config, report: RunReport, env: Mapping[str, str], *, dry_run: bool, partial: bool
) -> None:
    raise ConfigError("issue sync is not implemented yet")
