"""The README stays true: its examples are valid configuration, code and workflow."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.cli import build_parser
from checker.engine.config import parse_config
from checker.engine.matchers import Matcher
from checker.engine.model import Observation
from checker.engine.registry import CheckType, registry

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", README, flags=re.DOTALL | re.MULTILINE)


def test_the_readme_opens_with_the_two_commands() -> None:
    lines = README.splitlines()
    assert lines[0] == "# infra-checker"
    assert lines[2:6] == [
        "```sh",
        "make run    # set up .venv, then verify every fact in ./checks.toml live and print "
        "the report",
        "make test   # set up .venv, then run every test, the linter (ruff) and the type "
        "checker (mypy)",
        "```",
    ]


@pytest.mark.parametrize(
    "text", [b for b in blocks("toml") if "[[check]]" in b], ids=lambda t: t.split("\n")[0]
)
def test_every_checks_toml_example_is_valid(text: str) -> None:
    config = parse_config(text, Path("checks.toml"), {})
    assert config.checks


def test_every_check_type_has_a_readme_section_with_an_example() -> None:
    documented = set(re.findall(r'^type = "([a-z_]+\.[a-z_]+)"$', README, flags=re.MULTILINE))
    assert set(registry()) <= documented


def test_every_run_flag_is_documented() -> None:
    parser = build_parser()
    run = parser._subparsers._group_actions[0].choices["run"]  # type: ignore[union-attr,index]
    flags = {s for a in run._actions for s in a.option_strings if s.startswith("--")}
    missing = {f for f in flags - {"--help"} if f"`{f}" not in README}
    assert missing == set()


def test_the_plugin_example_defines_a_working_check_type() -> None:
    (code,) = [b for b in blocks("python") if "CHECK_TYPES" in b]
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    (check_type,) = namespace["CHECK_TYPES"]
    assert isinstance(check_type, CheckType)
    params = check_type.params.model_validate({"team": "binder"})
    assert check_type.default_expect(params) == {"exists": Matcher(equals=True)}
    assert set(check_type.fields) == {"exists", "members"}
    assert Observation  # type: ignore[truthy-function]  # the example's return type is the engine's


def test_the_copy_paste_workflow_pins_everything_but_the_action_itself() -> None:
    (workflow,) = [b for b in blocks("yaml") if "jobs:" in b]
    data = yaml.safe_load(workflow)
    assert data["permissions"] == {}
    (job,) = data["jobs"].values()
    assert job["permissions"] == {"contents": "read", "issues": "write", "id-token": "write"}
    uses = [s["uses"] for s in job["steps"]]
    assert uses[2].startswith("OWNER/infra-checker@")
    for ref in uses[:2] + uses[3:]:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), ref
    assert job["steps"][0]["with"]["persist-credentials"] is False


def test_every_parameter_and_field_of_every_check_type_is_named() -> None:
    missing = {
        f"{name}: {key}"
        for name, check_type in registry().items()
        for key in [*check_type.params.model_fields, *check_type.fields]
        if f"`{key}`" not in README
    }
    assert missing == set()
