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
    r"|Status:\s*(?:free|available))",
    re.I | re.M,
)
MAX_DROPPED_DATES = 5
EXPIRY_LABEL = re.compile(r"expir|paid-till|renewal", re.I)
IANA_ID = re.compile(r"^\s*Registrar IANA ID:\s*(\d+)\s*$", re.I | re.M)
REFERRAL = re.compile(r"^\s*(?:Registrar )?WHOIS Server:\s*(\S+)\s*$", re.I | re.M)
IANA_REFER = re.compile(r"^\s*(?:refer|whois):\s*(\S+)\s*$", re.I | re.M)
CONTACT_LINE = re.compile(
    r"^\s*(Registrant|Admin|Tech)\s+(Email|Organization|Name)\s*:[ \t]*(.*?)\s*$", re.I | re.M
)
RELEVANT = re.compile(
    r"^\s*(?:Domain Name|Registrar|Registrar IANA ID|Registrar WHOIS Server|Whois Server"
    r"|Registry Expiry Date|Registrar Registration Expiration Date|Expiration Date"
    r"|Name Server|Registrant Name|Registrant Organization|Registrant Email|Admin Email"
    r"|Tech Email"
    r"|refer|>>> Last update)\b.*$",
    re.I | re.M,
)


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
            excerpt=lines or self.text[:2000],
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
        value = match.group(1).strip().rstrip(".")
        # Some registrars list a web form ("http://api.fastdomain.com/cgi/whois"), not port 43.
        if value and "://" not in value and "/" not in value:
            return value.lower()
    return None


def _registry_server(
    domain: str, ctx: CheckContext, directory: Directory, deadline: float, max_bytes: int
) -> str:
    tld = domain.rsplit(".", 1)[-1]

    def ask_iana() -> str:
        iana = directory.address(IANA_SERVER)
        answer = fetch_once(ctx, IANA_SERVER, iana, tld, deadline, max_bytes)
        match = IANA_REFER.search(answer.text)
        if match:
            return match.group(1).lower()
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
    try:
        entry, dropped = _load(domain, text)
    except WhoisDomainNotFoundError:
        return Registration(domain=domain, source=source, exists=False, evidence=evidence)
    except (PywhoisError, ValueError, OverflowError) as exc:
        raise CheckError(f"{source}: unparseable answer ({exc})", evidence=evidence) from None
    name = _first(entry.get("domain_name"))
    registrar = _first(entry.get("registrar"))
    nameservers = normalise_hosts(_all(entry.get("name_servers")))
    expires = _earliest(entry.get("expiration_date"))
    unreadable = next((value for label, value in dropped if EXPIRY_LABEL.search(label)), None)
    if expires is None and unreadable is not None:
        expires = parse_iso_date(unreadable)
        unreadable = None if expires else unreadable
    # DENIC (.de) publishes neither registrar nor expiry: the delegation is still a record.
    if not (name and (registrar or expires or unreadable or nameservers)):
        raise CheckError(f"{source}: the answer is not a domain record", evidence=evidence)
    if name.lower().rstrip(".") != domain:
        raise CheckError(f"{source} answered about {name!r}, not {domain!r}", evidence=evidence)
    iana = IANA_ID.search(text)
    return Registration(
        domain=domain,
        source=source,
        exists=True,
        registrar=registrar,
        iana_id=int(iana.group(1)) if iana else None,
        expires=expires,
        unreadable_expiry=unreadable,
        nameservers=nameservers,
        contacts=_contacts(text),
        evidence=evidence,
    )


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
            value = str(exc).removeprefix("Unknown date format:").strip()
            line = re.compile(rf"^[ \t]*([^:\n]+?):[ \t]*{re.escape(value)}[ \t]*$", re.M)
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
