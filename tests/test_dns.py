"""dns.nameservers and dns.record against the real loopback DNS server (UDP and TCP)."""

from __future__ import annotations

import time

import pytest

from checker.engine.model import Status
from tests.helpers import run_single
from tests.world import World, closed_port
from tests.world.domain_world import GKE_IP

# Generous bound for an error: two attempts of a 2 s deadline, plus scheduling slack.
ERROR_BOUND_S = 2 * 2 + 2.5

CLOUDFLARE_NS = """
[[check]]
id = "mybinder-dns-cloudflare"
type = "dns.nameservers"
description = "DNS for mybinder.org is handled by Cloudflare"
zone = "mybinder.org"
expect.nameservers = { all_match = '\\.ns\\.cloudflare\\.com$' }
expect.count = { at_least = 2 }
"""

GKE_RESOLVES = """
[[check]]
id = "gke-mybinder-resolves"
type = "dns.record"
description = "gke.mybinder.org resolves"
name = "gke.mybinder.org"
rdtype = "A"
"""


def record_check(name: str, rdtype: str = "A", extra: str = "") -> str:
    return f"""
[[check]]
id = "record"
type = "dns.record"
description = "a record"
name = "{name}"
rdtype = "{rdtype}"
{extra}
"""


def test_documented_cloudflare_delegation_is_ok(world: World) -> None:
    result = run_single(CLOUDFLARE_NS, world.env())
    assert result.status is Status.OK, result.message
    assert result.observed is not None
    assert result.observed["nameservers"] == ["chad.ns.cloudflare.com", "dina.ns.cloudflare.com"]
    assert result.evidence and "127.0.0.1" in result.evidence[0].source


def test_gke_record_resolves(world: World) -> None:
    result = run_single(GKE_RESOLVES, world.env())
    assert result.status is Status.OK, result.message
    assert result.observed is not None
    assert result.observed["values"] == [GKE_IP]


def test_order_case_and_trailing_dot_never_drift(world: World) -> None:
    text = """
[[check]]
id = "ns-set"
type = "dns.nameservers"
description = "exact NS set"
zone = "MyBinder.ORG."
nameservers = ["DINA.NS.CLOUDFLARE.COM.", "chad.ns.cloudflare.com"]
"""
    result = run_single(text, world.env())
    assert result.status is Status.OK, result.message


def test_moved_nameservers_drift_naming_expected_and_observed(world: World) -> None:
    world.dns.scenario.move_nameservers("mybinder.org", ["ns1.bluehost.com", "ns2.bluehost.com"])
    result = run_single(CLOUDFLARE_NS, world.env())
    assert result.status is Status.DRIFT
    assert "cloudflare" in result.message
    assert "ns1.bluehost.com" in result.message


def test_nxdomain_is_drift_when_the_record_is_documented(world: World) -> None:
    world.dns.scenario.set_records("gke.mybinder.org", "A", [])
    result = run_single(GKE_RESOLVES, world.env())
    assert result.status is Status.DRIFT
    assert "exists" in result.message
    assert "NXDOMAIN" in result.evidence[0].excerpt


def test_nxdomain_carries_the_zone_soa_that_makes_it_believable(world: World) -> None:
    world.dns.scenario.set_records("gke.mybinder.org", "A", [])
    result = run_single(GKE_RESOLVES, world.env())
    assert result.status is Status.DRIFT
    asked = [(q.name, q.rdtype) for q in world.dns.queries]
    assert ("org", "SOA") not in asked  # the SOA in the answer was proof enough


def test_a_resolver_denying_everything_is_an_error_never_drift(world: World) -> None:
    # A filtering or offline resolver (captive portal, sandbox, DNS firewall) answers
    # NXDOMAIN for every name, without the SOA a real negative answer carries.
    world.dns.inject("nxdomain")
    for check in (GKE_RESOLVES, CLOUDFLARE_NS):
        result = run_single(check, world.env())
        assert result.status is Status.ERROR, result.message
        assert "NXDOMAIN without the zone's SOA" in result.message
        assert "denies that org. exists too" in result.message


def test_nxdomain_without_soa_is_believed_when_the_tld_resolves(world: World) -> None:
    # Some resolvers strip the authority section; the TLD still answering shows they are
    # connected, so the missing name really is missing.
    world.dns.scenario.set_records("gke.mybinder.org", "A", [])
    world.dns.inject("nxdomain", suffix="gke.mybinder.org")
    result = run_single(GKE_RESOLVES, world.env())
    assert result.status is Status.DRIFT, result.message
    assert ("org", "SOA") in [(q.name, q.rdtype) for q in world.dns.queries]


def test_no_answer_is_drift_when_the_record_is_documented(world: World) -> None:
    result = run_single(record_check("gke.mybinder.org", "AAAA"), world.env())
    assert result.status is Status.DRIFT
    assert result.observed is not None and result.observed["exists"] is False


def test_documented_absence_is_ok(world: World) -> None:
    result = run_single(record_check("old.mybinder.org", extra="exists = false"), world.env())
    assert result.status is Status.OK, result.message


def test_values_of_other_types_compare_normalised(world: World) -> None:
    caa = record_check(
        "mybinder.org",
        "CAA",
        """values = ['0 issue "pki.goog"', '0 issue "letsencrypt.org"']""",
    )
    assert run_single(caa, world.env()).status is Status.OK
    txt = record_check("mybinder.org", "TXT", 'values = ["v=spf1 -all"]')
    assert run_single(txt, world.env()).status is Status.OK
    cname = record_check("www.mybinder.org", "CNAME", 'values = ["MYBINDER.ORG."]')
    assert run_single(cname, world.env()).status is Status.OK


def test_a_name_that_is_an_alias_is_not_a_zone(world: World) -> None:
    # www.mybinder.org is a CNAME to mybinder.org: the resolver answers the target's NS set,
    # which is not www's.
    text = CLOUDFLARE_NS.replace('zone = "mybinder.org"', 'zone = "www.mybinder.org"')
    result = run_single(text, world.env())
    assert result.status is Status.DRIFT
    assert result.observed is not None and result.observed["exists"] is False
    assert "is a CNAME to mybinder.org, not a zone" in result.evidence[0].excerpt


def test_a_lookup_follows_a_cname(world: World) -> None:
    result = run_single(record_check("www.mybinder.org", "A"), world.env())
    assert result.status is Status.OK, result.message
    assert result.observed is not None
    assert result.observed["values"] == ["104.21.51.12", "172.67.179.235"]


def test_changed_value_drifts(world: World) -> None:
    world.dns.scenario.set_records("gke.mybinder.org", "A", ["203.0.113.9"])
    text = record_check("gke.mybinder.org", extra=f'values = ["{GKE_IP}"]')
    result = run_single(text, world.env())
    assert result.status is Status.DRIFT
    assert GKE_IP in result.message and "203.0.113.9" in result.message


def test_truncated_udp_answer_is_retried_over_tcp(world: World) -> None:
    world.dns.inject("truncate", transport="udp")
    result = run_single(CLOUDFLARE_NS, world.env())
    assert result.status is Status.OK, result.message
    assert world.dns.count("tcp") >= 1


def test_oversized_answer_is_truncated_and_fetched_over_tcp(world: World) -> None:
    world.dns.scenario.set_records(
        "big.mybinder.org", "TXT", [f"token-{i:03d}-" + "x" * 60 for i in range(40)]
    )
    result = run_single(record_check("big.mybinder.org", "TXT"), world.env())
    assert result.status is Status.OK, result.message
    assert result.observed is not None and result.observed["count"] == 40
    assert world.dns.count("tcp") >= 1


def test_one_lost_packet_is_retried_within_the_deadline(world: World) -> None:
    world.dns.inject("drop", times=1)
    result = run_single(GKE_RESOLVES, world.env())
    assert result.status is Status.OK, result.message


@pytest.mark.parametrize("fault", ["servfail", "refused", "drop", "garbage"])
def test_resolver_failures_are_errors_within_the_deadline(world: World, fault: str) -> None:
    world.dns.inject(fault)
    started = time.monotonic()
    result = run_single(GKE_RESOLVES, world.env())
    assert result.status is Status.ERROR, result.message
    assert time.monotonic() - started < ERROR_BOUND_S
    assert result.attempts == 2  # an error is retried, never confirmed into drift
    # The check gives up with its own reason before the runner's hard deadline.
    assert result.message.startswith("DNS gke.mybinder.org A via 127.0.0.1:")


def test_servfail_message_names_the_rcode(world: World) -> None:
    world.dns.inject("servfail")
    result = run_single(CLOUDFLARE_NS, world.env())
    assert result.status is Status.ERROR
    assert "SERVFAIL" in result.message


def test_unreachable_resolver_is_an_error(world: World) -> None:
    env = {**world.env(), "CHECKER_DNS_RESOLVERS": f"127.0.0.1:{closed_port()}"}
    result = run_single(GKE_RESOLVES, env)
    assert result.status is Status.ERROR


def test_second_resolver_answers_when_the_first_fails(world: World) -> None:
    port = world.dns.port
    env = {**world.env(), "CHECKER_DNS_RESOLVERS": f"127.0.0.1:{closed_port()},127.0.0.1:{port}"}
    result = run_single(GKE_RESOLVES, env)
    assert result.status is Status.OK, result.message


def test_invalid_record_type_is_a_config_error(world: World) -> None:
    from checker.errors import ConfigError
    from tests.helpers import config_from

    with pytest.raises(ConfigError, match="rdtype"):
        config_from(record_check("gke.mybinder.org", "not a type"), world.env())
