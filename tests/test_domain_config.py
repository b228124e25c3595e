"""The checks.toml entries proposed for the document's mybinder.org facts, run end to end."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import FAST_SETTINGS, cli
from tests.world import World

# Exactly the entries proposed for the repository's checks.toml.
MYBINDER_DOMAIN_CHECKS = """
[[check]]
id = "mybinder-org-registrar"
type = "whois.registrar"
description = "The registrar for mybinder.org is BlueHost (Bluehost Inc., once FastDomain Inc.)."
doc = "shared-infrastructure.md#ownership-of-the-mybinder-org-domain"
tags = ["domain", "mybinder.org"]
domain = "mybinder.org"
names = ["Bluehost", "FastDomain"]
iana_id = 1154

[[check]]
id = "mybinder-org-contact-email"
type = "whois.contact"
description = "The contact email for mybinder.org is binder-team@googlegroups.com."
doc = "shared-infrastructure.md#ownership-of-the-mybinder-org-domain"
tags = ["domain", "mybinder.org"]
domain = "mybinder.org"
email = "binder-team@googlegroups.com"

[[check]]
id = "mybinder-org-owner"
type = "whois.contact"
description = "The mybinder.org domain is owned by Chris Holdgraf."
doc = "shared-infrastructure.md#ownership-of-the-mybinder-org-domain"
tags = ["domain", "mybinder.org"]
domain = "mybinder.org"
name = "Chris Holdgraf"

[[check]]
id = "mybinder-org-expiry"
type = "whois.expiry"
description = "The mybinder.org registration does not expire within the next 30 days."
doc = "shared-infrastructure.md#ownership-of-the-mybinder-org-domain"
tags = ["domain", "mybinder.org"]
domain = "mybinder.org"
days = 30

[[check]]
id = "mybinder-org-delegated-to-cloudflare"
type = "whois.nameservers"
description = "The registry delegates mybinder.org to Cloudflare nameservers."
doc = "shared-infrastructure.md#dns-entries-for-mybinder-org"
tags = ["domain", "dns", "mybinder.org"]
domain = "mybinder.org"
expect.nameservers = { all_match = '\\.ns\\.cloudflare\\.com$' }
expect.count = { at_least = 2 }

[[check]]
id = "mybinder-org-dns-cloudflare"
type = "dns.nameservers"
description = "The DNS for mybinder.org is handled by Cloudflare."
doc = "shared-infrastructure.md#dns-entries-for-mybinder-org"
tags = ["dns", "mybinder.org"]
zone = "mybinder.org"
expect.nameservers = { all_match = '\\.ns\\.cloudflare\\.com$' }
expect.count = { at_least = 2 }

[[check]]
id = "gke-mybinder-org-resolves"
type = "dns.record"
description = "gke.mybinder.org, the BinderHub deployment in the binderhub project, resolves."
doc = "shared-infrastructure.md#google-cloud-project"
tags = ["dns", "gcp", "mybinder.org"]
name = "gke.mybinder.org"
rdtype = "A"
"""

EXPECTED = {
    "mybinder-org-registrar": "ok",
    "mybinder-org-contact-email": "unverifiable",  # PIR redacts it, as it does today
    "mybinder-org-owner": "unverifiable",
    "mybinder-org-expiry": "ok",
    "mybinder-org-delegated-to-cloudflare": "ok",
    "mybinder-org-dns-cloudflare": "ok",
    "gke-mybinder-org-resolves": "ok",
}


def run(world: World, tmp_path: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    path = tmp_path / "checks.toml"
    path.write_text(FAST_SETTINGS + MYBINDER_DOMAIN_CHECKS, encoding="utf-8")
    code, out, err = cli(["run", "-c", str(path), "--format", "json"], world.env())
    assert out, err
    return code, json.loads(out)


def test_documented_world_passes_with_redactions_unverifiable(world: World, tmp_path) -> None:
    code, report = run(world, tmp_path)
    assert {r["id"]: r["status"] for r in report["results"]} == EXPECTED
    assert code == 0  # unverifiable is allowed
    messages = {r["id"]: r["message"] for r in report["results"]}
    assert "redacted" in messages["mybinder-org-contact-email"]
    assert "redacted" in messages["mybinder-org-owner"]


def test_moving_dns_away_from_cloudflare_drifts_both_views(world: World, tmp_path) -> None:
    world.dns.scenario.move_nameservers("mybinder.org", ["ns1.bluehost.com", "ns2.bluehost.com"])
    code, report = run(world, tmp_path)
    drifted = {r["id"] for r in report["results"] if r["status"] == "drift"}
    assert drifted == {"mybinder-org-delegated-to-cloudflare", "mybinder-org-dns-cloudflare"}
    assert code == 1


def test_entries_validate_and_list(world: World, tmp_path) -> None:
    path = tmp_path / "checks.toml"
    path.write_text(MYBINDER_DOMAIN_CHECKS, encoding="utf-8")
    code, out, err = cli(["validate", "-c", str(path)], world.env())
    assert code == 0, err
    code, out, err = cli(["list", "-c", str(path)], world.env())
    assert code == 0, err
    assert all(ident in out for ident in EXPECTED)
