"""Concurrency: 40 checks across every family, each response delayed 300 ms.

A sequential tool takes the sum of the check durations; infra-checker should take about as long
as its slowest check. Target: wall <= 1.5 x slowest check + 0.5 s.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.dns_delay import DelayedResolver, upstream_of
from bench.harness import Measured, median, run_cli
from bench.world import Template, candidate_templates, config_text, inject_latency, safe_env
from checker.engine.config import parse_config
from checker.engine.context import make_services
from checker.engine.runner import run_checks
from checker.errors import ConfigError
from tests.world import World

CHECKS = 40
LATENCY_S = 0.3
SETTINGS = """
[settings]
timeout = 15
retries = 0
confirm_delay = 0
concurrency = {concurrency}
"""


@dataclass(frozen=True)
class ConcurrencyResult:
    concurrency: int
    wall_s: float
    slowest_s: float
    sum_s: float
    statuses: dict[str, int]
    runs: int
    slowest_type: str
    undelayed: list[str]  # fakes that cannot inject latency (answer at loopback speed)

    @property
    def target_s(self) -> float:
        return 1.5 * self.slowest_s + 0.5

    @property
    def holds(self) -> bool:
        return self.wall_s <= self.target_s


def usable_templates(world: World, env: dict[str, str]) -> tuple[list[Template], dict[str, str]]:
    """Templates that validate and come back ``ok`` in the documented world; why others not."""
    usable: list[Template] = []
    candidates, missing = candidate_templates()
    excluded = {name: "check type not registered" for name in missing}
    for template in candidates:
        text = config_text([template], 1, world.site.url, SETTINGS.format(concurrency=1))
        try:
            config = parse_config(text, Path("checks.toml"), env)
        except ConfigError as exc:
            excluded[template.type] = f"does not validate: {exc}"
            continue
        world.reset()
        result = run_checks(config.checks, make_services(config.settings, env)).results[0]
        if result.status.value == "ok":
            usable.append(template)
        else:
            excluded[template.type] = (
                f"{result.status.value} in the documented world: {result.message}"
            )
    world.reset()
    return usable, excluded


def measure(
    world: World, templates: list[Template], concurrency: int, runs: int
) -> ConcurrencyResult:
    text = config_text(templates, CHECKS, world.site.url, SETTINGS.format(concurrency=concurrency))
    samples: list[Measured] = []
    undelayed: list[str] = []
    for _ in range(runs):
        world.reset()
        undelayed = inject_latency(world, LATENCY_S)
        env = safe_env(world)
        resolvers = env.get("CHECKER_DNS_RESOLVERS", "")
        if "dns" in undelayed and resolvers:
            undelayed.remove("dns")  # delayed by a relay in front of the fake instead
            with DelayedResolver(upstream_of(resolvers), LATENCY_S) as relay:
                samples.append(run_cli(text, {**env, "CHECKER_DNS_RESOLVERS": relay.address}))
        else:
            samples.append(run_cli(text, env))
    world.reset()
    walls = [s.report["duration_s"] for s in samples]
    slowest = [max(r["duration_s"] for r in s.report["results"]) for s in samples]
    sums = [sum(r["duration_s"] for r in s.report["results"]) for s in samples]
    return ConcurrencyResult(
        concurrency=concurrency,
        wall_s=median(walls),
        slowest_s=median(slowest),
        sum_s=median(sums),
        statuses=samples[-1].report["summary"],
        runs=runs,
        slowest_type=max(samples[-1].report["results"], key=lambda r: r["duration_s"])["type"],
        undelayed=undelayed,
    )
