"""whois.* checks answered by port-43 WHOIS (RDAP unreachable), against the loopback server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from checker.engine.config import parse_config
from checker.engine.context import CheckContext, make_services
from checker.engine.model import CheckError, Status
from checker.net import whois_client
from checker.net.registration import ContactBuilder, Contacts, Registration, merge_contacts
from checker.net.whois_client import Directory, WhoisAnswer
from tests.helpers import FAST_SETTINGS, run_single
from tests.world import World, closed_port
from tests.world.domain_world import DOCUMENTED_EMAIL
from tests.world.whois_server import WhoisServer

ERROR_BOUND_S = 2 * 2 + 2.5  # two attempts of a 2 s deadline, plus slack

REGISTRAR = """
[[check]]
id = "mybinder-registrar"
type = "whois.registrar"
description = "The registrar of mybinder.org is BlueHost"
domain = "{domain}"
names = ["Bluehost", "FastDomain"]
iana_id = 1154
"""
CONTACT = """
[[check]]
id = "mybinder-contact"
type = "whois.contact"
description = "The contact email of mybinder.org is binder-team@googlegroups.com"
domain = "{domain}"
email = "binder-team@googlegroups.com"
"""
EXPIRY = """
[[check]]
id = "mybinder-expiry"
type = "whois.expiry"
description = "mybinder.org does not expire within 30 days"
domain = "{domain}"
days = 30
"""
NAMESERVERS = """
[[check]]
id = "mybinder-delegation"
type = "whois.nameservers"
description = "mybinder.org is delegated to Cloudflare"
domain = "{domain}"
expect.nameservers = {{ all_match = '\\.ns\\.cloudflare\\.com$' }}
expect.count = {{ at_least = 2 }}
"""


def check(template: str, domain: str = "mybinder.org") -> str:
    return template.format(domain=domain)


@pytest.fixture
def env(world: World) -> dict[str, str]:
    """The loopback world with RDAP unreachable, so WHOIS answers."""
    return {**world.env(), "CHECKER_RDAP_URL": f"http://127.0.0.1:{closed_port()}/rdap"}


def test_documented_registration_is_ok_from_whois(env: dict[str, str]) -> None:
    for template in (REGISTRAR, EXPIRY, NAMESERVERS):
        result = run_single(check(template), env)
        assert result.status is Status.OK, result.message
        assert result.observed is not None
        assert str(result.observed["source"]).startswith("WHOIS 127.0.0.1:")


def test_evidence_names_the_server_and_the_relevant_lines(env: dict[str, str]) -> None:
    result = run_single(check(REGISTRAR), env)
    whois = [e for e in result.evidence if e.source.startswith("WHOIS")]
    assert whois and "query 'mybinder.org'" in whois[0].source
    assert "Registrar IANA ID: 1154" in whois[0].excerpt
    assert "Terms of Use" not in whois[0].excerpt  # only the relevant lines
    assert "Terms of Use" in whois[0].raw
    assert any("RDAP failed" in e.excerpt for e in result.evidence)


def test_redacted_contact_is_unverifiable(env: dict[str, str]) -> None:
    result = run_single(check(CONTACT), env)
    assert result.status is Status.UNVERIFIABLE
    assert "redacted" in result.message
    assert "Please query the RDDS service" in result.message


def test_published_contact_is_ok_and_a_changed_one_drifts(world: World, env: dict) -> None:
    world.whois.scenario.publish_contact("mybinder.org", DOCUMENTED_EMAIL, "Project Jupyter")
    assert run_single(check(CONTACT), env).status is Status.OK
    world.whois.scenario.publish_contact("mybinder.org", "someone@example.org")
    result = run_single(check(CONTACT), env)
    assert result.status is Status.DRIFT
    assert DOCUMENTED_EMAIL in result.message and "someone@example.org" in result.message


def test_changed_registrar_drifts(world: World, env: dict[str, str]) -> None:
    world.whois.scenario.set_registrar("mybinder.org", "GoDaddy.com, LLC", 146)
    result = run_single(check(REGISTRAR), env)
    assert result.status is Status.DRIFT
    assert '"GoDaddy.com, LLC"' in result.message and "Bluehost" in result.message
    assert "146" in result.message and "1154" in result.message


def test_bluehost_historic_registrar_name_is_accepted(world: World, env: dict) -> None:
    world.whois.scenario.set_registrar("mybinder.org", "FastDomain Inc.", 1154)
    assert run_single(check(REGISTRAR), env).status is Status.OK


def test_expiry_too_close_drifts(world: World, env: dict[str, str]) -> None:
    world.whois.scenario.set_expiry("mybinder.org", 10)
    result = run_single(check(EXPIRY), env)
    assert result.status is Status.DRIFT
    assert "days_left to be at least 30, observed 10" in result.message


def test_moved_delegation_drifts(world: World, env: dict[str, str]) -> None:
    world.whois.scenario.move_nameservers("mybinder.org", ["ns1.bluehost.com", "NS2.BLUEHOST.COM"])
    result = run_single(check(NAMESERVERS), env)
    assert result.status is Status.DRIFT
    assert "ns1.bluehost.com" in result.message


@pytest.mark.parametrize("domain", ["mybinder.org", "binder-demo.com"])
def test_domain_unknown_to_the_registry_drifts(world: World, env: dict, domain: str) -> None:
    world.whois.scenario.delete_domain(domain)
    result = run_single(check(REGISTRAR, domain), env)
    assert result.status is Status.DRIFT
    assert "expected exists to equal true, observed false" in result.message


@pytest.mark.parametrize(
    "fault", ["hang", "trickle", "reset", "rate_limit", "garbage", "huge", "close"]
)
def test_whois_faults_are_errors_within_the_deadline(world: World, env: dict, fault: str) -> None:
    world.whois.inject(fault)
    started = time.monotonic()
    result = run_single(check(EXPIRY), env)
    assert result.status is Status.ERROR, result.message
    assert time.monotonic() - started < ERROR_BOUND_S
    assert "WHOIS" in result.message


def test_rate_limit_message_quotes_the_server(world: World, env: dict[str, str]) -> None:
    world.whois.inject("rate_limit")
    result = run_single(check(REGISTRAR), env)
    assert result.status is Status.ERROR
    assert "WHOIS LIMIT EXCEEDED" in result.message


def test_one_reset_is_retried_to_ok(world: World, env: dict[str, str]) -> None:
    world.whois.inject("reset", times=1)
    result = run_single(check(REGISTRAR), env)
    assert result.status is Status.OK
    assert result.attempts == 2


def test_thin_com_registry_answers_registration_facts(env: dict[str, str]) -> None:
    result = run_single(check(EXPIRY, "binder-demo.com"), env)
    assert result.status is Status.OK, result.message
    registrar = run_single(check(REGISTRAR, "binder-demo.com"), env)
    assert registrar.status is Status.OK, registrar.message


def test_thin_com_contact_with_one_server_is_unverifiable(env: dict[str, str]) -> None:
    result = run_single(check(CONTACT, "binder-demo.com"), env)
    assert result.status is Status.UNVERIFIABLE
    assert "publishes no contact email" in result.message
    assert any("referral to whois.bluehost.com not followed" in e.excerpt for e in result.evidence)


# --- the discovery chain, over real sockets: IANA -> registry -> registrar ----------------


@pytest.fixture
def registrar_server() -> Iterator[WhoisServer]:
    server = WhoisServer(role="registrar")
    yield server
    server.stop()


def make_ctx(env: dict[str, str]) -> CheckContext:
    config = parse_config(FAST_SETTINGS, Path("checks.toml"), env)
    return CheckContext(make_services(config.settings, env), deadline=time.monotonic() + 2)


def chain(world: World, registrar: WhoisServer) -> Directory:
    return Directory(
        addresses={
            "whois.iana.org": world.whois.address,
            "whois.verisign-grs.com": world.whois.address,
            "whois.publicinterestregistry.org": world.whois.address,
            "whois.bluehost.com": registrar.address,
        }
    )


def test_iana_then_thin_registry_then_registrar(world: World, registrar_server) -> None:
    ctx = make_ctx({})
    directory = chain(world, registrar_server)
    record = whois_client.lookup("binder-demo.com", ctx, need_contacts=True, directory=directory)
    assert record.registrar == "Bluehost Inc." and record.iana_id == 1154
    assert record.contacts.emails == (DOCUMENTED_EMAIL,)
    assert record.contacts.organization == "Project Jupyter"
    assert world.whois.queries == ["com", "binder-demo.com"]
    assert registrar_server.queries == ["binder-demo.com"]
    # Within one run every query is asked once; a new look (a retry, a drift's second look)
    # asks the registry again, but not IANA: the referral is kept for the run.
    whois_client.lookup("binder-demo.com", ctx, need_contacts=False, directory=directory)
    assert world.whois.queries == ["com", "binder-demo.com"]
    again = replace(ctx, fresh_after=time.monotonic())
    whois_client.lookup("binder-demo.com", again, need_contacts=False, directory=directory)
    assert world.whois.queries == ["com", "binder-demo.com", "binder-demo.com"]
    assert registrar_server.count() == 1  # no contacts needed: the registrar is not asked


def test_thick_registry_that_shows_contacts_needs_no_registrar(
    world: World, registrar_server
) -> None:
    world.whois.scenario.publish_contact("mybinder.org", DOCUMENTED_EMAIL)
    record = whois_client.lookup(
        "mybinder.org", make_ctx({}), need_contacts=True, directory=chain(world, registrar_server)
    )
    assert record.contacts.emails == (DOCUMENTED_EMAIL,)
    assert world.whois.queries == ["org", "mybinder.org"]
    assert registrar_server.count() == 0


def test_registry_that_redacts_sends_us_to_the_registrar(world: World, registrar_server) -> None:
    """PIR redacts and says "Please query the RDDS service of the Registrar of Record": the
    registrar is where consented contact data is published."""
    directory = chain(world, registrar_server)
    record = whois_client.lookup(
        "mybinder.org", make_ctx({}), need_contacts=True, directory=directory
    )
    assert registrar_server.queries == ["mybinder.org"]
    assert record.contacts.emails == () and record.contacts.hides("email")  # Bluehost hides too
    world.whois.scenario.publish_at_registrar("mybinder.org")
    record = whois_client.lookup(
        "mybinder.org", make_ctx({}), need_contacts=True, directory=directory
    )
    assert record.contacts.emails == (DOCUMENTED_EMAIL,) and not record.contacts.hides("email")
    assert record.contacts.name == "Chris Holdgraf"
    assert len([e for e in record.evidence if e.source.startswith("WHOIS")]) == 2


def test_registrar_without_port_43_leaves_the_registry_redaction(world: World) -> None:
    """Registrars may close port 43 since 2025: a redacting registry still answered, so the
    contact stays hidden (unverifiable), not an error every night."""
    directory = Directory(
        addresses={
            "whois.iana.org": world.whois.address,
            "whois.publicinterestregistry.org": world.whois.address,
            "whois.bluehost.com": ("127.0.0.1", closed_port()),
        }
    )
    record = whois_client.lookup(
        "mybinder.org", make_ctx({}), need_contacts=True, directory=directory
    )
    assert record.contacts.hides("email") and record.contacts.emails == ()
    assert any("registrar not asked" in e.excerpt for e in record.evidence)


def test_registrar_that_redacts_too(world: World, registrar_server) -> None:
    world.whois.scenario.redact_at_registrar("binder-demo.com")
    record = whois_client.lookup(
        "binder-demo.com",
        make_ctx({}),
        need_contacts=True,
        directory=chain(world, registrar_server),
    )
    assert record.contacts.emails == () and record.contacts.hides("email")


def test_web_form_referral_is_not_followed(world: World, registrar_server) -> None:
    world.whois.scenario.set_registrar_whois("binder-demo.com", "http://api.fastdomain.com/whois")
    record = whois_client.lookup(
        "binder-demo.com",
        make_ctx({}),
        need_contacts=True,
        directory=chain(world, registrar_server),
    )
    assert not record.contacts.published
    assert registrar_server.count() == 0


def test_a_referral_to_an_address_and_port_is_not_followed(world: World, registrar_server) -> None:
    # A record is outside text: it must not point the tool at any host and port it names.
    host, port = registrar_server.address
    world.whois.scenario.set_registrar_whois("binder-demo.com", f"{host}:{port}")
    record = whois_client.lookup(
        "binder-demo.com",
        make_ctx({}),
        need_contacts=True,
        directory=Directory(addresses={"whois.iana.org": world.whois.address,
                                       "whois.verisign-grs.com": world.whois.address}),
    )  # fmt: skip
    assert not record.contacts.published
    assert registrar_server.count() == 0


def test_registrar_failure_is_an_error_for_contacts(world: World, registrar_server) -> None:
    registrar_server.inject("reset")
    with pytest.raises(CheckError, match="reset"):
        whois_client.lookup(
            "binder-demo.com",
            make_ctx({}),
            need_contacts=True,
            directory=chain(world, registrar_server),
        )


# --- parsing real-world shapes -------------------------------------------------------------


def parse(text: str, domain: str = "example.org") -> Registration:
    answer = WhoisAnswer("whois.example", ("whois.example", 43), domain, text)
    return whois_client.parse(domain, answer)


REGISTRAR_RECORD = """Domain Name: example.org
Registry Domain ID: e706f642a26e42ebaf3476aa0cd55608-LROR
Registrar WHOIS Server: whois.namecheap.com
Updated Date: 2023-12-11T05:32:59.44Z
Creation Date: 2008-01-02T02:17:19.49Z
Registrar Registration Expiration Date: 2025-01-02T02:17:19.49Z
Registry Expiry Date: 2025-01-01T02:17:19Z
Registrar: NAMECHEAP INC
Registrar IANA ID: 1068
Registrant Organization: Privacy service provided by Withheld for Privacy ehf
Registrant Email: 595f9c6e77684c078bd14c7c8478cf1c.protect@withheldforprivacy.com
Name Server: ADELAIDE.NS.CLOUDFLARE.COM. 108.162.194.1
Name Server: kyree.ns.cloudflare.com
>>> Last update of WHOIS database: 2023-12-10T10:57:13.52Z <<<

NOTICE: excessive querying of this service may lead to your access being limited.
"""


def test_lists_dates_glue_and_privacy_proxies_are_normalised() -> None:
    record = parse(REGISTRAR_RECORD)
    assert record.exists and record.iana_id == 1068
    assert record.expires is not None and record.expires.isoformat().startswith("2025-01-01")
    assert record.nameservers == ("adelaide.ns.cloudflare.com", "kyree.ns.cloudflare.com")
    assert record.contacts.emails == ()  # a proxy address is not the registrant's
    assert record.contacts.hides("email") and record.contacts.hides("organization")


@pytest.mark.parametrize(
    "text",
    [
        "NOT FOUND\n>>> Last update of WHOIS database: 2026-11-25T21:00:00Z <<<\n",
        'No match for "EXAMPLE.ORG".\n>>> Last update of whois database: 2026 <<<\n',
        "Domain not found.\n\nTerms of Use: ...\n",
        "% No entries found for the selected source(s).\n",
    ],
)
def test_not_found_answers(text: str) -> None:
    assert parse(text).exists is False


@pytest.mark.parametrize(
    "text",
    [
        "Your connection limit exceeded. Please slow down and try again later.\n",
        "%% Excessive querying, grace period of your IP has been exceeded.\n",
        "WHOIS LIMIT EXCEEDED - SEE WWW.PIR.ORG/WHOIS FOR DETAILS\n",
        "",
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
        "Domain Name: example.org\n",  # a record with no facts in it
        "Domain Name: other.org\nRegistrar: X\nRegistry Expiry Date: 2030-01-01T00:00:00Z\n",
    ],
)
def test_answers_that_are_not_records_are_errors(text: str) -> None:
    with pytest.raises(CheckError):
        parse(text)


OWNER = """
[[check]]
id = "mybinder-owner"
type = "whois.contact"
description = "mybinder.org is owned by Chris Holdgraf"
domain = "mybinder.org"
name = "Chris Holdgraf"
"""


def test_redacted_owner_name_is_unverifiable(env: dict[str, str]) -> None:
    result = run_single(OWNER, env)
    assert result.status is Status.UNVERIFIABLE
    assert "name" in result.message and "Registrant Name: REDACTED FOR PRIVACY" in result.message


def test_published_owner_name_is_checked(world: World, env: dict[str, str]) -> None:
    world.whois.scenario.publish_contact("mybinder.org", DOCUMENTED_EMAIL)
    assert run_single(OWNER, env).status is Status.OK
    world.whois.scenario.publish_contact("mybinder.org", DOCUMENTED_EMAIL, name="Jane Doe")
    result = run_single(OWNER, env)
    assert result.status is Status.DRIFT
    assert "Chris Holdgraf" in result.message and "Jane Doe" in result.message


@pytest.mark.parametrize(
    "text",
    [
        "55000000002 Connection refused; access control limit reached.\n",
        "Error: The WHOIS query quota for 192.0.2.1 has been exceeded.\n",
    ],
)
def test_rate_limit_answers_say_so(text: str) -> None:
    with pytest.raises(CheckError, match="refused the query"):
        parse(text)


def test_an_unreadable_expiry_is_kept_for_the_expiry_check_alone() -> None:
    record = parse("Domain Name: example.org\nRegistrar: X\nRegistry Expiry Date: 31st of Smarch\n")
    assert record.registrar == "X"
    assert record.expires is None and record.unreadable_expiry == "31st of Smarch"


# --- a date python-whois cannot read fails only what needs it ---------------------------------


def test_odd_updated_date_does_not_fail_the_record(world: World, env: dict[str, str]) -> None:
    world.whois.scenario.write_updated_date_as("mybinder.org", "2024/05/14 01:05:04 (JST)")
    for template in (REGISTRAR, EXPIRY, NAMESERVERS):
        result = run_single(check(template), env)
        assert result.status is Status.OK, result.message


# --- DENIC: a registry that publishes the delegation only ------------------------------------


def test_denic_record_serves_nameservers(env: dict[str, str]) -> None:
    result = run_single(check(NAMESERVERS, "binder-demo.de"), env)
    assert result.status is Status.OK, result.message
    assert result.observed is not None and result.observed["count"] == 2


@pytest.mark.parametrize(("template", "what"), [(REGISTRAR, "registrar"), (EXPIRY, "expiry")])
def test_denic_registrar_and_expiry_are_unverifiable(env: dict, template: str, what: str) -> None:
    result = run_single(check(template, "binder-demo.de"), env)
    assert result.status is Status.UNVERIFIABLE, result.message
    assert f"does not publish the {what}" in result.message


def test_denic_free_domain_drifts(world: World, env: dict[str, str]) -> None:
    world.whois.scenario.delete_domain("binder-demo.de")
    result = run_single(check(NAMESERVERS, "binder-demo.de"), env)
    assert result.status is Status.DRIFT
    assert "expected exists to equal true, observed false" in result.message


def test_iana_refers_de_to_denic(world: World, registrar_server) -> None:
    directory = Directory(
        addresses={"whois.iana.org": world.whois.address, "whois.denic.de": world.whois.address}
    )
    record = whois_client.lookup(
        "binder-demo.de", make_ctx({}), need_contacts=False, directory=directory
    )
    assert record.registrar is None and record.expires is None
    assert record.nameservers == ("chad.ns.cloudflare.com", "dina.ns.cloudflare.com")
    assert world.whois.queries == ["de", "binder-demo.de"]


# --- privacy services: their placeholders hide the contact, they are not a new owner -----------


@pytest.mark.parametrize("service", ["godaddy", "tucows", "ru"])
def test_privacy_service_placeholders_are_unverifiable(
    world: World, env: dict[str, str], service: str
) -> None:
    world.whois.scenario.use_privacy_service("mybinder.org", service)
    for template in (OWNER, check(CONTACT)):
        result = run_single(template, env)
        assert result.status is Status.UNVERIFIABLE, result.message


def test_a_name_next_to_a_privacy_service_is_the_services() -> None:
    record = parse(
        "Domain Name: example.org\nRegistrar: Name.com, Inc.\n"
        "Registry Expiry Date: 2030-01-01T00:00:00Z\n"
        "Registrant Name: Whois Agent\n"
        "Registrant Organization: Domain Protection Services, Inc.\n"
        "Registrant Email: https://www.name.com/contact-domain-whois/example.org\n"
    )
    assert record.contacts.name is None and record.contacts.organization is None
    assert record.contacts.hides("name") and record.contacts.hides("organization")


def test_a_visible_name_next_to_a_redacted_email_is_read() -> None:
    record = parse(
        "Domain Name: example.org\nRegistrar: X\nRegistry Expiry Date: 2030-01-01T00:00:00Z\n"
        "Registrant Name: Chris Holdgraf\nRegistrant Email: REDACTED FOR PRIVACY\n"
    )
    assert record.contacts.name == "Chris Holdgraf" and record.contacts.hides("email")


# --- merging the registrar's contacts into a registry's redacted ones -------------------------


def _contacts(*shown: tuple[str, str], hidden: tuple[str, ...] = ()) -> Contacts:
    builder = ContactBuilder()
    for label, value in shown:
        if label.endswith("Email"):
            builder.email(label, value)
        else:
            builder.text(label, value)
    for label in hidden:
        builder.hidden(label, f"{label}: REDACTED FOR PRIVACY")
    return builder.build()


def test_a_registrar_showing_another_field_does_not_unhide_the_registry_redaction() -> None:
    registry = _contacts(hidden=("Registrant Email",))
    registrar = _contacts(("Tech Email", "hostmaster@bluehost.com"))
    merged = merge_contacts(registry, registrar)
    assert merged.emails == ("hostmaster@bluehost.com",)
    assert merged.hides("email")  # the documented address may be the hidden registrant's


def test_a_registrar_showing_the_redacted_field_itself_is_what_counts() -> None:
    registry = _contacts(hidden=("Registrant Email", "Registrant Name"))
    registrar = _contacts(("Registrant Email", "someone@example.org"))
    merged = merge_contacts(registry, registrar)
    assert not merged.hides("email") and merged.hides("name")


@pytest.mark.parametrize(
    ("organization", "hidden"),
    [
        ("Acme Software Private Limited", False),  # an Indian company's legal form
        ("Environmental Protection Agency", False),
        ("Registration Private", True),  # GoDaddy / Domains By Proxy
        ("Private Person", True),
        ("Identity Protection Service", True),
        ("Withheld for Privacy ehf", True),
    ],
)
def test_privacy_placeholders_hide_and_real_names_do_not(organization: str, hidden: bool) -> None:
    contacts = _contacts(("Registrant Organization", organization))
    assert bool(contacts.hides("organization")) is hidden
    assert (contacts.organization is None) is hidden


# --- real records python-whois reads only in part (issue #14) --------------------------------

RAW = Path(__file__).parent / "corpus" / "whois" / "raw"


def real(domain: str, served_as: str | None = None) -> Registration:
    """A vendored real WHOIS answer, parsed as the server sent it (CRLF and all)."""
    return parse(RAW.joinpath(domain).read_text(encoding="utf-8"), served_as or domain)


@pytest.mark.parametrize(
    ("domain", "nameservers"),
    [
        # B1: a block returned as one multi-line string, bullets and glue included
        ("google.com.tr", ("ns1.google.com", "ns2.google.com", "ns3.google.com", "ns4.google.com")),
        ("google.co.ve", ("ns1.google.com", "ns2.google.com", "ns3.google.com", "ns4.google.com")),
        ("liechtenstein.li", ("pdns.llv.li", "scsnms.switch.ch")),
        # B2: words of other lines are not hosts
        ("app.nl", ("ns1.hoasted.nl", "ns2.hoasted.eu", "ns3.hoasted.com")),
        # B3: a block python-whois misses, with trailing dots
        ("www.gov.uk", ("ns0.ja.net", "ns2.ja.net", "ns3.ja.net", "ns4.ja.net")),
        # python-whois finds three of the four .it hosts
        ("google.it", ("ns1.google.com", "ns2.google.com", "ns3.google.com", "ns4.google.com")),
    ],
)
def test_nameserver_blocks_are_read_host_by_host(domain: str, nameservers: tuple) -> None:
    record = real(domain, "gov.uk" if domain == "www.gov.uk" else None)
    assert set(nameservers) <= set(record.nameservers)
    assert all("." in host and " " not in host for host in record.nameservers)


def test_a_record_with_only_a_nameserver_block_is_a_record() -> None:  # B4
    record = real("abv.bg")
    assert record.exists and record.nameservers == ("ns.netinfo.bg", "ns2.netinfo.bg")


@pytest.mark.parametrize(
    ("domain", "registrar"),
    [
        ("davidwalsh.name", "Name.com, Inc."),  # B4: python-whois finds only the domain
        ("seal.jobs", "GoDaddy.com, LLC"),  # B6: "Registrar:"
        ("google.lv", "MarkMonitor Inc."),  # B6: "[Registrar]" block, "Name:"
        ("microsoft.com", "TUCOWS INC."),  # B11: the queried object's, not a host object's
    ],
)
def test_the_registrar_label_of_the_queried_domain_is_read(domain: str, registrar: str) -> None:
    assert real(domain).registrar == registrar


def test_nominet_no_registrar_is_no_registrar() -> None:
    assert real("www.gov.uk", "gov.uk").registrar is None


def test_registry_expiry_label_is_read_when_python_whois_misses_it() -> None:  # B6
    record = real("google.co.id")
    assert record.expires is not None and record.expires.isoformat() == "2026-09-01T23:59:59+00:00"


def test_an_unreadable_update_date_with_a_colon_does_not_fail_the_record() -> None:  # B5
    record = real("google.kg")
    assert record.expires is not None and record.expires.isoformat().startswith("2026-03-28")
    assert "dns-admin@google.com" in record.contacts.emails


def test_a_bare_record_is_a_record_whose_facts_are_not_published() -> None:  # .hu
    record = real("google.hu")
    assert record.exists
    assert record.registrar is None and record.expires is None and record.nameservers == ()


@pytest.mark.parametrize(
    ("domain", "email"),
    [
        ("google.at", "dns-admin@google.com"),  # nic.at objects: "e-mail:"
        ("eurid.eu", "tech@eurid.eu"),  # "Technical:" heading, "Email:"
        ("google.fr", "dns-admin@google.com"),  # AFNIC nic-hdl objects
        ("google.com.br", "ccops@markmonitor.com"),
        ("google.sk", "dns-admin@google.com"),
        ("sbc.org.hk", "admin@sbc.org.hk"),
        ("yandex.kz", "hostmaster@yandex.net"),  # "Email Address..........:"
        ("web.de", "ui-hostmaster@1and1.com"),
        ("google.co.ve", "dns-admin@google.com"),  # an address after the name, "Titular:"
        ("microsoft.com", "domains@microsoft.com"),  # under "Administrative Contact:"
    ],
)
def test_contact_addresses_of_other_layouts_are_read(domain: str, email: str) -> None:  # B8
    assert email in real(domain).contacts.emails


@pytest.mark.parametrize(
    ("domain", "not_a_contact"),
    [
        ("sbc.org.hk", "enquiry@hkdnr.hk"),  # "Registrar Contact Information: Email:"
        ("google.com.ua", "abusecomplaints@markmonitor.com"),  # "abuse-email:"
        ("reddit.com", "support@domainbank.com"),  # "Domain Services Provided By:"
        ("google.co.ve", "whois@nic.ve"),  # the registry's own prose
    ],
)
def test_registrar_abuse_and_prose_addresses_are_not_contacts(
    domain: str, not_a_contact: str
) -> None:
    assert not_a_contact not in real(domain).contacts.emails


def test_afnic_anonymous_contact_is_hidden_not_read() -> None:  # B10
    contacts = real("univ-paris8.fr").contacts
    assert "dsi.secretariat@univ-paris8.fr" in contacts.emails
    assert contacts.hides("email")  # the "Ano Nymous" object restricts its publication


def test_rdap_404_and_an_unreadable_whois_record_is_an_error(world: World) -> None:  # B7
    world.rdap.scenario.delete_domain("mybinder.org")  # RDAP: 404 error object
    world.whois.records = {"mybinder.org": "Domain Name: mybinder.org\nSomething: else\n"}
    try:
        result = run_single(check(REGISTRAR), world.env())
    finally:
        world.whois.records = None
    assert result.status is Status.ERROR
    assert "could not be read" in result.message and "not a domain record" in result.message


@pytest.mark.parametrize(
    ("domain", "registrar"),
    [
        ("amazon.co.uk", "Amazon.com, Inc. t/a Amazon.com, Inc. [Tag = AMAZON-COM]"),  # next line
        ("eurid.eu", "EURid vzw"),  # "Registrar:" heading, then "Name:"
        ("davidwalsh.name", "Name.com, Inc."),  # "Registrar:" line
    ],
)
def test_registrar_labels_read_from_the_text(domain: str, registrar: str) -> None:
    text = RAW.joinpath(domain).read_text(encoding="utf-8")
    assert whois_client._registrar({}, text) == registrar


def test_glue_lines_between_listed_hosts_do_not_end_the_list() -> None:
    record = parse(
        "Domain Name: example.org\nRegistrar: Example Registrar\n\nName servers:\n"
        "   ns1.example.net.\n   192.0.2.53\n   2001:db8::53\n   ns2.example.net\n\nStatus: ok\n"
    )
    assert record.nameservers == ("ns1.example.net", "ns2.example.net")
