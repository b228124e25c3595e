"""Concurrency: 40 (and 500) checks across every family, each response delayed 300 ms.

A sequential tool takes the sum of the check durations; infra-checker should take about as long
as its slowest check. Target, with the default settings: wall <= 1.5 x slowest check + 0.5 s.
Each configuration is measured side by side with today's behaviour before issue 15 (one global
limit of 8 checks, no per-host limit, every check asking for itself), counting the upstream
requests every fake received and the most it was asked at once.
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
from tests.world.httpfake import FakeHTTPService

CHECKS = 40
MANY = 500
LATENCY_S = 0.3
SETTINGS = """
[settings]
timeout = 15
retries = 0
confirm_delay = 0
{mode}
"""


@dataclass(frozen=True)
class Mode:
    name: str
    settings: str


BEFORE = Mode(
    "before: global limit 8, no sharing",
    "concurrency = 8\nper_host = 256\nshare_requests = false\ncheck_deadline = 3600",
)
DEFAULTS = Mode("new defaults (concurrency 32, per_host 4, sharing)", "")


@dataclass(frozen=True)
class ConcurrencyResult:
    mode: str
    checks: int
    wall_s: float
    slowest_s: float
    sum_s: float
    statuses: dict[str, int]
    runs: int
    slowest_type: str
    undelayed: list[str]  # fakes that cannot inject latency (answer at loopback speed)
    requests: int  # upstream requests all fakes received in one run
    peaks: dict[str, int]  # the most requests each HTTP fake handled at once

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
        text = config_text([template], 1, world.site.url, SETTINGS.format(mode=""))
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


def requests_seen(world: World) -> tuple[int, dict[str, int]]:
    """Upstream requests every fake received since the last reset, and each fake's peak of
    concurrent requests (the DNS fake answers at once, so only its queries are counted)."""
    total = world.dns.count() + world.whois.count()
    peaks: dict[str, int] = {"whois": world.whois.peak}
    for name, service in vars(world).items():
        if isinstance(service, FakeHTTPService):
            total += len(service.requests)
            peaks[name] = service.peak
    return total, peaks


def measure(
    world: World, templates: list[Template], mode: Mode, runs: int, checks: int = CHECKS
) -> ConcurrencyResult:
    text = config_text(templates, checks, world.site.url, SETTINGS.format(mode=mode.settings))
    samples: list[Measured] = []
    undelayed: list[str] = []
    counted: list[tuple[int, dict[str, int]]] = []
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
        counted.append(requests_seen(world))
    world.reset()
    walls = [s.report["duration_s"] for s in samples]
    slowest = [max(r["duration_s"] for r in s.report["results"]) for s in samples]
    sums = [sum(r["duration_s"] for r in s.report["results"]) for s in samples]
    peaks = {name: max(c[1].get(name, 0) for c in counted) for name in counted[-1][1]}
    return ConcurrencyResult(
        mode=mode.name,
        checks=checks,
        wall_s=median(walls),
        slowest_s=median(slowest),
        sum_s=median(sums),
        statuses=samples[-1].report["summary"],
        runs=runs,
        slowest_type=max(samples[-1].report["results"], key=lambda r: r["duration_s"])["type"],
        undelayed=undelayed,
        requests=int(median([c[0] for c in counted])),
        peaks=peaks,
    )
