"""A real DNS server on loopback (UDP and TCP on the same port), answering from the scenario.

It answers like a recursive resolver would for the scenario's zones: records (following a
CNAME), NOERROR with no records plus the SOA for an existing name, NXDOMAIN for an unknown
one. UDP answers larger than the client's buffer (512 bytes, or its EDNS size) are truncated
so clients must retry over TCP. Faults (optionally only for names under a suffix, or only
over one transport): ``servfail``, ``refused``, ``drop`` (no answer at all), ``truncate``
(every UDP answer has TC set), ``garbage`` (bytes that are not a DNS message), ``nxdomain``
(NXDOMAIN without an SOA for every name, as a filtering or offline resolver answers).
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from dataclasses import dataclass, field

from dnslib import QTYPE, RCODE, RR, DNSRecord

from tests.world.domain_world import SCENARIO, DomainScenario

FAULTS = ("servfail", "refused", "drop", "truncate", "garbage", "nxdomain")
TTL = 300


@dataclass
class Fault:
    kind: str
    suffix: str = ""
    transport: str | None = None  # "udp", "tcp" or None for both
    times: int | None = None


@dataclass
class Query:
    name: str
    rdtype: str
    transport: str


@dataclass
class DnsServer:
    scenario: DomainScenario = SCENARIO
    queries: list[Query] = field(default_factory=list)
    _faults: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        service = self

        class UDPHandler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                data, sock = self.request
                reply = service.answer(data, "udp")
                if reply is not None:
                    sock.sendto(reply, self.client_address)

        class TCPHandler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sock: socket.socket = self.request
                sock.settimeout(5)
                try:
                    header = sock.recv(2, socket.MSG_WAITALL)
                    if len(header) < 2:
                        return
                    (length,) = struct.unpack("!H", header)
                    data = sock.recv(length, socket.MSG_WAITALL)
                    reply = service.answer(data, "tcp")
                    if reply is not None:
                        sock.sendall(struct.pack("!H", len(reply)) + reply)
                except OSError:
                    return

        # UDP and TCP must share one port number: retry until a free pair is found.
        for _ in range(50):
            udp = socketserver.ThreadingUDPServer(("127.0.0.1", 0), UDPHandler)
            port = udp.server_address[1]
            try:
                tcp = socketserver.ThreadingTCPServer(("127.0.0.1", port), TCPHandler)
            except OSError:
                udp.server_close()
                continue
            break
        else:  # pragma: no cover - only on a machine out of ports
            raise RuntimeError("no free UDP+TCP port pair on 127.0.0.1")
        self.port = int(port)
        self._servers: list[socketserver.BaseServer] = [udp, tcp]
        for server in self._servers:
            server.daemon_threads = True  # type: ignore[attr-defined]
            threading.Thread(target=server.serve_forever, name="fake-dns", daemon=True).start()

    # --- the Service contract ------------------------------------------------------------
    def env(self) -> dict[str, str]:
        return {"CHECKER_DNS_RESOLVERS": f"127.0.0.1:{self.port}"}

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()
            self.queries.clear()
        self.scenario.reset()

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    # --- faults and counters -------------------------------------------------------------
    def inject(
        self, kind: str, suffix: str = "", transport: str | None = None, times: int | None = None
    ) -> Fault:
        if kind not in FAULTS:
            raise ValueError(f"unknown DNS fault {kind!r}")
        fault = Fault(kind, suffix, transport, times)
        with self._lock:
            self._faults.append(fault)
        return fault

    def count(self, transport: str | None = None) -> int:
        with self._lock:
            return sum(1 for q in self.queries if transport in (None, q.transport))

    def _take_fault(self, name: str, transport: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if name.endswith(fault.suffix) and fault.transport in (None, transport):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    # --- answering -----------------------------------------------------------------------
    def answer(self, data: bytes, transport: str) -> bytes | None:
        try:
            request = DNSRecord.parse(data)
        except Exception:  # not DNS: a real server drops it
            return None
        question = request.q
        name = str(question.qname).rstrip(".").lower()
        rdtype = QTYPE.get(question.qtype, str(question.qtype))
        with self._lock:
            self.queries.append(Query(name, rdtype, transport))
        reply = request.reply(ra=1, aa=0)
        fault = self._take_fault(name, transport)
        kind = fault.kind if fault else None
        if kind == "drop":
            return None
        if kind == "garbage":
            return b"\x13\x37" + b"not a dns message"
        if kind == "nxdomain":  # a filtering or offline resolver: NXDOMAIN, no SOA
            reply.header.rcode = RCODE.NXDOMAIN
            return bytes(reply.pack())
        if kind in ("servfail", "refused"):
            reply.header.rcode = RCODE.SERVFAIL if kind == "servfail" else RCODE.REFUSED
            return bytes(reply.pack())
        if kind == "truncate" and transport == "udp":
            reply.header.tc = 1
            return bytes(reply.pack())
        self._fill(reply, name, rdtype)
        packed = bytes(reply.pack())
        if transport == "udp" and len(packed) > _udp_limit(request):
            truncated = request.reply(ra=1, aa=0)
            truncated.header.tc = 1
            return bytes(truncated.pack())
        return packed

    def _fill(self, reply: DNSRecord, name: str, rdtype: str) -> None:
        owner = name
        for _ in range(8):  # follow a CNAME chain, as a recursive resolver does
            values = self.scenario.records(owner, rdtype)
            if values:
                for value in values:
                    # TXT values are stored bare; zone syntax needs them quoted.
                    text = '"' + value.replace('"', '\\"') + '"' if rdtype == "TXT" else value
                    reply.add_answer(*RR.fromZone(f"{owner}. {TTL} IN {rdtype} {text}"))
                return
            cname = self.scenario.records(owner, "CNAME")
            if not cname or rdtype == "CNAME":
                break
            reply.add_answer(*RR.fromZone(f"{owner}. {TTL} IN CNAME {cname[0]}"))
            owner = cname[0].rstrip(".")
        # NODATA and NXDOMAIN both carry the closest enclosing zone's SOA (RFC 2308).
        zone = owner
        while zone and not self.scenario.records(zone, "SOA"):
            zone = zone.partition(".")[2]
        if zone:
            soa = self.scenario.records(zone, "SOA")[0]
            reply.add_auth(*RR.fromZone(f"{zone}. {TTL} IN SOA {soa}"))
        if not self.scenario.name_exists(owner):
            reply.header.rcode = RCODE.NXDOMAIN


def _udp_limit(request: DNSRecord) -> int:
    for rr in request.ar:
        if rr.rtype == QTYPE.OPT:
            return max(512, int(rr.rclass))
    return 512


def start() -> DnsServer:
    return DnsServer()
