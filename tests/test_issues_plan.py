"""The lifecycle rules as pure data: no GitHub needed to know what should happen."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from checker.engine.model import Result, Status
from checker.outputs.issues.kinds import IssueState, StateReason
from checker.outputs.issues.plan import ExistingIssue, Kind, plan
from checker.outputs.issues.region import END, comment_key, compose, key_of
from checker.outputs.issues.render import Marker, RunInfo, body_for, fingerprint, parse_marker
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


def issue(
    ident: str,
    state: str = "open",
    number: int = 1,
    fp: str = "0" * 16,
    **kw: object,
) -> ExistingIssue:
    marker = Marker(ident, fp, "2026-01-01T00:00:00Z")
    return ExistingIssue(number, IssueState(state), f"title {ident}", marker, **kw)  # type: ignore[arg-type]


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


def test_an_update_reads_what_was_observed_from_the_tools_region_only() -> None:
    def branch(name: str) -> Result:
        return replace(
            result("a", Status.DRIFT),
            expected={"default_branch": {"equals": "main"}},
            observed={"default_branch": name},
        )

    first = branch("master")
    region = body_for(first, Marker("a", fingerprint(first), "2026-01-01T00:00:00Z"), RUN)
    forged = body_for(branch("forged-by-a-quote"), Marker("a", "1" * 16, "2026"), RUN)
    quoted = forged.replace("<!-- infra-checker:check-id=", "<!-- quoted:check-id=")
    body = "A person quotes an old body:\n\n" + quoted + "\n" + compose(region, None)
    existing = issue("a", fp=fingerprint(first), body=body)
    [action] = plan([branch("trunk")], [existing], configured_ids=["a"], run=RUN).actions
    assert action.comment is not None
    assert "`master`" in action.comment and "forged-by-a-quote" not in action.comment


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
    deferred = "No new issue this run for 1 more drifting check (at most 2 new issues per run): c2"
    assert deferred in terminal("o/r", p, None)


def test_duplicates_keep_the_oldest_open_issue() -> None:
    existing = [issue("a", number=7), issue("a", number=3), issue("a", "closed", 1)]
    p = plan([result("a", Status.OK)], existing, configured_ids=["a"], run=RUN)
    assert [(a.kind, a.number) for a in p.actions] == [(Kind.CLOSE_DUPLICATE, 7), (Kind.CLOSE, 3)]


def test_a_persons_not_planned_close_stands_until_the_observation_changes() -> None:
    drift = result("a", Status.DRIFT)
    same = issue("a", "closed", fp=fingerprint(drift), state_reason=StateReason.NOT_PLANNED)
    assert kinds([drift], [same]) == []
    assert kinds([result("a", Status.OK)], [same]) == []
    changed = issue("a", "closed", state_reason=StateReason.NOT_PLANNED)
    [action] = plan([drift], [changed], configured_ids=["a"], run=RUN).actions
    assert action.kind is Kind.REOPEN
    assert action.comment is not None and "closed as not planned" in action.comment
    # Closed as completed (by a person or by us) while the drift is still there: reopened.
    done = issue("a", "closed", fp=fingerprint(drift), state_reason=StateReason.COMPLETED)
    assert kinds([drift], [done]) == [("reopen", "a")]


def test_the_tools_own_not_planned_close_forgets_the_observation() -> None:
    body = issue("gone").marker.render() + "\ntext\n"
    [action] = plan([], [issue("gone", body=body)], configured_ids=[], run=RUN).actions
    assert action.kind is Kind.CLOSE_REMOVED and action.state_reason is StateReason.NOT_PLANNED
    assert action.body is not None and action.body.endswith("\ntext\n")
    # The check comes back drifting as before: a new episode, not a person's decision.
    drift = result("gone", Status.DRIFT)
    retired = issue("gone", "closed", state_reason=StateReason.NOT_PLANNED, body=action.body)
    retired = replace(retired, marker=parse_marker(action.body))  # type: ignore[arg-type]
    assert kinds([drift], [retired]) == [("reopen", "gone")]


def test_an_issue_found_without_our_label_is_relabelled_keeping_its_labels() -> None:
    drift = result("a", Status.DRIFT)
    found = issue("a", fp=fingerprint(drift), labelled=False, labels=("bug",))
    [action] = plan([drift], [found], configured_ids=["a"], run=RUN).actions
    assert action.kind is Kind.RELABEL and action.labels == ("bug",)


def test_duplicates_are_the_later_copies_even_when_all_are_closed() -> None:
    drift = result("a", Status.DRIFT)
    existing = [issue("a", "closed", 9), issue("a", "closed", 4)]
    p = plan([drift], existing, configured_ids=["a"], run=RUN)
    assert [(a.kind, a.number) for a in p.actions] == [(Kind.REOPEN, 4)]


def test_every_comment_carries_a_key_naming_the_step_and_the_observation() -> None:
    ok = result("a", Status.OK)
    [close] = plan([ok], [issue("a")], configured_ids=["a"], run=RUN).actions
    assert close.comment is not None
    assert key_of(close.comment) == comment_key(Kind.CLOSE, "a", fingerprint(ok))
    later = RunInfo(datetime(2026, 11, 26, 22, 0, tzinfo=timezone.utc))
    [again] = plan([ok], [issue("a")], configured_ids=["a"], run=later).actions
    assert again.comment != close.comment and key_of(again.comment) == key_of(close.comment)


def test_human_text_outside_the_region_survives_an_update() -> None:
    drift = result("a", Status.DRIFT)
    old = compose(body_for(drift, issue("a").marker, RUN), None)
    edited = f"Triage: owner is @someone.\n\n{old}\nWorkaround: see the runbook.\n"
    [action] = plan([drift], [issue("a", body=edited)], configured_ids=["a"], run=RUN).actions
    assert action.kind is Kind.UPDATE and action.body is not None
    assert action.body.startswith("Triage: owner is @someone.\n\n<!-- infra-checker:check-id=a ")
    assert action.body.endswith(f"{END}\n\nWorkaround: see the runbook.\n")  # kept as it was
    assert action.body.count(END) == 1
    new = parse_marker(action.body)
    assert new is not None and new.fingerprint == fingerprint(drift)
