"""Port-43 WHOIS (RFC 3912): fetch the text ourselves, parse it with python-whois.

python-whois cannot be used to *fetch*: it hard-codes port 43 and, by default, turns socket
errors into an all-empty record that would read as drift. So the text is fetched here, with
one total deadline for the whole referral chain and a size cap, and only handed to
``whois.parser.WhoisEntry.load`` to parse. The chain is the one ``whois(1)`` follows: IANA
names the registry's server, and the registry names the registrar's server, which is asked
only when a check needs contacts the registry does not show (a thin registry such as .com has
none; a thick one such as PIR's .org redacts them and points to the registrar).
``endpoints.whois_server`` sends every query to one server instead (a mirror, a proxy, the
loopback world), so no discovery is done then.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from checker.engine.context import CheckContext
from checker.engine.model import CheckError, Evidence, Unverifiable, utcnow
from checker.engine.sharing import RequestKey
from checker.net.dates import as_utc, parse_iso_date
from checker.net.registration import (
    ContactBuilder,
    Contacts,
    Registration,
    merge_contacts,
    normalise_host,
    normalise_hosts,
)

IANA_SERVER = "whois.iana.org"
MAX_BYTES = 1_000_000  # real answers are a few kB; anything this big is not a WHOIS record
DEADLINE_MARGIN_S = 0.1  # finish (with our own message) before the runner's hard deadline

RECORD = re.compile(r"^\s*Domain(?: Name)?:\s*\S", re.I | re.M)
RATE_LIMITED = re.compile(
    r"limit exceeded|limit reached|excessive query|excessive querying|query rate|rate limit"
    r"|too many|quota\b.{0,60}exceeded|exceeded the maximum|try again later"
    r"|temporarily (?:denied|blocked|unavailable)"
    r"|access denied|has been blocked",
    re.I,
)
NOT_FOUND = re.compile(
    r"^\s*%?\s*(?:NOT FOUND|No match(?:es)?(?: for)?\b|Domain not found|No Data Found"
    r"|No entries found|No Object Found|The queried object does not exist"
    r"|No such domain|Object does not exist|The domain has not been registered"
    r"|Domain Status:\s*No Object Found|Status:\s*(?:free|available))",
    re.I | re.M,
)
MAX_DROPPED_DATES = 5
EXPIRY_LABEL = re.compile(r"expir|paid-till|renewal", re.I)
IANA_ID = re.compile(r"^\s*Registrar IANA ID:\s*(\d+)\s*$", re.I | re.M)
REFERRAL = re.compile(r"^\s*(?:Registrar )?WHOIS Server:\s*(\S+)\s*$", re.I | re.M)
# A host name with a dot and a letter in its last label: not an IP address, no port.
_WHOIS_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z](?:[a-z0-9-]*[a-z0-9])?")
IANA_REFER = re.compile(r"^\s*(?:refer|whois):\s*(\S+)\s*$", re.I | re.M)
CONTACT_LINE = re.compile(
    r"^\s*(Registrant|Admin|Tech)\s+(Email|Organization|Name)\s*:[ \t]*(.*?)\s*$", re.I | re.M
)
# The widely used labels python-whois's per-TLD parsers miss on some registries' layouts. They
# are read here, in this one place, only for what python-whois did not find.
OBJECT_START = re.compile(r"^[ \t]*(?:Domain Name|Server Name):[ \t]*(\S+)[ \t]*$", re.I | re.M)
REGISTRAR_LINE = re.compile(
    r"^[ \t]*(?:Sponsoring )?Registrar(?: Name)?:[ \t]*(\S.*?)[ \t]*$", re.I | re.M
)
REGISTRAR_BLOCK = re.compile(  # "[Registrar]" (NIC.LV) or "Registrar:" heading, then "Name:"
    r"^[ \t]*\[?Registrar\]?:?[ \t]*\n(?:[ \t]*\S.*\n){0,8}?[ \t]*(?:Name|Organi[sz]ation):"
    r"[ \t]*(\S.*?)[ \t]*$",
    re.I | re.M,
)
REGISTRAR_NEXT = re.compile(  # Nominet: "Registrar:" then the name on the next, indented line
    r"^[ \t]*Registrar:[ \t]*\n[ \t]+(\S.*?)[ \t]*$", re.I | re.M
)
DOMAIN_LINE = re.compile(r"^[ \t]*Domain(?:[ \t]?Name)?[ \t]*:[ \t]*(\S+)[ \t]*$", re.I | re.M)
NO_REGISTRAR = re.compile(r"^no registrar\b", re.I)  # Nominet: "No registrar listed."
EXPIRY_LINE = re.compile(
    r"^[ \t]*(?:Registry Expiry Date|Registrar Registration Expiration Date|Expir(?:y|ation) Date"
    r"|Record expires on|Expires on|paid-till)[ \t]*:[ \t]*(\S.*?)[ \t]*$",
    re.I | re.M,
)
NAMESERVER_LABEL = re.compile(  # "Name Server:", "nserver:", "Domain Servers:", "Nameservers"...
    r"^[ \t]*(?:\*\*[ \t]*)?[^:\n]{0,30}?(?:name[ \t]?servers?|nserver|domain servers"
    r"|nombres de dominio)[^:\n]{0,30}?(?::[ \t]*(.*?))?[ \t]*$",
    re.I,
)
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
MAIL_LABEL = re.compile(r"e-?mail|correo", re.I)
# Blocks and labels whose addresses are not the domain's contacts.
NOT_A_CONTACT = re.compile(
    r"registrar|abuse|billing|cobranza|provided by|service provider|reseller|sponsor", re.I
)
RESTRICTED = re.compile(
    r"^[ \t]*(?:anonymous|contact restricted publication):[ \t]*yes\b", re.I | re.M
)
RELEVANT = re.compile(
    r"^\s*(?:Domain Name|Registrar|Registrar IANA ID|Registrar WHOIS Server|Whois Server"
    r"|Registry Expiry Date|Registrar Registration Expiration Date|Expiration Date"
    r"|Name Server|Registrant Name|Registrant Organization|Registrant Email|Admin Email"
    r"|Tech Email|nserver|e-mail|Email"
    r"|refer|>>> Last update)\b.*$",
    re.I | re.M,
)


class UnreadableRecord(CheckError):
    """The server answered with a record that could not be read: never a sign that the
    domain is not registered."""


@dataclass(frozen=True)
class WhoisAnswer:
    server: str  # the name the chain asked for (e.g. whois.publicinterestregistry.org)
    address: tuple[str, int]
    query: str
    text: str
    fetched_at: datetime = field(default_factory=utcnow)

    @property
    def label(self) -> str:
        host, port = self.address
        return self.server if (host, port) == (self.server, 43) else f"{host}:{port}"

    def evidence(self) -> Evidence:
        lines = "\n".join(m.group(0).strip() for m in RELEVANT.finditer(self.text))
        return Evidence(
            source=f"WHOIS {self.label} query {self.query!r}",
            fetched_at=self.fetched_at,
            excerpt=lines or self.text,
            raw=self.text,
        )


@dataclass(frozen=True)
class Directory:
    """Where each named WHOIS server is reached: one fixed server for every query, or port 43
    of the named host (``addresses`` can pin names, e.g. for a private mirror)."""

    fixed: tuple[str, int] | None = None
    addresses: Mapping[str, tuple[str, int]] = field(default_factory=dict)

    def address(self, server: str) -> tuple[str, int]:
        if self.fixed is not None:
            return self.fixed
        if server in self.addresses:
            return self.addresses[server]
        host, _, port = server.partition(":")
        return (host, int(port)) if port.isdigit() else (server, 43)


def fetch(
    server: str, address: tuple[str, int], query: str, deadline: float, max_bytes: int
) -> WhoisAnswer:
    """Send one query and read the answer until the server closes, within ``deadline``."""
    label = server if address == (server, 43) else f"{address[0]}:{address[1]}"
    received = 0

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise CheckError(
                f"WHOIS {label}: timed out (no complete answer, {received} bytes received)"
            )
        return remaining

    chunks: list[bytes] = []
    try:
        with socket.create_connection(address, timeout=left()) as sock:
            sock.sendall(query.encode("idna") + b"\r\n")
            while True:
                sock.settimeout(left())
                data = sock.recv(65536)
                if not data:
                    break
                received += len(data)
                if received > max_bytes:
                    raise CheckError(f"WHOIS {label}: answer exceeds the {max_bytes}-byte cap")
                chunks.append(data)
    except TimeoutError:
        raise CheckError(
            f"WHOIS {label}: timed out (no complete answer, {received} bytes received)"
        ) from None
    except ConnectionResetError:
        raise CheckError(f"WHOIS {label}: connection reset by the server") from None
    except ConnectionRefusedError:
        raise CheckError(f"WHOIS {label}: connection refused") from None
    except socket.gaierror as exc:
        raise CheckError(f"WHOIS {label}: cannot resolve the server name ({exc})") from None
    except OSError as exc:
        raise CheckError(f"WHOIS {label}: connection failed ({exc.strerror or exc})") from None
    raw = b"".join(chunks)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:  # a few ccTLD servers still answer in Latin-1
        text = raw.decode("latin-1")
    return WhoisAnswer(server=server, address=address, query=query, text=text)


def fetch_once(
    ctx: CheckContext,
    server: str,
    address: tuple[str, int],
    query: str,
    deadline: float,
    max_bytes: int,
) -> WhoisAnswer:
    """:func:`fetch`, asked once per run: every check asking the same server the same query
    shares the answer (see :mod:`checker.engine.sharing`); registries rate-limit hard."""
    host, port = address
    key = RequestKey("WHOIS", "query", f"{query!r} at {host}:{port}")
    return ctx.once(
        key,
        f"WHOIS {host}:{port}",
        lambda: fetch(server, address, query, deadline, max_bytes),
        deadline=deadline,
    )


def lookup(
    domain: str,
    ctx: CheckContext,
    *,
    need_contacts: bool,
    directory: Directory | None = None,
    deadline: float | None = None,
) -> Registration:
    """The registry's WHOIS record of ``domain`` (plus the registrar's contacts if needed),
    all over by ``deadline`` (``time.monotonic()``; default: just before the check's)."""
    fixed = ctx.settings.endpoints.whois_address()
    directory = directory or Directory(fixed=fixed)
    latest = time.monotonic() + max(0.05, ctx.remaining() - DEADLINE_MARGIN_S)
    deadline = latest if deadline is None else min(deadline, latest)
    max_bytes = min(MAX_BYTES, ctx.settings.max_response_bytes)
    if directory.fixed is not None:
        registry = f"{directory.fixed[0]}:{directory.fixed[1]}"
    else:
        registry = _registry_server(domain, ctx, directory, deadline, max_bytes)
    answer = fetch_once(ctx, registry, directory.address(registry), domain, deadline, max_bytes)
    record = parse(domain, answer)
    if not (need_contacts and record.exists and not record.contacts.complete):
        return record
    referral = _referral(answer.text)
    if referral is None:
        return record
    target = directory.address(referral)
    if target == answer.address:
        # Every query goes to one server: asking it again would give the same answer.
        note = Evidence(
            source=f"WHOIS {answer.label}",
            excerpt=f"registrar referral to {referral} not followed: "
            f"endpoints.whois_server sends every query to {answer.label}",
        )
        return replace(record, evidence=(*record.evidence, note))
    try:
        registrar_answer = fetch_once(ctx, referral, target, domain, deadline, max_bytes)
        registrar_record = parse(domain, registrar_answer)
    except CheckError as exc:
        if not record.contacts.published:
            raise  # a thin registry: the registrar is the only source of contacts
        # The registry answered with its (redacted) contacts; many registrars closed port 43
        # when ICANN made it optional (2025). What the registry hides stays hidden.
        note = Evidence(source=f"WHOIS {referral}", excerpt=f"registrar not asked: {exc.message}")
        return replace(record, evidence=(*record.evidence, note, *exc.evidence))
    return replace(
        record,
        contacts=merge_contacts(record.contacts, registrar_record.contacts),
        evidence=(*record.evidence, *registrar_record.evidence),
    )


def _referral(text: str) -> str | None:
    for match in REFERRAL.finditer(text):
        # Some registrars list a web form ("http://api.fastdomain.com/cgi/whois"), not port 43.
        host = _whois_host(match.group(1))
        if host is not None:
            return host
    return None


def _whois_host(named: str) -> str | None:
    """The WHOIS host a record names (asked on port 43), or None. A record is outside text: it
    may name a host, never a port or an address ("127.0.0.1:6379" would aim the tool at
    whatever listens there)."""
    host = named.lower().rstrip(".")
    return host if _WHOIS_HOST.fullmatch(host) else None


def _registry_server(
    domain: str, ctx: CheckContext, directory: Directory, deadline: float, max_bytes: int
) -> str:
    tld = domain.rsplit(".", 1)[-1]

    def ask_iana() -> str:
        iana = directory.address(IANA_SERVER)
        answer = fetch_once(ctx, IANA_SERVER, iana, tld, deadline, max_bytes)
        match = IANA_REFER.search(answer.text)
        host = _whois_host(match.group(1)) if match else None
        if host is not None:
            return host
        if re.search(r"^\s*domain:\s*\S", answer.text, re.I | re.M):
            raise Unverifiable(
                f"IANA lists no WHOIS server for .{tld}", evidence=(answer.evidence(),)
            )
        raise CheckError(
            f"WHOIS {IANA_SERVER}: unrecognised answer for .{tld}", evidence=(answer.evidence(),)
        )

    return ctx.services.shared(f"whois-iana {tld}", ask_iana, deadline=deadline)


def parse(domain: str, answer: WhoisAnswer) -> Registration:
    """Turn one WHOIS answer into a registration record, or say why it is not one."""
    from whois.exceptions import PywhoisError, WhoisDomainNotFoundError

    # Port 43 answers end lines with CRLF (RFC 3912); python-whois keeps the CR in values.
    text = answer.text.replace("\r\n", "\n")
    evidence = (answer.evidence(),)
    source = f"WHOIS {answer.label}"
    if not text.strip():
        raise CheckError(f"{source} closed the connection without an answer", evidence=evidence)
    has_record = RECORD.search(text) is not None
    head = [line.strip() for line in text.splitlines() if line.strip()][:5]
    # Limits are announced at the top; disclaimers at the bottom may mention them too.
    if not has_record and RATE_LIMITED.search("\n".join(head)):
        raise CheckError(f"{source} refused the query: {head[0][:200]}", evidence=evidence)
    if not has_record and NOT_FOUND.search(text):
        return Registration(domain=domain, source=source, exists=False, evidence=evidence)
    record_text = _object_of(domain, text)
    try:
        entry, dropped = _load(domain, record_text)
    except WhoisDomainNotFoundError:
        return Registration(domain=domain, source=source, exists=False, evidence=evidence)
    except (PywhoisError, ValueError, OverflowError) as exc:
        raise UnreadableRecord(f"{source}: unparseable answer ({exc})", evidence=evidence) from None
    labelled_name = DOMAIN_LINE.search(record_text)
    name = _first(entry.get("domain_name")) or (labelled_name.group(1) if labelled_name else None)
    registrar = _registrar(entry, record_text)
    nameservers = normalise_hosts(
        [*_all(entry.get("name_servers")), *_listed_nameservers(record_text)]
    )
    expires = _earliest(entry.get("expiration_date"))
    unreadable = next((value for label, value in dropped if EXPIRY_LABEL.search(label)), None)
    if expires is None and unreadable is None:
        labelled = EXPIRY_LINE.search(record_text)
        unreadable = labelled.group(1) if labelled else None
    if expires is None and unreadable is not None:
        expires = _read_date(unreadable)
        unreadable = None if expires else unreadable
    # DENIC (.de) publishes neither registrar nor expiry: the delegation is still a record, and
    # so is a registry's bare "domain / created" answer (.hu): the facts it omits are unverifiable.
    facts = registrar or expires or unreadable or nameservers or entry.get("creation_date")
    if not (name and facts):
        raise UnreadableRecord(
            f"{source}: the answer is not a domain record it can read"
            + (f" (it names {name!r} but no registrar, date or nameserver)" if name else ""),
            evidence=evidence,
        )
    if name.lower().rstrip(".") != domain:
        raise UnreadableRecord(
            f"{source} answered about {name!r}, not {domain!r}", evidence=evidence
        )
    iana = IANA_ID.search(record_text)
    return Registration(
        domain=domain,
        source=source,
        exists=True,
        registrar=registrar,
        iana_id=int(iana.group(1)) if iana else None,
        expires=expires,
        unreadable_expiry=unreadable,
        nameservers=nameservers,
        contacts=_contacts(record_text),
        evidence=evidence,
    )


def _object_of(domain: str, text: str) -> str:
    """The queried domain's own object, when an answer holds several (old Verisign answers
    list every "Server Name: MICROSOFT.COM.EXAMPLE.NET" host before "Domain Name:
    MICROSOFT.COM", each with its own registrar)."""
    starts = [(m.start(), m.group(1).lower().rstrip(".")) for m in OBJECT_START.finditer(text)]
    if all(name == domain for _, name in starts):
        return text
    for index, (offset, name) in enumerate(starts):
        if name == domain:
            # The registrar's part that follows (same name again) belongs to it too.
            later = [o for o, other in starts[index + 1 :] if other != domain]
            return text[offset : later[0] if later else len(text)]
    return text


def _registrar(entry: Any, text: str) -> str | None:
    """python-whois's registrar, else the record's own ``Registrar:`` label or block."""
    found = _first(entry.get("registrar"))
    if not found:
        labelled = (
            REGISTRAR_LINE.search(text)
            or REGISTRAR_BLOCK.search(text)
            or REGISTRAR_NEXT.search(text)
        )
        found = labelled.group(1).strip() if labelled else None
    return None if found is None or NO_REGISTRAR.match(found) else found


def _read_date(text: str) -> datetime | None:
    from whois.exceptions import WhoisUnknownDateFormatError
    from whois.parser import cast_date

    parsed = parse_iso_date(text)
    if parsed is not None:
        return parsed
    try:
        value = cast_date(text)
    except (WhoisUnknownDateFormatError, ValueError, OverflowError):
        return None
    return as_utc(value) if isinstance(value, datetime) else None


def _is_address(line: str) -> bool:
    words = line.strip().split()
    try:
        ipaddress.ip_address(words[0] if words else "")
    except ValueError:
        return False
    return True


def _listed_nameservers(text: str) -> list[str]:
    """Hosts under a nameserver label: on its line, or listed one per line below it (after
    at most one blank line), up to the first line that is not a host name."""
    lines = text.splitlines()
    found: list[str] = []
    for index, line in enumerate(lines):
        match = NAMESERVER_LABEL.match(line)
        if match is None:
            continue
        if (match.group(1) or "").strip():
            found.append(match.group(1))
            continue
        following = lines[index + 1 : index + 60]
        skip = 1 if following and not following[0].strip() else 0
        for item in following[skip:]:
            if _is_address(item):
                continue  # glue on a line of its own, between the hosts
            if normalise_host(item) is None:
                break
            found.append(item)
    return found


def _load(domain: str, text: str) -> tuple[Any, list[tuple[str, str]]]:
    """python-whois's parse, minus the date lines it cannot read (it fails the whole record
    for one odd "Updated Date"); returns the entry and the dropped (label, value) pairs."""
    from whois.exceptions import WhoisUnknownDateFormatError
    from whois.parser import WhoisEntry

    dropped: list[tuple[str, str]] = []
    for _ in range(MAX_DROPPED_DATES + 1):
        try:
            return WhoisEntry.load(domain, text), dropped
        except WhoisUnknownDateFormatError as exc:
            # Some parsers capture the label's colon too (.kg: ":  Wed Mar  5 00:13:49 2025").
            value = str(exc).removeprefix("Unknown date format:").strip().lstrip(":").strip()
            line = re.compile(rf"^[ \t]*([^:\n]+?)[ \t]*:[ \t]*{re.escape(value)}[ \t]*$", re.M)
            labels = [m.group(1).strip() for m in line.finditer(text)]
            if not value or not labels:
                raise
            dropped += [(label, value) for label in labels]
            text = line.sub("", text)
    raise ValueError(f"more than {MAX_DROPPED_DATES} unreadable dates")


def _all(value: Any) -> list[str]:
    """python-whois gives a string, a list of strings, or None for the same field."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(item).strip() for item in items if str(item).strip()]


def _first(value: Any) -> str | None:
    items = _all(value)
    return items[0] if items else None


def _earliest(value: Any) -> datetime | None:
    """Registry and registrar may both give an expiry; the earliest is the one that bites."""
    items = value if isinstance(value, list) else [value]
    dates = [as_utc(item) for item in items if isinstance(item, datetime)]
    return min(dates) if dates else None


def _contacts(text: str) -> Contacts:
    builder = ContactBuilder()
    registrant: dict[str, str] = {}
    proxied = False
    if CONTACT_LINE.search(text) is None:
        _block_emails(text, builder)  # not the ICANN layout: contact blocks of many shapes
    for match in CONTACT_LINE.finditer(text):
        role, kind, value = match.group(1).title(), match.group(2).title(), match.group(3)
        if kind == "Email":
            proxied |= builder.email(f"{role} Email", value) and role == "Registrant"
        elif role == "Registrant":
            registrant.setdefault(kind, value)
    builder.registrant(
        "Registrant",
        name=registrant.get("Name", ""),
        organization=registrant.get("Organization", ""),
        proxied=proxied,
    )
    return builder.build()


def _block_emails(text: str, builder: ContactBuilder) -> None:
    """Contact addresses of the non-ICANN layouts: ``e-mail:`` lines in contact objects
    (nic.at, AFNIC, RIPE-style), ``Email:`` under a ``Technical:`` heading (EURid), or an
    address after a name under a contact heading (``Registrant:``, ``Titular:``). Addresses
    of registrar, abuse and billing blocks are not the domain's contacts; a contact object
    with restricted publication (AFNIC's "Ano Nymous") hides its contact."""
    for paragraph in re.split(r"\n[ \t]*\n", text):
        lines = [line for line in paragraph.splitlines() if line.strip()[:1] not in ("", "%", "#")]
        if not lines:
            continue
        first_label = lines[0].split(":", 1)[0]
        restricted = RESTRICTED.search(paragraph) is not None
        if restricted:
            builder.hidden("Contact", f"{first_label.strip()}: contact restricted publication")
            continue
        heading = ""
        for line in lines:
            stripped = line.strip()
            address = ADDRESS.search(line)
            if address is None:
                if stripped.endswith(":") or (stripped.startswith("[") and stripped.endswith("]")):
                    heading = stripped
                continue
            before = line[: address.start()]
            label = before.split(":", 1)[0].strip() if ":" in before else ""
            if len(label) > 40 or NOT_A_CONTACT.search(f"{first_label} {heading} {label}"):
                continue
            if MAIL_LABEL.search(label) or (heading and not label):
                builder.email("Contact Email", address.group(0))
