"""The one domain scenario that the fake RDAP, WHOIS and DNS servers all serve.

By default it is the documented mybinder.org world: registered at PIR (.org) through
Bluehost (IANA id 1154), contact data redacted as PIR does today, delegated to Cloudflare,
expiring more than a year from now, and ``gke.mybinder.org`` resolving; Bluehost redacts the
contacts too. A thin .com domain (``binder-demo.com``, Verisign registry, contacts only at the
registrar) exercises registrar referrals, and ``binder-demo.de`` a DENIC registration, whose
public answers carry neither registrar nor expiry date. Tests drift it with the methods
below; ``reset()`` restores it.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

DOCUMENTED_EMAIL = "binder-team@googlegroups.com"
DOCUMENTED_OWNER = "Chris Holdgraf"
CLOUDFLARE_NS = ["chad.ns.cloudflare.com", "dina.ns.cloudflare.com"]
GKE_IP = "35.202.163.48"
# What privacy services put in place of the registrant, as their registries publish it.
PRIVACY_SERVICES = {
    "godaddy": ("Registration Private", "Domains By Proxy, LLC", "{domain}@domainsbyproxy.com"),
    "tucows": (
        "Statutory Masking Enabled",
        "Statutory Masking Enabled",
        "https://tieredaccess.com/contact/5c6f2a4e-0d1b-4c39-9a51-3f0e8b7d2c11",
    ),
    "ru": ("Private Person", "", ""),
}


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@dataclass
class Domain:
    name: str
    registry: str  # "pir" (thick .org), "verisign" (thin .com) or "denic" (.de)
    registry_id: str
    created: datetime
    updated: datetime
    expires: datetime
    nameservers: list[str]
    registrar: str = "Bluehost Inc."
    iana_id: int = 1154
    registrar_whois: str = "whois.bluehost.com"
    registrar_url: str = "http://www.bluehost.com"
    statuses: list[str] = field(default_factory=lambda: ["clientTransferProhibited"])
    registrant_email: str = DOCUMENTED_EMAIL
    registrant_org: str = ""
    registrant_name: str = DOCUMENTED_OWNER
    # The registry hides contacts (ICANN Registration Data Policy), as PIR does today.
    registry_redacts: bool = True
    # The registrar hides them too (true for most registrars; used by thin registries).
    registrar_redacts: bool = False
    # A ccTLD-style registry names the registrar by its own numeric handle, no IANA id.
    registry_registrar_handle: str = ""
    # WHOIS prints the last update in a form of its own (e.g. JPRS "2024/05/14 01:05:04 (JST)").
    updated_text: str = ""


def _documented_domains(now: datetime) -> dict[str, Domain]:
    return {
        "mybinder.org": Domain(
            name="mybinder.org",
            registry="pir",
            registry_id="5b4f0a1e8d2c4c0f9a3e7d6b1c2a9f80-LROR",
            created=_utc("2016-03-29T17:01:54"),
            updated=now - timedelta(days=40),
            expires=now + timedelta(days=400),
            nameservers=list(CLOUDFLARE_NS),
            registrar_redacts=True,
        ),
        "binder-demo.com": Domain(
            name="binder-demo.com",
            registry="verisign",
            registry_id="2336799431_DOMAIN_COM-VRSN",
            created=_utc("2018-11-02T20:14:09"),
            updated=now - timedelta(days=10),
            expires=now + timedelta(days=200),
            nameservers=["ns1.bluehost.com", "ns2.bluehost.com"],
            registrant_org="Project Jupyter",
        ),
        "binder-demo.de": Domain(
            name="binder-demo.de",
            registry="denic",
            registry_id="",
            created=_utc("2019-05-14T09:12:00"),
            updated=now - timedelta(days=90),
            expires=now + timedelta(days=365),  # DENIC knows it, but never publishes it
            nameservers=list(CLOUDFLARE_NS),
        ),
    }


def _documented_zone() -> dict[tuple[str, str], list[str]]:
    soa = "chad.ns.cloudflare.com. dns.cloudflare.com. 2358946613 10000 2400 604800 1800"
    return {
        # The TLD zones, so a negative answer carries its zone's SOA as real resolvers' do.
        ("org", "SOA"): [
            "a0.org.afilias-nst.info. hostmaster.donuts.email. 1764115200 7200 900 1209600 3600"
        ],
        ("com", "SOA"): [
            "a.gtld-servers.net. nstld.verisign-grs.com. 1764115200 1800 900 604800 900"
        ],
        ("mybinder.org", "SOA"): [soa],
        ("mybinder.org", "NS"): [f"{ns}." for ns in CLOUDFLARE_NS],
        ("mybinder.org", "A"): ["104.21.51.12", "172.67.179.235"],
        ("mybinder.org", "CAA"): ['0 issue "letsencrypt.org"', '0 issue "pki.goog"'],
        ("mybinder.org", "TXT"): ["v=spf1 -all"],
        ("gke.mybinder.org", "A"): [GKE_IP],
        ("www.mybinder.org", "CNAME"): ["mybinder.org."],
        ("binder-demo.com", "NS"): ["ns1.bluehost.com.", "ns2.bluehost.com."],
        ("binder-demo.com", "A"): ["192.0.2.10"],
    }


class DomainScenario:
    """Facts about registered domains and DNS records; thread-safe, copied out on read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.now = datetime.now(timezone.utc).replace(microsecond=0)
            self._domains = _documented_domains(self.now)
            self._zone = _documented_zone()

    # --- reads (used by the servers) -----------------------------------------------------
    def domain(self, name: str) -> Domain | None:
        with self._lock:
            found = self._domains.get(name.lower().rstrip("."))
            return copy.deepcopy(found) if found else None

    def records(self, name: str, rdtype: str) -> list[str]:
        with self._lock:
            return list(self._zone.get((name.lower().rstrip("."), rdtype), []))

    def name_exists(self, name: str) -> bool:
        name = name.lower().rstrip(".")
        with self._lock:
            return any(owner == name or owner.endswith("." + name) for owner, _ in self._zone)

    # --- drift ---------------------------------------------------------------------------
    def _edit(self, name: str) -> Domain:
        return self._domains[name]

    def set_registrar(self, domain: str, name: str, iana_id: int) -> None:
        with self._lock:
            record = self._edit(domain)
            record.registrar, record.iana_id = name, iana_id

    def set_expiry(self, domain: str, days: int) -> None:
        with self._lock:
            self._edit(domain).expires = self.now + timedelta(days=days, hours=12)

    def publish_contact(
        self, domain: str, email: str, org: str = "", name: str = DOCUMENTED_OWNER
    ) -> None:
        """The registrant consented to publication: the registry shows real values."""
        with self._lock:
            record = self._edit(domain)
            record.registrant_email, record.registrant_org = email, org
            record.registrant_name = name
            record.registry_redacts = False

    def redact_at_registrar(self, domain: str) -> None:
        with self._lock:
            self._edit(domain).registrar_redacts = True

    def publish_at_registrar(
        self, domain: str, email: str = DOCUMENTED_EMAIL, name: str = DOCUMENTED_OWNER
    ) -> None:
        """The registry still redacts, but the registrar shows the (consented) contact."""
        with self._lock:
            record = self._edit(domain)
            record.registrant_email, record.registrant_name = email, name
            record.registrar_redacts = False

    def use_privacy_service(self, domain: str, service: str) -> None:
        """The registrant hides behind a privacy service (one of PRIVACY_SERVICES): registry
        and registrar publish the service's placeholders, which are not personal data."""
        name, org, email = PRIVACY_SERVICES[service]
        with self._lock:
            record = self._edit(domain)
            record.registrant_name, record.registrant_org = name, org
            record.registrant_email = email.format(domain=domain)
            record.registry_redacts = record.registrar_redacts = False

    def write_updated_date_as(self, domain: str, text: str) -> None:
        with self._lock:
            self._edit(domain).updated_text = text

    def name_registrar_by_handle(self, domain: str, handle: str) -> None:
        with self._lock:
            self._edit(domain).registry_registrar_handle = handle

    def set_registrar_whois(self, domain: str, server: str) -> None:
        with self._lock:
            self._edit(domain).registrar_whois = server

    def move_nameservers(self, domain: str, nameservers: list[str]) -> None:
        """The domain is re-delegated: the registry and the zone's NS records change."""
        with self._lock:
            self._edit(domain).nameservers = list(nameservers)
            self._zone[(domain, "NS")] = [f"{ns}." for ns in nameservers]

    def delete_domain(self, domain: str) -> None:
        """The registration lapsed: the registry no longer knows it and the zone is gone."""
        with self._lock:
            del self._domains[domain]
            self._zone = {
                key: value
                for key, value in self._zone.items()
                if key[0] != domain and not key[0].endswith("." + domain)
            }

    def set_records(self, name: str, rdtype: str, values: list[str]) -> None:
        with self._lock:
            if values:
                self._zone[(name, rdtype)] = list(values)
            else:
                self._zone.pop((name, rdtype), None)


SCENARIO = DomainScenario()
