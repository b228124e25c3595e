"""Scale: 50 to 500 generated checks against the loopback world, wall time and peak memory."""

from __future__ import annotations

from dataclasses import dataclass

from bench.harness import median, run_cli
from bench.world import Template, config_text, safe_env
from tests.world import World

SIZES = (50, 100, 200, 500)
# Production settings, except that nothing should retry or wait in a healthy world anyway.
SETTINGS = """
[settings]
timeout = 20
"""


@dataclass(frozen=True)
class ScalePoint:
    checks: int
    run_wall_s: float
    process_wall_s: float
    maxrss_mib: float
    statuses: dict[str, int]


def measure(world: World, templates: list[Template], runs: int) -> list[ScalePoint]:
    points = []
    for size in SIZES:
        text = config_text(templates, size, world.site.url, SETTINGS)
        samples = []
        for _ in range(runs):
            world.reset()
            samples.append(run_cli(text, safe_env(world)))
        world.reset()
        points.append(
            ScalePoint(
                checks=size,
                run_wall_s=median([s.report["duration_s"] for s in samples]),
                process_wall_s=median([s.process_wall_s for s in samples]),
                maxrss_mib=median([s.maxrss_mib for s in samples]),
                statuses=samples[-1].report["summary"],
            )
        )
    return points
