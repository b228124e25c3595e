"""Workflow commands: outside text can never end a command early or start one of its own."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

from checker.engine.config import Config, parse_config
from checker.engine.model import Result, Status
from checker.engine.runner import RunReport
from checker.errors import FailOn
from checker.outputs.github_actions import (
    SUMMARY_CUT,
    SUMMARY_LIMIT,
    SUMMARY_RESERVE,
    annotations_for,
    announce,
    append_job_summary,
    command,
    escape_data,
    escape_property,
    log_groups,
    mask_secrets,
    write_outputs,
)
from checker.outputs.markdown import render_markdown
from tests.helpers import FAST_SETTINGS, cli
from tests.test_action import CHECKS as SITE_CHECKS
from tests.test_action import parse_output_file
from tests.world import World

HOSTILE = "GoDaddy, LLC: 100%\r\n::error::pwned\n##[set-output name=status;]ok\x1b[31m"
CONFIG_TEXT = """
[[check]]
id = "mybinder-registrar"
type = "http.status"
description = "mybinder.org is registered at Bluehost"
doc = "shared-infrastructure.md#domain-name"
url = "https://mybinder.org/"

[[check]]
id = "mybinder-home"
type = "http.status"
description = "mybinder.org answers"
url = "https://mybinder.org/"
"""


def config(path: str = "checks.toml") -> Config:
    return parse_config(CONFIG_TEXT, Path(path), {})


def report(*statuses: tuple[str, Status, str]) -> RunReport:
    results = tuple(
        Result(id=i, type="http.status", status=s, message=m, description=f"fact {i}", doc="d")
        for i, s, m in statuses
    )
    return RunReport(datetime(2026, 11, 25, tzinfo=timezone.utc), 1.0, results)


def test_beyond_ten_annotations_of_a_level_the_rest_are_counted_in_one() -> None:
    # GitHub shows only ten warnings per step: the tenth says what the others were.
    ids = [f"check-{n:02d}" for n in range(12)]
    text = "".join(
        f'[[check]]\nid = "{i}"\ntype = "http.status"\ndescription = "d"\nurl = "https://x.org/"\n'
        for i in ids
    )
    cfg = parse_config(text, Path("checks.toml"), {})
    errored = ("check-00", Status.ERROR, "timed out")
    run = report(errored, *((i, Status.DRIFT, "moved") for i in ids[1:]))
    lines = list(annotations_for(run, cfg, {}, fail_on=FailOn.DRIFT))
    assert len(lines) == 10 and all(line.startswith("::warning ") for line in lines)
    assert [line.split("title=")[1].split("::")[0] for line in lines[:9]] == [
        f"drift%3A {i}" for i in ids[1:10]
    ]  # drifts first, in configuration order
    assert "3 more: check-10, check-11, check-00." in lines[9]
    assert (
        len(list(annotations_for(run, cfg, {}, fail_on=FailOn.ERROR))) == 11
    )  # 10 warnings, 1 error


def test_escaping_follows_the_toolkit() -> None:
    assert escape_data("a%b\r\nc:d,e") == "a%25b%0Ac:d,e"  # CR is a control: dropped
    assert escape_property("a%b\nc:d,e") == "a%25b%0Ac%3Ad%2Ce"
    assert command("warning", "x", title="t: 1, 2") == "::warning title=t%3A 1%2C 2::x\n"
    assert command("endgroup") == "::endgroup::\n"


def test_a_hostile_message_stays_inside_one_annotation() -> None:
    out = io.StringIO()
    run = report(("mybinder-registrar", Status.DRIFT, HOSTILE))
    announce(run, config(), {"GITHUB_ACTIONS": "true"}, out, fail_on=FailOn.DRIFT, report_path=None)
    annotations = [line for line in out.getvalue().splitlines() if "title=" in line]
    assert len(annotations) == 1
    (line,) = annotations
    assert line.startswith("::warning file=checks.toml,line=3,title=drift%3A mybinder-registrar::")
    assert "\x1b" not in line and "\r" not in line
    assert "%0A::error::pwned%0A##[set-output" in line


def test_log_lines_quoting_outside_text_are_fenced_by_stop_commands() -> None:
    lines = "".join(log_groups(report(("mybinder-home", Status.ERROR, HOSTILE)))).splitlines()
    assert lines[0] == "::group::http: 1 check (1 error)"
    stop = re.fullmatch(r"::stop-commands::([0-9a-f]{32})", lines[1])
    assert stop, lines[1]
    assert lines[-2] == f"::{stop.group(1)}::"
    assert lines[-1] == "::endgroup::"
    quoted = lines[2:-2]
    assert len(quoted) == 1 and "set-output" in quoted[0] and "##[" not in quoted[0]
    assert quoted[0].startswith("error ")


@pytest.mark.parametrize(("fail_on", "level"), [(FailOn.ERROR, "error"), (FailOn.DRIFT, "warning")])
def test_errors_are_errors_only_when_they_fail_the_run(fail_on: FailOn, level: str) -> None:
    out = io.StringIO()
    run = report(("mybinder-home", Status.ERROR, "timed out after 20 s"))
    announce(run, config(), {"GITHUB_ACTIONS": "true"}, out, fail_on=fail_on, report_path=None)
    assert f"::{level} file=checks.toml,line=10,title=error%3A mybinder-home::" in out.getvalue()


def test_annotations_attach_only_to_files_in_the_workspace(tmp_path: Path) -> None:
    out = io.StringIO()
    run = report(("mybinder-home", Status.DRIFT, "moved"))
    env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path / "ws")}
    inside = config(str(tmp_path / "ws" / "infra" / "checks.toml"))
    announce(run, inside, env, out, fail_on=FailOn.DRIFT, report_path=None)
    assert "::warning file=infra/checks.toml,line=10,title=" in out.getvalue()
    out = io.StringIO()
    announce(
        run, config("/elsewhere/checks.toml"), env, out, fail_on=FailOn.DRIFT, report_path=None
    )
    assert "::warning title=drift%3A mybinder-home::" in out.getvalue()


def test_nothing_but_outputs_outside_github_actions(tmp_path: Path) -> None:
    out, outputs = io.StringIO(), tmp_path / "out"
    outputs.write_text("")
    run = report(("a", Status.DRIFT, "x"), ("b", Status.ERROR, "y"), ("c", Status.OK, "z"))
    announce(
        run, config(), {"GITHUB_OUTPUT": str(outputs)}, out, fail_on=FailOn.DRIFT, report_path=None
    )
    assert out.getvalue() == ""
    assert parse_output_file(outputs.read_text()) == {
        "status": "drift",
        "drift-count": "1",
        "error-count": "1",
        "report-path": "",
    }


def test_outputs_survive_multiline_values(tmp_path: Path) -> None:
    path = tmp_path / "out"
    write_outputs(path, {"a": "one\ntwo", "b": "x=y"})
    write_outputs(path, {"c": ""})
    assert parse_output_file(path.read_text()) == {"a": "one\ntwo", "b": "x=y", "c": ""}


def test_every_token_the_program_reads_is_masked() -> None:
    out = io.StringIO()
    mask_secrets({"GITHUB_TOKEN": "ghs_a%b", "QUAY_TOKEN": "q\nx", "HOME": "/root"}, out)
    assert out.getvalue().splitlines() == ["::add-mask::ghs_a%25b", "::add-mask::q%0Ax"]


def test_a_json_report_on_stdout_stays_valid_json_inside_github_actions(
    world: World, write_config: Callable[[str], Path]
) -> None:
    del world.site.pages["/health"]
    path = write_config(FAST_SETTINGS + SITE_CHECKS.format(url=world.site.url))
    env = {**world.env(), "GITHUB_ACTIONS": "true", "GITHUB_TOKEN": "ghs_secret"}
    code, out, err = cli(["run", "--config", str(path), "--format", "json"], env)
    assert code == 1
    assert json.loads(out)["summary"]["drift"] == 1
    assert "::add-mask::ghs_secret" in err
    assert "::warning title=drift%3A binder-health::" in err
    assert "::group::http: 2 checks" in err


def test_the_job_summary_stays_under_githubs_limit_cut_at_a_line_with_a_notice(
    tmp_path: Path,
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("x" * 1_000_000 + "\n", "utf-8")  # an earlier part of the step
    many = tuple((f"check-{n}", Status.DRIFT, "é" * 70_000) for n in range(40))
    text = render_markdown(report(*many))
    assert text.count("*(cut: 2,000 of 70,000 characters shown)*") == 40  # each cell says so
    append_job_summary({"GITHUB_STEP_SUMMARY": str(summary)}, text)
    written = summary.read_bytes()
    assert len(written) <= SUMMARY_LIMIT and written.decode("utf-8").endswith(SUMMARY_CUT)
    added = written.decode("utf-8")[1_000_001 : -len(SUMMARY_CUT)]
    assert added and text.startswith(added) and added.endswith("\n")  # whole lines only


def test_the_report_leaves_room_for_the_sync_summary_and_a_full_summary_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary, env = tmp_path / "summary.md", {"GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    report_text = "".join(f"| row {n} | {'x' * 100} |\n" for n in range(20_000))  # 2 MB
    append_job_summary(env, report_text, reserve=SUMMARY_RESERVE)
    assert len(summary.read_bytes()) <= SUMMARY_LIMIT - SUMMARY_RESERVE
    append_job_summary(env, "### Drift issues\n\n- done create #1\n")
    assert summary.read_text("utf-8").endswith("### Drift issues\n\n- done create #1\n")
    summary.write_text("x" * SUMMARY_LIMIT, "utf-8")
    append_job_summary(env, "### Drift issues\n")
    assert "job summary is full" in capsys.readouterr().err
    assert len(summary.read_bytes()) == SUMMARY_LIMIT


def test_a_job_summary_that_fits_is_appended_whole(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    text = render_markdown(report(("a", Status.DRIFT, "moved")))
    append_job_summary({"GITHUB_STEP_SUMMARY": str(summary)}, text)
    assert summary.read_text("utf-8") == text
