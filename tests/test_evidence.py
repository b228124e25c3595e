"""The evidence bundle verifies the way an auditor would check it: without this tool."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import FAST_SETTINGS, cli
from tests.test_action import CHECKS as SITE_CHECKS
from tests.world import World
from tests.world.httpfake import Reply

CHECKS = (
    SITE_CHECKS
    + """
[[check]]
id = "binder-down"
type = "http.status"
description = "a page that cannot be fetched this time"
url = "{url}/down"
"""
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def bundle(world: World, tmp_path: Path) -> tuple[Path, Path, int]:
    world.site.inject("status", status=502, path_prefix="/down")
    config = tmp_path / "repo" / "checks.toml"
    config.parent.mkdir()
    # CRLF on purpose: the manifest must hash the file as committed, not as parsed.
    config.write_bytes(
        (FAST_SETTINGS + CHECKS.format(url=world.site.url)).replace("\n", "\r\n").encode()
    )
    out = tmp_path / "bundle"
    code, _, _ = cli(
        ["run", "--config", str(config), "--format", "json", "--evidence", str(out)], world.env()
    )
    return out, config, code


def test_every_file_in_the_manifest_verifies(bundle: tuple[Path, Path, int]) -> None:
    out, config, code = bundle
    assert code == 3  # one check errored, none drifted
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["tool"] == "infra-checker"
    assert manifest["tool_version"]
    assert manifest["config"]["sha256"] == sha256(config)
    listed = {entry["path"] for entry in manifest["files"]}
    on_disk = {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and p.name not in ("manifest.json", "SHA256SUMS")
    }
    assert listed == on_disk
    for entry in manifest["files"]:
        assert sha256(out / entry["path"]) == entry["sha256"], entry["path"]
        assert (out / entry["path"]).stat().st_size == entry["bytes"]
    assert sha256(out / "checks.toml") == sha256(config), "the bundle keeps checks.toml verbatim"


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils sha256sum")
def test_sha256sum_verifies_the_bundle_and_catches_tampering(
    bundle: tuple[Path, Path, int],
) -> None:
    out, _, _ = bundle
    ok = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # README, checks.toml, 2 reports, the state snapshot, 3 evidence files
    assert ok.stdout.count(": OK") == 8
    report = out / "report.md"
    report.write_text(report.read_text().replace("error", "ok"))
    bad = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert bad.returncode != 0
    assert "report.md: FAILED" in bad.stdout


def test_one_evidence_file_per_check_with_raw_answer_source_and_time(
    bundle: tuple[Path, Path, int], world: World
) -> None:
    out, _, _ = bundle
    manifest = json.loads((out / "manifest.json").read_text())
    assert list(manifest["evidence"]) == ["binder-home", "binder-health", "binder-down"]
    home = (out / manifest["evidence"]["binder-home"]).read_text()
    assert f"source:      GET {world.site.url}/ -> HTTP 200" in home
    assert "fetched-at:  20" in home
    assert "<h1>Turn a Git repo into a collection of interactive notebooks</h1>" in home
    assert "verdict:     ok" in home
    down = (out / manifest["evidence"]["binder-down"]).read_text()
    assert "verdict:     error" in down
    report = json.loads((out / "report.json").read_text())
    assert report["schema_version"] == 1
    assert (
        report["summary"]
        == manifest["summary"]
        == {
            "ok": 2,
            "drift": 0,
            "error": 1,
            "unverifiable": 0,
        }
    )
    assert "sha256sum -c SHA256SUMS" in (out / "README.txt").read_text()


def test_rerunning_into_the_same_bundle_replaces_it(
    bundle: tuple[Path, Path, int], world: World
) -> None:
    out, config, _ = bundle
    code, _, err = cli(
        ["run", "--config", str(config), "--only", "binder-home", "--evidence", str(out)],
        world.env(),
    )
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    assert list(manifest["evidence"]) == ["binder-home"]
    assert sorted(p.name for p in (out / "evidence").iterdir()) == ["01-binder-home.txt"]


def test_a_foreign_non_empty_directory_is_refused(world: World, tmp_path: Path) -> None:
    config = tmp_path / "checks.toml"
    config.write_text(FAST_SETTINGS + CHECKS.format(url=world.site.url))
    target = tmp_path / "not-a-bundle"
    target.mkdir()
    (target / "precious.txt").write_text("keep me")
    code, _, err = cli(
        ["run", "--config", str(config), "--only", "binder-home", "--evidence", str(target)],
        world.env(),
    )
    assert code == 2
    assert "not empty" in err
    assert (target / "precious.txt").read_text() == "keep me"
    assert not (target / "manifest.json").exists()
    assert world.site.requests == []  # refused before any check ran, not after the whole run


def test_evidence_files_are_safe_to_print_and_keep_every_character(
    world: World, tmp_path: Path
) -> None:
    hostile = "Registrar: Bluehost\r\n\x1b]0;pwned\x07\x1b[2J\u202eevil\r\n"
    world.site.pages["/"] = Reply.text(hostile)
    config = tmp_path / "checks.toml"
    config.write_text(FAST_SETTINGS + CHECKS.format(url=world.site.url))
    out = tmp_path / "bundle"
    cli(
        ["run", "--config", str(config), "--only", "binder-home", "--evidence", str(out)],
        world.env(),
    )
    text = (out / "evidence" / "01-binder-home.txt").read_bytes().decode()
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "Registrar: Bluehost\r\n\\x1b]0;pwned\\x07\\x1b[2J\\u202eevil\r\n" in text
