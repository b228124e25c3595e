"""Drift issues on hold: a waived drift and a flapping check get one comment, no churn.

A waived drift opens no issue; an open one stays open and is told once, waived until when
and why. A flapping check's issue is neither closed nor reopened while it flaps; it is told
once. "Once" is kept in the issue itself (a hidden marker in our comment), so it holds
whatever happened to the run memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from checker.engine.model import Result, Status
from checker.engine.runner import RunReport
from checker.memory.history import RunMemory
from checker.outputs.escape import code_span
from checker.outputs.issues.github_issues import IssueStore
from checker.outputs.issues.render import RunInfo


def holds(results: Sequence[Result], memory: RunMemory | None) -> dict[str, str]:
    """Check id -> the hidden key of its hold; waived drifts and flapping checks."""
    flapping = set(memory.flapping()) if memory is not None else set()
    held: dict[str, str] = {}
    for result in results:
        if result.id in flapping:
            held[result.id] = "flapping"
        elif result.status is Status.DRIFT and result.waived and result.waiver is not None:
            held[result.id] = f"waived-until-{result.waiver.until.isoformat()}"
    return held


def without_held(report: RunReport, held: Mapping[str, str]) -> RunReport:
    """The report the drift-issue sync sees: held checks leave their issues as they are."""
    return replace(report, results=tuple(r for r in report.results if r.id not in held))


def _comment(result: Result, key: str, run: RunInfo) -> str:
    hidden = f"<!-- infra-checker:hold={key} -->"
    if key == "flapping":
        text = (
            f"This check is **flapping** (its verdict changed at least 4 times in its last 10 "
            f"runs, latest {run.link}): this issue stays as it is, neither closed nor reopened, "
            "until the verdict settles."
        )
    else:
        assert result.waiver is not None
        text = (
            f"This drift is **waived until {result.waiver.until.isoformat()}** "
            f"({code_span(result.waiver.reason)}): the issue stays open, and the checker "
            "treats the check normally again from the day after."
        )
    return f"{hidden}\n{text}"


def tell_held(
    store: IssueStore,
    results: Sequence[Result],
    held: Mapping[str, str],
    run: RunInfo,
) -> dict[str, int]:
    """Comment once on each held check's open issue; returns every check's drift issue."""
    numbers: dict[str, int] = {}
    open_numbers: dict[str, int] = {}
    for issue in sorted(store.list_managed(), key=lambda i: i.number, reverse=True):
        numbers[issue.marker.check_id] = issue.number
        if issue.is_open:
            open_numbers[issue.marker.check_id] = issue.number
    numbers.update(open_numbers)
    by_id = {r.id: r for r in results}
    for check_id, key in sorted(held.items()):
        # A flapping check's issue is told whatever state it is held in; a waived one if open.
        number = (numbers if key == "flapping" else open_numbers).get(check_id)
        if number is None:
            continue
        hidden = f"<!-- infra-checker:hold={key} -->"
        if not any(hidden in body for body in store.list_comments(number)):
            store.comment(number, _comment(by_id[check_id], key, run))
    return numbers
