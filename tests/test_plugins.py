"""Third-party check types load from the ``infra_checker.checks`` entry-point group."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.engine.model import Status
from checker.engine.registry import registry
from tests.helpers import cli

PLUGIN = """
from pydantic import BaseModel, ConfigDict

from checker.engine.model import Observation
from checker.engine.registry import CheckType


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")
    team: str


def observe(params, ctx):
    return Observation({"members": ["choldgraf", "minrk"] if params.team == "binder" else []})


CHECK_TYPES = [
    CheckType(
        name="teamdir.members",
        summary="members of a team in the company directory",
        params=Params,
        observe=observe,
        fields={"members": "logins of the team's members"},
    )
]
"""


@pytest.fixture
def installed_plugin(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "teamdir_plugin.py").write_text(PLUGIN)
    dist = tmp_path / "infra_checker_teamdir-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: infra-checker-teamdir\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text(
        "[infra_checker.checks]\nteamdir = teamdir_plugin:CHECK_TYPES\n"
    )
    sys.path.insert(0, str(tmp_path))
    registry.cache_clear()
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("teamdir_plugin", None)
        registry.cache_clear()


def test_plugin_check_type_runs_like_a_builtin(installed_plugin: Path) -> None:
    assert "teamdir.members" in registry()
    config = installed_plugin / "checks.toml"
    config.write_text(
        '[[check]]\nid = "binder-team"\ntype = "teamdir.members"\n'
        'description = "The binder team has its two maintainers"\nteam = "binder"\n'
        'expect.members = { includes = ["choldgraf", "minrk"] }\n'
    )
    code, out, err = cli(["run", "-c", str(config), "-f", "json"])
    assert code == 0, err
    assert f'"status": "{Status.OK.value}"' in out


def test_plugin_taking_a_builtin_name_is_a_clear_error(installed_plugin: Path) -> None:
    plugin = installed_plugin / "teamdir_plugin.py"
    plugin.write_text(PLUGIN.replace('"teamdir.members"', '"http.status"'))
    config = installed_plugin / "checks.toml"
    config.write_text("")
    code, _, err = cli(["validate", "-c", str(config)])
    assert code == 2
    assert "check plugin 'teamdir' registers check type 'http.status'" in err
    assert "built-in checker.checks.http already provides" in err


def test_broken_plugin_is_a_clear_error(installed_plugin: Path) -> None:
    (installed_plugin / "teamdir_plugin.py").write_text("raise ImportError('no teamdir client')\n")
    config = installed_plugin / "checks.toml"
    config.write_text("")
    code, _, err = cli(["validate", "-c", str(config)])
    assert code == 2
    assert "check plugin 'teamdir' (teamdir_plugin:CHECK_TYPES) failed to load" in err
    assert "Traceback" not in err
