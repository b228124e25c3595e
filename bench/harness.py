"""Run the checker CLI in a fresh child process against the loopback world and time it."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Measured:
    exit: int
    process_wall_s: float  # the whole process: interpreter, imports, run, report
    run_wall_s: float  # checker.cli.main only
    maxrss_mib: float
    report: dict[str, Any]  # the JSON report


def run_cli(config: str, env: Mapping[str, str], extra: Sequence[str] = ()) -> Measured:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        path, out, meta = Path(tmp, "checks.toml"), Path(tmp, "report.json"), Path(tmp, "m.json")
        path.write_text(config, encoding="utf-8")
        argv = ["run", "--config", str(path), "--format", "json", "--output", str(out), *extra]
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "bench.measure", str(meta), "--", *argv],
            cwd=ROOT,
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=600,
        )
        wall = time.perf_counter() - started
        if proc.returncode != 0 or not meta.exists():
            raise RuntimeError(f"bench child failed ({proc.returncode}): {proc.stderr[-2000:]}")
        data = json.loads(meta.read_text())
        report = json.loads(out.read_text()) if out.exists() else {}
        return Measured(data["exit"], wall, data["wall_s"], data["maxrss_kib"] / 1024, report)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def timed(argv: Sequence[str], env: Mapping[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(
        argv,
        cwd=ROOT,
        env=None if env is None else dict(env),
        check=True,
        capture_output=True,
        timeout=120,
    )
    return time.perf_counter() - started
