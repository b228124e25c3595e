"""The command line: formats, --only, exit codes, the job summary, and cheap start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import FAST_SETTINGS, cli
from tests.world import World

TWO_CHECKS = (
    FAST_SETTINGS
    + """
[[check]]
id = "binder-home"
type = "http.status"
description = "mybinder.org answers"
doc = "shared-infrastructure.md#mybinder-org-infrastructure"
tags = ["web"]
url = "{url}/"

[[check]]
id = "binder-health"
type = "http.status"
description = "The health endpoint answers"
url = "{url}/{health}"
"""
)


@pytest.fixture
def config(world: World, tmp_path: Path):  # type: ignore[no-untyped-def]
    def write(health: str = "health") -> Path:
        path = tmp_path / "checks.toml"
        path.write_text(TWO_CHECKS.format(url=world.site.url, health=health))
        return path

    return write


def test_json_report_shape(world: World, config) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(["run", "-c", str(config()), "--format", "json"], world.env())
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {
        "schema_version",
        "tool_version",
        "started_at",
        "duration_s",
        "exit_code",
        "summary",
        "state",
        "missed_since",
        "results",
        "document",
    }
    assert data["schema_version"] == 1
    assert data["summary"] == {"ok": 2, "drift": 0, "error": 0, "unverifiable": 0}
    first = data["results"][0]
    assert {
        "id",
        "type",
        "status",
        "message",
        "expected",
        "observed",
        "evidence",
        "duration_s",
        "doc",
    } <= set(first)
    assert first["id"] == "binder-home" and first["status"] == "ok"
    assert first["doc"] == "shared-infrastructure.md#mybinder-org-infrastructure"
    assert first["evidence"][0]["source"].startswith("GET http://127.0.0.1:")
    assert "raw" not in first["evidence"][0]


def test_drift_exits_1_and_text_report_names_it(world: World, config) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(["run", "-c", str(config(health="gone"))], world.env())
    assert code == 1
    assert "drift" in out and "binder-health" in out
    assert "expected status to be one of [200], observed 404" in out
    assert "\033[" not in out  # no colour when not a TTY


def test_errors_without_drift_exit_3(world: World, config) -> None:  # type: ignore[no-untyped-def]
    world.site.inject("status", status=503, path_prefix="/health")
    code, out, _ = cli(["run", "-c", str(config()), "-f", "json"], world.env())
    assert code == 3
    assert json.loads(out)["summary"]["error"] == 1


def test_only_selects_by_id_glob_and_type(world: World, config) -> None:  # type: ignore[no-untyped-def]
    path = str(config(health="gone"))
    code, out, _ = cli(["run", "-c", path, "--only", "binder-h*me", "-f", "json"], world.env())
    assert code == 0
    assert [r["id"] for r in json.loads(out)["results"]] == ["binder-home"]
    code, out, _ = cli(["run", "-c", path, "--only", "http.*", "-f", "json"], world.env())
    assert len(json.loads(out)["results"]) == 2


def test_only_that_matches_nothing_is_a_usage_error(world: World, config) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(["run", "-c", str(config()), "--only", "$(rm -rf /)"], world.env())
    assert code == 2
    assert out == ""
    assert "--only '$(rm -rf /)' matches no check id or type" in err


def test_output_file_and_job_summary(world: World, config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    summary = tmp_path / "summary.md"
    summary.write_text("previous step\n")
    report = tmp_path / "out" / "report.md"
    env = {**world.env(), "GITHUB_STEP_SUMMARY": str(summary)}
    code, out, _ = cli(
        ["run", "-c", str(config(health="gone")), "-f", "markdown", "-o", str(report)], env
    )
    assert code == 1
    assert out == ""
    text = report.read_text()
    assert "| ❌ | `binder-health` | `The health endpoint answers` | **drift** |" in text
    appended = summary.read_text()
    assert appended.startswith("previous step\n## infra-checker report")


def test_an_unwritable_output_is_refused_before_any_check_runs(
    world: World,
    config: Callable[..., Path],
    tmp_path: Path,
) -> None:
    code, _, err = cli(["run", "-c", str(config()), "-o", str(tmp_path)], world.env())
    assert code == 2
    assert f"--output {tmp_path}: is a directory" in err
    assert world.site.requests == []


def test_an_unwritable_job_summary_is_a_warning_not_a_crash(
    world: World,
    config: Callable[..., Path],
    tmp_path: Path,
) -> None:
    env = {**world.env(), "GITHUB_STEP_SUMMARY": str(tmp_path), "GITHUB_OUTPUT": str(tmp_path)}
    code, _, err = cli(["run", "-c", str(config(health="gone"))], env)
    assert code == 1  # the verdict stands
    assert "warning: cannot write the job summary" in err
    assert "Traceback" not in err


def _on_a_terminal(argv: list[str], env: dict[str, str], columns: int) -> tuple[int, str]:
    """The CLI in its own process, stdout a pseudo-terminal ``columns`` wide (as a person runs
    it); what it printed there."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    root = str(Path(__file__).resolve().parents[1])
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "checker", *argv],
            stdout=follower,
            stderr=subprocess.PIPE,
            env={**env, "PATH": "/usr/bin:/bin", "PYTHONPATH": root},
            timeout=60,
            check=False,
        )
    finally:
        os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal has no writer left
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return proc.returncode, shown.decode()


def test_a_report_file_is_never_cut_to_the_terminal_it_was_asked_from(
    world: World, config: Callable[..., Path], tmp_path: Path
) -> None:
    path, report = str(config(health="gone")), tmp_path / "report.txt"
    reason = "expected status to be one of [200], observed 404"
    code, shown = _on_a_terminal(["run", "-c", path], world.env(), columns=40)
    assert code == 1 and "binder-health" in shown and reason not in shown  # the table is cut
    code, shown = _on_a_terminal(["run", "-c", path, "-o", str(report)], world.env(), columns=40)
    assert (code, shown) == (1, "")
    assert reason in report.read_text(encoding="utf-8")
    assert "\033[" not in report.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "setting", ["timeout = inf", "timeout = 1e10", "retry_backoff = 1e300", "confirm_delay = nan"]
)
def test_settings_beyond_any_sane_wait_are_config_errors(setting: str, tmp_path: Path) -> None:
    path = tmp_path / "checks.toml"
    path.write_text(f"[settings]\n{setting}\n")
    code, _, err = cli(["validate", "-c", str(path)])
    assert code == 2
    assert err.startswith(f'infra-checker: checks.toml: [settings]: key "{setting.split()[0]}"')
    assert "Traceback" not in err


def test_list_and_validate(world: World, config) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(["list", "-c", str(config())])
    assert code == 0
    assert out.splitlines()[0].split() == ["ID", "TYPE", "FACT"]
    assert "binder-health  http.status  The health endpoint answers" in out
    code, out, _ = cli(["validate", "-c", str(config())])
    assert (code, out.strip().endswith("2 checks, valid")) == (0, True)


def test_schema_describes_every_check_type() -> None:
    code, out, _ = cli(["schema"])
    assert code == 0
    schema = json.loads(out)
    variants = schema["properties"]["check"]["items"]["oneOf"]
    http = next(v for v in variants if v["title"] == "http.status")
    assert http["properties"]["type"] == {"const": "http.status"}
    assert "url" in http["required"]
    assert set(http["properties"]["expect"]["properties"]) == {"status", "body", "final_url"}
    assert "endpoints" in json.dumps(schema["properties"]["settings"])


def test_unknown_command_is_exit_2() -> None:
    code, _, err = cli(["frobnicate"])
    assert code == 2
    assert "invalid choice" in err


HEAVY = ("google", "github", "whois", "dns", "requests", "urllib3")


@pytest.mark.parametrize("argv", [["--help"], ["validate"], ["list"], ["schema"]])
def test_cheap_commands_import_no_client_library(argv: list[str], tmp_path: Path) -> None:
    (tmp_path / "checks.toml").write_text(TWO_CHECKS.format(url="https://mybinder.org", health="h"))
    probe = (
        "import sys\n"
        "from checker.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    assert "HEAVY []" in proc.stderr, proc.stderr
