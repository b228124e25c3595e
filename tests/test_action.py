"""Run action.yml's own shell steps, as the runner would, against the loopback world.

The runner's part is reproduced honestly: each ``run:`` script is executed by
``bash --noprofile --norc -eo pipefail`` with the step's ``env:`` (expressions resolved from the
inputs), ``GITHUB_OUTPUT``/``GITHUB_STEP_SUMMARY``/``GITHUB_ENV`` pointing at files, and the
outputs read back the way the runner parses them. Only ``actions/setup-python`` is not run (it
downloads Python); its ``python-path`` output is this interpreter.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import FAST_SETTINGS
from tests.world import World
from tests.world.github import ISSUES_REPO, TOKEN

ROOT = Path(__file__).resolve().parent.parent
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS: list[dict[str, Any]] = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

CHECKS = """
[[check]]
id = "binder-home"
type = "http.status"
description = "gke.mybinder.org answers with the Binder home page"
doc = "shared-infrastructure.md#mybinder-org"
url = "{url}/"
expect.body = {{ contains = "BinderHub" }}

[[check]]
id = "binder-health"
type = "http.status"
description = "the health endpoint answers"
doc = "shared-infrastructure.md#mybinder-org"
url = "{url}/health"
"""


@dataclass
class StepRun:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]


@dataclass
class ActionRun:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    github_env: str
    workspace: Path


def parse_output_file(text: str) -> dict[str, str]:
    """Read GITHUB_OUTPUT as the runner does: ``name=value`` and ``name<<DELIM`` blocks."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i)
            outputs[name] = "\n".join(lines[i:end])
            i = end + 1
        else:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def resolve(value: str, context: Mapping[str, str]) -> str:
    """Evaluate the ``${{ }}`` expressions the action uses (unknown ones fail the test)."""

    def one(match: re.Match[str]) -> str:
        expression = match.group(1)
        assert expression in context, f"an expression the test cannot model: {expression}"
        return resolve(context[expression], context)

    return EXPRESSION.sub(one, value)


def base_context(inputs: Mapping[str, str]) -> dict[str, str]:
    unknown = set(inputs) - set(ACTION["inputs"])
    assert not unknown, f"not inputs of action.yml: {unknown}"
    context = {
        f"inputs.{name}": str(inputs.get(name, spec.get("default", "")))
        for name, spec in ACTION["inputs"].items()
    }
    context["github.token"] = TOKEN
    context["github.action_path"] = str(ROOT)
    context["steps.python.outputs.python-path"] = sys.executable
    return context


def run_step(
    step: dict[str, Any], context: Mapping[str, str], runner_env: Mapping[str, str], cwd: Path
) -> StepRun:
    assert step.get("shell") == "bash", "every run step names its shell"
    script = cwd.parent / f"step-{step['id']}.sh"
    script.write_text(step["run"], encoding="utf-8")
    output_file = cwd.parent / f"output-{step['id']}"
    output_file.write_text("")
    env = {
        **runner_env,
        **{k: resolve(str(v), context) for k, v in step.get("env", {}).items()},
        "GITHUB_OUTPUT": str(output_file),
    }
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    outputs = parse_output_file(output_file.read_text(encoding="utf-8"))
    return StepRun(proc.returncode, proc.stdout, proc.stderr, outputs)


def runner_environment(tmp: Path, world_env: Mapping[str, str]) -> dict[str, str]:
    (tmp / "temp").mkdir(exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp),
        "LANG": "C.UTF-8",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(tmp / "workspace"),
        "GITHUB_REPOSITORY": ISSUES_REPO,
        "RUNNER_TEMP": str(tmp / "temp"),
        "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"),
        "GITHUB_ENV": str(tmp / "github_env"),
        **world_env,
    }


def run_action(
    tmp: Path, world_env: Mapping[str, str], config_text: str, **inputs: str
) -> ActionRun:
    """Run every step after setup-python and the install, the way the runner chains them."""
    workspace = tmp / "workspace"
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "checks.toml").write_text(config_text, encoding="utf-8")
    env = runner_environment(tmp, world_env)
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_ENV"):
        Path(env[name]).write_text("")
    context = base_context(inputs)
    # The install step builds a venv and pip-installs the package (tested on its own below);
    # here the package is already installed in this interpreter.
    context["steps.install.outputs.python"] = sys.executable
    (run,) = [s for s in STEPS if s.get("id") == "run"]
    result = run_step(run, context, env, workspace)
    return ActionRun(
        result.code,
        result.stdout,
        result.stderr,
        action_outputs(result.outputs),
        Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8"),
        Path(env["GITHUB_ENV"]).read_text(encoding="utf-8"),
        workspace,
    )


def action_outputs(step_outputs: Mapping[str, str]) -> dict[str, str]:
    """The action's outputs as a caller sees them (an output never set reads as empty)."""
    context = {f"steps.run.outputs.{name}": "" for name in ACTION["outputs"]}
    context.update({f"steps.run.outputs.{name}": v for name, v in step_outputs.items()})
    return {name: resolve(spec["value"], context) for name, spec in ACTION["outputs"].items()}


def config(world: World) -> str:
    return FAST_SETTINGS + CHECKS.format(url=world.site.url)


def test_steps_are_setup_python_then_install_then_run() -> None:
    assert [s.get("id") for s in STEPS] == ["python", "install", "run"]
    assert STEPS[0]["uses"].startswith("actions/setup-python@")
    assert STEPS[0]["with"]["cache"] == "pip"
    lock = "${{ github.action_path }}/requirements.lock"
    assert STEPS[0]["with"]["cache-dependency-path"] == lock
    assert STEPS[0]["with"]["update-environment"] is False  # the caller's PATH stays theirs
    assert "python -I -m checker" in STEPS[2]["run"].replace('"${CHECKER_PYTHON}"', "python")


def test_a_clean_run_reports_ok_outputs_and_a_summary(world: World, tmp_path: Path) -> None:
    run = run_action(tmp_path, world.env(), config(world), **{"open-issues": "false"})
    assert run.code == 0, run.stderr
    assert run.outputs == {
        "status": "ok",
        "drift-count": "0",
        "error-count": "0",
        "report-path": str(tmp_path / "temp" / "infra-checker" / "report.json"),
    }
    report = json.loads(Path(run.outputs["report-path"]).read_text(encoding="utf-8"))
    assert report["schema_version"] == 1
    assert [r["status"] for r in report["results"]] == ["ok", "ok"]
    assert "## infra-checker report" in run.summary
    assert "`binder-home`" in run.summary and "**ok**" in run.summary
    assert "::warning" not in run.stdout and "::error" not in run.stdout
    assert "::group::http: 2 checks (2 ok)" in run.stdout
    assert run.github_env == "", "the action must not leak variables into later steps"


def test_a_drift_run_fails_the_step_annotates_and_summarises(world: World, tmp_path: Path) -> None:
    del world.site.pages["/health"]  # the documented endpoint is gone: a 404 is a fact seen
    run = run_action(tmp_path, world.env(), config(world), **{"open-issues": "false"})
    assert run.code == 1
    assert run.outputs["status"] == "drift"
    assert run.outputs["drift-count"] == "1"
    assert run.outputs["error-count"] == "0"
    assert "❌ | `binder-health`" in run.summary
    (annotation,) = [line for line in run.stdout.splitlines() if line.startswith("::warning")]
    # Points at the check in checks.toml, titled by verdict and id, message escaped.
    line_of_id = config(world).splitlines().index('id = "binder-health"') + 1
    assert annotation.startswith(
        f"::warning file=checks.toml,line={line_of_id},title=drift%3A binder-health::"
    )
    assert "%0ADocumented fact: the health endpoint answers" in annotation


def test_an_error_is_a_warning_unless_fail_on_error(world: World, tmp_path: Path) -> None:
    world.site.inject("status", status=503, path_prefix="/health")
    run = run_action(tmp_path / "a", world.env(), config(world), **{"open-issues": "false"})
    assert (run.code, run.outputs["status"], run.outputs["error-count"]) == (0, "error", "1")
    assert any(line.startswith("::warning ") for line in run.stdout.splitlines())

    strict = {"open-issues": "false", "fail-on": "error"}
    run = run_action(tmp_path / "b", world.env(), config(world), **strict)
    assert (run.code, run.outputs["status"]) == (3, "error")
    assert any(line.startswith("::error ") for line in run.stdout.splitlines())


def test_fail_on_never_reports_drift_without_failing(world: World, tmp_path: Path) -> None:
    del world.site.pages["/health"]
    inputs = {"open-issues": "false", "fail-on": "never"}
    run = run_action(tmp_path, world.env(), config(world), **inputs)
    assert (run.code, run.outputs["status"], run.outputs["drift-count"]) == (0, "drift", "1")


def test_only_selects_checks_and_a_pattern_matching_nothing_is_a_usage_error(
    world: World, tmp_path: Path
) -> None:
    inputs = {"open-issues": "false", "only": " binder-h*me,\nno-such-* "}
    run = run_action(tmp_path / "a", world.env(), config(world), **inputs)
    assert run.code == 2 and "'no-such-*' matches no check" in run.stderr
    inputs = {"open-issues": "false", "only": "*-home"}
    run = run_action(tmp_path / "a2", world.env(), config(world), **inputs)
    assert run.code == 0
    report = json.loads(Path(run.outputs["report-path"]).read_text(encoding="utf-8"))
    assert [r["id"] for r in report["results"]] == ["binder-home"]

    hostile = {"open-issues": "false", "only": "$(touch pwned); nothing`id`"}
    run = run_action(tmp_path / "b", world.env(), config(world), **hostile)
    assert run.code == 2
    assert "matches no check" in run.stderr
    assert not (run.workspace / "pwned").exists(), "an input was evaluated as shell code"
    assert run.outputs["status"] == ""


@pytest.mark.parametrize(("name", "value"), [("open-issues", "yes"), ("fail-on", "sometimes")])
def test_invalid_inputs_exit_2(world: World, tmp_path: Path, name: str, value: str) -> None:
    inputs = {"open-issues": "false", name: value}
    run = run_action(tmp_path, world.env(), config(world), **inputs)
    assert run.code == 2
    assert run.outputs["status"] == ""


def test_evidence_dir_gets_a_bundle(world: World, tmp_path: Path) -> None:
    inputs = {"open-issues": "false", "evidence-dir": "audit bundle"}
    run = run_action(tmp_path, world.env(), config(world), **inputs)
    assert run.code == 0
    manifest = json.loads((run.workspace / "audit bundle" / "manifest.json").read_text())
    assert set(manifest["evidence"]) == {"binder-home", "binder-health"}


def test_the_token_is_masked_before_anything_else_is_printed(world: World, tmp_path: Path) -> None:
    run = run_action(tmp_path, world.env(), config(world), **{"open-issues": "false"})
    assert run.stdout.splitlines()[0] == f"::add-mask::{TOKEN}"
    assert TOKEN not in run.summary


def test_install_step_builds_a_private_venv_from_the_action_path(tmp_path: Path) -> None:
    """The install step, with a stand-in interpreter that records what it was asked to do."""
    log = tmp_path / "calls.log"
    fake = tmp_path / "python3"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$0 $*" >> "{log}"\n'
        'if [ "$2" = "-m" ] && [ "$3" = "venv" ]; then\n'
        '  mkdir -p "$4/bin" && cp "$0" "$4/bin/python"\n'
        "fi\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    env = runner_environment(tmp_path, {})
    context = base_context({})
    context["steps.python.outputs.python-path"] = str(fake)
    (install,) = [s for s in STEPS if s.get("id") == "install"]
    result = run_step(install, context, env, workspace)
    assert result.code == 0, result.stderr
    venv_python = tmp_path / "temp" / "infra-checker-venv" / "bin" / "python"
    assert result.outputs == {"python": str(venv_python)}
    calls = log.read_text().splitlines()
    assert calls[0] == f"{fake} -I -m venv {tmp_path / 'temp' / 'infra-checker-venv'}"
    pip = f"{venv_python} -I -m pip install --quiet --disable-pip-version-check"
    assert calls[1] == f"{pip} --require-hashes -r {ROOT}/requirements.lock"
    assert calls[2] == f"{pip} --no-deps {ROOT}"


def test_the_lock_pins_every_runtime_dependency_with_hashes() -> None:
    """`make lock` output: every dependency of pyproject.toml pinned, every pin hashed."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib

    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    entries = re.split(r"^(?=[A-Za-z0-9])", lock, flags=re.M)[1:]  # one per pinned package
    assert entries and all("==" in e and "--hash=sha256:" in e for e in entries)
    pinned = {canonicalize_name(e.split("==", 1)[0]) for e in entries}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {canonicalize_name(Requirement(d).name) for d in project["dependencies"]}
    assert wanted <= pinned, f"not in requirements.lock (run make lock): {wanted - pinned}"


def test_a_drift_run_with_issue_sync_files_the_issue_and_puts_the_plan_in_the_summary(
    world: World, tmp_path: Path
) -> None:
    del world.site.pages["/health"]
    text = config(world) + "\n[issues]\nwrite_interval = 0\n"
    run = run_action(tmp_path, world.env(), text, labels="infra-drift,\n needs triage ")
    assert run.code == 1, run.stderr
    assert run.outputs["status"] == "drift"
    (issue,) = world.github.managed(ISSUES_REPO, "infra-drift")
    assert issue["title"] == "Drift: the health endpoint answers"
    assert {label["name"] for label in issue["labels"]} == {"infra-drift", "needs triage"}
    assert "### Drift issues in " in run.summary and "(applied)" in run.summary
    assert "Drift: the health endpoint answers" in run.summary
    assert run.summary.index("## infra-checker report") < run.summary.index("### Drift issues")


def test_a_checker_package_in_the_callers_workspace_cannot_shadow_the_tool(
    world: World, tmp_path: Path
) -> None:
    workspace = tmp_path / "workspace"
    (workspace / "checker").mkdir(parents=True)
    (workspace / "checker" / "__init__.py").write_text("")
    (workspace / "checker" / "__main__.py").write_text(
        "open('hijacked', 'w').write('yes')\nraise SystemExit(0)\n"
    )
    run = run_action(tmp_path, world.env(), config(world), **{"open-issues": "false"})
    assert not (workspace / "hijacked").exists()
    assert run.code == 0 and run.outputs["status"] == "ok", run.stderr
