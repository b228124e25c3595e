"""The rules over remembered runs, as pure functions of the state, the results and the clock.

- a status *streak* counts consecutive runs with the same verdict, this run included;
- a check is *flapping* when its verdict changed at least ``FLAP_CHANGES`` times within its last
  ``FLAP_WINDOW`` runs (Nagios' flap detection, simplified): its drift issue stops churning;
- a fact is *unverified* when its last ``ok`` or ``drift`` (or, never verified, its first run)
  is ``unverified_after`` calendar days old or older, only ``error``/``unverifiable`` since;
- runs were *missed* when the previous run is older than 1.5 x ``expected_every``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

from checker.engine.model import Result, Status
from checker.memory.state import CheckMemory, Seen, State, stamp

FLAP_WINDOW = 10
FLAP_CHANGES = 4
VERIFIED = (Status.OK, Status.DRIFT)
MISSED_FACTOR = 1.5


def changes(recent: Sequence[Seen]) -> int:
    window = [seen.status for seen in recent[-FLAP_WINDOW:]]
    return sum(1 for a, b in itertools.pairwise(window) if a is not b)


def is_flapping(recent: Sequence[Seen]) -> bool:
    return changes(recent) >= FLAP_CHANGES


def remember(
    previous: CheckMemory | None, result: Result, now: datetime, fingerprint: str | None
) -> CheckMemory:
    """One check's memory after this run's ``result``."""
    status = result.status
    if previous is None:
        previous = CheckMemory(first_run_at=now, status_since=now, streak=0)
    same = previous.status is status
    return replace(
        previous,
        status_since=previous.status_since if same else now,
        streak=previous.streak + 1 if same else 1,
        recent=(*previous.recent, Seen(now, status, fingerprint if status in VERIFIED else None)),
        last_ok_at=now if status is Status.OK else previous.last_ok_at,
        last_verified_at=now if status in VERIFIED else previous.last_verified_at,
    )


def advance(
    state: State,
    results: Iterable[Result],
    now: datetime,
    *,
    keep: int,
    configured: Iterable[str],
    fingerprint: Callable[[Result], str],
) -> State:
    """The state after this run: each result remembered, at most ``keep`` runs kept, and the
    checks no longer configured forgotten (a check only skipped by ``--only`` is kept)."""
    checks = {k: v for k, v in state.checks.items() if k in set(configured)}
    for result in results:
        checks[result.id] = remember(checks.get(result.id), result, now, fingerprint(result))
    return keep_runs(State(tuple(sorted({*state.runs, now})), checks), keep)


def keep_runs(state: State, keep: int) -> State:
    """The state with only its latest ``keep`` runs remembered."""
    runs = state.runs[-keep:]
    if not runs:
        return state
    oldest = runs[0]
    checks = {
        ident: replace(memory, recent=tuple(s for s in memory.recent if s.at >= oldest))
        for ident, memory in state.checks.items()
    }
    return State(runs, checks)


def unverified_since(memory: CheckMemory) -> datetime | None:
    """Since when nobody could see the fact, if its latest verdict was not a look at it."""
    if memory.status is None or memory.status in VERIFIED:
        return None
    return memory.last_verified_at or memory.first_run_at


def needs_unverified_issue(memory: CheckMemory, now: datetime, days: int) -> bool:
    """Counted in calendar days (UTC), as the dashboard shows "last verified": a same-day run
    that changed nothing shown is not written, so the stored time is exact only to the day."""
    since = unverified_since(memory)
    return since is not None and (utc_day(now) - utc_day(since)).days >= days


def utc_day(when: datetime) -> date:
    return when.astimezone(timezone.utc).date()


def missed_since(
    previous_run_at: datetime | None, now: datetime, expected_every: timedelta | None
) -> datetime | None:
    """The last run before a gap longer than 1.5 x the expected interval; None without one."""
    if previous_run_at is None or expected_every is None:
        return None
    return previous_run_at if now - previous_run_at > expected_every * MISSED_FACTOR else None


@dataclass(frozen=True)
class History:
    """What the report says about one check's past (``history`` of each result)."""

    status_since: datetime
    streak: int
    last_ok_at: datetime | None
    last_verified_at: datetime | None
    recent: tuple[Seen, ...]
    flapping: bool

    @classmethod
    def of(cls, memory: CheckMemory) -> History:
        return cls(
            memory.status_since,
            memory.streak,
            memory.last_ok_at,
            memory.last_verified_at,
            memory.recent,
            is_flapping(memory.recent),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "status_since": stamp(self.status_since),
            "streak": self.streak,
            "last_ok_at": self.last_ok_at and stamp(self.last_ok_at),
            "last_verified_at": self.last_verified_at and stamp(self.last_verified_at),
            "recent": [{"at": stamp(s.at), "status": s.status.value} for s in self.recent],
            "flapping": self.flapping,
        }


@dataclass(frozen=True)
class RunMemory:
    """This run seen against the remembered ones: what the report and the outputs use."""

    backend: str  # "file", "github-issue" or "none"
    previous: State
    state: State  # after this run
    now: datetime
    previous_run_at: datetime | None
    missed_since: datetime | None
    location: str = ""  # where the state lives, for people (a path, an issue)

    def history(self, check_id: str) -> History | None:
        memory = self.state.checks.get(check_id)
        return History.of(memory) if memory is not None else None

    def flapping(self) -> list[str]:
        return sorted(i for i, m in self.state.checks.items() if is_flapping(m.recent))

    def to_json(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "previous_run_at": self.previous_run_at and stamp(self.previous_run_at),
            "missed_since": self.missed_since and stamp(self.missed_since),
        }

    def with_state(self, state: State) -> RunMemory:
        return replace(self, state=state)


def remember_run(
    backend: str,
    previous: State,
    results: Sequence[Result],
    now: datetime,
    *,
    keep: int,
    configured: Iterable[str],
    fingerprint: Callable[[Result], str],
    expected_every: timedelta | None,
    location: str = "",
) -> RunMemory:
    state = advance(
        previous, results, now, keep=keep, configured=configured, fingerprint=fingerprint
    )
    last = previous.last_run_at
    return RunMemory(
        backend,
        previous,
        state,
        now,
        last,
        missed_since(last, now, expected_every),
        location,
    )


def notes(results: Sequence[Result], memory: RunMemory | None) -> list[str]:
    """Sentences the run summary owes its readers about memory and waivers (plain text)."""
    said: list[str] = []
    if memory is not None and memory.missed_since is not None:
        said.append(
            f"Missed runs: no run between {stamp(memory.missed_since)} and {stamp(memory.now)}."
        )
    flapping = memory.flapping() if memory is not None else []
    ran = {r.id for r in results}
    flapping = [f for f in flapping if f in ran]
    if flapping:
        said.append(
            f"Flapping (verdict changed {FLAP_CHANGES}+ times in the last {FLAP_WINDOW} runs; "
            f"their drift issues are left as they are): {', '.join(flapping)}."
        )
    for r in results:
        if r.waiver is None:
            continue
        until = r.waiver.until.isoformat()
        if r.waived and r.status is Status.DRIFT:
            said.append(f"Waived drift of {r.id} (until {until}): {r.waiver.reason}")
        elif not r.waived:
            said.append(f"The waiver of {r.id} expired on {until}: the check counts again.")
    return said
