"""Carry out a plan, one action at a time, so that a crash at any point is healed by a rerun.

Order within an action is chosen for that: a reopen or update rewrites the body (with the new
fingerprint) *before* commenting, so a run killed in between leaves a state the next run sees as
done, not one that makes it act twice. A create that fails with 5xx or a dropped connection may
have created the issue anyway: we list the label again and only retry the POST if our marker is
not there. A fatal problem (issues disabled, no permission, rate limit beyond budget) stops the
sync; what was done so far stays done and the next run picks up the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from checker.errors import SyncError
from checker.outputs.issues.github_issues import AmbiguousWrite, IssueStore
from checker.outputs.issues.plan import Action, Kind, Plan

CREATE_ATTEMPTS = 3


@dataclass(frozen=True)
class Outcome:
    action: Action
    number: int | None
    error: str | None = None


def _create(store: IssueStore, action: Action, labels: Sequence[str]) -> int:
    assert action.body is not None
    for _ in range(CREATE_ATTEMPTS):
        try:
            return store.create_issue(action.title, action.body, list(labels))
        except AmbiguousWrite:
            # The POST may have landed: look before trying again, or we file a duplicate.
            for issue in store.list_managed():
                if issue.marker.check_id == action.check_id and issue.is_open:
                    return issue.number
    raise SyncError(
        f"issue sync: GitHub kept failing to create the issue for check {action.check_id!r}",
        transient=True,
    )


def _apply_one(store: IssueStore, action: Action, labels: Sequence[str]) -> int | None:
    if action.kind is Kind.CREATE:
        return _create(store, action, labels)
    number = action.number
    assert number is not None
    if action.kind in (Kind.REOPEN, Kind.UPDATE):
        assert action.body is not None
        changes: dict[str, str] = {"body": action.body}
        if action.kind is Kind.REOPEN:
            changes["state"] = "open"
        store.edit_issue(number, **changes)
        if action.comment:
            store.comment(number, action.comment)
        return number
    # Closing: say why first, so the issue never sits closed without an explanation.
    if action.comment:
        store.comment(number, action.comment)
    store.edit_issue(number, state="closed", state_reason=action.state_reason or "completed")
    return number


@dataclass(frozen=True)
class LabelSpec:
    names: tuple[str, ...]  # the first one identifies managed issues
    colour: str
    description: str


def apply_plan(
    store: IssueStore, plan: Plan, label: LabelSpec
) -> tuple[list[Outcome], SyncError | None]:
    """Apply every action; stop at the first fatal error and return it with what was done."""
    outcomes: list[Outcome] = []
    labels = label.names
    try:
        # Read only when an issue is to be filed: a steady night spends no call on it.
        if any(a.kind is Kind.CREATE for a in plan.actions) and not store.label_exists():
            store.create_label(label.colour, label.description)
        for action in plan.actions:
            try:
                number = _apply_one(store, action, labels)
            except AmbiguousWrite as exc:
                # A comment whose POST failed ambiguously: not worth risking a duplicate.
                outcomes.append(Outcome(action, action.number, exc.failure.message))
                continue
            except SyncError as exc:
                outcomes.append(Outcome(action, action.number, str(exc)))
                return outcomes, exc
            outcomes.append(Outcome(action, number))
    except SyncError as exc:
        return outcomes, exc
    return outcomes, None
