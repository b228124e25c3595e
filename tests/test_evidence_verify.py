"""``evidence verify DIR``: a whole bundle passes; a missing, partial or tampered one names its
first bad file (exit 1), even when the tamperer regenerated SHA256SUMS."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import FAST_SETTINGS, cli
from tests.test_evidence import CHECKS
from tests.world import World


@pytest.fixture
def bundle(world: World, tmp_path: Path) -> Path:
    world.site.inject("status", status=502, path_prefix="/down")
    config = tmp_path / "checks.toml"
    config.write_text(FAST_SETTINGS + CHECKS.format(url=world.site.url))
    out = tmp_path / "bundle"
    code, _, err = cli(["run", "--config", str(config), "--evidence", str(out)], world.env())
    assert code == 3, err
    return out


def verify(directory: Path) -> tuple[int, str, str]:
    return cli(["evidence", "verify", str(directory)])


def resum(directory: Path) -> None:
    """What a tamperer does next: recompute SHA256SUMS over the changed files."""
    names = [line.split("  ", 1)[1] for line in (directory / "SHA256SUMS").read_text().splitlines()]
    (directory / "SHA256SUMS").write_text(
        "".join(f"{hashlib.sha256((directory / n).read_bytes()).hexdigest()}  {n}\n" for n in names)
    )


def test_a_whole_bundle_verifies_with_a_summary_an_auditor_can_read(bundle: Path) -> None:
    code, out, err = verify(bundle)
    assert code == 0, err
    assert "consistent (12 files, every SHA-256 matches)" in out
    assert "a local run (not GitHub Actions)" in out
    assert "endpoints: " in out and " overridden (the rest are the defaults):" in out
    assert "    quay = http://127.0.0.1:" in out  # the loopback world overrides them
    assert "Verdicts (3 checks): 2 ok, 0 drift, 1 error, 0 unverifiable" in out
    assert "binder-down" in out
    assert "Every configured check ran." in out
    assert "gh attestation verify SHA256SUMS --repo" in out
    assert len(out.splitlines()) < 40  # one screen


def edit(name: str, old: bytes, new: bytes) -> Callable[[Path], None]:
    def apply(directory: Path) -> None:
        target = directory / name
        data = target.read_bytes()
        assert old in data, (name, old)
        target.write_bytes(data.replace(old, new, 1))

    return apply


TAMPERING = {
    "report.json changed": (edit("report.json", b'"error"', b'"ok"'), False, "report.json"),
    "manifest.json changed": (
        edit("manifest.json", b'"tool_version"', b'"tool_version_"'),
        False,
        "manifest.json",
    ),
    "evidence changed": (
        edit("evidence/03-binder-down.txt", b"502", b"200"),
        False,
        "evidence/03-binder-down.txt",
    ),
    # A changed verdict with SHA256SUMS recomputed: the manifest still holds the old hash.
    "report.json changed, sums recomputed": (
        edit("report.json", b'"status": "error"', b'"status": "ok"'),
        True,
        "report.json",
    ),
    "sarif changed, sums recomputed": (
        edit("report.sarif", b'"status": "error"', b'"status": "drift"'),
        True,
        "report.sarif",
    ),
    "evidence changed, sums recomputed": (
        edit("evidence/02-binder-health.txt", b"verdict:     ok", b"verdict:     drift"),
        True,
        "evidence/02-binder-health.txt",
    ),
}


@pytest.mark.parametrize("case", list(TAMPERING), ids=list(TAMPERING))
def test_tampering_is_caught_and_the_first_bad_file_named(bundle: Path, case: str) -> None:
    tamper, recompute, named = TAMPERING[case]
    tamper(bundle)
    if recompute:
        resum(bundle)
    code, out, err = verify(bundle)
    assert code == 1
    assert out == ""
    assert f"INCONSISTENT: {named}: " in err
    assert "Traceback" not in err


def test_a_rewritten_manifest_and_report_still_disagree_with_the_evidence(bundle: Path) -> None:
    # A tamperer who rewrites report.json, fixes the manifest's hash and summary, and
    # recomputes SHA256SUMS is still caught by the evidence file's own verdict.
    report = json.loads((bundle / "report.json").read_text())
    down = next(r for r in report["results"] if r["id"] == "binder-down")
    down["status"] = "ok"
    report["summary"] = {"ok": 3, "drift": 0, "error": 0, "unverifiable": 0}
    (bundle / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["summary"] = report["summary"]
    data = (bundle / "report.json").read_bytes()
    for entry in manifest["files"]:
        if entry["path"] == "report.json":
            entry["sha256"] = hashlib.sha256(data).hexdigest()
            entry["bytes"] = len(data)
    (bundle / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    resum(bundle)
    code, _, err = verify(bundle)
    assert code == 1
    assert "INCONSISTENT: evidence/03-binder-down.txt: its verdict differs" in err


def test_a_manifest_nested_too_deep_to_read_is_inconsistent_not_a_crash(bundle: Path) -> None:
    (bundle / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    resum(bundle)
    code, _, err = verify(bundle)
    assert code == 1 and "manifest.json: is not readable JSON" in err and "internal" not in err


@pytest.mark.parametrize(
    "damage",
    ["missing directory", "no SHA256SUMS", "file removed", "file added", "manifest removed"],
)
def test_a_missing_or_partial_bundle_fails(bundle: Path, damage: str) -> None:
    target = bundle
    named = ""
    if damage == "missing directory":
        shutil.rmtree(bundle)
        named = str(bundle)
    elif damage == "no SHA256SUMS":
        (bundle / "SHA256SUMS").unlink()
        named = "SHA256SUMS"
    elif damage == "file removed":
        (bundle / "evidence" / "01-binder-home.txt").unlink()
        named = "evidence/01-binder-home.txt"
    elif damage == "file added":
        (bundle / "evidence" / "04-extra.txt").write_text("planted")
        named = "evidence/04-extra.txt"
    elif damage == "manifest removed":
        (bundle / "manifest.json").unlink()
        named = "manifest.json"
    code, _, err = verify(target)
    assert code == 1
    assert f"INCONSISTENT: {named}: " in err


@pytest.mark.parametrize(
    "sums",
    [
        "not a sums line\n",
        "0" * 64 + "  ../../etc/passwd\n",
        "0" * 64 + "  /etc/passwd\n",
    ],
)
def test_a_forged_sums_file_is_refused_not_followed(bundle: Path, sums: str) -> None:
    (bundle / "SHA256SUMS").write_text(sums)
    code, _, err = verify(bundle)
    assert code == 1
    assert "INCONSISTENT: SHA256SUMS: line 1" in err


def test_verify_without_a_directory_is_a_usage_error() -> None:
    code, _, err = cli(["evidence", "verify"])
    assert code == 2
    assert "DIR" in err


def test_a_file_replaced_by_a_link_is_refused(bundle: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    target = bundle / "report.md"
    outside.write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to(outside)
    code, _, err = verify(bundle)
    assert code == 1
    assert "INCONSISTENT: report.md: is a symbolic link" in err


def reseal(directory: Path) -> None:
    """A thorough tamperer: fix every hash and size in manifest.json, then SHA256SUMS."""
    manifest = json.loads((directory / "manifest.json").read_text())
    for entry in manifest["files"]:
        data = (directory / entry["path"]).read_bytes()
        entry["sha256"], entry["bytes"] = hashlib.sha256(data).hexdigest(), len(data)
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    resum(directory)


def test_a_resealed_sarif_without_its_alert_disagrees_with_the_report(bundle: Path) -> None:
    sarif = json.loads((bundle / "report.sarif").read_text())
    sarif["runs"][0]["results"] = []
    (bundle / "report.sarif").write_text(json.dumps(sarif))
    reseal(bundle)
    code, _, err = verify(bundle)
    assert code == 1
    assert "INCONSISTENT: report.sarif: its alerts differ" in err
