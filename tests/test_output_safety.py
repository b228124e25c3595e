"""Everything the CLI writes inside GitHub Actions, judged as the runner and GitHub judge it:
no outside text forms a workflow command (tests/actions_runner.py emulates the runner's
parser), and no secret appears anywhere, even when every service echoes the token back."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.actions_runner import Runner
from tests.gfm import assert_inert
from tests.helpers import FAST_SETTINGS, cli
from tests.world import World
from tests.world.github import TOKEN

HOSTILE = (
    "Bluehost ##[stop-commands]x ##[add-mask]Bluehost ##[error]legacy\r\n::error::pwned\n"
    "  ::warning title=x::indented\r::set-output name=status::ok ##[set-output name=a;]b"
)
QUAY_TOKEN = "quaySecretToken0123456789abcdef"
ECHO = b'{"message": "Bad credentials: {authorization}", "error": "{authorization}"}'


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "checks.toml"
    path.write_text(
        FAST_SETTINGS
        + """
[[check]]
id = "deploy-repo"
type = "github.repository"
description = "The repository jupyterhub/mybinder.org-deploy exists"
doc = "shared-infrastructure.md#github"
repository = "jupyterhub/mybinder.org-deploy"
expect.default_branch = "main"

[[check]]
id = "quay-repo"
type = "quay.repository"
description = "quay.io/jupyterhub/repo2docker is an image"
repository = "jupyterhub/repo2docker"

[[check]]
id = "hub-org"
type = "dockerhub.organization"
description = "Docker Hub organisation jupyterhub"
organization = "jupyterhub"
""",
        encoding="utf-8",
    )
    return path


def _allowed(runner: Runner, secrets: set[str]) -> None:
    for command in runner.processed:
        name = command.name.casefold()
        if name == "add-mask":
            assert command.data in secrets, command
        elif name == "stop-commands":
            assert re.fullmatch(r"[0-9a-f]{32}", command.data), command
        elif name in ("warning", "error"):
            assert re.fullmatch(
                r"(drift|error): [a-z0-9-]+|\d+ more checks .*", command.properties.get("title", "")
            ), command
        else:
            assert name in ("group", "endgroup", "resume"), command


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_no_outside_text_forms_a_workflow_command(world: World, tmp_path: Path, fmt: str) -> None:
    world.github.repos["jupyterhub/mybinder.org-deploy"]["default_branch"] = HOSTILE
    summary = tmp_path / "summary.md"
    env = {
        **world.env(),
        "GITHUB_ACTIONS": "true",
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    code, out, err = cli(
        ["run", "-c", str(_config(tmp_path)), "-f", fmt, "--only", "deploy-repo"], env
    )
    assert code == 1, err
    for streams in ((out, err), (err, out)):  # the runner reads both pipes, in either order
        runner = Runner()
        for text in streams:
            runner.feed(text)
        _allowed(runner, {TOKEN})
        titles = [c.properties.get("title") for c in runner.processed if c.name == "warning"]
        assert titles == ["drift: deploy-repo"]  # the tool's own annotation still works
    if fmt == "json":
        assert json.loads(out)["results"][0]["observed"]["default_branch"] == HOSTILE
    assert_inert(summary.read_text(encoding="utf-8"))


def test_no_token_appears_anywhere_even_when_services_echo_it(world: World, tmp_path: Path) -> None:
    for service, prefix in ((world.github, "/repos"), (world.quay, "/api"), (world.dockerhub, "/")):
        for status in (401, 403, 422, 500):
            service.inject("status", status=status, body=ECHO, path_prefix=prefix, times=1)
        service.inject("status", status=500, body=ECHO, path_prefix=prefix)
    summary, bundle, report = tmp_path / "summary.md", tmp_path / "bundle", tmp_path / "r.json"
    env = {
        **world.env(),
        "GITHUB_ACTIONS": "true",
        "GITHUB_TOKEN": TOKEN,
        "GH_TOKEN": TOKEN,
        "QUAY_TOKEN": QUAY_TOKEN,
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    argv = ["run", "-c", str(_config(tmp_path)), "-o", str(report), "--evidence", str(bundle)]
    code, out, err = cli(argv, env)
    assert code in (1, 3), err
    written = [out, err, summary.read_text(encoding="utf-8"), report.read_text(encoding="utf-8")]
    written += [p.read_text(encoding="utf-8") for p in bundle.rglob("*") if p.is_file()]
    echoed = [
        r for r in world.github.requests + world.quay.requests if r.headers.get("authorization")
    ]
    assert echoed, "the tool sent no credential: the test proves nothing"
    masks = {f"::add-mask::{TOKEN}", f"::add-mask::{QUAY_TOKEN}"}
    for text in written:
        for line in text.splitlines():
            if line in masks:
                continue  # telling the runner what to mask is the one place a token belongs
            assert TOKEN not in line and QUAY_TOKEN not in line, line
    assert "***" in " ".join(written)
