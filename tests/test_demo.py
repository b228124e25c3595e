"""``make demo`` shows a newcomer a drift, offline: the report and the dry-run issue plan."""

from __future__ import annotations

import io

from checker.engine.config import load_config
from demo.run import DELETED_IMAGE, MOVED_NAMESERVERS, run_demo
from tests.world import World
from tests.world.project_config import PROJECT_CONFIG

STATUSES = ("ok ", "drift ", "error ", "unverifiable ")


def test_the_demo_reports_the_drifted_facts_and_plans_their_issues(world: World) -> None:
    out = io.StringIO()
    code = run_demo(world, out)
    text = out.getvalue()
    assert code == 1, text
    lines = text.splitlines()
    verdicts = {line.split()[1]: line.split()[0] for line in lines if line.startswith(STATUSES)}
    drifted = {
        "quay-image-repo2docker",
        "mybinder-org-delegated-to-cloudflare",
        "mybinder-org-dns-cloudflare",
        "mybinder-org-registrar",  # the document changed, the world did not
    }
    redacted = {"mybinder-org-owner", "mybinder-org-contact-email"}  # as PIR does today
    assert {i for i, v in verdicts.items() if v == "drift"} == drifted
    assert {i for i, v in verdicts.items() if v == "unverifiable"} == redacted
    assert len(verdicts) == len(load_config(PROJECT_CONFIG, {}).checks) and all(
        v == "ok" for i, v in verdicts.items() if i not in drifted | redacted
    )
    assert f"deleted the quay.io repository {DELETED_IMAGE}" in text
    assert "the document no longer states" in text and "Namecheap" in text
    assert (
        f'observed ["{MOVED_NAMESERVERS[0]}", "{MOVED_NAMESERVERS[1]}"] (no item matches)' in text
    )
    # The plan comes after the report and writes nothing.
    assert text.index("checks in") < text.index("plan (dry run, nothing written)")
    assert all(f"planned create [{ident}]" in text for ident in drifted)
    assert world.github.writes() == 0


def test_the_demo_nights_show_one_dashboard_remembering_each_night(world: World) -> None:
    from demo.run import NIGHTS, run_nights

    run_demo(world, io.StringIO())
    out = io.StringIO()
    codes = run_nights(world, out)
    assert codes == [1] * NIGHTS  # the deleted image stays drifted
    assert out.getvalue().count("--- the status dashboard issue ---") == NIGHTS
    (board,) = world.github.managed(label="infra-drift-status")
    assert "`ddo`" in board["body"]  # the nameservers drifted twice, then were put back
