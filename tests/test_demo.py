"""``make demo`` shows a newcomer a drift, offline: the report and the dry-run issue plan."""

from __future__ import annotations

import io

from tests.world import World
from tests.world.demo import DELETED_IMAGE, MOVED_NAMESERVERS, run_demo

STATUSES = ("ok ", "drift ", "error ", "unverifiable ")


def test_the_demo_reports_the_drifted_facts_and_plans_their_issues(world: World) -> None:
    out = io.StringIO()
    code = run_demo(world, out)
    text = out.getvalue()
    assert code == 1, text
    lines = text.splitlines()
    verdicts = {line.split()[1]: line.split()[0] for line in lines if line.startswith(STATUSES)}
    assert verdicts == {
        "github-org": "ok",
        "quay-org": "ok",
        "quay-repo2docker": "drift",
        "dockerhub-jupyterhub": "ok",
        "mybinder-registrar": "ok",
        "mybinder-contact": "unverifiable",  # the registry redacts it, as PIR does
        "mybinder-dns": "drift",
        "gcp-binderhub": "ok",
        "gke-mybinder": "ok",
    }
    assert f"deleted the quay.io repository {DELETED_IMAGE}" in text
    assert f'unexpected ["{MOVED_NAMESERVERS[0]}", "{MOVED_NAMESERVERS[1]}"]' in text
    # The plan comes after the report and writes nothing.
    assert text.index("checks in") < text.index("plan (dry run, nothing written)")
    assert "planned create [quay-repo2docker]" in text
    assert "planned create [mybinder-dns]" in text
    assert world.github.writes() == 0
