"""Warnings quote outside text too (GitHub's answer to a keepalive or a dashboard read, a state
file someone edited): on stderr inside GitHub Actions they form no workflow command, show no
control character and no token (tests/actions_runner.py judges as the runner does)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.memory.state import FORMAT, VERSION
from tests.actions_runner import Runner
from tests.helpers import FAST_SETTINGS, cli
from tests.world import World
from tests.world.github import ISSUES_REPO, TOKEN

HOSTILE = "::error title=forged::pwned ##[warning]legacy \x1b]0;title\x07 \x1b[2J"
CHECK = """
[[check]]
id = "deploy-repo"
type = "github.repository"
description = "The repository exists"
repository = "jupyterhub/mybinder.org-deploy"
"""
ISSUES = f"""
[issues]
repository = "{ISSUES_REPO}"
write_interval = 0
max_rate_limit_wait = 5
"""


def _only_ours(out: str, err: str) -> None:
    runner = Runner()
    runner.feed(out)
    runner.feed(err)
    foreign = [c for c in runner.processed if c.name not in ("add-mask", "group", "endgroup")]
    foreign = [c for c in foreign if c.name not in ("stop-commands", "resume")]
    assert foreign == [], foreign
    assert "\x1b" not in err and "\x07" not in err
    assert TOKEN not in err.replace(f"::add-mask::{TOKEN}", "")


def _run(world: World, tmp_path: Path, toml: str, *args: str, **env: str) -> tuple[str, str]:
    config = tmp_path / "checks.toml"
    config.write_text(FAST_SETTINGS + toml + CHECK, encoding="utf-8")
    environment = {**world.env(), "GITHUB_TOKEN": TOKEN, "GITHUB_ACTIONS": "true", **env}
    _, out, err = cli(["run", "-c", str(config), *args], environment)
    return out, err


def test_a_refused_keepalive_is_warned_inertly(world: World, tmp_path: Path) -> None:
    world.github.fail_next(
        "PUT", "/repos/jupyterhub/infra-checks/actions/", status=403,
        message=f"Bad credentials {TOKEN}\r\n{HOSTILE}",
    )  # fmt: skip
    out, err = _run(
        world, tmp_path, '[state]\nbackend = "none"\n', "--keepalive",
        GITHUB_REPOSITORY="jupyterhub/infra-checks",
        GITHUB_WORKFLOW_REF="jupyterhub/infra-checks/.github/workflows/nightly.yml@refs/heads/main",
    )  # fmt: skip
    assert "keepalive: GitHub refused" in err and "Bad credentials ***" in err
    _only_ours(out, err)


def test_a_dashboard_github_cannot_serve_now_is_warned_inertly(
    world: World, tmp_path: Path
) -> None:
    world.github.fail_next(
        "GET",
        f"/repos/{ISSUES_REPO}/issues",
        status=500,
        message=f"oops {TOKEN}\n{HOSTILE}",
        times=9,
    )
    out, err = _run(world, tmp_path, '[state]\nbackend = "github-issue"\n' + ISSUES)
    assert "without history" in err and "***" in err
    _only_ours(out, err)


@pytest.mark.parametrize(
    "stored",
    [
        {"format": FORMAT, "version": "##[error]forged-by-state"},
        {"format": FORMAT, "version": VERSION, "runs": ["##[warning]x\n::error::y"], "checks": {}},
    ],
)
def test_a_state_file_edited_into_commands_is_warned_inertly(
    world: World, tmp_path: Path, stored: dict[str, object]
) -> None:
    (tmp_path / "state.json").write_text(json.dumps(stored), encoding="utf-8")
    out, err = _run(world, tmp_path, '[state]\nbackend = "file"\npath = "state.json"\n')
    assert "infra-checker: warning: " in err
    _only_ours(out, err)
