"""The state kept between runs, and its versioned, compact JSON form.

Per check: the recent verdicts (one letter per remembered run, aligned with the run times kept
once at the top; observation fingerprints only where they changed), when the current status
began and how many runs it has lasted, when the fact was last seen true (``ok``) and last seen
at all (``ok`` or ``drift``), and the numbers of its drift and cannot-verify issues. Reading a
state that is corrupt, foreign or from a newer version raises :class:`StateError` with the
reason; the caller warns and starts over, never acts on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from checker.engine.model import Status

FORMAT = "infra-checker-state"
VERSION = 1
LETTERS = {Status.OK: "o", Status.DRIFT: "d", Status.ERROR: "e", Status.UNVERIFIABLE: "u"}
STATUSES = {letter: status for status, letter in LETTERS.items()}
NOT_RUN = "-"


class StateError(Exception):
    """The stored state cannot be used; the message says why, for a warning."""


def stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: Any) -> datetime:
    if not isinstance(text, str):
        raise StateError(f"{text!r} is not a time")
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise StateError(f"{text!r} is not a time") from None
    if when.tzinfo is None:
        raise StateError(f"{text!r} has no time zone")
    return when.astimezone(timezone.utc)


@dataclass(frozen=True)
class Seen:
    """One run's verdict on one check."""

    at: datetime
    status: Status
    fingerprint: str | None = None  # of what was observed (ok and drift only)


@dataclass(frozen=True)
class CheckMemory:
    first_run_at: datetime
    status_since: datetime
    streak: int
    recent: tuple[Seen, ...] = ()
    last_ok_at: datetime | None = None
    last_verified_at: datetime | None = None
    drift_issue: int | None = None
    unverified_issue: int | None = None

    @property
    def status(self) -> Status | None:
        return self.recent[-1].status if self.recent else None


@dataclass(frozen=True)
class State:
    runs: tuple[datetime, ...] = ()  # start times of the remembered runs, oldest first
    checks: dict[str, CheckMemory] = field(default_factory=dict)

    @property
    def last_run_at(self) -> datetime | None:
        return self.runs[-1] if self.runs else None


def encode(state: State) -> dict[str, Any]:
    index = {when: i for i, when in enumerate(state.runs)}
    checks: dict[str, Any] = {}
    for ident, memory in sorted(state.checks.items()):
        letters = [NOT_RUN] * len(state.runs)
        fingerprints: list[list[Any]] = []
        last_fp: str | None = None
        for seen in memory.recent:
            position = index.get(seen.at)
            if position is None:
                continue
            letters[position] = LETTERS[seen.status]
            if seen.fingerprint is not None and seen.fingerprint != last_fp:
                fingerprints.append([position, seen.fingerprint])
                last_fp = seen.fingerprint
        entry: dict[str, Any] = {
            "recent": "".join(letters),
            "first": stamp(memory.first_run_at),
            "since": stamp(memory.status_since),
            "streak": memory.streak,
        }
        if fingerprints:
            entry["fp"] = fingerprints
        optional = {
            "ok": memory.last_ok_at and stamp(memory.last_ok_at),
            "verified": memory.last_verified_at and stamp(memory.last_verified_at),
            "issue": memory.drift_issue,
            "unverified_issue": memory.unverified_issue,
        }
        entry.update({k: v for k, v in optional.items() if v is not None})
        checks[ident] = entry
    return {
        "format": FORMAT,
        "version": VERSION,
        "runs": [stamp(when) for when in state.runs],
        "checks": checks,
    }


def _int(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise StateError(f"{what}: {value!r} is not a number")
    return value


def _check(ident: str, data: Any, runs: tuple[datetime, ...]) -> CheckMemory:
    if not isinstance(data, dict):
        raise StateError(f"check {ident!r}: not an object")
    letters = data.get("recent", "")
    if not isinstance(letters, str) or len(letters) != len(runs):
        raise StateError(f"check {ident!r}: recent verdicts do not match the runs")
    fingerprints: dict[int, str] = {}
    for item in data.get("fp", []):
        if (
            not isinstance(item, list)
            or len(item) != 2
            or not isinstance(item[0], int)
            or not isinstance(item[1], str)
        ):
            raise StateError(f"check {ident!r}: unreadable fingerprints")
        fingerprints[item[0]] = item[1]
    recent: list[Seen] = []
    last_fp: str | None = None
    for position, letter in enumerate(letters):
        if letter == NOT_RUN:
            continue
        if letter not in STATUSES:
            raise StateError(f"check {ident!r}: unknown verdict {letter!r}")
        status = STATUSES[letter]
        last_fp = fingerprints.get(position, last_fp)
        fp = last_fp if status in (Status.OK, Status.DRIFT) else None
        recent.append(Seen(runs[position], status, fp))
    streak = _int(data.get("streak"), f"check {ident!r}: streak")
    return CheckMemory(
        first_run_at=parse_time(data.get("first")),
        status_since=parse_time(data.get("since")),
        streak=streak or 0,
        recent=tuple(recent),
        last_ok_at=parse_time(data["ok"]) if data.get("ok") is not None else None,
        last_verified_at=(
            parse_time(data["verified"]) if data.get("verified") is not None else None
        ),
        drift_issue=_int(data.get("issue"), f"check {ident!r}: issue"),
        unverified_issue=_int(data.get("unverified_issue"), f"check {ident!r}: issue"),
    )


def decode(data: Any) -> State:
    """The state in ``data`` (parsed JSON); StateError for anything else, whatever its shape."""
    try:
        return _decode(data)
    except (TypeError, KeyError, AttributeError, IndexError, OverflowError) as exc:
        raise StateError(f"malformed state ({type(exc).__name__})") from None


def _decode(data: Any) -> State:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StateError("not an infra-checker state")
    version = data.get("version")
    if version != VERSION:
        raise StateError(f"state version {version!r}, this infra-checker reads version {VERSION}")
    runs_raw = data.get("runs")
    checks_raw = data.get("checks")
    if not isinstance(runs_raw, list) or not isinstance(checks_raw, dict):
        raise StateError("runs or checks missing")
    runs = tuple(parse_time(t) for t in runs_raw)
    if list(runs) != sorted(set(runs)):
        raise StateError("run times out of order")
    checks = {str(k): _check(str(k), v, runs) for k, v in checks_raw.items()}
    return State(runs, checks)
