"""The lifecycle rules as pure data: no GitHub needed to know what should happen."""

from __future__ import annotations

from datetime import datetime, timezone

from checker.engine.model import Result, Status
from checker.outputs.issues.plan import ExistingIssue, Kind, plan
from checker.outputs.issues.render import Marker, RunInfo, fingerprint
from checker.outputs.issues.summary import terminal

RUN = RunInfo(datetime(2026, 11, 25, 22, 0, tzinfo=timezone.utc))


def result(ident: str, status: Status, message: str = "observed false") -> Result:
    return Result(
        id=ident,
        type="github.repository",
        status=status,
        message=message,
        description=f"fact {ident}",
        observed={"exists": status is Status.OK},
    )


def issue(ident: str, state: str = "open", number: int = 1, fp: str = "0" * 16) -> ExistingIssue:
    return ExistingIssue(number, state, f"title {ident}", Marker(ident, fp, "2026-01-01T00:00:00Z"))


def kinds(
    results: list[Result], existing: list[ExistingIssue], **kw: object
) -> list[tuple[str, str]]:
    ids = kw.pop("ids", [r.id for r in results])
    p = plan(results, existing, configured_ids=ids, run=RUN, **kw)  # type: ignore[arg-type]
    return [(a.kind.value, a.check_id) for a in p.actions]


def test_drift_without_issue_creates_with_title_from_description() -> None:
    p = plan([result("a", Status.DRIFT)], [], configured_ids=["a"], run=RUN)
    [action] = p.actions
    assert action.kind is Kind.CREATE and action.title == "Drift: fact a"
    assert action.body is not None and "check-id=a " in action.body


def test_drift_with_closed_issue_reopens() -> None:
    assert kinds([result("a", Status.DRIFT)], [issue("a", "closed")]) == [("reopen", "a")]


def test_persistent_drift_updates_only_on_change() -> None:
    drift = result("a", Status.DRIFT)
    assert kinds([drift], [issue("a", fp=fingerprint(drift))]) == []
    assert kinds([drift], [issue("a")]) == [("update", "a")]


def test_a_stale_fact_ageing_by_a_day_is_not_news_but_a_new_push_is() -> None:
    def stale(days: float, pushed: str) -> Result:
        return Result(
            id="hub-image",
            type="dockerhub.repository",
            status=Status.DRIFT,
            message=f"expected days_since_update to be at most 90, observed {days}",
            expected={"exists": {"equals": True}, "days_since_update": {"at_most": 90}},
            observed={"exists": True, "days_since_update": days, "last_updated": pushed},
        )

    tonight = stale(120.0, "2026-07-29T04:00:00Z")
    last_night = issue("hub-image", fp=fingerprint(stale(119.0, "2026-07-29T04:00:00Z")))
    assert kinds([tonight], [last_night]) == []
    pushed_again = stale(95.0, "2026-08-22T04:00:00Z")  # pushed, but still too long ago
    assert kinds([pushed_again], [last_night]) == [("update", "hub-image")]


def test_ok_closes_open_issue_as_completed() -> None:
    p = plan([result("a", Status.OK)], [issue("a")], configured_ids=["a"], run=RUN)
    [action] = p.actions
    assert action.kind is Kind.CLOSE and action.state_reason == "completed"
    assert kinds([result("a", Status.OK)], [issue("a", "closed")]) == []


def test_error_and_unverifiable_touch_nothing() -> None:
    for status in (Status.ERROR, Status.UNVERIFIABLE):
        assert kinds([result("a", status)], [issue("a")]) == []
        assert kinds([result("a", status)], []) == []


def test_removed_check_is_closed_unless_the_run_was_partial() -> None:
    existing = [issue("gone"), issue("gone-closed", "closed", 2)]
    assert kinds([], existing, ids=["a"]) == [("close-removed", "gone")]
    assert kinds([], existing, ids=["a"], partial=True) == []


def test_cap_on_new_issues_defers_the_rest() -> None:
    drifts = [result(f"c{n}", Status.DRIFT) for n in range(4)]
    p = plan(
        drifts, [issue("c3", "closed")], configured_ids=[r.id for r in drifts], run=RUN, max_new=2
    )
    assert [a.kind for a in p.actions] == [Kind.CREATE, Kind.CREATE, Kind.REOPEN]
    assert p.deferred == ("c2",)
    assert "1 more drifting checks get no new issue this run (cap of 2" in terminal("o/r", p, None)


def test_duplicates_keep_the_oldest_open_issue() -> None:
    existing = [issue("a", number=7), issue("a", number=3), issue("a", "closed", 1)]
    p = plan([result("a", Status.OK)], existing, configured_ids=["a"], run=RUN)
    assert [(a.kind, a.number) for a in p.actions] == [(Kind.CLOSE_DUPLICATE, 7), (Kind.CLOSE, 3)]
