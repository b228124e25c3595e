"""The github-issue state backend: the dashboard issue, read before the checks, written once after.

Found by its marker among the issues carrying the dashboard label (``<first label>-status``);
the oldest open one speaks, copies are closed as duplicates. Writing is compare-before-write:
the body is read again just before the PATCH, and if another run changed it meanwhile, this
run's results are replayed onto that run's state first (the workflow's concurrency group keeps
this rare). A create whose answer was lost is found again by re-listing; two runs that both
created one leave the oldest, the other is closed and its state written into the oldest.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from checker.errors import SyncError
from checker.memory.state import State, StateError
from checker.outputs.dashboard import TITLE, decode_state, is_dashboard, shown
from checker.outputs.issues.github_issues import AmbiguousWrite, IssueStore

LABEL_COLOUR = "0e8a16"
LABEL_DESCRIPTION = "The status dashboard of documented infrastructure facts (infra-checker)"
DUPLICATE = "A newer copy of the status dashboard #{keep}; closing this one."


@dataclass
class Dashboard:
    store: IssueStore
    read_only: bool = False  # a dry run: find and read, never write (not even to heal)
    number: int | None = None
    body: str = ""
    is_open: bool = True

    def load(self) -> tuple[State, str | None]:
        """The remembered state, and a warning when the dashboard holds none that is usable."""
        self._find()
        if self.number is None:
            return State(), None
        try:
            return decode_state(self.body), None
        except StateError as exc:
            return State(), (
                f"dashboard issue #{self.number} in {self.store.repository}: {exc}; "
                "starting with no history (the next write replaces it)"
            )

    def _find(self) -> None:
        found = [
            i
            for i in self.store.list_labelled()
            if is_dashboard(i.get("body") if isinstance(i.get("body"), str) else None)
            and isinstance(i.get("number"), int)
        ]
        open_ = sorted((i for i in found if i.get("state") == "open"), key=lambda i: i["number"])
        for extra in [] if self.read_only else open_[1:]:
            self.store.comment(extra["number"], DUPLICATE.format(keep=open_[0]["number"]))
            self.store.edit_issue(extra["number"], state="closed", state_reason="not_planned")
        chosen: dict[str, Any] | None = open_[0] if open_ else None
        if chosen is None and found:
            chosen = max(found, key=lambda i: i["number"])
        if chosen is not None:
            self.number = int(chosen["number"])
            self.body = str(chosen.get("body") or "")
            self.is_open = chosen.get("state") == "open"

    def save(
        self,
        rebuild: Callable[[State], str],
        body: str,
        *,
        keep_run_time: bool,
    ) -> bool:
        """Write ``body`` in one call; returns whether anything was written.

        Nothing is written when nothing shown changed (unless the run time itself must be kept,
        for missed-run detection). ``rebuild`` renders this run onto another run's state.
        """
        if self.number is None:
            return self._create(rebuild, body)
        if self.is_open and shown(self.body) == shown(body) and not keep_run_time:
            return False
        current = self.store.read_issue(self.number)
        current_body = str(current.get("body") or "")
        if current_body != self.body and is_dashboard(current_body):
            # Another run wrote meanwhile: replay this run onto its state.
            with suppress(StateError):
                body = rebuild(decode_state(current_body))
        changes: dict[str, Any] = {"body": body}
        if not self.is_open or current.get("state") != "open":
            changes["state"] = "open"
        self.store.edit_issue(self.number, **changes)
        self.body = body
        return True

    def _create(self, rebuild: Callable[[State], str], body: str) -> bool:
        labels = [self.store.label]
        if not self.store.label_exists():
            self.store.create_label(LABEL_COLOUR, LABEL_DESCRIPTION)
        with suppress(AmbiguousWrite):  # it may exist now: the listing below tells
            self.store.create_issue(TITLE, body, labels)
        self._find()  # closes any copy a concurrent run created, keeping the oldest
        if self.number is None:
            raise SyncError("status dashboard: GitHub failed to create it", transient=True)
        if self.body != body:
            # The oldest is another run's: write this run into it.
            return self.save(rebuild, rebuild(_state_or_empty(self.body)), keep_run_time=True)
        return True


def _state_or_empty(body: str) -> State:
    try:
        return decode_state(body)
    except StateError:
        return State()
