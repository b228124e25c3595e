""" "Cannot verify" issues: one per fact nobody could look at for ``unverified_after`` days.

``error`` and ``unverifiable`` rightly never open drift issues, so a fact unseen for weeks
would raise nothing. Such a fact gets an issue of its own (title "Cannot verify: ...", label
``<first label>-unverified``, identified by its own hidden marker), saying since when, the
latest reason and what would make it verifiable. It is closed by the first run that sees the
fact (``ok`` or ``drift``; a drift then has its drift issue), when the check is waived (a
waiver is one of the answers it suggests), or when the check is removed. A create whose answer
was lost is found by re-listing, copies are closed: never two open.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from checker.engine.model import Result, Status
from checker.errors import SyncError
from checker.memory.history import VERIFIED, RunMemory, needs_unverified_issue, unverified_since
from checker.memory.state import CheckMemory, stamp
from checker.outputs.escape import clipped_span, strip_controls
from checker.outputs.issues.github_issues import AmbiguousWrite, IssueStore
from checker.outputs.issues.render import TITLE_LIMIT, RunInfo
from checker.outputs.markdown import plural

SUFFIX = "-unverified"
LABEL_COLOUR = "fbca04"
LABEL_DESCRIPTION = "A documented fact nobody could verify for days (infra-checker)"
MARKER = re.compile(r"<!-- infra-checker:unverified check-id=([a-z0-9]+(?:-[a-z0-9]+)*) -->")
CREATE_ATTEMPTS = 3
SHOWN = 8_000  # characters of outside text per part: the body stays far below GitHub's limit


@dataclass(frozen=True)
class Tracked:
    number: int
    check_id: str
    is_open: bool


def marker(check_id: str) -> str:
    return f"<!-- infra-checker:unverified check-id={check_id} -->"


def title_for(description: str) -> str:
    title = f"Cannot verify: {' '.join(strip_controls(description).split())}"
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1] + "…"


def body_for(result: Result, memory: CheckMemory, run: RunInfo, days: int) -> str:
    since = unverified_since(memory)
    last = (
        f"last verified {stamp(memory.last_verified_at)}"
        if memory.last_verified_at
        else "never verified since its first run"
    )
    recent = memory.recent[-5:]
    reasons = [f"- {s.status.value} at {stamp(s.at)}" for s in recent if s.status not in VERIFIED]
    hint = (
        "give the check the credentials it needs, or point it at a source that is not redacted"
        if result.status is Status.UNVERIFIABLE
        else "find out why the service could not answer (down, rate limited, moved)"
    )
    return "\n".join(
        [
            marker(result.id),
            f"**Documented fact:** {clipped_span(result.description, SHOWN)}",
            "",
            f"**Check:** `{result.id}` (`{result.type}`): nobody could verify this fact for "
            f"{plural(days, 'day')} or more: only `error` or `unverifiable` since "
            f"{stamp(since) if since else '-'} ({last}). **Run:** {run.link}",
            "",
            "### The latest reason",
            "",
            f"`{result.status.value}`: {clipped_span(result.message, SHOWN)}",
            "",
            "Recent runs:",
            "",
            *reasons,
            "",
            "### What would make it verifiable",
            "",
            f"- {hint};",
            "- or, if the deviation is known and accepted for now, give the check a "
            '`waive = { until = "YYYY-MM-DD", reason = "..." }` in `checks.toml`.',
            "",
            "<sub>Opened by infra-checker; closed by the first run that sees the fact. "
            "The hidden first line identifies this issue.</sub>",
            "",
        ]
    )


def _tracked(item: Mapping[str, Any]) -> Tracked | None:
    body = item.get("body")
    match = MARKER.search(body) if isinstance(body, str) else None
    number = item.get("number")
    if match is None or not isinstance(number, int):
        return None
    return Tracked(number, match[1], item.get("state") == "open")


def _listing(store: IssueStore) -> dict[str, list[Tracked]]:
    by_check: dict[str, list[Tracked]] = {}
    for item in store.list_labelled():
        tracked = _tracked(item)
        if tracked is not None:
            by_check.setdefault(tracked.check_id, []).append(tracked)
    return by_check


def sync_unverified(
    store: IssueStore,
    memory: RunMemory,
    results: Sequence[Result],
    *,
    configured: Sequence[str],
    days: int,
    run: RunInfo,
    partial: bool,
) -> dict[str, int]:
    """Open, reopen and close the cannot-verify issues; the open ones' numbers by check."""
    by_check = _listing(store)
    numbers: dict[str, int] = {}
    now: datetime = memory.now
    for check_id, issues in by_check.items():
        open_ = sorted((t for t in issues if t.is_open), key=lambda t: t.number)
        for extra in open_[1:]:
            _close_duplicate(store, extra.number, open_[0].number)
        if open_:
            numbers[check_id] = open_[0].number
    for result in results:
        check = memory.state.checks.get(result.id)
        issues = by_check.get(result.id, [])
        number = numbers.get(result.id)
        if check is not None and needs_unverified_issue(check, now, days) and not result.waived:
            if number is None:
                body = body_for(result, check, run, days)
                closed = max((t.number for t in issues), default=None)
                if closed is not None:
                    store.edit_issue(closed, state="open", body=body)
                    number = closed
                else:
                    number = _create(store, result, body)
                numbers[result.id] = number
        elif number is not None and (result.status in VERIFIED or result.waived):
            _close(store, number, result, run, now)
            del numbers[result.id]
    if not partial:
        for check_id in sorted(set(numbers) - set(configured)):
            store.comment(
                numbers[check_id], f"Check `{check_id}` is no longer in checks.toml. Closing."
            )
            store.edit_issue(numbers.pop(check_id), state="closed", state_reason="not_planned")
    return numbers


def _create(store: IssueStore, result: Result, body: str) -> int:
    if not store.label_exists():
        store.create_label(LABEL_COLOUR, LABEL_DESCRIPTION)
    for _ in range(CREATE_ATTEMPTS):
        with suppress(AmbiguousWrite):  # it may have been created: the listing tells
            store.create_issue(title_for(result.description), body, [store.label])
        # Listing again also catches a concurrent run's copy: the oldest stays, others close.
        open_ = sorted(t.number for t in _listing(store).get(result.id, []) if t.is_open)
        for extra in open_[1:]:
            _close_duplicate(store, extra, open_[0])
        if open_:
            return open_[0]
    raise SyncError(
        f"cannot-verify issue for {result.id!r}: GitHub kept failing to create it",
        transient=True,
    )


def _close(store: IssueStore, number: int, result: Result, run: RunInfo, now: datetime) -> None:
    if result.status in VERIFIED:
        seen = f"The fact was seen again at {stamp(now)} in {run.link} (`{result.status.value}`)."
        store.comment(number, f"{seen} Closing.")
        store.edit_issue(number, state="closed", state_reason="completed")
        return
    reason = clipped_span(result.waiver.reason, SHOWN) if result.waiver else ""
    store.comment(number, f"The check is waived ({reason}) as of {run.link}. Closing.")
    store.edit_issue(number, state="closed", state_reason="not_planned")


def _close_duplicate(store: IssueStore, number: int, keep: int) -> None:
    store.comment(number, f"Duplicate of #{keep}. Closing this one.")
    store.edit_issue(number, state="closed", state_reason="not_planned")
