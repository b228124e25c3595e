"""``python -m bench`` (``make bench``): run every benchmark, write docs/benchmarks.md."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench import concurrency, hung, report, scale, startup
from bench.harness import ROOT
from bench.measure import guard_sockets
from bench.world import config_text, running_world, safe_env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    guard_sockets()  # this process too: the world listens on loopback, nothing goes further
    started = time.perf_counter()

    def say(text: str) -> None:
        print(f"[bench {time.perf_counter() - started:6.1f}s] {text}", file=sys.stderr)

    with running_world() as world:
        env = safe_env(world)
        templates, excluded = concurrency.usable_templates(world, env)
        say(f"families in the mix: {sorted({t.family for t in templates})}; left out: {excluded}")
        if not templates:
            say("no check type works against the loopback world; nothing to measure")
            return 1
        say("concurrency")
        conc = [
            concurrency.measure(world, templates, concurrency.DEFAULTS, args.runs),
            concurrency.measure(world, templates, concurrency.BEFORE, max(3, args.runs // 2)),
        ]
        say(f"concurrency, {concurrency.MANY} checks")
        many = [
            concurrency.measure(world, templates, mode, 1, concurrency.MANY)
            for mode in (concurrency.DEFAULTS, concurrency.BEFORE)
        ]
        say("hung services, shipped settings")
        hung_results = hung.measure(world)
        say("start-up")
        text = config_text(templates, concurrency.CHECKS, world.site.url, "")
        start = startup.measure(text, runs=max(10, args.runs * 2))
        say("scale")
        points = scale.measure(world, templates, runs=max(3, args.runs // 2))
        budget = None
        try:
            from bench import github_budget
        except ImportError:
            say("GitHub API budget: issue sync not available")
        else:
            say("GitHub API budget")
            budget = github_budget.measure(world)
    markdown = report.render(
        templates=templates,
        excluded=excluded,
        concurrency=conc,
        many=many,
        hung=hung_results,
        startup=start,
        scale=points,
        budget=budget,
        runs=args.runs,
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(markdown, encoding="utf-8")
    say(f"wrote {args.output}")
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
