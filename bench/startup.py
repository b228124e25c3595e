"""Start-up: ``--help`` and ``validate`` against bare Python, and what they import.

Target: ``--help`` within 0.15 s of ``python -c pass``; no google/github/whois/dns module
imported by ``--help``, ``validate``, ``list`` or ``schema``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.harness import ROOT, median, timed

HEAVY = re.compile(r"^(google|github|whois|dns|requests|urllib3)(\.|$)")
FORBIDDEN = re.compile(r"^(google|github|whois|dns)(\.|$)")


@dataclass(frozen=True)
class Command:
    name: str
    argv: list[str]
    wall_s: float
    modules: int
    heavy: list[str]  # heavy client modules imported (google/github/whois/dns/requests)

    @property
    def forbidden(self) -> list[str]:
        return [m for m in self.heavy if FORBIDDEN.match(m)]


@dataclass(frozen=True)
class StartupResult:
    commands: list[Command]
    runs: int

    def get(self, name: str) -> Command:
        return next(c for c in self.commands if c.name == name)

    @property
    def help_overhead_s(self) -> float:
        return self.get("--help").wall_s - self.get("python -c pass").wall_s

    @property
    def holds(self) -> bool:
        no_heavy = not any(c.forbidden for c in self.commands)
        return self.help_overhead_s <= 0.15 and no_heavy


def imported(argv: list[str]) -> list[str]:
    """Every module the command imports, from ``-X importtime`` (stderr)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *argv[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    names = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "imported package" not in line:
            names.append(line.rsplit("|", 1)[1].strip())
    return names


def measure(config: str, runs: int) -> StartupResult:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        path = Path(tmp, "checks.toml")
        path.write_text(config, encoding="utf-8")
        py = sys.executable
        commands = {
            "python -c pass": [py, "-c", "pass"],
            "--help": [py, "-m", "checker", "--help"],
            "validate": [py, "-m", "checker", "validate", "--config", str(path)],
            "list": [py, "-m", "checker", "list", "--config", str(path)],
            "schema": [py, "-m", "checker", "schema"],
        }
        out = []
        for name, argv in commands.items():
            timed(argv)  # warm the page cache and .pyc files
            wall = median([timed(argv) for _ in range(runs)])
            modules = imported(argv)
            heavy = sorted({m.split(".")[0] for m in modules if HEAVY.match(m)})
            out.append(Command(name, argv, wall, len(modules), heavy))
    return StartupResult(out, runs)
