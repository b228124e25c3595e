"""The issue lifecycle as pure data: what to do, decided before anything is written.

``plan(results, existing, ...)`` looks at this run's verdicts and the managed issues that exist
and returns the actions; it does no I/O, so every rule below is a unit test:

- ``drift`` and no issue: create one (at most ``max_new`` per run; the rest wait for the next
  run and are counted in the report);
- ``drift`` and a closed issue: reopen it, with a comment; but an issue a person closed as
  *not planned* stays closed while the observation is the one they saw, and is reopened (saying
  why) only when what is observed changes again;
- ``drift`` and an open issue: update the tool's region of the body and comment only when what
  was observed changed (the fingerprint in the marker differs); identical results plan nothing;
- ``ok`` and an open issue: comment what was seen and close it as completed;
- ``error``/``unverifiable``: nothing (a flaky network must neither open nor close an issue);
- an open issue whose check is no longer configured: close it as not planned, unless the run
  was partial (``--only``), where absence from the results means nothing.
An issue found by its marker without our label (a person removed it, or GitHub dropped it) is
re-labelled first. Two issues with the same marker (someone copied one, or two runs overlapped)
are healed: the oldest one stays and the others are closed as duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from checker.engine.model import Result, Status
from checker.outputs.issues.kinds import IssueState, Kind, StateReason
from checker.outputs.issues.region import (
    NO_OBSERVATION,
    compose,
    keyed,
    tool_region,
    with_marker,
)
from checker.outputs.issues.render import (
    Marker,
    RunInfo,
    body_for,
    comment_for,
    duplicate_comment,
    fingerprint,
    observed_in,
    stamp,
    title_for,
)

__all__ = ["Action", "ExistingIssue", "Kind", "Plan", "plan"]

NOT_PLANNED_NOTE = (
    "This issue was closed as not planned. It is reopened because what is observed has changed "
    "since; close it as not planned again to leave it closed until the next change."
)


@dataclass(frozen=True)
class ExistingIssue:
    number: int
    state: IssueState
    title: str
    marker: Marker
    body: str = ""
    state_reason: StateReason | None = None
    locked: bool = False
    labelled: bool = True  # carries our identifying label
    labels: tuple[str, ...] = ()  # every label it carries (a re-label keeps the others)
    comments: int = 0

    @property
    def is_open(self) -> bool:
        return self.state is IssueState.OPEN


@dataclass(frozen=True)
class Action:
    kind: Kind
    check_id: str
    title: str
    number: int | None = None  # None only for CREATE
    body: str | None = None  # new body (CREATE, UPDATE, REOPEN, CLOSE_REMOVED)
    comment: str | None = None  # starts with its hidden key (see :mod:`region`)
    state_reason: StateReason | None = None  # when closing
    locked: bool = False  # a locked issue takes no comment from us
    comments: int = 0  # comments on the issue when it was listed
    labels: tuple[str, ...] = ()  # RELABEL: the labels the issue keeps


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    deferred: tuple[str, ...] = ()  # drifting checks over the cap: no issue this run
    max_new: int = 0
    notes: tuple[str, ...] = ()  # things a person should know about how the plan was made

    @property
    def creates(self) -> tuple[str, ...]:
        """Checks that would get a new issue (or would, but for the cap)."""
        return (*(a.check_id for a in self.actions if a.kind is Kind.CREATE), *self.deferred)


def _canonical(issues: Sequence[ExistingIssue]) -> tuple[ExistingIssue, list[ExistingIssue]]:
    """The issue that speaks for a check (the oldest open one, else the oldest), and open
    duplicates to close. Oldest, because duplicates are always the later copies."""
    open_ = sorted((i for i in issues if i.is_open), key=lambda i: i.number)
    if open_:
        return open_[0], open_[1:]
    return min(issues, key=lambda i: i.number), []


def _on(
    issue: ExistingIssue,
    kind: Kind,
    check_id: str,
    *,
    body: str | None = None,
    comment: str | None = None,
    state_reason: StateReason | None = None,
    labels: tuple[str, ...] = (),
) -> Action:
    """An action on an existing issue, carrying what applying it needs to know of the issue."""
    return Action(
        kind,
        check_id,
        issue.title,
        issue.number,
        body=body,
        comment=comment,
        state_reason=state_reason,
        locked=issue.locked,
        comments=issue.comments,
        labels=labels,
    )


def _for_drift(result: Result, issue: ExistingIssue | None, run: RunInfo) -> Action | None:
    fp = fingerprint(result)
    if issue is None:
        marker = Marker(result.id, fp, stamp(run.started_at))
        body = compose(body_for(result, marker, run), None)
        return Action(Kind.CREATE, result.id, title_for(result), body=body)
    garbled = not issue.marker.fingerprint  # a person edited the marker: what it saw is lost
    declined = not issue.is_open and issue.state_reason is StateReason.NOT_PLANNED
    if (issue.marker.fingerprint == fp and (issue.is_open or declined)) or (garbled and declined):
        return None  # nothing new; or a person decided, about this observation
    # Closed: a new episode of drift starts now. Open: the same episode, seen differently.
    kind = Kind.UPDATE if issue.is_open else Kind.REOPEN
    first_seen = (issue.is_open and issue.marker.first_seen) or stamp(run.started_at)
    body = compose(body_for(result, Marker(result.id, fp, first_seen), run), issue.body)
    # An update says what moved since the body was written; a reopen starts afresh.
    previous = observed_in(tool_region(issue.body)) if kind is Kind.UPDATE else None
    text = comment_for(kind, result, run, result.id, previous)
    if declined:
        text = f"{NOT_PLANNED_NOTE}\n\n{text}"
    # A garbled marker is repaired without a comment: nothing is known to have changed.
    comment = None if garbled and issue.is_open else keyed(kind, result.id, fp, text)
    return _on(issue, kind, result.id, body=body, comment=comment)


def _for_result(result: Result, issue: ExistingIssue | None, run: RunInfo) -> Action | None:
    if result.status is Status.DRIFT:
        return _for_drift(result, issue, run)
    if result.status is Status.OK and issue is not None and issue.is_open:
        text = comment_for(Kind.CLOSE, result, run, result.id)
        return _on(
            issue,
            Kind.CLOSE,
            result.id,
            comment=keyed(Kind.CLOSE, result.id, fingerprint(result), text),
            state_reason=StateReason.COMPLETED,
        )
    return None


def _housekeeping(check_id: str, issues: Sequence[ExistingIssue]) -> list[Action]:
    """Put the label back on the issue that speaks for the check; close its duplicates."""
    keep, duplicates = _canonical(issues)
    actions = []
    if not keep.labelled:
        actions.append(_on(keep, Kind.RELABEL, check_id, labels=keep.labels))
    return actions + [duplicate_of(dup, keep.number) for dup in duplicates]


def duplicate_of(dup: ExistingIssue, canonical: int) -> Action:
    text = duplicate_comment(canonical)
    comment = keyed(Kind.CLOSE_DUPLICATE, dup.marker.check_id, str(canonical), text)
    return _on(
        dup,
        Kind.CLOSE_DUPLICATE,
        dup.marker.check_id,
        comment=comment,
        state_reason=StateReason.NOT_PLANNED,
    )


def plan(
    results: Iterable[Result],
    existing: Iterable[ExistingIssue],
    *,
    configured_ids: Iterable[str],
    run: RunInfo,
    partial: bool = False,
    max_new: int = 10,
) -> Plan:
    by_check: dict[str, list[ExistingIssue]] = {}
    for issue in existing:
        by_check.setdefault(issue.marker.check_id, []).append(issue)
    canonical: dict[str, ExistingIssue] = {}
    actions: list[Action] = []
    for check_id, issues in by_check.items():
        canonical[check_id] = _canonical(issues)[0]
        actions += _housekeeping(check_id, issues)
    deferred: list[str] = []
    created = 0
    for result in results:
        action = _for_result(result, canonical.get(result.id), run)
        if action is None:
            continue
        if action.kind is Kind.CREATE:
            if created >= max_new:
                deferred.append(result.id)
                continue
            created += 1
        actions.append(action)
    if not partial:
        configured = set(configured_ids)
        actions += [
            _removed(check_id, issue, run)
            for check_id, issue in sorted(canonical.items())
            if issue.is_open and check_id not in configured
        ]
    return Plan(tuple(actions), tuple(deferred), max_new)


def _removed(check_id: str, issue: ExistingIssue, run: RunInfo) -> Action:
    # The marker forgets the observation: if the check comes back, whatever it sees is news
    # (this close is the tool's, not a person's "not planned").
    retired = Marker(check_id, NO_OBSERVATION, issue.marker.first_seen)
    text = comment_for(Kind.CLOSE_REMOVED, None, run, check_id)
    return _on(
        issue,
        Kind.CLOSE_REMOVED,
        check_id,
        body=with_marker(issue.body, retired) if issue.body else None,
        comment=keyed(Kind.CLOSE_REMOVED, check_id, "removed", text),
        state_reason=StateReason.NOT_PLANNED,
    )
