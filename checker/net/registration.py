"""One normalised registration record, whichever source (RDAP or WHOIS) answered.

Both sources say the same things in different shapes (vCards and events vs. ``Key: value``
lines; strings that may be lists; names with or without a trailing dot). Everything here turns
them into one comparable form, and recognises the many ways a registry says "redacted".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from checker.engine.model import Evidence

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# How registries and registrars say "you may not see this" (ICANN Registration Data Policy,
# RDAP Response Profile remarks, the PIR/Verisign "Please query the RDDS service..." text).
REDACTION_MARKERS = (
    "redacted",
    "please query the rdds service",
    "please query the whois service",
    "not disclosed",
    "data protected",
    "withheld",
    "gdpr",
    "non-public data",
    "not shown",
    "hidden upon",
    "hidden by",
)
# A privacy/proxy service stands in for the real contact: the documented one cannot be seen.
# Real placeholders: "Registration Private" / "Domains By Proxy, LLC" (GoDaddy), "Statutory
# Masking Enabled" (Tucows/OpenSRS), "Contact Privacy Inc. Customer 0123" (Tucows), "Private
# Person" (.ru, .su), "Whois Agent" / "Domain Protection Services" (Name.com), "... on behalf
# of example.com owner" and "Whois Privacy" services.
# The placeholders themselves, not bare words that real names hold too: "Acme Software Private
# Limited" (an Indian company's legal form) or an "...Environmental Protection..." body is a
# real registrant.
PROXY_MARKERS = (
    "privacy",
    "registration private",
    "private registration",
    "private person",
    "proxy",
    "withheld",
    "whoisguard",
    "whois agent",
    "protection service",
    "anonymi",
    "identity protect",
    "masked",
    "masking",
    "on behalf of",
    "ano nymous",  # AFNIC's stand-in for a contact with restricted publication
)
# A host name: labels of letters, digits and hyphens, and a top-level label that starts with a
# letter (so "192.0.2.1", "-", "creation" and "(185.36.4.253)" are not hosts).
HOST = re.compile(
    r"^(?=.{3,253}$)(?:[a-z0-9_](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$"
)


def normalise_host(line: str) -> str | None:
    """``NS1.Example.COM. 192.0.2.1`` or ``- ns1.example.com`` -> ``ns1.example.com`` (WHOIS
    puts glue after names and bullets before them); None when the line names no host."""
    words = line.strip().lstrip("-*\u2022 \t").split()
    first = words[0].rstrip(".").lower() if words else ""
    return first if HOST.match(first) else None


def normalise_hosts(names: Iterable[str]) -> tuple[str, ...]:
    """Host names, one per line of each value (python-whois returns a whole nameserver block
    as one multi-line string); words that are not host names are dropped."""
    lines = (line for name in names for line in name.splitlines())
    return tuple(sorted({h for h in map(normalise_host, lines) if h}))


def is_redaction(value: str) -> bool:
    lowered = value.casefold()
    return any(marker in lowered for marker in REDACTION_MARKERS)


def is_proxy(value: str) -> bool:
    lowered = value.casefold()
    return any(marker in lowered for marker in PROXY_MARKERS)


CONTACT_FIELDS = ("email", "organization", "name")


@dataclass(frozen=True)
class Redaction:
    """One thing a source said it hides, and which contact fields that covers."""

    fields: tuple[str, ...]
    text: str  # e.g. "Registrant Email: REDACTED FOR PRIVACY"
    label: str = ""  # the field it names, case-folded: "registrant email", "admin contact"


@dataclass(frozen=True)
class Contacts:
    """The contact data a source published: visible values, and what it said was hidden."""

    emails: tuple[str, ...] = ()  # registrant, admin and tech addresses
    organization: str | None = None  # registrant organisation
    name: str | None = None  # registrant name
    redacted: tuple[Redaction, ...] = ()
    published: bool = False  # False: the source has no contact section at all (thin registry)
    shown: tuple[str, ...] = ()  # case-folded labels of the fields it showed ("tech email")

    @property
    def complete(self) -> bool:
        """Published with nothing hidden: the registrar has nothing to add."""
        return self.published and not self.redacted

    def hides(self, what: str) -> tuple[str, ...]:
        """How the source said it hides ``what`` (empty when it did not)."""
        return tuple(r.text for r in self.redacted if what in r.fields)


def _fields_of(label: str) -> tuple[str, ...]:
    lowered = label.casefold()
    if lowered.endswith("contact"):  # a whole contact removed
        return CONTACT_FIELDS
    return tuple(f for f in CONTACT_FIELDS if lowered.endswith(f) or f"{f} " in lowered)


class ContactBuilder:
    """Collects contact values one field at a time and classifies each as seen or redacted."""

    def __init__(self) -> None:
        self.emails: list[str] = []
        self.organization: str | None = None
        self.name: str | None = None
        self.redacted: list[Redaction] = []
        self.shown: list[str] = []
        self.published = False

    def email(self, label: str, value: str) -> bool:
        """Record one address; True when a privacy/proxy service's address stands in for the
        contact's (a redaction notice is recorded as hidden too, but returns False)."""
        value = value.strip().removeprefix("mailto:")
        if not value:
            return False
        self.published = True
        if EMAIL.match(value) and not is_proxy(value.split("@", 1)[1]):
            if value.lower() not in self.emails:
                self.emails.append(value.lower())
            self.shown.append(label.casefold())
            return False
        self.hidden(label, f"{label}: {value}")
        return is_proxy(value) and not is_redaction(value)

    def registrant(self, label: str, *, name: str, organization: str, proxied: bool) -> None:
        """The registrant's name and organisation, unless they are placeholders. A privacy
        service (as organisation or address: ``proxied``) stands in for the whole contact,
        so a name next to it ("Whois Agent", "Registration Private") is the service's too."""
        name, organization = name.strip(), organization.strip()
        proxied = proxied or is_proxy(organization)
        self.text(f"{label} Organization", organization)
        if name and proxied:
            self.hidden(f"{label} Name", f"{label} Name: {name} (next to a privacy service)")
        else:
            self.text(f"{label} Name", name)

    def text(self, label: str, value: str) -> None:
        """The registrant's organisation or name: a person or company, unless it is a marker."""
        value = value.strip()
        if not value:
            return
        self.published = True
        if is_redaction(value) or is_proxy(value):
            self.hidden(label, f"{label}: {value}")
            return
        self.shown.append(label.casefold())
        if label.casefold().endswith("name"):
            self.name = self.name or value
        else:
            self.organization = self.organization or value

    def hidden(self, label: str, description: str) -> None:
        """``label`` names the field ("Registrant Email", "Administrative Contact")."""
        self.published = True
        self.redacted.append(Redaction(_fields_of(label), description, label.casefold()))

    def build(self) -> Contacts:
        return Contacts(
            emails=tuple(self.emails),
            organization=self.organization,
            name=self.name,
            redacted=tuple(dict.fromkeys(self.redacted)),
            published=self.published,
            shown=tuple(dict.fromkeys(self.shown)),
        )


def merge_contacts(registry: Contacts, registrar: Contacts) -> Contacts:
    """The registry's contacts completed with the registrar's (thin registries, and thick ones
    that redact). A field the registry redacted stays hidden unless the registrar shows that
    very field: a registrar showing only its own tech address does not reveal the registrant's
    email the registry hid, so the documented address may still be behind the redaction."""
    if not registrar.published:
        return registry
    still_hidden = [r for r in registry.redacted if not _shows(registrar, r.label)]
    return Contacts(
        emails=tuple(dict.fromkeys((*registry.emails, *registrar.emails))),
        organization=registrar.organization or registry.organization,
        name=registrar.name or registry.name,
        redacted=tuple(dict.fromkeys((*still_hidden, *registrar.redacted))),
        published=True,
        shown=tuple(dict.fromkeys((*registry.shown, *registrar.shown))),
    )


def _shows(source: Contacts, label: str) -> bool:
    """Whether ``source`` showed the field a redaction named (for a whole contact, "registrant
    contact": any field of that contact)."""
    role, _, what = label.rpartition(" ")
    if what == "contact":
        return any(shown.startswith(f"{role} ") for shown in source.shown)
    return label in source.shown


@dataclass(frozen=True)
class Registration:
    """What the registration data service said about one domain."""

    domain: str
    source: str  # "RDAP" or "WHOIS", plus where: for messages
    exists: bool
    registrar: str | None = None
    iana_id: int | None = None
    expires: datetime | None = None
    unreadable_expiry: str | None = None  # an expiry date as published, when it cannot be read
    nameservers: tuple[str, ...] = ()
    contacts: Contacts = field(default_factory=Contacts)
    evidence: tuple[Evidence, ...] = ()
