"""The status dashboard: one issue body for people first, with the run memory hidden inside.

Layout: our marker (a short HTML comment of its own, so a hand edit that destroys the state
does not lose the dashboard), a table with one row per fact (status and since when, last
verified, drift issue, the last 14 runs, waiver), the facts that are ok and steady folded into
a ``<details>`` count, the run that wrote it, missed runs, then the state: compact JSON,
zlib-compressed and base64-encoded in an HTML comment (base64 cannot close a comment). The whole
shows days, not times, so that a night writes it once and a same-day rerun that changes
nothing shown not at all, while every date it holds stays exact. The whole
stays under GitHub's 65,536 characters: rows that do not fit are counted, not shown, and if the
state alone is too big its oldest runs are dropped.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from checker.engine.model import Result, Status
from checker.memory.history import RunMemory, is_flapping, keep_runs
from checker.memory.state import (
    LETTERS,
    NOT_RUN,
    CheckMemory,
    State,
    StateError,
    decode,
    encode,
    stamp,
)
from checker.outputs.escape import code_span
from checker.outputs.issues.render import BUDGET, GITHUB_LIMIT, size
from checker.outputs.markdown import plural

TITLE = "Infrastructure facts: status"
MARKER = "<!-- infra-checker:dashboard -->"
STATE = re.compile(r"<!-- infra-checker:state v(?P<v>\d+) (?P<data>[A-Za-z0-9+/=]*) -->")
RUN_LINE = "**Last run:**"
STRIP_RUNS = 14
FOLD_OVER = 20  # rows beyond which ok and steady facts are folded into a count
ICONS = {Status.OK: "✅ ok", Status.DRIFT: "❌ drift", Status.ERROR: "⚠️ error"}


class DashboardTooLarge(Exception):
    """The run memory of this many checks does not fit in one issue body, even with one run."""


@dataclass(frozen=True)
class Fact:
    """What the dashboard shows about one configured check."""

    id: str
    description: str
    result: Result | None  # None: not run this time (--only)


def encode_state(state: State) -> str:
    data = json.dumps(encode(state), separators=(",", ":"), sort_keys=True).encode()
    packed = base64.b64encode(zlib.compress(data, 9)).decode("ascii")
    return f"<!-- infra-checker:state v1 {packed} -->"


def decode_state(body: str) -> State:
    """The state hidden in a dashboard body; StateError when it is missing or unreadable."""
    match = STATE.search(body)
    if match is None:
        raise StateError("no hidden state in it")
    try:
        raw = zlib.decompress(base64.b64decode(match["data"], validate=True), bufsize=1 << 16)
        return decode(json.loads(raw))
    except StateError:
        raise
    except (ValueError, zlib.error, RecursionError) as exc:
        raise StateError(f"hidden state unreadable ({type(exc).__name__})") from None


def is_dashboard(body: str | None) -> bool:
    return bool(body) and MARKER in (body or "")


def shown(body: str) -> str:
    """The part of a body that people see change, without the run line and the hidden state."""
    lines = [ln for ln in body.splitlines() if not ln.startswith(RUN_LINE)]
    return STATE.sub("", "\n".join(lines)).strip()


def _strip(memory: CheckMemory, runs: Sequence[datetime]) -> str:
    seen = {s.at: LETTERS[s.status] for s in memory.recent}
    return "".join(seen.get(at, NOT_RUN) for at in runs[-STRIP_RUNS:]) or NOT_RUN


def _day(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d") if when else "never"


def _status(memory: CheckMemory | None, result: Result | None) -> str:
    status = result.status if result else memory.status if memory else None
    if status is None:
        return "not run yet"
    text = ICONS.get(status, "❔ unverifiable")
    if memory is not None and is_flapping(memory.recent):
        text += " (flapping)"
    return text


def _waiver(result: Result | None) -> str:
    if result is None or result.waiver is None:
        return ""
    w = result.waiver
    state = "waived until" if result.waived else "**waiver expired** on"
    return f"{state} {w.until.isoformat()}: {code_span(w.reason, in_table=True)}"


def _row(fact: Fact, memory: CheckMemory | None, state: State, issues: str) -> str:
    if memory is None:
        since = verified = strip = "-"
    else:
        since = _day(memory.status_since)
        verified = _day(memory.last_verified_at)
        strip = _strip(memory, state.runs)
    cells = [
        f"`{fact.id}` {code_span(fact.description, in_table=True)}",
        _status(memory, fact.result),
        since,
        verified,
        issues,
        f"`{strip}`",
        _waiver(fact.result),
    ]
    return "| " + " | ".join(cells) + " |"


def _issue_links(memory: CheckMemory | None) -> str:
    if memory is None:
        return ""
    links = [f"#{memory.drift_issue}"] if memory.drift_issue else []
    if memory.unverified_issue:
        links.append(f"#{memory.unverified_issue} (cannot verify)")
    return ", ".join(links)


def _steady(fact: Fact, memory: CheckMemory | None) -> bool:
    return (
        memory is not None
        and fact.result is not None
        and fact.result.status is Status.OK
        and fact.result.waiver is None
        and memory.streak >= 2
        and not is_flapping(memory.recent)
    )


def render_dashboard(
    facts: Sequence[Fact],
    memory: RunMemory,
    *,
    run_link: str,
    expected_every: str | None,
    budget: int = BUDGET,
) -> str:
    """The dashboard body for ``memory.state`` (which already holds this run)."""
    state = memory.state
    hidden = encode_state(state)
    while size(hidden) > budget // 2 and len(state.runs) > 1:
        state = keep_runs(state, len(state.runs) - 1)
        hidden = encode_state(state)
    counts: dict[str, int] = {}
    for fact in facts:
        if fact.result is not None:
            counts[fact.result.status.value] = counts.get(fact.result.status.value, 0) + 1
    tally = ", ".join(f"{n} {s}" for s, n in counts.items()) or "no checks run"
    when = stamp(memory.now)
    tail = [
        "",
        f"{RUN_LINE} {when} ({run_link}): {tally}.",
        "",
        "### Missed runs",
        "",
        _missed(memory, expected_every),
        "",
        "<sub>Kept by infra-checker; edits are overwritten on the next run. The hidden first "
        "line identifies this issue, the hidden last line is the run memory.</sub>",
        "",
        hidden,
        "",
    ]
    head = [
        MARKER,
        "One row per documented fact in checks.toml, as the latest runs saw it. Last runs, "
        "oldest first: `o` ok, `d` drift, `e` error, `u` unverifiable, `-` not run.",
        "",
        "| Fact | Status | Since | Last verified | Issue | Last runs | Waiver |",
        "|---|---|---|---|---|---|---|",
    ]
    fold = len(facts) > FOLD_OVER
    rows: list[str] = []
    folded: list[str] = []
    for fact in facts:
        check = state.checks.get(fact.id)
        if fold and _steady(fact, check):
            folded.append(f"`{fact.id}`")
        else:
            rows.append(_row(fact, check, state, _issue_links(check)))
    fixed = size("\n".join(head + tail)) + 400
    details = (
        [
            "",
            f"<details><summary>{plural(len(folded), 'fact')} ok and steady, last verified "
            f"{_day(memory.now)}</summary>",
            "",
            ", ".join(folded),
            "",
            "</details>",
        ]
        if folded
        else []
    )
    if fixed + size("\n".join(details)) > budget:
        details = [
            "",
            f"{plural(len(folded), 'fact')} ok and steady, last verified {_day(memory.now)} "
            "(too many to name here).",
        ]
    room = budget - fixed - size("\n".join(details))
    kept: list[str] = []
    for row in rows:
        room -= size(row) + 1
        if room < 0:
            break
        kept.append(row)
    omitted = len(rows) - len(kept)
    more = ["", f"*Not shown here: {plural(omitted, 'more fact')}; the run's report has them.*"]
    body = "\n".join(head + kept + (more if omitted else []) + details + tail)
    if size(body) > GITHUB_LIMIT:
        raise DashboardTooLarge(
            f"the run memory of {plural(len(facts), 'check')} does not fit in the dashboard "
            "issue (GitHub allows 65,536 characters in a body)"
        )
    return body


def _missed(memory: RunMemory, expected_every: str | None) -> str:
    if expected_every is None:
        return "Not watched (set `expected_every` in `[state]` to watch for missed runs)."
    if memory.missed_since is None:
        return f"None: runs are expected every {expected_every}."
    return (
        f"**No run between {stamp(memory.missed_since)} and {stamp(memory.now)}** "
        f"(runs are expected every {expected_every}): the scheduled workflow may have been "
        "disabled (GitHub disables scheduled workflows after 60 days without repository "
        "activity); the action's `keepalive: true` re-enables it on every run."
    )


def facts_for(ids: Sequence[tuple[str, str]], results: Mapping[str, Result]) -> list[Fact]:
    return [Fact(ident, description, results.get(ident)) for ident, description in ids]
