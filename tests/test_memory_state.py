"""Run memory as pure data: the state's JSON form, streaks, flapping, unverified, missed runs,
and the dashboard body at scale (500 checks x 30 runs within GitHub's 65,536 characters)."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import date, datetime, timedelta, timezone

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from checker.engine.model import Result, Status, Waiver
from checker.memory.history import (
    is_flapping,
    missed_since,
    needs_unverified_issue,
    remember_run,
)
from checker.memory.state import State, StateError, decode, encode
from checker.outputs.dashboard import (
    DashboardTooLarge,
    Fact,
    decode_state,
    render_dashboard,
    shown,
)
from checker.outputs.issues.render import GITHUB_LIMIT, size

START = datetime(2026, 1, 1, 4, 17, tzinfo=timezone.utc)


def res(ident: str, status: Status, observed: int = 200, **kw: object) -> Result:
    return Result(
        id=ident,
        type="http.status",
        status=status,
        message=f"{status.value} {observed}",
        description=f"Fact {ident} holds",
        observed={"status": observed},
        **kw,  # type: ignore[arg-type]
    )


def nights(statuses: list[list[Status]], ids: list[str], keep: int = 30) -> object:
    state = State()
    memory = None
    for n, night in enumerate(statuses):
        memory = remember_run(
            "github-issue",
            state,
            [
                res(i, s, 200 + n % 3 if s is Status.DRIFT else 200)
                for i, s in zip(ids, night, strict=False)
            ],
            START + timedelta(days=n),
            keep=keep,
            configured=ids,
            fingerprint=lambda r: f"{hash(json.dumps(r.observed)) & 0xFFFFFFFF:08x}",
            expected_every=timedelta(hours=24),
        )
        state = memory.state
    return memory


def test_streaks_since_and_last_seen() -> None:
    s = [Status.OK, Status.OK, Status.ERROR, Status.ERROR, Status.DRIFT]
    memory = nights([[x] for x in s], ["a"])
    history = memory.history("a")  # type: ignore[attr-defined]
    assert history.streak == 1 and history.status_since == START + timedelta(days=4)
    assert history.last_ok_at == START + timedelta(days=1)
    assert history.last_verified_at == START + timedelta(days=4)


def test_flapping_needs_four_changes_in_the_last_ten_runs() -> None:
    from checker.memory.state import Seen

    def seen(letters: str) -> list[Seen]:
        table = {"o": Status.OK, "d": Status.DRIFT, "e": Status.ERROR}
        return [Seen(START + timedelta(days=i), table[c]) for i, c in enumerate(letters)]

    assert not is_flapping(seen("ododo"[:4]))  # 3 changes
    assert is_flapping(seen("ododo"))  # 4 changes
    assert not is_flapping(seen("odod" + "o" * 7))  # the changes left the window of 10
    assert is_flapping(seen("oeoeo"))  # error counts as a change too


def test_unverified_after_counts_from_the_first_run_when_never_verified() -> None:
    memory = nights([[Status.ERROR]] * 8, ["a"])
    check = memory.state.checks["a"]  # type: ignore[attr-defined]
    assert needs_unverified_issue(check, START + timedelta(days=7), 7)
    # Calendar days (UTC), as the dashboard shows them: late on the 7th of January is 6 days.
    assert not needs_unverified_issue(check, datetime(2026, 1, 7, 23, 59, tzinfo=timezone.utc), 7)
    seen_once = nights([[Status.OK]] + [[Status.UNVERIFIABLE]] * 3, ["a"])
    check = seen_once.state.checks["a"]  # type: ignore[attr-defined]
    assert not needs_unverified_issue(check, START + timedelta(days=6), 7)
    assert needs_unverified_issue(check, START + timedelta(days=7), 7)


def test_missed_since_is_the_last_run_before_a_gap_of_over_one_and_a_half_intervals() -> None:
    day = timedelta(hours=24)
    assert missed_since(START, START + timedelta(hours=36), day) is None
    assert missed_since(START, START + timedelta(hours=37), day) == START
    assert missed_since(START, START + 3 * day, None) is None
    assert missed_since(None, START, day) is None


def test_state_round_trips_and_refuses_foreign_or_future_states() -> None:
    ids = [f"f{i}" for i in range(5)]
    rng = random.Random(7)
    memory = nights([[rng.choice(list(Status)) for _ in ids] for _ in range(40)], ids)
    state = memory.state  # type: ignore[attr-defined]
    assert len(state.runs) == 30
    assert decode(json.loads(json.dumps(encode(state)))) == state
    for bad in (
        {},
        {"format": "infra-checker-state", "version": 2, "runs": [], "checks": {}},
        {"format": "infra-checker-state", "version": 1, "runs": ["x"], "checks": {}},
        {**encode(state), "checks": {"f0": {"recent": "oo"}}},
        {**encode(state), "checks": {"f0": {**encode(state)["checks"]["f0"], "fp": 3}}},
        [1, 2],
    ):
        with pytest.raises(StateError):
            decode(bad)


def test_the_dashboard_of_500_checks_and_30_runs_fits_and_renders() -> None:
    ids = [f"documented-fact-number-{i:03d}" for i in range(500)]
    rng = random.Random(20261201)
    history: list[list[Status]] = []
    for _ in range(30):  # a busy month: most facts ok, many noisy, some drifting
        history.append(
            [
                rng.choices(list(Status), weights=[80, 8, 8, 4])[0] if i % 3 else Status.ERROR
                for i in range(500)
            ]
        )
    memory = nights(history, ids)
    results = {i: res(i, s) for i, s in zip(ids, history[-1], strict=False)}
    waived = Waiver(date(2026, 6, 30), "a reason with @someone and <b>html</b>")
    results[ids[1]] = res(ids[1], Status.DRIFT, waiver=waived, waived=True)
    facts = [Fact(i, f"The documented fact number {i} still holds", results[i]) for i in ids]
    body = render_dashboard(
        facts,
        memory,  # type: ignore[arg-type]
        run_link="a local run",
        expected_every="24h",
    )
    assert size(body) <= GITHUB_LIMIT
    html = cmarkgfm.github_flavored_markdown_to_html(body, options=Options.CMARK_OPT_UNSAFE)
    assert "<table>" in html and "<details>" in html and "<b>html</b>" not in html
    state = decode_state(body)
    assert set(state.checks) == set(ids)
    assert len(state.runs) >= 14
    # The run line alone does not count as a change.
    later = body.replace("**Last run:** 2026-01-30", "**Last run:** 2026-01-31")
    assert shown(later) == shown(body)


def test_a_dashboard_too_large_for_one_issue_is_refused_not_sent_to_github() -> None:
    # 3,000 checks with 64-character ids that do not compress: even one remembered run is
    # over 65,536 characters.
    ids = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(3_000)]
    memory = nights([[Status.OK] * len(ids)] * 3, ids)
    facts = [Fact(i, "a fact", res(i, Status.OK)) for i in ids]
    with pytest.raises(DashboardTooLarge, match="3000 checks does not fit"):
        render_dashboard(facts, memory, run_link="a local run", expected_every=None)  # type: ignore[arg-type]
