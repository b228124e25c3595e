"""Evidence bundle for auditors (implemented by the GitHub Action work)."""

from __future__ import annotations

from pathlib import Path

from checker.engine.config import Config, ConfigError
from checker.engine.runner import RunReport


def write_bundle(directory: Path, config: Config, report: RunReport) -> None:
    raise ConfigError("--evidence is not implemented yet")
