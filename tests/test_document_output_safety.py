"""What ``coverage`` and ``validate`` print, judged as the runner judges it inside GitHub Actions.

A token the contents API echoes back in an error body never appears, and no outside text forms
a workflow command (tests/actions_runner.py emulates the runner's parser, both the ``::`` and
the legacy ``##[`` syntax).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.actions_runner import Runner
from tests.helpers import cli
from tests.world import World
from tests.world.github import TEAM_PAGE, TOKEN

ACTIONS = {"GITHUB_ACTIONS": "true"}
ECHO = b'{"message": "Bad credentials: {authorization}", "error": "{authorization}"}'
PAGE_URL = f"https://github.com/{TEAM_PAGE[0]}/blob/{TEAM_PAGE[1]}/{TEAM_PAGE[2]}"


def _commands(out: str, err: str) -> list[str]:
    """Every command the runner would process, reading both pipes in either order."""
    found: list[str] = []
    for streams in ((out, err), (err, out)):
        runner = Runner()
        for text in streams:
            runner.feed(text)
        found += [f"{c.name} {c.properties} {c.data}" for c in runner.processed]
    return found


@pytest.mark.parametrize("command", [["coverage"], ["coverage", "-f", "json"], ["validate"]])
def test_a_token_the_contents_api_echoes_is_never_printed(
    world: World, tmp_path: Path, command: list[str]
) -> None:
    for status in (401, 500):
        world.github.inject("status", status=status, body=ECHO, path_prefix="/repos", times=1)
    world.github.inject("status", status=401, body=ECHO, path_prefix="/repos")
    config = tmp_path / "checks.toml"
    config.write_text(f'[document]\nurl = "{PAGE_URL}"\n', "utf-8")
    env = {**world.env(), **ACTIONS, "GITHUB_TOKEN": TOKEN}
    code, out, err = cli([command[0], "-c", str(config), *command[1:]], env)
    assert code in (2, 3), (out, err)
    sent = [r for r in world.github.requests if "/contents/" in r.path]
    assert sent and all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in sent)
    assert TOKEN not in out + err
    assert "***" in err and "HTTP 401" in err
    assert _commands(out, err) == []
