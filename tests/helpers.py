"""Small helpers for driving the engine and the CLI against the loopback world."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from contextlib import redirect_stderr, redirect_stdout
from datetime import datetime
from pathlib import Path

from checker.cli import main
from checker.engine.config import Config, parse_config
from checker.engine.context import make_services
from checker.engine.model import Result
from checker.engine.runner import RunReport, run_checks

# Fast, still honest: one retry without backoff, drift confirmed without a pause.
FAST_SETTINGS = """
[settings]
timeout = 2
retries = 1
retry_backoff = 0
confirm_delay = 0
max_retry_wait = 2
"""


def config_from(
    text: str, env: Mapping[str, str] | None = None, settings: str = FAST_SETTINGS
) -> Config:
    return parse_config(settings + text, Path("checks.toml"), env or {})


def run_text(text: str, env: Mapping[str, str], settings: str = FAST_SETTINGS) -> RunReport:
    config = config_from(text, env, settings)
    return run_checks(config.checks, make_services(config.settings, env))


def run_single(text: str, env: Mapping[str, str], settings: str = FAST_SETTINGS) -> Result:
    report = run_text(text, env, settings)
    assert len(report.results) == 1
    return report.results[0]


def cli(
    argv: list[str],
    env: Mapping[str, str] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> tuple[int, str, str]:
    """Run the CLI in-process; ``clock`` says when the run starts (simulated nights)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv, dict(env or {}), clock=clock)
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()
