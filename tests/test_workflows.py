"""The workflows and the action grant least privilege and pin every third-party action."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"uses:\s*(\S+@[0-9a-f]{40})\s+#\s*v\d+(\.\d+){0,2}\s*$")


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # PyYAML (YAML 1.1) reads the key `on` as the boolean True.
    on = workflow.get("on", workflow.get(True))
    assert isinstance(on, dict)
    return on


def steps_of(path: Path) -> list[dict[str, Any]]:
    data = load(path)
    if "runs" in data:
        return list(data["runs"]["steps"])
    return [step for job in data["jobs"].values() for step in job.get("steps", [])]


def all_files() -> list[Path]:
    return [ROOT / "action.yml", *sorted(WORKFLOWS.glob("*.yml"))]


def test_the_expected_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS.glob("*.yml")} >= {"drift-check.yml", "ci.yml"}


@pytest.mark.parametrize("path", all_files(), ids=lambda p: p.name)
def test_every_uses_is_pinned_to_a_commit_with_a_version_comment(path: Path) -> None:
    uses = [step["uses"] for step in steps_of(path) if "uses" in step]
    assert uses, f"{path.name} uses no action at all?"
    text = path.read_text(encoding="utf-8")
    for ref in uses:
        if ref.startswith("./"):
            continue  # this repository's own action, at the checked-out commit
        assert PINNED.match(ref), f"{path.name}: {ref} is not pinned to a 40-hex commit SHA"
        line = next(line for line in text.splitlines() if ref in line)
        assert VERSION_COMMENT.search(line), f"{path.name}: {ref} lacks a '# vX.Y.Z' comment"


def test_the_same_action_is_pinned_to_the_same_commit_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for path in all_files():
        for step in steps_of(path):
            ref = step.get("uses", "")
            if "@" in ref:
                name, sha = ref.split("@", 1)
                pins.setdefault(name, set()).add(sha)
    assert {name: shas for name, shas in pins.items() if len(shas) > 1} == {}


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_workflows_grant_nothing_at_the_top_and_check_out_without_credentials(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{path.name}: job {name} must state its permissions"
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_drift_check_job_has_exactly_the_permissions_it_needs() -> None:
    workflow = load(WORKFLOWS / "drift-check.yml")
    job = workflow["jobs"]["drift-check"]
    assert job["permissions"] == {"contents": "read", "issues": "write", "id-token": "write"}


def test_only_the_attest_job_may_attest_and_only_the_code_scanning_job_may_upload_sarif() -> None:
    jobs = load(WORKFLOWS / "drift-check.yml")["jobs"]
    assert set(jobs) == {"drift-check", "attest", "code-scanning"}
    assert jobs["attest"]["permissions"] == {"id-token": "write", "attestations": "write"}
    assert jobs["code-scanning"]["permissions"] == {
        "contents": "read",
        "security-events": "write",
    }
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for name, job in load(path)["jobs"].items():
            permissions = job["permissions"]
            if (path.name, name) != ("drift-check.yml", "attest"):
                assert "attestations" not in permissions, (path.name, name)
            if (path.name, name) != ("drift-check.yml", "code-scanning"):
                assert "security-events" not in permissions, (path.name, name)


def test_an_audit_run_attests_every_file_of_the_checked_bundle_and_shows_the_digest() -> None:
    attest = load(WORKFLOWS / "drift-check.yml")["jobs"]["attest"]
    assert "inputs.audit" in attest["if"] and attest["needs"] == "drift-check"
    steps = attest["steps"]
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    assert uses.index("actions/download-artifact") < uses.index("actions/attest-build-provenance")
    check = next(step for step in steps if "sha256sum --check" in step.get("run", ""))
    assert steps.index(check) < uses.index("actions/attest-build-provenance"), "whole first"
    subject = steps[uses.index("actions/attest-build-provenance")]["with"]["subject-path"]
    assert subject.endswith("/infra-evidence/**")
    summary = steps[-1]
    assert "steps.attest.outputs.attestation-url" in summary["env"]["ATTESTATION_URL"]
    assert "sha256sum SHA256SUMS" in summary["run"] and "GITHUB_STEP_SUMMARY" in summary["run"]
    assert "gh attestation verify SHA256SUMS --repo" in summary["run"]


def test_code_scanning_is_off_by_default_and_uploads_the_bundles_sarif() -> None:
    workflow = load(WORKFLOWS / "drift-check.yml")
    scanning = triggers(workflow)["workflow_dispatch"]["inputs"]["code-scanning"]
    assert scanning["type"] == "boolean" and scanning["default"] is False
    job = workflow["jobs"]["code-scanning"]
    assert "inputs.code-scanning" in job["if"]
    (upload,) = [s for s in job["steps"] if "upload-sarif" in s.get("uses", "")]
    assert upload["with"]["sarif_file"].endswith("/infra-evidence/report.sarif")


def test_drift_check_runs_nightly_off_the_hour_and_on_demand_with_audit() -> None:
    workflow = load(WORKFLOWS / "drift-check.yml")
    on = triggers(workflow)
    (schedule,) = on["schedule"]
    minute, hour, *rest = schedule["cron"].split()
    assert minute.isdigit() and 0 < int(minute) < 60, "off the top of the hour"
    assert hour.isdigit() and rest == ["*", "*", "*"], "once a night"
    inputs = on["workflow_dispatch"]["inputs"]
    assert inputs["audit"]["type"] == "boolean" and inputs["audit"]["default"] is False
    assert inputs["open-issues"]["type"] == "boolean"


def test_drift_check_never_runs_twice_at_once_and_never_cancels_a_sync() -> None:
    concurrency = load(WORKFLOWS / "drift-check.yml")["concurrency"]
    assert concurrency["group"]
    assert concurrency["cancel-in-progress"] is False


def test_drift_check_uses_this_action_gcp_auth_only_when_configured_and_uploads_on_audit() -> None:
    steps = steps_of(WORKFLOWS / "drift-check.yml")
    by_action = {step.get("uses", "").split("@")[0]: step for step in steps}
    assert "./" in by_action
    auth = by_action["google-github-actions/auth"]
    assert "vars.GCP_WORKLOAD_IDENTITY_PROVIDER" in auth["if"]
    upload = by_action["actions/upload-artifact"]
    assert "inputs.audit" in upload["if"] and "always()" in upload["if"]
    assert "inputs.audit" in by_action["./"]["with"]["evidence-dir"]
    assert steps.index(auth) < steps.index(by_action["./"]), "authenticate before checking"


def test_ci_runs_make_test_on_every_supported_python_and_lints_the_actions() -> None:
    workflow = load(WORKFLOWS / "ci.yml")
    on = triggers(workflow)
    assert "push" in on and "pull_request" in on
    test = workflow["jobs"]["test"]
    assert test["strategy"]["matrix"]["python-version"] == ["3.10", "3.11", "3.12", "3.13"]
    runs = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert any(r.startswith("make test") for r in runs)
    script = "\n".join(runs)
    assert "zizmor" in script and ".github/" in script and "action.yml" in script
    assert "--builtin-schema vendor.github-workflows" in script
    assert "--builtin-schema vendor.github-actions action.yml" in script


def test_no_expression_is_interpolated_into_a_shell_script() -> None:
    # ${{ }} in a run: script is template injection; values must come in through env:.
    for path in all_files():
        for step in steps_of(path):
            assert "${{" not in step.get("run", ""), f"{path.name}: {step.get('name')}"


def test_the_drift_check_passes_only_inputs_the_action_declares() -> None:
    inputs = set(load(ROOT / "action.yml")["inputs"])
    (step,) = [s for s in steps_of(WORKFLOWS / "drift-check.yml") if s.get("uses") == "./"]
    assert set(step["with"]) <= inputs
    assert step["with"]["config"] == "checks.toml"


def test_the_edit_time_workflow_validates_quotes_read_only_on_pull_requests() -> None:
    workflow = load(WORKFLOWS / "checks-toml.yml")
    trigger: dict[str, Any] = workflow.get("on") or workflow[True]  # YAML 1.1: `on` is true
    assert set(trigger) == {"pull_request"}
    assert "checks.toml" in trigger["pull_request"]["paths"]
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    runs = " ".join(step.get("run", "") for step in job["steps"])
    assert "--require-hashes" in runs and "infra-checker validate" in runs
    assert "checker run" not in runs  # no live checks at edit time
