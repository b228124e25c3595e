"""Run memory over simulated nights: the real CLI, real PyGithub, the loopback GitHub, and a
clock the tests control (``main(..., clock=...)``)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from checker.outputs.dashboard import MARKER, TITLE, decode_state
from tests.helpers import cli
from tests.test_issues_sync import check
from tests.world import World
from tests.world.github import ISSUES_REPO, READ_ONLY_TOKEN, TOKEN

START = datetime(2026, 3, 1, 4, 17, tzinfo=timezone.utc)
SETTINGS = """
[settings]
timeout = 3
retries = 0
confirm_delay = 0

[issues]
repository = "jupyterhub/infra-checks"
write_interval = 0
max_rate_limit_wait = 5
"""
BINDER = "jupyterhub/binderhub"


HUB = check("hub-repo", "jupyterhub/jupyterhub")


def night(n: int) -> datetime:
    return START + timedelta(days=n)


def html(markdown: str) -> str:
    """What GitHub shows: its own engine, GFM extensions, raw HTML passed through as GitHub's
    sanitiser would then judge it."""
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


class Nights:
    def __init__(self, world: World, tmp_path: Path) -> None:
        self.world = world
        self.github = world.github
        self.path = tmp_path / "checks.toml"

    def env(self, token: str = TOKEN, **extra: str) -> dict[str, str]:
        return {**self.world.env(), "GITHUB_TOKEN": token, **extra}

    def run(
        self,
        n: int,
        *checks: str,
        args: tuple[str, ...] = ("--open-issues",),
        state: str = "",
        env: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any], str]:
        self.path.write_text(SETTINGS + state + "".join(checks), encoding="utf-8")
        code, out, err = cli(
            ["run", "-c", str(self.path), "--format", "json", *args],
            env or self.env(),
            clock=lambda: night(n),
        )
        assert code != 2, err
        return code, json.loads(out), err

    def issues(self, label: str) -> list[dict[str, Any]]:
        return self.github.managed(ISSUES_REPO, label)

    def open_issues(self, label: str) -> list[dict[str, Any]]:
        return [i for i in self.issues(label) if i["state"] == "open"]

    def dashboard(self) -> dict[str, Any]:
        (board,) = self.open_issues("infra-drift-status")
        return board


@pytest.fixture
def nights(world: World, tmp_path: Path) -> Nights:
    return Nights(world, tmp_path)


def result(report: dict[str, Any], ident: str) -> dict[str, Any]:
    (found,) = [r for r in report["results"] if r["id"] == ident]
    return found


def test_eight_nights_of_error_open_one_cannot_verify_issue_closed_on_the_first_ok(
    nights: Nights,
) -> None:
    binder = check("binder-repo", BINDER)
    nights.github.inject("status", status=503, path_prefix=f"/repos/{BINDER}")
    for n in range(7):
        _, report, _ = nights.run(n, HUB, binder)
        assert result(report, "binder-repo")["status"] == "error"
        assert not nights.issues("infra-drift-unverified"), f"night {n}: too early"
    for n in (7, 8):  # the eighth night: a week without a look (never verified: since night 0)
        _, report, _ = nights.run(n, HUB, binder)
    (issue,) = nights.open_issues("infra-drift-unverified")
    assert issue["title"] == f"Cannot verify: The repository {BINDER} exists"
    assert "infra-drift" not in {lb["name"] for lb in issue["labels"]}  # not a drift issue
    page = html(issue["body"])
    assert "2026-03-01T04:17:00Z" in page  # since its first run
    assert "waive" in page and "503" in issue["body"]
    history = result(report, "binder-repo")["history"]
    assert history["last_verified_at"] is None and history["streak"] == 9
    assert f"#{issue['number']} (cannot verify)" in nights.dashboard()["body"]

    nights.github.clear_faults()
    _, report, _ = nights.run(9, HUB, binder)
    assert result(report, "binder-repo")["status"] == "ok"
    (closed,) = nights.issues("infra-drift-unverified")
    assert closed["state"] == "closed" and closed["state_reason"] == "completed"
    assert not nights.issues("infra-drift")  # error never opened a drift issue


def test_a_waiver_holds_through_its_day_and_not_after(nights: Nights) -> None:
    waive = 'waive = { until = "2026-03-03", reason = "ownership transfer under way" }'
    binder = check("binder-repo", BINDER, waive)
    nights.github.delete_repository(BINDER)
    for n in range(3):  # 1, 2 and 3 March: waived
        code, report, _ = nights.run(n, HUB, binder, args=("--open-issues", "--fail-on", "drift"))
        found = result(report, "binder-repo")
        assert found["status"] == "drift"  # its true verdict
        assert found["waived"] == {"until": "2026-03-03", "reason": "ownership transfer under way"}
        assert code == 0 and report["exit_code"] == 0
        assert not nights.issues("infra-drift")
    code, report, _ = nights.run(3, HUB, binder)  # 4 March: back to normal
    found = result(report, "binder-repo")
    assert "waived" not in found and found["waiver_expired"]["until"] == "2026-03-03"
    assert code == 1
    (issue,) = nights.open_issues("infra-drift")
    assert "**waiver expired** on 2026-03-03" in nights.dashboard()["body"]
    # Waived again (extended): the open issue stays open and is told once.
    longer = check("binder-repo", BINDER, waive.replace("2026-03-03", "2026-04-30"))
    for n in (4, 5):
        code, _, _ = nights.run(n, HUB, longer)
        assert code == 0
    assert nights.open_issues("infra-drift") == [issue] or nights.open_issues("infra-drift")
    comments = nights.github.comments_on(issue["number"])
    told = [c for c in comments if "waived until 2026-04-30" in c]
    assert len(told) == 1
    assert "ownership transfer under way" in html(told[0])


def test_flapping_stops_the_churn_and_says_so_once(nights: Nights) -> None:
    binder = check("binder-repo", BINDER)
    pattern = [True, False, True, False, True, False, True, False]  # drift on even nights
    for n, drifting in enumerate(pattern):
        if drifting:
            nights.github.delete_repository(BINDER)
        else:
            nights.github.add_repository(BINDER)
        _, report, _err = nights.run(n, HUB, binder)
        if n == 3:
            (issue,) = nights.issues("infra-drift")
            assert issue["state"] == "closed"  # opened, closed, reopened, closed
            churn = len(nights.github.comments_on(issue["number"]))
    # From the 5th run (4 changes in the window) on, the issue is held as it was: closed.
    (issue,) = nights.issues("infra-drift")
    assert issue["state"] == "closed"
    assert result(report, "binder-repo")["history"]["flapping"] is True
    comments = nights.github.comments_on(issue["number"])
    assert len(comments) == churn + 1 and "**flapping**" in comments[-1]
    assert "(flapping)" in nights.dashboard()["body"]
    _code, out, _ = cli(
        ["run", "-c", str(nights.path), "--open-issues"], nights.env(), clock=lambda: night(8)
    )
    assert "Flapping" in out and "binder-repo" in out  # the run summary names it


def test_a_three_day_gap_reports_missed_since(nights: Nights, tmp_path: Path) -> None:
    state = '\n[state]\nbackend = "file"\nexpected_every = "24h"\n'
    for n in (0, 1):
        _, report, _ = nights.run(n, HUB, args=(), state=state)
        assert report["state"]["missed_since"] is None
    _, report, _ = nights.run(4, HUB, args=(), state=state)
    assert report["state"] == {
        "backend": "file",
        "previous_run_at": "2026-03-02T04:17:00Z",
        "missed_since": "2026-03-02T04:17:00Z",
    }
    assert report["missed_since"] == "2026-03-02T04:17:00Z"
    assert (tmp_path / ".infra-checker" / "state.json").is_file()


def test_steady_nights_write_the_dashboard_at_most_once(nights: Nights) -> None:
    for n in range(16):
        before = nights.github.writes()
        nights.run(n, HUB)
        if n > 0:  # a new day: "last verified" moved, one call and no more
            assert nights.github.writes() - before == 1, f"night {n}"
    board = nights.dashboard()
    # A rerun the same day that sees the same: nothing shown changed, not even one call.
    before = nights.github.writes()
    code, _out, err = cli(
        ["run", "-c", str(nights.path), "--open-issues"],
        nights.env(),
        clock=lambda: night(15) + timedelta(hours=3),
    )
    assert code == 0, err
    assert nights.github.writes() - before == 0
    assert nights.dashboard()["body"] == board["body"]
    # With missed-run detection the run time matters: exactly one call.
    every = '\n[state]\nexpected_every = "24h"\n'
    before = nights.github.writes()
    nights.run(15, HUB, state=every)
    assert nights.github.writes() - before == 1
    assert len(nights.issues("infra-drift-status")) == 1


def test_a_fact_ok_for_weeks_then_erroring_is_not_unverified_at_once(nights: Nights) -> None:
    binder = check("binder-repo", BINDER)
    for n in range(20):
        nights.run(n, HUB, binder)
    nights.github.inject("status", status=503, path_prefix=f"/repos/{BINDER}")
    for n in range(20, 26):
        nights.run(n, HUB, binder)
    assert not nights.issues("infra-drift-unverified")  # 6 days since the last ok
    nights.run(26, HUB, binder)
    assert len(nights.open_issues("infra-drift-unverified")) == 1


def test_the_dashboard_renders_as_people_read_it(nights: Nights) -> None:
    evil = check(
        "evil",
        BINDER,
        'waive = { until = "2026-03-10", reason = "@octocat <img src=x> [x](http://e.vil) #1" }',
    )
    nights.run(0, HUB, evil)
    board = nights.dashboard()
    assert board["title"] == TITLE
    body = board["body"]
    assert body.startswith(MARKER)
    page = html(body)
    assert "<table>" in page and page.count("<tr>") == 3  # header and two facts
    assert "<img" not in page and 'href="http://e.vil"' not in page
    assert not re.search(r"(?<![`\\])@octocat", body)
    state = decode_state(body)
    assert set(state.checks) == {"hub-repo", "evil"}


def test_a_dashboard_edited_into_nonsense_warns_and_starts_over(nights: Nights) -> None:
    nights.run(0, HUB)
    nights.run(1, HUB)
    board = nights.dashboard()
    with nights.github.state_lock:
        board_live = next(
            i for i in nights.github.issues[ISSUES_REPO] if i["number"] == board["number"]
        )
        board_live["body"] = MARKER + "\nsomeone's notes\n<!-- infra-checker:state v1 bm9wZQ== -->"
    code, report, err = nights.run(2, HUB)
    assert code == 0
    assert f"dashboard issue #{board['number']}" in err and "no history" in err
    assert result(report, "hub-repo")["history"]["streak"] == 1
    assert len(nights.issues("infra-drift-status")) == 1  # rewritten, not duplicated
    assert decode_state(nights.dashboard()["body"]).runs == (night(2),)


def test_a_corrupt_state_file_warns_and_starts_over(nights: Nights, tmp_path: Path) -> None:
    state = '\n[state]\nbackend = "file"\npath = "memory.json"\n'
    (tmp_path / "memory.json").write_text("{not json", encoding="utf-8")
    code, _report, err = nights.run(0, HUB, args=(), state=state)
    assert code == 0
    assert "memory.json" in err and "no history" in err and "Traceback" not in err
    saved = json.loads((tmp_path / "memory.json").read_text(encoding="utf-8"))
    assert saved["format"] == "infra-checker-state" and saved["version"] == 1
    (tmp_path / "memory.json").write_text('{"format": "other"}', encoding="utf-8")
    _, _, err = nights.run(1, HUB, args=(), state=state)
    assert "not an infra-checker state" in err


def test_report_history_and_evidence_snapshot(nights: Nights, tmp_path: Path) -> None:
    for n in range(3):
        _, report, _ = nights.run(
            n, HUB, args=("--open-issues", "--evidence", str(tmp_path / "ev"))
        )
    history = result(report, "hub-repo")["history"]
    assert history == {
        "status_since": "2026-03-01T04:17:00Z",
        "streak": 3,
        "last_ok_at": "2026-03-03T04:17:00Z",
        "last_verified_at": "2026-03-03T04:17:00Z",
        "recent": [{"at": f"2026-03-0{d}T04:17:00Z", "status": "ok"} for d in (1, 2, 3)],
        "flapping": False,
    }
    assert report["state"]["backend"] == "github-issue"
    snapshot = json.loads((tmp_path / "ev" / "state.json").read_text(encoding="utf-8"))
    assert snapshot["checks"]["hub-repo"]["verified"] == "2026-03-03T04:17:00Z"


def test_keepalive_re_enables_the_workflow(nights: Nights) -> None:
    ref = {
        "GITHUB_REPOSITORY": ISSUES_REPO,
        "GITHUB_WORKFLOW_REF": f"{ISSUES_REPO}/.github/workflows/drift-check.yml@refs/heads/main",
    }
    code, _, err = nights.run(0, HUB, args=("--keepalive",), env=nights.env(**ref))
    assert code == 0, err
    assert nights.github.workflows[ISSUES_REPO]["drift-check.yml"] == 1
    code, _, err = nights.run(1, HUB, args=("--keepalive",), env=nights.env(READ_ONLY_TOKEN, **ref))
    assert code == 0  # the facts were checked: a warning, not a failure
    assert "actions: write" in err


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ('waive = { reason = "x" }', "waive.until"),
        ('waive = { until = "2026-04-01" }', "waive.reason"),
        ('waive = { until = "soon", reason = "x" }', "waive.until"),
        ('waive = { until = 2026-04-01T00:00:00Z, reason = "x" }', "waive.until"),
        ('waive = { until = "2027-03-03", reason = "x" }', "waive.until"),
        ('waive = "forever"', "waive"),
    ],
)
def test_bad_waivers_exit_2_naming_file_check_and_key(nights: Nights, extra: str, key: str) -> None:
    nights.path.write_text(SETTINGS + check("binder-repo", BINDER, extra), encoding="utf-8")
    code, _out, err = cli(["run", "-c", str(nights.path)], nights.env(), clock=lambda: night(0))
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "checks.toml" in err and 'check "binder-repo"' in err and f'"{key}' in err


@pytest.mark.parametrize(
    ("state", "key"),
    [
        ("history = 0", "history"),
        ("history = 1001", "history"),
        ('backend = "s3"', "backend"),
        ('expected_every = "daily"', "expected_every"),
    ],
)
def test_bad_state_settings_exit_2(nights: Nights, state: str, key: str) -> None:
    nights.path.write_text(SETTINGS + f"\n[state]\n{state}\n" + HUB, encoding="utf-8")
    code, _, err = cli(["validate", "-c", str(nights.path)], {})
    assert code == 2 and err.count("\n") == 1
    assert "checks.toml" in err and "[state]" in err and f'"{key}"' in err


def test_a_waived_check_gets_no_cannot_verify_issue(nights: Nights) -> None:
    waive = 'waive = { until = "2026-06-30", reason = "registry redacts it; checked by hand" }'
    binder = check("binder-repo", BINDER, waive)
    nights.github.inject("status", status=503, path_prefix=f"/repos/{BINDER}")
    for n in range(9):
        nights.run(n, HUB, binder)
    assert not nights.issues("infra-drift-unverified")


def test_the_state_option_overrides_the_backend(nights: Nights, tmp_path: Path) -> None:
    path = tmp_path / "elsewhere" / "memory.json"
    _, report, _ = nights.run(0, HUB, args=("--open-issues", "--state", str(path)))
    assert report["state"]["backend"] == "file" and path.is_file()
    assert not nights.issues("infra-drift-status")  # the file holds it: no dashboard
    _, report, _ = nights.run(1, HUB, args=("--state", "none"))
    assert report["state"] == {"backend": "none", "previous_run_at": None, "missed_since": None}
    assert result(report, "hub-repo")["history"]["streak"] == 1


def test_a_dry_run_reads_the_dashboard_and_writes_nothing(nights: Nights) -> None:
    nights.run(0, HUB)
    body = nights.dashboard()["body"]
    nights.github.add_issue(ISSUES_REPO, "copy", body, ("infra-drift-status",))
    before = nights.github.writes()
    _, report, err = nights.run(1, HUB, args=("--dry-run",), env=nights.env(token=""))
    assert nights.github.writes() == before, err
    assert report["state"]["previous_run_at"] == "2026-03-01T04:17:00Z"
