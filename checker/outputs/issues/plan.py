"""The issue lifecycle as pure data: what to do, decided before anything is written.

``plan(results, existing, ...)`` looks at this run's verdicts and the managed issues that exist
and returns the actions; it does no I/O, so every rule below is a unit test:

- ``drift`` and no issue: create one (at most ``max_new`` per run; the rest wait for the next
  run and are counted in the report);
- ``drift`` and a closed issue: reopen it, with a comment;
- ``drift`` and an open issue: update the body and comment only when what was observed changed
  (the fingerprint in the marker differs); identical results plan nothing at all;
- ``ok`` and an open issue: comment what was seen and close it as completed;
- ``error``/``unverifiable``: nothing (a flaky network must neither open nor close an issue);
- an open issue whose check is no longer configured: close it, unless the run was partial
  (``--only``), where absence from the results means nothing.
Two issues with the same marker (someone copied one) are healed: the oldest open one stays.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from checker.engine.model import Result, Status
from checker.outputs.issues.render import (
    Marker,
    RunInfo,
    body_for,
    comment_for,
    duplicate_comment,
    fingerprint,
    stamp,
    title_for,
)


class Kind(str, enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    REOPEN = "reopen"
    CLOSE = "close"
    CLOSE_REMOVED = "close-removed"
    CLOSE_DUPLICATE = "close-duplicate"


@dataclass(frozen=True)
class ExistingIssue:
    number: int
    state: str  # "open" or "closed"
    title: str
    marker: Marker

    @property
    def is_open(self) -> bool:
        return self.state == "open"


@dataclass(frozen=True)
class Action:
    kind: Kind
    check_id: str
    title: str
    number: int | None = None  # None only for CREATE
    body: str | None = None  # new body (CREATE, UPDATE, REOPEN)
    comment: str | None = None
    state_reason: str | None = None  # when closing


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    deferred: tuple[str, ...] = ()  # drifting checks over the cap: no issue this run
    max_new: int = 0


def _canonical(issues: Sequence[ExistingIssue]) -> tuple[ExistingIssue, list[ExistingIssue]]:
    """The issue that speaks for a check, and open duplicates to close."""
    open_ = sorted((i for i in issues if i.is_open), key=lambda i: i.number)
    if open_:
        return open_[0], open_[1:]
    return max(issues, key=lambda i: i.number), []


def _for_result(result: Result, issue: ExistingIssue | None, run: RunInfo) -> Action | None:
    fp = fingerprint(result)
    if result.status is Status.DRIFT:
        if issue is None:
            marker = Marker(result.id, fp, stamp(run.started_at))
            return Action(
                Kind.CREATE, result.id, title_for(result), body=body_for(result, marker, run)
            )
        if issue.is_open and issue.marker.fingerprint == fp:
            return None
        # Closed: a new episode of drift starts now. Open: the same episode, seen differently.
        kind = Kind.UPDATE if issue.is_open else Kind.REOPEN
        first_seen = issue.marker.first_seen if issue.is_open else stamp(run.started_at)
        return Action(
            kind,
            result.id,
            issue.title,
            issue.number,
            body=body_for(result, Marker(result.id, fp, first_seen), run),
            comment=comment_for(kind.value, result, run, result.id),
        )
    if result.status is Status.OK and issue is not None and issue.is_open:
        return Action(
            Kind.CLOSE,
            result.id,
            issue.title,
            issue.number,
            comment=comment_for("close", result, run, result.id),
            state_reason="completed",
        )
    return None


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
        keep, duplicates = _canonical(issues)
        canonical[check_id] = keep
        actions += [
            Action(
                Kind.CLOSE_DUPLICATE,
                check_id,
                dup.title,
                dup.number,
                comment=duplicate_comment(keep.number),
                state_reason="not_planned",
            )
            for dup in duplicates
        ]
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
            Action(
                Kind.CLOSE_REMOVED,
                check_id,
                issue.title,
                issue.number,
                comment=comment_for("close-removed", None, run, check_id),
                state_reason="not_planned",
            )
            for check_id, issue in sorted(canonical.items())
            if issue.is_open and check_id not in configured
        ]
    return Plan(tuple(actions), tuple(deferred), max_new)
