"""A hung service with the shipped checks.toml: how long the whole run takes, and its verdicts.

Two worlds: a DNS resolver that never answers, and a WHOIS server that hangs while RDAP is
down (connection refused). The repository's own ``[settings]`` apply (``timeout = 20``,
``retries = 2``, ``check_deadline = 60``): the run must be over within ``check_deadline``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bench.harness import run_cli
from bench.world import safe_env
from tests.world import World, closed_port
from tests.world.project_config import PROJECT_CONFIG, project_config_text


@dataclass(frozen=True)
class HungResult:
    case: str
    process_wall_s: float  # the whole `python -m checker run`, interpreter start included
    run_wall_s: float
    errors: list[str]  # ids of the checks that ended as error
    requests: int  # requests the hung service received


def shipped_settings() -> str:
    text = PROJECT_CONFIG.read_text(encoding="utf-8")
    match = re.search(r"(?ms)^\[settings\]\n.*?(?=^\[)", text)
    assert match is not None
    return match.group(0)


def _run(world: World, case: str, env: dict[str, str], count: Callable[[], int]) -> HungResult:
    text = project_config_text(world, shipped_settings())
    measured = run_cli(text, env)
    results = measured.report.get("results", [])
    return HungResult(
        case=case,
        process_wall_s=measured.process_wall_s,
        run_wall_s=measured.report.get("duration_s", float("nan")),
        errors=[r["id"] for r in results if r["status"] == "error"],
        requests=count(),
    )


def measure(world: World) -> list[HungResult]:
    out = []
    world.reset()
    world.dns.inject("drop")
    out.append(_run(world, "DNS resolver never answers", safe_env(world), world.dns.count))
    world.reset()
    world.whois.inject("hang")
    env = {**safe_env(world), "CHECKER_RDAP_URL": f"http://127.0.0.1:{closed_port()}/rdap"}
    out.append(_run(world, "WHOIS server hangs, RDAP down", env, world.whois.count))
    world.reset()
    return out
