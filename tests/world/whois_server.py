"""A real WHOIS (RFC 3912) TCP server on loopback, answering from the domain scenario.

One query line in, one text out, then the server closes: as every port-43 server does. The
texts follow the real formats: IANA's TLD record (``refer:``), Public Interest Registry's
thick .org record with contacts redacted (and a referral to the registrar, who may show them),
Verisign's thin .com record with a ``Registrar WHOIS Server:`` referral, a registrar's full
record, and DENIC's .de record (delegation only: no registrar, expiry or holder). The
``role`` says which of them a server instance plays for domain queries ("registry" or
"registrar"); TLD queries always get the IANA answer. Faults are injected per server and
consumed in order.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import struct
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tests.world.domain_world import SCENARIO, Domain, DomainScenario

HANG_LIMIT_S = 30.0
FAULTS = ("hang", "trickle", "reset", "rate_limit", "garbage", "huge", "close", "latency")

IANA_REFER = {
    "org": "whois.publicinterestregistry.org",
    "com": "whois.verisign-grs.com",
    "de": "whois.denic.de",
}
PIR_RATE_LIMIT = "WHOIS LIMIT EXCEEDED - SEE WWW.PIR.ORG/WHOIS FOR DETAILS\r\n"
RDDS_NOTE = (
    "Please query the RDDS service of the Registrar of Record identified in this output for "
    "information on how to contact the Registrant, Admin, or Tech contact of the queried "
    "domain name."
)
REDACTED = "REDACTED FOR PRIVACY"


def _z(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def iana_text(tld: str) -> str:
    refer = IANA_REFER.get(tld)
    if refer is None:
        return (
            "% IANA WHOIS server\n% for more information on IANA, visit http://www.iana.org\n"
            "%\n% This query returned 0 objects.\n"
        )
    return (
        "% IANA WHOIS server\n"
        "% for more information on IANA, visit http://www.iana.org\n"
        "% This query returned 1 object\n\n"
        f"refer:        {refer}\n\n"
        f"domain:       {tld.upper()}\n\n"
        "organisation: Public Interest Registry (PIR)\n"
        "address:      11911 Freedom Drive,\n"
        "address:      Reston VA 20190\n\n"
        f"whois:        {refer}\n\n"
        "status:       ACTIVE\n"
        "created:      1985-01-01\n"
        "source:       IANA\n"
    )


def _contact_block(domain: Domain, redacted: bool) -> str:
    lines = []
    for role in ("Registrant", "Admin", "Tech"):
        prefix = "Registry Registrant ID" if role == "Registrant" else f"Registry {role} ID"
        lines.append(f"{prefix}: {REDACTED if redacted else ''}")
        lines.append(f"{role} Name: {REDACTED if redacted else domain.registrant_name}")
        org = domain.registrant_org if role == "Registrant" else (REDACTED if redacted else "")
        lines.append(f"{role} Organization: {org}")
        for part in ("Street", "City", "Postal Code", "Phone", "Phone Ext", "Fax", "Fax Ext"):
            lines.append(f"{role} {part}: {REDACTED if redacted else ''}")
        lines.append(f"{role} State/Province: California")
        lines.append(f"{role} Country: US")
        lines.append(f"{role} Email: {RDDS_NOTE if redacted else domain.registrant_email}")
    return "\n".join(lines) + "\n"


def _head(domain: Domain, *, upper: bool, expiry_label: str) -> str:
    name = domain.name.upper() if upper else domain.name
    statuses = "".join(f"Domain Status: {s} https://icann.org/epp#{s}\n" for s in domain.statuses)
    return (
        f"Domain Name: {name}\n"
        f"Registry Domain ID: {domain.registry_id}\n"
        f"Registrar WHOIS Server: {domain.registrar_whois}\n"
        f"Registrar URL: {domain.registrar_url}\n"
        f"Updated Date: {domain.updated_text or _z(domain.updated)}\n"
        f"Creation Date: {_z(domain.created)}\n"
        f"{expiry_label}: {_z(domain.expires)}\n"
        f"Registrar: {domain.registrar}\n"
        f"Registrar IANA ID: {domain.iana_id}\n"
        "Registrar Abuse Contact Email: abuse@bluehost.com\n"
        "Registrar Abuse Contact Phone: +1.8017659400\n"
        f"{statuses}"
    )


def _nameservers(domain: Domain, *, upper: bool) -> str:
    return "".join(f"Name Server: {ns.upper() if upper else ns}\n" for ns in domain.nameservers) + (
        "DNSSEC: unsigned\n"
    )


def pir_text(domain: Domain, now: datetime) -> str:
    return (
        _head(domain, upper=False, expiry_label="Registry Expiry Date")
        + _contact_block(domain, domain.registry_redacts)
        + _nameservers(domain, upper=False)
        + "URL of the ICANN Whois Inaccuracy Complaint Form: https://www.icann.org/wicf/\n"
        f">>> Last update of WHOIS database: {_z(now)} <<<\n\n"
        "For more information on Whois status codes, please visit https://icann.org/epp\n\n"
        "Terms of Use: Access to Public Interest Registry WHOIS information is provided to "
        "assist persons in determining the contents of a domain name registration record in "
        "the Public Interest Registry registry database. The data in this record is provided "
        "by Public Interest Registry for informational purposes only.\n"
    )


def verisign_text(domain: Domain, now: datetime) -> str:
    body = _head(domain, upper=True, expiry_label="Registry Expiry Date") + _nameservers(
        domain, upper=True
    )
    indented = "".join(f"   {line}\n" for line in body.splitlines())
    return (
        indented
        + "   URL of the ICANN Whois Inaccuracy Complaint Form: https://www.icann.org/wicf/\n"
        f">>> Last update of whois database: {_z(now)} <<<\n\n"
        "For more information on Whois status codes, please visit https://icann.org/epp\n\n"
        "NOTICE: The expiration date displayed in this record is the date the\n"
        "registrar's sponsorship of the domain name registration in the registry is\n"
        "currently set to expire.\n\n"
        "TERMS OF USE: You are not authorized to access or query our Whois\n"
        "database through the use of electronic processes that are high-volume and\n"
        "automated except as reasonably necessary to register domain names or\n"
        "modify existing registrations.\n"
    )


def registrar_text(domain: Domain, now: datetime) -> str:
    return (
        _head(domain, upper=False, expiry_label="Registrar Registration Expiration Date")
        + _contact_block(domain, domain.registrar_redacts)
        + _nameservers(domain, upper=False)
        + "URL of the ICANN WHOIS Data Problem Reporting System: http://wdprs.internic.net/\n"
        f">>> Last update of WHOIS database: {_z(now)} <<<\n"
    )


DENIC_TERMS = """% Restricted rights.
%
% Terms and Conditions of Use
%
% The above data may only be used within the scope of technical or
% administrative necessities of Internet operation or to remedy legal
% problems.
% The use for other purposes, in particular for advertising, is not permitted.
%
% The DENIC whois service on port 43 doesn't disclose any information concerning
% the domain holder, general request and abuse contact.
% This information can be obtained through use of our web-based whois service
% available at the DENIC website:
% http://www.denic.de/en/domains/whois-service/web-whois.html
%
%

"""


def denic_text(domain: Domain) -> str:
    changed = domain.updated.astimezone().strftime("%Y-%m-%dT%H:%M:%S%z")
    changed = f"{changed[:-2]}:{changed[-2:]}"  # DENIC writes +01:00
    servers = "".join(f"Nserver: {ns}\n" for ns in domain.nameservers)
    return f"{DENIC_TERMS}Domain: {domain.name}\n{servers}Status: connect\nChanged: {changed}\n"


def not_found_text(name: str, now: datetime) -> str:
    if name.endswith(".de"):
        return f"{DENIC_TERMS}Domain: {name}\nStatus: free\n"
    if name.endswith(".com"):
        return (
            f'No match for "{name.upper()}".\n'
            f">>> Last update of whois database: {_z(now)} <<<\n\n"
            "TERMS OF USE: You are not authorized to access or query our Whois\n"
            "database through the use of electronic processes that are high-volume.\n"
        )
    return f"NOT FOUND\n>>> Last update of WHOIS database: {_z(now)} <<<\n"


def answer(
    query: str,
    role: str,
    scenario: DomainScenario = SCENARIO,
    records: Mapping[str, str] | None = None,
) -> str:
    name = query.strip().lower().removeprefix("domain ").removeprefix("=").rstrip(".")
    if records is not None:  # recorded real answers, byte for byte; the rest is not found
        return records.get(name) or not_found_text(name, scenario.now)
    if "." not in name:
        return iana_text(name)
    domain = scenario.domain(name)
    if domain is None:
        return not_found_text(name, scenario.now)
    if domain.registry == "denic":
        return denic_text(domain)
    if role == "registrar":
        return registrar_text(domain, scenario.now)
    if domain.registry == "verisign":
        return verisign_text(domain, scenario.now)
    return pir_text(domain, scenario.now)


@dataclass
class Fault:
    kind: str
    times: int | None = None
    delay: float = 0.3


class WhoisServer:
    """``records`` (domain -> recorded answer) replaces the scenario: the server then answers
    every domain it holds with that real text, as the registry sent it."""

    def __init__(
        self,
        role: str = "registry",
        scenario: DomainScenario = SCENARIO,
        records: Mapping[str, str] | None = None,
    ) -> None:
        self.role = role
        self.scenario = scenario
        self.records = records
        self.queries: list[str] = []
        self.release = threading.Event()
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.in_flight = 0  # connections being served right now
        self.peak = 0  # the most it has served at once since the last reset
        service = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with service._lock:
                    service.in_flight += 1
                    service.peak = max(service.peak, service.in_flight)
                try:
                    service._serve(self.request)
                finally:
                    with service._lock:
                        service.in_flight -= 1

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, name=f"fake-whois-{role}", daemon=True
        ).start()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def env(self) -> dict[str, str]:
        return {"CHECKER_WHOIS_SERVER": f"127.0.0.1:{self.address[1]}"}

    def inject(self, kind: str, times: int | None = None, delay: float = 0.3) -> Fault:
        if kind not in FAULTS:
            raise ValueError(f"unknown WHOIS fault {kind!r}")
        fault = Fault(kind, times, delay)
        with self._lock:
            self._faults.append(fault)
        return fault

    def count(self) -> int:
        with self._lock:
            return len(self.queries)

    def reset(self) -> None:
        self.release.set()
        with self._lock:
            self._faults.clear()
            self.queries.clear()
            self.peak = 0
        self.release = threading.Event()
        self.scenario.reset()

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def _take_fault(self) -> Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.pop(0)
            return fault

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(5)
        data = b""
        try:
            while b"\n" not in data and len(data) < 1024:
                chunk = sock.recv(1024)
                if not chunk:
                    break
                data += chunk
        except OSError:
            return
        query = data.decode("utf-8", errors="replace").strip()
        with self._lock:
            self.queries.append(query)
        fault = self._take_fault()
        text = answer(query, self.role, self.scenario, self.records)
        # Port 43 servers end their lines with CRLF (RFC 3912), as PIR and Verisign do;
        # a recorded answer goes out exactly as it was recorded.
        wire = (
            text if self.records is not None else text.replace("\r\n", "\n").replace("\n", "\r\n")
        )
        with contextlib.suppress(OSError):  # the client may hang up first
            self._act(sock, fault, wire.encode("utf-8"))

    def _act(self, sock: socket.socket, fault: Fault | None, payload: bytes) -> None:
        kind = fault.kind if fault else None
        if kind == "hang":
            self.release.wait(HANG_LIMIT_S)
            return
        if kind == "reset":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()  # now, before socketserver's polite FIN: the client sees an RST
            return
        if kind == "close":
            return
        if kind == "latency":
            self.release.wait(fault.delay if fault else 0)
        elif kind == "rate_limit":
            payload = PIR_RATE_LIMIT.encode()
        elif kind == "garbage":
            payload = bytes(range(256)) * 4 + b"\x00<html><body>502 Bad Gateway</body></html>"
        elif kind == "huge":
            payload = b"% padding line of a runaway server\r\n" * 60_000
        elif kind == "trickle":
            for byte in payload:
                if self.release.wait(0.2):
                    return
                sock.sendall(bytes([byte]))
            return
        sock.sendall(payload)


def start(role: str = "registry") -> WhoisServer:
    return WhoisServer(role)
