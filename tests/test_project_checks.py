"""The repository's checks.toml: every fact of the JupyterHub shared-infrastructure document.

The document is jupyterhub/team-compass docs/team/shared-infrastructure.md; these tests pin
that each of its checkable facts has a check, pointing at the right section, and that the file
judges right against the loopback world holding the documented state.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.engine.config import CheckConfig, load_config
from tests.helpers import FAST_SETTINGS, cli
from tests.world import World
from tests.world.project_config import PROJECT_CONFIG, project_config_text

DOCUMENT = "https://github.com/jupyterhub/team-compass/blob/main/docs/team/shared-infrastructure.md"

# The document's sections (GitHub's heading anchors) and the facts each one states.
SECTIONS = {
    "github",
    "image-registry-on-quayio",
    "image-registry-on-dockerhub",
    "mybinderorg-infrastructure",
    "ownership-of-the-mybinderorg-domain",
    "dns-entries-for-mybinderorg",
    "google-cloud-project",
}

FACTS: list[tuple[str, str, str, dict[str, Any]]] = [
    # (fact, section, check type, parameters that must appear)
    ("GitHub organisation jupyterhub", "github", "github.organization", {"org": "jupyterhub"}),
    ("quay.io organisation", "image-registry-on-quayio", "quay.organization",
     {"organization": "jupyterhub"}),
    ("repo2docker image on quay.io", "image-registry-on-quayio", "quay.repository",
     {"repository": "jupyterhub/repo2docker"}),
    ("Docker Hub organisation", "image-registry-on-dockerhub", "dockerhub.organization",
     {"organization": "jupyterhub"}),
    ("JupyterHub images pushed to Docker Hub", "image-registry-on-dockerhub",
     "dockerhub.repository", {"repository": "jupyterhub/jupyterhub"}),
    ("BinderHub images pushed to Docker Hub", "image-registry-on-dockerhub",
     "dockerhub.repository", {"repository": "jupyterhub/k8s-binderhub"}),
    ("owned by Chris Holdgraf", "ownership-of-the-mybinderorg-domain", "whois.contact",
     {"name": "Chris Holdgraf"}),
    ("registrar is BlueHost", "ownership-of-the-mybinderorg-domain", "whois.registrar",
     {"domain": "mybinder.org"}),
    ("contact email", "ownership-of-the-mybinderorg-domain", "whois.contact",
     {"email": ["binder-team@googlegroups.com"]}),
    ("DNS handled by Cloudflare", "dns-entries-for-mybinderorg", "dns.nameservers",
     {"zone": "mybinder.org"}),
    ("Google Cloud project binderhub", "google-cloud-project", "gcp.project",
     {"display_name": "binderhub"}),
    ("BinderHub deployment at gke.mybinder.org", "google-cloud-project", "http.status",
     {"url": "https://gke.mybinder.org/"}),
]  # fmt: skip

UNVERIFIABLE_WHILE_REDACTED = {"mybinder-org-owner", "mybinder-org-contact-email"}


def project_checks() -> tuple[CheckConfig, ...]:
    return load_config(PROJECT_CONFIG, {}).checks


def run(world: World, tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "checks.toml"
    path.write_text(project_config_text(world, FAST_SETTINGS), encoding="utf-8")
    code, out, err = cli(["run", "-c", str(path), "--format", "json", *args], world.env())
    assert out, err
    return code, json.loads(out)


@pytest.mark.parametrize(("fact", "section", "rtype", "params"), FACTS, ids=[f[0] for f in FACTS])
def test_every_documented_fact_has_a_check_at_its_section(
    fact: str, section: str, rtype: str, params: dict[str, Any]
) -> None:
    def has_params(check: CheckConfig) -> bool:
        # str(): parameters are validated into URLs, lists and the like
        return all(str(getattr(check.params, k, None)) == str(v) for k, v in params.items())

    matching = [check for check in project_checks() if check.type == rtype and has_params(check)]
    assert matching, f"no {rtype} check with {params} for the documented fact: {fact}"
    assert all(check.doc == f"{DOCUMENT}#{section}" for check in matching)


def test_every_check_is_described_and_points_at_a_section_of_the_document() -> None:
    checks = project_checks()
    assert len(checks) >= len(FACTS)
    for check in checks:
        assert check.description.endswith("."), check.id
        base, _, anchor = (check.doc or "").partition("#")
        assert base == DOCUMENT and anchor in SECTIONS, check.id


def test_issues_are_managed_under_one_label_by_the_workflow() -> None:
    config = load_config(PROJECT_CONFIG, {})
    assert config.issues.labels == ["infra-drift"]
    assert config.issues.enabled is False  # local runs report; the action opens issues


def test_the_documented_world_is_ok_and_redacted_contacts_unverifiable(
    world: World, tmp_path: Path
) -> None:
    code, report = run(world, tmp_path)
    statuses = {r["id"]: r["status"] for r in report["results"]}
    assert set(statuses) == {check.id for check in project_checks()}
    for ident, status in statuses.items():
        wanted = "unverifiable" if ident in UNVERIFIABLE_WHILE_REDACTED else "ok"
        assert status == wanted, (ident, report)
    assert code == 0  # unverifiable is allowed
    messages = {r["id"]: r["message"] for r in report["results"]}
    assert all("redacted" in messages[ident] for ident in UNVERIFIABLE_WHILE_REDACTED)


def test_moving_dns_away_from_cloudflare_drifts_both_views(world: World, tmp_path: Path) -> None:
    world.dns.scenario.move_nameservers("mybinder.org", ["ns1.bluehost.com", "ns2.bluehost.com"])
    code, report = run(world, tmp_path, "--only", "mybinder-org-*")
    drifted = {r["id"] for r in report["results"] if r["status"] == "drift"}
    assert drifted == {"mybinder-org-delegated-to-cloudflare", "mybinder-org-dns-cloudflare"}
    assert code == 1


def test_a_transfer_away_from_bluehost_drifts_the_registrar(world: World, tmp_path: Path) -> None:
    world.dns.scenario.set_registrar("mybinder.org", "GoDaddy.com, LLC", 146)
    code, report = run(world, tmp_path, "--only", "mybinder-org-registrar")
    assert [r["status"] for r in report["results"]] == ["drift"]
    assert "GoDaddy.com, LLC" in report["results"][0]["message"]
    assert code == 1


def test_validate_and_list_show_every_check(world: World) -> None:
    code, out, err = cli(["validate", "-c", str(PROJECT_CONFIG)], world.env())
    assert code == 0, err
    assert "20 quotes found in" in out
    code, out, err = cli(["list", "-c", str(PROJECT_CONFIG)], {})
    assert code == 0, err
    rows = out.splitlines()
    assert rows[0].split() == ["ID", "TYPE", "FACT"]
    for check in project_checks():
        assert any(row.split()[:2] == [check.id, check.type] for row in rows), check.id
