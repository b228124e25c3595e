"""``make demo`` shows a newcomer a drift, offline: the report and the dry-run issue plan."""

from __future__ import annotations

import io

from tests.world import World
from tests.world.demo import DELETED_IMAGE, run_demo


def test_the_demo_reports_the_drifted_facts_and_plans_their_issues(world: World) -> None:
    out = io.StringIO()
    code = run_demo(world, out)
    text = out.getvalue()
    assert code == 1, text
    lines = text.splitlines()
    assert any(line.startswith("drift") and "quay-repo2docker" in line for line in lines), text
    assert not any(line.startswith("drift") and "github-org" in line for line in lines), text
    assert f"deleted the quay.io repository {DELETED_IMAGE}" in text
    # The plan comes after the report and writes nothing.
    assert text.index("checks in") < text.index("plan (dry run, nothing written)")
    assert "planned create [quay-repo2docker]" in text
    assert world.github.writes() == 0
