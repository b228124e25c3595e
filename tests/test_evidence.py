"""The evidence bundle verifies the way an auditor would check it: without this tool."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from checker.engine.model import Evidence
from checker.engine.redaction import register_secret
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
    assert {"index.html", "report.sarif", "report.json", "checks.toml"} <= listed
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
    # README, index.html, checks.toml, 3 reports, the state snapshot, 3 evidence files, and
    # manifest.json itself
    assert ok.stdout.count(": OK") == 11
    assert "state.json: OK" in ok.stdout
    assert "manifest.json: OK" in ok.stdout
    for name in ("report.json", "report.md", "manifest.json", "evidence/03-binder-down.txt"):
        target = out / name
        original = target.read_bytes()
        target.write_bytes(original.replace(b"error", b"ok"))
        bad = subprocess.run(
            ["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True
        )
        assert bad.returncode != 0
        assert f"{name}: FAILED" in bad.stdout
        target.write_bytes(original)


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


def test_a_long_answer_is_cut_in_the_report_with_a_notice_and_kept_whole_in_the_bundle(
    world: World, tmp_path: Path
) -> None:
    page = "".join(f"line {n:05d} of a long page\n" for n in range(2_000))  # 52,000 characters
    world.site.pages["/"] = Reply.text(page)
    config = tmp_path / "checks.toml"
    config.write_text(FAST_SETTINGS + CHECKS.format(url=world.site.url))
    out = tmp_path / "bundle"
    _, stdout, _ = cli(
        ["run", "-c", str(config), "--only", "binder-home", "-f", "json", "--evidence", str(out)],
        world.env(),
    )
    [result] = json.loads(stdout)["results"]
    excerpt = result["evidence"][0]["excerpt"]
    assert excerpt.startswith(page[:4_000])
    assert excerpt.endswith(
        "\n[cut here: 4,000 of 52,000 characters shown; the evidence bundle keeps the whole answer]"
    )
    assert page in (out / "evidence" / "01-binder-home.txt").read_text()


def test_a_token_across_the_cut_is_redacted_whole_not_halved() -> None:
    token = "ghp_straddlesTheCut0123456789abcdefABCD"
    register_secret(token)
    evidence = Evidence(source="GET x", excerpt="x" * 3_990 + token + "y" * 5_000)
    assert "ghp_" not in evidence.excerpt and "ghp_" not in evidence.raw
    assert evidence.excerpt.startswith("x" * 3_990 + "***")


def test_every_answer_of_every_attempt_is_kept_and_the_report_points_at_it(
    world: World, tmp_path: Path
) -> None:
    # binder-home drifts (confirmed by a second look), binder-down errors (retried once):
    # each keeps both of its answers, each with its request, time and outcome.
    world.site.pages["/"] = Reply.text("<html>Welcome to nginx</html>", content_type="text/html")
    world.site.inject("status", status=502, path_prefix="/down")
    config = tmp_path / "checks.toml"
    config.write_text(FAST_SETTINGS + CHECKS.format(url=world.site.url))
    out = tmp_path / "bundle"
    code, _, err = cli(["run", "--config", str(config), "--evidence", str(out)], world.env())
    assert code == 1, err
    report = json.loads((out / "report.json").read_text())
    by_id = {r["id"]: r for r in report["results"]}
    home = by_id["binder-home"]
    assert home["status"] == "drift"
    assert home["evidence_file"] == "evidence/01-binder-home.txt"
    assert [a["kind"] for a in home["attempt_history"]] == ["first look", "drift confirmation"]
    assert [a["status"] for a in home["attempt_history"]] == ["drift", "drift"]
    for attempt in home["attempt_history"]:
        assert [a["source"] for a in attempt["answers"]] == [f"GET {world.site.url}/ -> HTTP 200"]
        assert attempt["answers"][0]["fetched_at"].startswith("20")
    text = (out / home["evidence_file"]).read_text()
    assert "##### attempt 1 of 2: first look" in text
    assert "##### attempt 2 of 2: drift confirmation" in text
    assert text.count("<html>Welcome to nginx</html>\n===== end of answer 1 of 1") == 2
    down = by_id["binder-down"]
    assert [a["kind"] for a in down["attempt_history"]] == ["first look", "retry"]
    assert [a["status"] for a in down["attempt_history"]] == ["error", "error"]
    down_text = (out / down["evidence_file"]).read_text()
    assert down_text.count("answer 1 of 1") == 4  # the header and footer of both answers
    assert down_text.count("HTTP 502") >= 2


def test_provenance_comes_from_the_actions_environment(world: World, tmp_path: Path) -> None:
    config = tmp_path / "checks.toml"
    config.write_text(FAST_SETTINGS + CHECKS.format(url=world.site.url))
    out = tmp_path / "bundle"
    actions = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "jupyterhub/team-compass",
        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_WORKFLOW": "Infrastructure drift check",
        "GITHUB_WORKFLOW_REF": (
            "jupyterhub/team-compass/.github/workflows/drift-check.yml@refs/heads/main"
        ),
        "GITHUB_RUN_ID": "123456789",
        "GITHUB_RUN_ATTEMPT": "2",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_ACTOR": "octocat",
        "GITHUB_EVENT_NAME": "workflow_dispatch",
    }
    argv = ["run", "--config", str(config), "--only", "binder-h*", "--evidence", str(out)]
    code, _, err = cli(argv, {**world.env(), **actions})
    assert code == 0, err
    origin = json.loads((out / "manifest.json").read_text())["provenance"]
    assert origin["ci"] == {
        "repository": "jupyterhub/team-compass",
        "commit": "0123456789abcdef0123456789abcdef01234567",
        "ref": "refs/heads/main",
        "workflow": "Infrastructure drift check",
        "workflow_ref": actions["GITHUB_WORKFLOW_REF"],
        "run_id": "123456789",
        "run_attempt": "2",
        "run_url": "https://github.com/jupyterhub/team-compass/actions/runs/123456789/attempts/2",
        "actor": "octocat",
        "event": "workflow_dispatch",
        "server_url": "https://github.com",
    }
    assert origin["command_line"] == ["infra-checker", *argv]
    assert origin["config"] == {"path": str(config), "sha256": sha256(config)}
    assert origin["tool"]["version"]
    assert origin["tool"]["python"].count(".") == 2
    assert origin["tool"]["dependencies"]["requests"]
    assert origin["tool"]["dependencies"]["dnspython"]
    assert origin["started_at"] <= origin["finished_at"]
    assert origin["document"] is None


def test_provenance_is_empty_locally_but_names_the_git_commit_and_the_endpoints(
    world: World, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    config = repo / "checks.toml"
    config.write_text(FAST_SETTINGS + CHECKS.format(url=world.site.url))
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "checks.toml"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "checks"], check=True)
    head = subprocess.run(
        [*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    out = tmp_path / "bundle"
    env = {**world.env(), "CHECKER_QUAY_URL": "https://mirror.example:8443"}
    code, _, err = cli(["run", "--config", str(config), "--evidence", str(out)], env)
    assert code == 1, err  # binder-down is not there (404)
    origin = json.loads((out / "manifest.json").read_text())["provenance"]
    assert origin["ci"] is None
    assert origin["local_git"] == {"commit": head, "config_modified": False}
    quay = origin["endpoints"]["quay"]
    assert quay == {
        "value": "https://mirror.example:8443",
        "default": "https://quay.io",
        "overridden": True,
        "source": "environment CHECKER_QUAY_URL",
    }
    assert origin["endpoints"]["rdap_bootstrap"]["overridden"] is False
    assert origin["endpoints"]["rdap_bootstrap"]["source"] == "default"
    assert set(origin["endpoints"]) >= {"github_api", "dockerhub", "gcp", "rdap", "dns_resolvers"}
    assert origin["selection"] == {
        "partial": False,
        "only": [],
        "checks_run": ["binder-home", "binder-health", "binder-down"],
        "not_run": [],
    }


def test_endpoint_credentials_never_reach_the_bundle(world: World, tmp_path: Path) -> None:
    config = tmp_path / "checks.toml"
    config.write_text(FAST_SETTINGS + CHECKS.format(url=world.site.url))
    out = tmp_path / "bundle"
    env = {**world.env(), "CHECKER_DOCKERHUB_URL": "https://robot:s3cr3t-t0ken@hub.mirror.example"}
    cli(["run", "--config", str(config), "--only", "binder-home", "--evidence", str(out)], env)
    origin = json.loads((out / "manifest.json").read_text())["provenance"]
    assert origin["endpoints"]["dockerhub"]["value"] == "https://hub.mirror.example"
    for path in out.rglob("*"):
        if path.is_file():
            assert b"s3cr3t-t0ken" not in path.read_bytes(), path


def test_a_partial_run_is_visible_as_partial(world: World, tmp_path: Path) -> None:
    config = tmp_path / "checks.toml"
    config.write_text(
        FAST_SETTINGS
        + CHECKS.format(url=world.site.url)
        + """
[[check]]
id = "switched-off"
type = "http.status"
description = "a check written down but switched off"
url = "https://example.invalid/"
enabled = false
"""
    )
    out = tmp_path / "bundle"
    code, _, err = cli(
        ["run", "--config", str(config), "--only", "binder-home", "--evidence", str(out)],
        world.env(),
    )
    assert code == 0, err
    selection = json.loads((out / "manifest.json").read_text())["provenance"]["selection"]
    assert selection == {
        "partial": True,
        "only": ["binder-home"],
        "checks_run": ["binder-home"],
        "not_run": [
            {"id": "binder-health", "reason": "--only"},
            {"id": "binder-down", "reason": "--only"},
            {"id": "switched-off", "reason": "enabled = false"},
        ],
    }
    code, summary, _ = cli(["evidence", "verify", str(out)])
    assert code == 0
    assert "PARTIAL RUN: 3 configured checks did not run" in summary
    assert "switched-off: enabled = false" in summary


def test_an_evidence_directory_that_cannot_be_written_is_refused_before_any_check(
    world: World, tmp_path: Path
) -> None:
    config = tmp_path / "checks.toml"
    config.write_text(FAST_SETTINGS + CHECKS.format(url=world.site.url))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    for target in (blocker, blocker / "bundle"):
        code, _, err = cli(["run", "--config", str(config), "--evidence", str(target)], world.env())
        assert code == 2, err
        assert f"--evidence {target}" in err
        assert "Traceback" not in err
    assert world.site.requests == []


def test_the_document_the_facts_are_bound_to_is_in_the_provenance(
    world: World, tmp_path: Path
) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Page\n\nThe health endpoint answers.\n", encoding="utf-8")
    config = tmp_path / "checks.toml"
    config.write_text(
        '[document]\npath = "page.md"\n' + FAST_SETTINGS + CHECKS.format(url=world.site.url)
    )
    out = tmp_path / "bundle"
    cli(
        ["run", "--config", str(config), "--only", "binder-health", "--evidence", str(out)],
        world.env(),
    )
    document = json.loads((out / "manifest.json").read_text())["provenance"]["document"]
    assert document["source"] == str(page)
    assert document["sha256"] == sha256(page)
    assert document["error"] is None
