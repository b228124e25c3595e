"""Carry out a plan, one action at a time, each on its own, so that a crash at any point is
healed by a rerun and one refused action does not cost the others theirs.

Order within an action is chosen for crash safety: a reopen or update rewrites the body (with
the new fingerprint) *before* commenting, so a run killed in between leaves a state the next run
sees as done; a close comments first (an issue never sits closed without its explanation), and
every comment is posted only if the issue's last comment is not already the same step (its
hidden key), so a run killed between its comment and its close does not repeat itself.

A locked issue takes its edit and its close (PATCH works on locked issues) and skips the
comment, with a warning. A create whose answer was lost (5xx, dropped connection) may have
created the issue: we list again and only retry the POST if our marker is not there. Just
before creating, the labelled issues are listed again (a run that overlaps ours may have filed
the same issue meanwhile), and right after, once more: a duplicate that still slipped through
is closed at once, the later issue in favour of the earlier, whichever run notices first.

A failure every later call would repeat (the repository, the token, the rate-limit budget)
stops the sync: the actions not tried are reported as such, and the next run picks them up.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from checker.errors import SyncError
from checker.outputs.issues.github_issues import (
    AmbiguousWrite,
    IssueDeleted,
    IssueLocked,
    IssueStore,
)
from checker.outputs.issues.kinds import IssueState, Kind, StateReason
from checker.outputs.issues.plan import Action, ExistingIssue, Plan, duplicate_of
from checker.outputs.issues.region import key_of

CREATE_ATTEMPTS = 3


class Status(str, enum.Enum):
    DONE = "done"
    FAILED = "FAILED"
    SKIPPED = "skipped"  # not tried, or found unnecessary when its turn came


@dataclass(frozen=True)
class Outcome:
    action: Action
    number: int | None
    status: Status = Status.DONE
    error: SyncError | None = None  # why it failed, or (skipped) what kept it from running
    warnings: tuple[str, ...] = ()
    note: str | None = None  # why it was found unnecessary


@dataclass(frozen=True)
class LabelSpec:
    names: tuple[str, ...]  # the first one identifies managed issues
    colour: str
    description: str


@dataclass
class _Applier:
    store: IssueStore
    label: LabelSpec
    outcomes: list[Outcome] = field(default_factory=list)
    stopped: SyncError | None = None

    # --- one action ----------------------------------------------------------------------------
    def _comment(self, action: Action, number: int, warnings: list[str]) -> None:
        """Post the action's comment unless it is already the issue's last one, or the issue
        is locked (then a warning says the comment was skipped)."""
        if action.comment is None:
            return
        locked = (
            f"issue #{number} is locked, so its {action.kind.value} comment was skipped "
            "(the rest of the step was done); unlock it to let infra-checker comment again"
        )
        if action.locked:
            warnings.append(locked)
            return
        key = key_of(action.comment)
        if key is not None and key_of(self.store.last_comment(number, action.comments)) == key:
            return  # said already, by a run that did not get to finish
        try:
            self.store.comment(number, action.comment)
        except IssueLocked:  # locked after it was listed
            warnings.append(locked)

    def _relabel(self, action: Action, number: int) -> None:
        names = list(dict.fromkeys([*action.labels, *self.label.names]))
        data = self.store.edit_issue(number, labels=names)
        if not self.store.has_label(data):
            raise self._dropped(number)

    def _dropped(self, number: int) -> SyncError:
        return SyncError(
            f"issue sync: GitHub dropped the label {self.label.names[0]!r} from issue #{number} "
            f"in {self.store.repository}: the token may write issues but not label them (GitHub "
            "silently drops labels set without push or triage access). The issue is still found "
            "by its marker, so it is not filed again; give the token triage access (in a "
            "workflow, `permissions: issues: write`) so that it can be labelled"
        )

    def _one(self, action: Action) -> Outcome:
        number = action.number
        assert number is not None
        warnings: list[str] = []
        if action.kind is Kind.RELABEL:
            self._relabel(action, number)
        elif action.kind in (Kind.REOPEN, Kind.UPDATE):
            assert action.body is not None
            changes: dict[str, object] = {"body": action.body}
            if action.kind is Kind.REOPEN:
                changes.update(state=IssueState.OPEN, state_reason=StateReason.REOPENED)
            self.store.edit_issue(number, **changes)
            self._comment(action, number, warnings)
        else:  # a close: an issue deleted meanwhile is closed enough
            changes = {"state": IssueState.CLOSED, "state_reason": action.state_reason}
            if action.body is not None:
                changes["body"] = action.body
            try:
                self._comment(action, number, warnings)
                self.store.edit_issue(number, **changes)
            except IssueDeleted:
                return Outcome(action, number, warnings=(f"issue #{number} was deleted",))
        return Outcome(action, number, warnings=tuple(warnings))

    def run(self, action: Action) -> None:
        if self.stopped is not None:  # not tried: the reason is the stop's
            self.outcomes.append(Outcome(action, action.number, Status.SKIPPED, self.stopped))
            return
        try:
            self.outcomes.append(self._one(action))
        except AmbiguousWrite as exc:  # a comment whose answer was lost: the next run looks
            error = SyncError(
                f"issue sync: GitHub's answer to a comment on issue #{action.number} was lost "
                f"({exc.failure.message}); the next run checks whether it landed",
                transient=True,
            )
            self.outcomes.append(Outcome(action, action.number, Status.FAILED, error))
        except SyncError as exc:
            self.outcomes.append(Outcome(action, action.number, Status.FAILED, exc))
            if exc.stops_sync:
                self.stopped = exc

    # --- creating --------------------------------------------------------------------------------
    def _create(self, action: Action) -> Outcome:
        assert action.body is not None
        labels = self.label.names
        for _ in range(CREATE_ATTEMPTS):
            try:
                data = self.store.create_issue(action.title, action.body, labels)
            except AmbiguousWrite:
                # The POST may have landed: look before trying again, or we file a duplicate.
                # By marker, not label: GitHub may have dropped the label (newest first, so
                # our issue, if it is there, is on the first page).
                found, _ = self.store.find_by_marker([action.check_id])
                mine = _open_for(found, action.check_id)
                if mine:
                    return Outcome(action, mine[-1].number)
                continue
            number = int(data["number"])
            # Dropped by GitHub? Once more, explicitly (a token may be allowed to now).
            if not self.store.has_label(data) and not self.store.has_label(
                self.store.edit_issue(number, labels=list(labels))
            ):
                return Outcome(action, number, Status.FAILED, self._dropped(number))
            return Outcome(action, number)
        raise SyncError(
            f"issue sync: GitHub kept failing to create the issue for check {action.check_id!r}",
            transient=True,
        )

    def creates(self, creates: Sequence[Action]) -> None:
        if not creates:
            return
        if self.stopped is not None:
            for action in creates:
                self.run(action)  # reported as not tried
            return
        try:
            if not self.store.label_exists():
                self.store.create_label(self.label.colour, self.label.description)
            # Another run (a local --open-issues next to the nightly one) may have filed some.
            fresh = self.store.list_managed()
        except SyncError as exc:
            self.stopped = self.stopped or exc
            fresh = []
        created: list[int] = []
        for action in creates:
            theirs = _open_for(fresh, action.check_id)
            if theirs and self.stopped is None:
                note = f"filed meanwhile as #{theirs[0].number}, by another run"
                self.outcomes.append(Outcome(action, theirs[0].number, Status.SKIPPED, note=note))
                continue
            if self.stopped is not None:
                self.run(action)  # reported as not tried
                continue
            try:
                outcome = self._create(action)
            except SyncError as exc:
                outcome = Outcome(action, None, Status.FAILED, exc)
                if exc.stops_sync:
                    self.stopped = exc
            self.outcomes.append(outcome)
            if outcome.number is not None:
                created.append(outcome.number)
        if created and self.stopped is None:
            self._close_overlaps(set(created))

    def _close_overlaps(self, created: set[int]) -> None:
        """Two runs that planned the same create both filed it: keep the earlier issue."""
        try:
            listed = self.store.list_managed()
        except SyncError as exc:
            self.stopped = exc
            return
        for number in sorted(created):
            issue = next((i for i in listed if i.number == number), None)
            if issue is None:
                continue
            earlier = [i for i in _open_for(listed, issue.marker.check_id) if i.number < number]
            if earlier:
                self.run(duplicate_of(issue, earlier[0].number))


def _open_for(issues: Sequence[ExistingIssue], check_id: str) -> list[ExistingIssue]:
    return sorted(
        (i for i in issues if i.marker.check_id == check_id and i.is_open),
        key=lambda i: i.number,
    )


def apply_plan(store: IssueStore, plan: Plan, label: LabelSpec) -> list[Outcome]:
    """Apply every action it can; each outcome says what became of its action."""
    applier = _Applier(store, label)
    for action in plan.actions:
        if action.kind is not Kind.CREATE:
            applier.run(action)
    applier.creates([a for a in plan.actions if a.kind is Kind.CREATE])
    return applier.outcomes


def failures(outcomes: Sequence[Outcome]) -> list[SyncError]:
    """Each distinct failure once (a stop is reported on every action it kept from running)."""
    seen: list[SyncError] = []
    for outcome in outcomes:
        if outcome.error is not None and all(outcome.error is not e for e in seen):
            seen.append(outcome.error)
    return seen
