"""whois.* checks answered by RDAP (the primary source), against the loopback RDAP service."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from checker.engine.model import Result, Status
from checker.net.rdap import contacts_of
from checker.net.registration import Contacts
from tests.helpers import FAST_SETTINGS, run_single, run_text
from tests.test_whois import CONTACT, EXPIRY, NAMESERVERS, OWNER, REGISTRAR, check
from tests.world import World, closed_port
from tests.world.domain_world import DOCUMENTED_EMAIL
from tests.world.rdap import RecordedRDAP

ERROR_BOUND_S = 2 * 2 + 2.5  # two attempts of a 2 s deadline, plus slack


def test_documented_registration_is_ok_from_rdap(world: World) -> None:
    for template in (REGISTRAR, EXPIRY, NAMESERVERS):
        result = run_single(check(template), world.env())
        assert result.status is Status.OK, result.message
        assert result.observed is not None
        assert str(result.observed["source"]).startswith("RDAP http://127.0.0.1:")
    assert world.whois.count() == 0  # RDAP answered: WHOIS was never asked


def test_evidence_shows_the_judged_members_and_keeps_the_raw_json(world: World) -> None:
    result = run_single(check(REGISTRAR), world.env())
    evidence = result.evidence[0]
    assert evidence.source.endswith("/rdap/domain/mybinder.org -> HTTP 200")
    assert "IANA Registrar ID" in evidence.excerpt and "expiration" in evidence.excerpt
    assert "Terms of Use" not in evidence.excerpt and "Terms of Use" in evidence.raw


def test_redacted_contact_is_unverifiable(world: World) -> None:
    result = run_single(check(CONTACT), world.env())
    assert result.status is Status.UNVERIFIABLE
    assert "redacted" in result.message and "Registrant Email" in result.message


def test_published_contact_is_ok_and_a_changed_one_drifts(world: World) -> None:
    world.rdap.scenario.publish_contact("mybinder.org", DOCUMENTED_EMAIL)
    assert run_single(check(CONTACT), world.env()).status is Status.OK
    world.rdap.scenario.publish_contact("mybinder.org", "new-owner@example.com")
    result = run_single(check(CONTACT), world.env())
    assert result.status is Status.DRIFT
    assert DOCUMENTED_EMAIL in result.message and "new-owner@example.com" in result.message


def test_thin_registry_contacts_come_from_the_registrar_link(world: World) -> None:
    result = run_single(check(CONTACT, "binder-demo.com"), world.env())
    assert result.status is Status.OK, result.message
    assert world.rdap.count("GET", "/registrar/rdap/domain/binder-demo.com") == 1
    sources = [e.source for e in result.evidence]
    assert any("/rdap/domain/binder-demo.com" in s and "/registrar/" not in s for s in sources)
    assert any("/registrar/rdap/domain/binder-demo.com" in s for s in sources)


def test_registrar_link_is_only_followed_for_contacts(world: World) -> None:
    assert run_single(check(EXPIRY, "binder-demo.com"), world.env()).status is Status.OK
    assert world.rdap.count("GET", "/registrar/") == 0


def test_registrar_that_redacts_makes_contact_unverifiable(world: World) -> None:
    world.rdap.scenario.redact_at_registrar("binder-demo.com")
    result = run_single(check(CONTACT, "binder-demo.com"), world.env())
    assert result.status is Status.UNVERIFIABLE
    assert "redacted" in result.message


def test_unknown_domain_is_drift_not_error(world: World) -> None:
    world.rdap.scenario.delete_domain("mybinder.org")
    result = run_single(check(REGISTRAR), world.env())
    assert result.status is Status.DRIFT
    assert "exists" in result.message
    assert result.evidence[0].source.endswith("HTTP 404")


def test_drifts_name_expected_and_observed(world: World) -> None:
    scenario = world.rdap.scenario
    scenario.set_registrar("mybinder.org", "GoDaddy.com, LLC", 146)
    scenario.set_expiry("mybinder.org", 5)
    scenario.move_nameservers("mybinder.org", ["a.iana-servers.net", "b.iana-servers.net"])
    report = run_text(check(REGISTRAR) + check(EXPIRY) + check(NAMESERVERS), world.env())
    registrar, expiry, nameservers = report.results
    assert registrar.status is Status.DRIFT and "GoDaddy.com, LLC" in registrar.message
    assert expiry.status is Status.DRIFT and "at least 30, observed 5" in expiry.message
    assert nameservers.status is Status.DRIFT and "a.iana-servers.net" in nameservers.message


# --- bootstrap -----------------------------------------------------------------------------


def bootstrap_settings(world: World, path: str = "/bootstrap/dns.json") -> str:
    return FAST_SETTINGS + f'\n[settings.endpoints]\nrdap_bootstrap = "{world.rdap.url}{path}"\n'


def no_rdap_override(world: World) -> dict[str, str]:
    return {k: v for k, v in world.env().items() if k != "CHECKER_RDAP_URL"}


def test_base_url_comes_from_the_bootstrap_file_once_per_run(world: World) -> None:
    text = check(REGISTRAR) + check(EXPIRY) + check(NAMESERVERS)
    report = run_text(text, no_rdap_override(world), bootstrap_settings(world))
    assert [r.status for r in report.results] == [Status.OK] * 3
    assert all(str(r.observed["source"]).startswith("RDAP") for r in report.results if r.observed)
    assert world.rdap.count("GET", "/bootstrap/") == 1


def test_tld_without_rdap_is_asked_over_whois(world: World) -> None:
    world.rdap.bootstrap_tlds = ["com"]
    result = run_single(check(REGISTRAR), no_rdap_override(world), bootstrap_settings(world))
    assert result.status is Status.OK, result.message
    assert result.observed is not None and str(result.observed["source"]).startswith("WHOIS")
    assert any("no RDAP service is known" in e.excerpt for e in result.evidence)


def test_unreachable_bootstrap_falls_back_to_whois(world: World) -> None:
    world.rdap.inject("status", path_prefix="/bootstrap/", status=503)
    result = run_single(check(EXPIRY), no_rdap_override(world), bootstrap_settings(world))
    assert result.status is Status.OK, result.message
    assert result.observed is not None and str(result.observed["source"]).startswith("WHOIS")


# --- RDAP down: WHOIS gives the same verdicts -------------------------------------------------

RDAP_FAULTS = [
    {"kind": "status", "status": 503},
    {"kind": "status", "status": 500},
    {"kind": "rate_limit", "retry_after": 1},
    {"kind": "html"},
    {"kind": "truncated_json"},
    {"kind": "reset"},
    {"kind": "hang"},
    {"kind": "trickle"},
    {"kind": "huge"},
]


def drift_registrar(world: World) -> None:
    world.rdap.scenario.set_registrar("mybinder.org", "GoDaddy.com, LLC", 146)


def drift_expiry(world: World) -> None:
    world.rdap.scenario.set_expiry("mybinder.org", 3)


SCENARIOS = [
    ("documented registrar", None, REGISTRAR, Status.OK),
    ("registrar changed", drift_registrar, REGISTRAR, Status.DRIFT),
    ("expiry too close", drift_expiry, EXPIRY, Status.DRIFT),
    ("redacted contact", None, CONTACT, Status.UNVERIFIABLE),
]


@pytest.mark.parametrize("fault", RDAP_FAULTS, ids=lambda f: f"{f['kind']}-{f.get('status', '')}")
@pytest.mark.parametrize("name,drift,template,status", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_rdap_down_falls_back_to_whois_with_the_same_verdict(
    world: World, fault: dict, name: str, drift, template: str, status: Status
) -> None:
    if drift is not None:
        drift(world)
    healthy = run_single(check(template), world.env())
    assert healthy.status is status, healthy.message
    world.rdap.inject(path_prefix="/rdap/", **fault)
    started = time.monotonic()
    degraded = run_single(check(template), world.env())
    assert degraded.status is status, degraded.message
    assert time.monotonic() - started < ERROR_BOUND_S
    if degraded.observed is not None:
        assert str(degraded.observed["source"]).startswith("WHOIS")
        assert healthy.observed is not None
        same = {k: v for k, v in degraded.observed.items() if k != "source"}
        assert same == {k: v for k, v in healthy.observed.items() if k != "source"}


def test_both_sources_down_is_an_error_naming_both(world: World) -> None:
    world.rdap.inject("rate_limit", retry_after=1)
    world.whois.inject("rate_limit")
    started = time.monotonic()
    result = run_single(check(REGISTRAR), world.env())
    assert result.status is Status.ERROR
    assert "RDAP" in result.message and "HTTP 429" in result.message
    assert "WHOIS LIMIT EXCEEDED" in result.message
    assert time.monotonic() - started < ERROR_BOUND_S


def test_rdap_unreachable_and_whois_hanging_is_an_error_in_time(world: World) -> None:
    env = {**world.env(), "CHECKER_RDAP_URL": f"http://127.0.0.1:{closed_port()}/rdap"}
    world.whois.inject("hang")
    started = time.monotonic()
    result = run_single(check(EXPIRY), env)
    assert result.status is Status.ERROR
    assert "connection refused" in result.message and "timed out" in result.message
    assert time.monotonic() - started < ERROR_BOUND_S


def test_redacted_owner_name_is_unverifiable(world: World) -> None:
    result = run_single(OWNER, world.env())
    assert result.status is Status.UNVERIFIABLE
    assert "Registrant Name (emptyValue)" in result.message


# --- contact shapes other registries send ----------------------------------------------------


def vcard(*props: list) -> list:
    return ["vcard", [["version", {}, "text", "4.0"], *props]]


def test_response_profile_remark_marks_an_omitted_email_as_redacted() -> None:
    contacts = rdap_contacts(
        {
            "entities": [
                {
                    "roles": ["registrant"],
                    "vcardArray": vcard(["fn", {}, "text", "REDACTED FOR PRIVACY"]),
                    "remarks": [
                        {
                            "title": "EMAIL REDACTED FOR PRIVACY",
                            "type": "object redacted due to authorization",
                            "description": ["Please query the RDDS service of the Registrar"],
                        }
                    ],
                }
            ]
        }
    )
    assert contacts.emails == () and contacts.name is None
    assert contacts.hides("email") and contacts.hides("name")


def test_removed_whole_contact_hides_every_field() -> None:
    contacts = rdap_contacts(
        {
            "redacted": [
                {
                    "name": {"description": "Administrative Contact"},
                    "prePath": "$.entities[?(@.roles[0]=='administrative')]",
                    "method": "removal",
                }
            ]
        }
    )
    assert contacts.hides("email") and contacts.hides("organization") and contacts.hides("name")


def test_visible_vcard_values_are_read() -> None:
    contacts = rdap_contacts(
        {
            "entities": [
                {
                    "roles": ["registrant", "administrative"],
                    "vcardArray": vcard(
                        ["fn", {}, "text", "Chris Holdgraf"],
                        ["org", {}, "text", ["Project Jupyter", "Binder"]],
                        ["email", {}, "text", "Binder-Team@GoogleGroups.com"],
                    ),
                }
            ]
        }
    )
    assert contacts.emails == ("binder-team@googlegroups.com",)
    assert contacts.organization == "Project Jupyter Binder"
    assert contacts.name == "Chris Holdgraf" and contacts.redacted == ()


def rdap_contacts(data: dict) -> Contacts:
    return contacts_of(data)


# --- a 404 is "not found" only when the RDAP server says it ----------------------------------

NGINX_404 = (
    b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
    b"<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
NON_RDAP_404S = [
    pytest.param(NGINX_404, "text/html", id="proxy-html"),
    pytest.param(b"No registry found for this domain\n", "text/plain", id="aggregator-text"),
    pytest.param(b'{"message": "route not found"}', "application/json", id="api-json"),
]


@pytest.mark.parametrize(("body", "media"), NON_RDAP_404S)
def test_a_404_that_is_not_rdap_falls_back_to_whois(world: World, body: bytes, media: str) -> None:
    world.rdap.inject(
        "status",
        status=404,
        body=body,
        path_prefix="/rdap/domain/",
        headers={"Content-Type": media},
    )
    result = run_single(check(NAMESERVERS), world.env())
    assert result.status is Status.OK, result.message
    assert result.observed is not None and str(result.observed["source"]).startswith("WHOIS")
    assert any("not RDAP's error body" in e.excerpt for e in result.evidence)


def test_a_non_rdap_404_with_whois_down_is_an_error(world: World) -> None:
    world.rdap.inject(
        "status", status=404, body=NGINX_404, headers={"Content-Type": "text/html"}, times=10
    )
    env = {**world.env(), "CHECKER_WHOIS_SERVER": f"127.0.0.1:{closed_port()}"}
    result = run_single(check(REGISTRAR), env)
    assert result.status is Status.ERROR, result.message
    assert "HTML page" in result.message


def test_rdap_404_for_a_domain_whois_knows_is_answered_by_whois(world: World) -> None:
    """An RFC-following server that does not serve the zone (a wrong or stale base URL)
    says 404 in proper RDAP JSON: WHOIS, which has the record, decides."""
    world.rdap.inject("status", status=404, path_prefix="/rdap/domain/", times=10)
    result = run_single(check(REGISTRAR), world.env())
    assert result.status is Status.OK, result.message
    assert result.observed is not None and str(result.observed["source"]).startswith("WHOIS")
    assert any("said not found, but WHOIS has the record" in e.excerpt for e in result.evidence)


def test_rdap_404_stands_when_whois_cannot_answer(world: World) -> None:
    world.rdap.scenario.delete_domain("mybinder.org")
    env = {**world.env(), "CHECKER_WHOIS_SERVER": f"127.0.0.1:{closed_port()}"}
    result = run_single(check(REGISTRAR), env)
    assert result.status is Status.DRIFT
    assert any("could not confirm RDAP's not-found" in e.excerpt for e in result.evidence)


def test_deleted_domain_is_confirmed_by_whois(world: World) -> None:
    world.rdap.scenario.delete_domain("mybinder.org")
    result = run_single(check(NAMESERVERS), world.env())
    assert result.status is Status.DRIFT
    assert any(e.source.startswith("WHOIS") for e in result.evidence)


# --- one deadline for every RDAP request, bootstrap included ---------------------------------


def test_stalled_bootstrap_leaves_time_for_whois(world: World) -> None:
    world.rdap.inject("hang", path_prefix="/bootstrap/")
    started = time.monotonic()
    result = run_single(check(REGISTRAR), no_rdap_override(world), bootstrap_settings(world))
    assert result.status is Status.OK, result.message
    assert result.observed is not None and str(result.observed["source"]).startswith("WHOIS")
    assert time.monotonic() - started < ERROR_BOUND_S


def test_checks_queued_behind_a_stalled_bootstrap_still_get_whois(world: World) -> None:
    """Concurrent checks wait for the one bootstrap download; none may lose its WHOIS time."""
    world.rdap.inject("hang", path_prefix="/bootstrap/", times=10)
    text = check(REGISTRAR) + check(EXPIRY) + check(NAMESERVERS)
    text += check(EXPIRY, "binder-demo.com").replace("mybinder-expiry", "demo-expiry")
    started = time.monotonic()
    report = run_text(text, no_rdap_override(world), bootstrap_settings(world))
    assert [r.status for r in report.results] == [Status.OK] * 4, [
        r.message for r in report.results
    ]
    assert all(str((r.observed or {})["source"]).startswith("WHOIS") for r in report.results)
    assert time.monotonic() - started < ERROR_BOUND_S


def test_stalled_registrar_link_leaves_time_for_whois(world: World) -> None:
    world.rdap.inject("hang", path_prefix="/registrar/")
    started = time.monotonic()
    result = run_single(check(CONTACT, "binder-demo.com"), world.env())
    # RDAP gave up on the registrar in its half; WHOIS answered (one server: no referral).
    assert result.status is Status.UNVERIFIABLE, result.message
    assert any("RDAP failed" in e.excerpt for e in result.evidence)
    assert time.monotonic() - started < ERROR_BOUND_S


# --- registry redacts: the registrar's record is asked ----------------------------------------


def test_registrar_shows_what_the_registry_redacts(world: World) -> None:
    world.rdap.scenario.publish_at_registrar("mybinder.org")
    result = run_single(check(CONTACT), world.env())
    assert result.status is Status.OK, result.message
    assert world.rdap.count("GET", "/registrar/rdap/domain/mybinder.org") == 1
    assert run_single(OWNER, world.env()).status is Status.OK
    world.rdap.scenario.publish_at_registrar("mybinder.org", email="someone@example.org")
    drifted = run_single(check(CONTACT), world.env())
    assert drifted.status is Status.DRIFT and "someone@example.org" in drifted.message


def test_registrar_that_also_redacts_keeps_it_unverifiable(world: World) -> None:
    result = run_single(check(CONTACT), world.env())
    assert result.status is Status.UNVERIFIABLE
    assert world.rdap.count("GET", "/registrar/rdap/domain/mybinder.org") >= 1


def test_failing_registrar_link_keeps_the_registry_redaction(world: World) -> None:
    world.rdap.inject("status", status=503, path_prefix="/registrar/", times=10)
    result = run_single(check(CONTACT), world.env())
    assert result.status is Status.UNVERIFIABLE, result.message
    assert any("registrar's record could not be read" in e.excerpt for e in result.evidence)


# --- privacy services ---------------------------------------------------------------------


@pytest.mark.parametrize("service", ["godaddy", "tucows", "ru"])
def test_privacy_placeholders_are_unverifiable_not_drift(world: World, service: str) -> None:
    world.rdap.scenario.use_privacy_service("mybinder.org", service)
    for text in (OWNER, check(CONTACT)):
        result = run_single(text, world.env())
        assert result.status is Status.UNVERIFIABLE, result.message
        assert "RDAP" in result.message  # RDAP answered: the placeholders are what it shows


# --- DENIC: registrar and expiry are never published ------------------------------------------


def test_denic_rdap_serves_nameservers_and_says_what_it_never_publishes(world: World) -> None:
    nameservers = run_single(check(NAMESERVERS, "binder-demo.de"), world.env())
    assert nameservers.status is Status.OK, nameservers.message
    assert str((nameservers.observed or {})["source"]).startswith("RDAP")
    for template, what in ((REGISTRAR, "registrar"), (EXPIRY, "expiry date")):
        result = run_single(check(template, "binder-demo.de"), world.env())
        assert result.status is Status.UNVERIFIABLE, result.message
        assert f"does not publish the {what}" in result.message


# --- registrar ids ----------------------------------------------------------------------------


def test_numeric_registry_handle_is_not_an_iana_id(world: World) -> None:
    world.rdap.scenario.name_registrar_by_handle("mybinder.org", "5000")
    result = run_single(check(REGISTRAR), world.env())
    assert result.status is Status.UNVERIFIABLE, result.message
    assert "IANA id" in result.message


# --- recorded real objects (tests/corpus/rdap), and shapes derived from them ----------------

RECORDED = Path(__file__).parent / "corpus" / "rdap"


def recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RECORDED / name).read_text(encoding="utf-8"))
    return data


def serve(domain: str, data: dict[str, Any], toml: str) -> Result:
    rdap = RecordedRDAP({domain: (200, data)})
    rdap.start()
    try:
        env = {
            "CHECKER_RDAP_URL": f"{rdap.url}/rdap",
            "CHECKER_WHOIS_SERVER": f"127.0.0.1:{closed_port()}",
        }
        return run_single(toml, env)
    finally:
        rdap.stop()


def test_a_registrar_vcard_with_org_but_no_fn_names_the_registrar() -> None:  # B9
    data = recorded("icann_icann-rdap__microsoft.click.json")
    registrar = next(e for e in data["entities"] if "registrar" in e["roles"])
    props = registrar["vcardArray"][1]
    registrar["vcardArray"][1] = [
        ["org", {}, "text", "MarkMonitor Inc."] if p[0] == "fn" else p for p in props
    ]
    toml = """
[[check]]
id = "click-registrar"
type = "whois.registrar"
description = "microsoft.click is registered through MarkMonitor"
domain = "microsoft.click"
names = ["MarkMonitor"]
"""
    result = serve("microsoft.click", data, toml)
    assert result.status is Status.OK, result.message
    assert result.observed is not None and result.observed["registrar"] == "MarkMonitor Inc."


def test_every_contact_of_a_role_is_read() -> None:  # AFNIC lists two technical contacts
    contacts = contacts_of(recorded("icann_icann-rdap__domain_afnic_fr.json"))
    assert {"nic@nic.fr", "vincent.levigneron@afnic.fr", "contact@nic.fr"} <= set(contacts.emails)


def test_afnic_restricted_publication_is_a_hidden_contact_not_a_name() -> None:  # B10
    data = recorded("icann_icann-rdap__domain_afnic_fr.json")
    registrant = next(e for e in data["entities"] if "registrant" in e["roles"])
    for remark in registrant["remarks"]:
        if remark.get("type") == "contact restricted publication":
            remark["description"] = ["YES"]
    registrant["vcardArray"][1] = [
        ["fn", {}, "text", "Ano Nymous"] if p[0] == "fn" else p for p in registrant["vcardArray"][1]
    ]
    contacts = contacts_of(data)
    assert contacts.name is None and contacts.hides("name") and contacts.hides("email")
    result = serve("afnic.fr", data, OWNER.replace('"mybinder.org"', '"afnic.fr"'))
    assert result.status is Status.UNVERIFIABLE, result.message
    assert "restricted publication" in result.message


def test_an_rdap_error_object_is_an_error_not_an_absence() -> None:
    rdap = RecordedRDAP({"example.net": (501, recorded("icann_icann-rdap__error_ripe_net.json"))})
    rdap.start()
    try:
        env = {
            "CHECKER_RDAP_URL": f"{rdap.url}/rdap",
            "CHECKER_WHOIS_SERVER": f"127.0.0.1:{closed_port()}",
        }
        result = run_single(check(EXPIRY, "example.net"), env)
    finally:
        rdap.stop()
    assert result.status is Status.ERROR and "501" in result.message


def test_of_several_registrar_entities_the_accredited_one_is_taken() -> None:
    data = recorded("meeb_whoisit__data_rdap_response_domain1.json")  # Verisign's google.com
    reseller = {"objectClassName": "entity", "handle": "R-1", "roles": ["registrar"]}
    data["entities"] = [reseller, *data["entities"]]
    result = serve("google.com", data, check(REGISTRAR, "google.com"))
    assert result.observed is not None
    assert result.observed["registrar"] == "MarkMonitor Inc." and result.observed["iana_id"] == 292
