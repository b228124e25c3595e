"""A "Cannot verify" issue body, judged by what GitHub shows (tests/gfm.py): outside text inert,
the body under GitHub's limit however long the reason a service gave."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from checker.engine.model import Result, Status
from checker.memory.state import CheckMemory, Seen
from checker.outputs.issues.render import RunInfo
from checker.outputs.issues.unverified import body_for
from tests.gfm import assert_inert
from tests.hostile import HOSTILE, HUGE

NOW = datetime(2026, 11, 25, 4, 17, tzinfo=timezone.utc)
RUN_URL = "https://github.com/jupyterhub/infra-checks/actions/runs/7"


def test_a_hostile_huge_reason_is_inert_cut_and_fits() -> None:
    result = Result(
        id="mybinder-org-owner",
        type="whois.registrant",
        status=Status.UNVERIFIABLE,
        message=HOSTILE + HUGE,
        description=HOSTILE + HUGE,
    )
    memory = CheckMemory(
        first_run_at=NOW - timedelta(days=9),
        status_since=NOW - timedelta(days=9),
        streak=9,
        recent=tuple(Seen(NOW - timedelta(days=d), Status.UNVERIFIABLE) for d in range(9)),
    )
    body = body_for(result, memory, RunInfo(NOW, RUN_URL), 7)
    shown = assert_inert(body, hrefs={RUN_URL}, comments=1)
    assert body.count("*(cut: 8,000 of") == 2 and "@octocat" in "".join(shown.code)
