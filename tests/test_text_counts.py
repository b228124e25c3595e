"""One of a thing is "1 check", never "1 checks": in the text report, the Markdown report (as
GitHub shows it), ``validate``, ``evidence verify``, the dashboard and the issue sync summary."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from checker.engine.model import Result, Status
from checker.memory.history import remember_run
from checker.memory.state import CheckMemory, State
from checker.outputs.dashboard import FOLD_OVER, Fact, render_dashboard
from checker.outputs.issues.render import RunInfo
from checker.outputs.issues.unverified import body_for as unverified_body
from tests.gfm import assert_inert
from tests.helpers import cli
from tests.test_markdown_links import BOUND, DOCUMENT
from tests.world import World

CHECKS = (
    BOUND
    + """
[[check]]
id = "health"
type = "http.status"
description = "The health endpoint answers"
url = "{url}/health"
"""
)


def _config(world: World, tmp_path: Path, checks: str = CHECKS) -> Path:
    (tmp_path / "shared.md").write_text(DOCUMENT, encoding="utf-8")
    path = tmp_path / "checks.toml"
    path.write_text(checks.format(url=world.site.url), encoding="utf-8")
    return path


def test_one_check_bound_one_unbound_one_mention_in_every_report(
    world: World, tmp_path: Path
) -> None:
    config, report, bundle = _config(world, tmp_path), tmp_path / "r.md", tmp_path / "bundle"
    run = ["run", "-c", str(config), "--only", "home"]
    code, out, err = cli(run, world.env())
    assert code == 0, err
    assert "1 check in " in out
    assert ": 1 check bound, 1 unbound, 1 mention not covered (infra-checker coverage" in out
    code, _, err = cli([*run, "-f", "markdown", "-o", str(report), "--evidence", str(bundle)])
    assert code == 0, err
    prose = "".join(assert_inert(report.read_text(encoding="utf-8")).prose)
    assert "1 check in " in prose
    assert "1 check bound to a sentence, 1 unbound." in prose
    assert "1 mention no check covers (" in prose
    code, out, err = cli(["evidence", "verify", str(bundle)])
    assert code == 0, err
    assert "Verdicts (1 check): 1 ok, 0 drift, 0 error, 0 unverifiable" in out
    assert "PARTIAL RUN: 1 configured check did not run:" in out
    assert "1 fact checked live" in (bundle / "index.html").read_text(encoding="utf-8")


def test_validate_counts_one_check(world: World, tmp_path: Path) -> None:
    config = _config(world, tmp_path, BOUND)
    code, out, err = cli(["validate", "-c", str(config)])
    assert code == 0, err
    assert out.startswith(f"{config}: 1 check, valid")


def test_the_dashboard_counts_one_folded_and_one_omitted_fact() -> None:
    start = datetime(2026, 1, 1, 4, 17, tzinfo=timezone.utc)
    ids = [f"fact-{i:02d}" for i in range(FOLD_OVER + 1)]

    def result(ident: str) -> Result:
        status = Status.OK if ident == ids[0] else Status.DRIFT
        return Result(ident, "http.status", status, f"{status.value} {ident}", f"{ident} holds")

    state, memory = State(), None
    for night in range(2):  # ok two nights running: the first fact is steady
        memory = remember_run(
            "github-issue",
            state,
            [result(i) for i in ids],
            start + timedelta(days=night),
            keep=30,
            configured=ids,
            fingerprint=lambda r: r.message,
            expected_every=timedelta(hours=24),
        )
        state = memory.state
    assert memory is not None
    facts = [Fact(i, f"{i} holds", result(i)) for i in ids]

    def dashboard(budget: int) -> str:
        return render_dashboard(facts, memory, run_link="a run", expected_every=None, budget=budget)

    whole = dashboard(65_000)
    prose = "".join(assert_inert(whole, comments=2).prose)
    assert "1 fact ok and steady, last verified 2026-01-02" in prose
    assert "Not shown here" not in whole
    # As the budget tightens, the first row dropped is counted alone.
    budget = len(whole) + 1_000
    while "Not shown here" not in (body := dashboard(budget)):
        budget -= 10
    assert "Not shown here: 1 more fact; the run's report has them." in body


def test_a_cannot_verify_issue_after_one_day_says_1_day() -> None:
    now = datetime(2026, 11, 25, 4, 17, tzinfo=timezone.utc)
    result = Result(id="a", type="x.y", status=Status.ERROR, message="m", description="d")
    memory = CheckMemory(first_run_at=now - timedelta(days=2), status_since=now, streak=2)
    body = unverified_body(result, memory, RunInfo(now), 1)
    assert "for 1 day or more" in "".join(assert_inert(body, comments=1).prose)
