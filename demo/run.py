"""``make demo``: what a drift looks like, offline, with the real tool.

Starts the loopback world (real HTTP, DNS, WHOIS and RDAP servers on 127.0.0.1 that behave like
the public services and hold the documented JupyterHub state), drifts two facts the way they
could drift in real life (mybinder.org's nameservers moved away from Cloudflare, the
quay.io/jupyterhub/repo2docker repository deleted) and edits one sentence of the team's page
(served by the loopback GitHub contents API: the registrar is now Namecheap, and checks.toml was
not updated), then runs ``infra-checker run --dry-run``
with the project's own checks.toml against it: the report, then the issue plan a real run
would apply. Nothing leaves this machine
and nothing is written anywhere.

Run it with ``python -m demo`` (what ``make demo`` does). The loopback servers stay in
``tests/world``, where the tests use them too.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import TextIO

from checker.cli import main as infra_checker
from checker.errors import ExitCode
from tests.world import World
from tests.world.github import ISSUES_REPO, TEAM_PAGE
from tests.world.project_config import project_config_text

DOMAIN = "mybinder.org"
MOVED_NAMESERVERS = ["ns1.bluehost.com", "ns2.bluehost.com"]
DELETED_IMAGE = "jupyterhub/repo2docker"
REGISTRAR_SENTENCE = "The registrar for this domain is [BlueHost](https://bluehost.com)."
EDITED_SENTENCE = "The registrar for this domain is [Namecheap](https://namecheap.com)."

# Fast, and still honest: one retry, a short pause before the confirming second look.
DEMO_SETTINGS = """
[settings]
timeout = 5
retries = 1
retry_backoff = 0.2
confirm_delay = 0.5
"""

# Variables that must not leak in from the developer's shell: the demo talks to nothing real.
SCRUBBED = (
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "QUAY_TOKEN",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GITHUB_ACTIONS",
    "GITHUB_OUTPUT",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_REPOSITORY",
)


def drift(world: World) -> list[str]:
    """Change the world behind the documentation's back; returns what was done, for people."""
    world.dns.scenario.move_nameservers(DOMAIN, MOVED_NAMESERVERS)
    world.quay.delete_repository(DELETED_IMAGE)
    page = world.github.files[TEAM_PAGE].decode("utf-8")
    world.github.files[TEAM_PAGE] = page.replace(REGISTRAR_SENTENCE, EDITED_SENTENCE).encode()
    return [
        f"moved {DOMAIN} from Cloudflare to {' and '.join(MOVED_NAMESERVERS)} (the world)",
        f"deleted the quay.io repository {DELETED_IMAGE} (the world)",
        f'edited the team page: "{EDITED_SENTENCE}" (the document; checks.toml still says '
        "BlueHost)",
    ]


def demo_env(world: World, base: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in base.items() if k not in SCRUBBED}
    env.update(world.env())
    env["GITHUB_REPOSITORY"] = ISSUES_REPO  # where the planned issues would be opened
    return env


@contextmanager
def wide_table(columns: int = 300) -> Iterator[None]:
    """Let the text report print whole drift sentences (it fits them to ``COLUMNS``)."""
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(max(columns, shutil.get_terminal_size().columns))
    try:
        yield
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def run_demo(world: World, out: TextIO) -> int:
    """Drift the world, run the tool with its output (report, then plan) in order on ``out``."""
    changes = drift(world)
    out.write("infra-checker demo: the loopback world holds the documented JupyterHub state,\n")
    out.write("except that someone has\n")
    out.writelines(f"  - {change}\n" for change in changes)
    out.write("\n$ infra-checker run --dry-run\n\n")
    out.flush()
    with tempfile.TemporaryDirectory(prefix="infra-checker-demo-") as tmp:
        config = Path(tmp) / "checks.toml"
        config.write_text(project_config_text(world, DEMO_SETTINGS), encoding="utf-8")
        with redirect_stdout(out), redirect_stderr(out), wide_table():
            return infra_checker(
                ["run", "--config", str(config), "--dry-run"], demo_env(world, os.environ)
            )


def main() -> int:
    world = World()
    try:
        code = run_demo(world, sys.stdout)
    finally:
        world.stop()
    sys.stdout.flush()
    if code != ExitCode.DRIFT:
        print(f"\ninfra-checker demo: expected exit code 1 (drift), got {code}", file=sys.stderr)
        return code or 1
    print(
        "\nExit code 1: drift. A real run with --open-issues (or the GitHub Action) would now\n"
        "apply the plan above: one issue per drifted fact, closed again once the fact holds."
    )
    return ExitCode.OK
