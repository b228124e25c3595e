"""DNS lookups with dnspython, bounded by the check's deadline.

Resolvers come from ``endpoints.dns_resolvers`` (``ip[:port]``) or the system configuration.
Each try has a short timeout and the whole lookup a lifetime that ends before the check's
deadline; dnspython retries a truncated UDP answer over TCP by itself. dnspython caches
nothing; the run's memo asks each question once (a retry or the look that confirms a drift
asks again: see :mod:`checker.engine.sharing`).

NXDOMAIN and "no answer" are definite facts (the name or record does not exist); SERVFAIL,
REFUSED, timeouts and "no nameserver could answer" mean we could not look. A true NXDOMAIN
carries the SOA of the closest enclosing zone (RFC 2308); one without it comes from a
resolver that may be filtering or cut off from the internet (captive portals, sandboxes,
DNS firewalls), so it is believed only if that resolver still knows the top-level domain.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from checker.engine.context import CheckContext
from checker.engine.model import CheckError, Evidence
from checker.engine.sharing import RequestKey

if TYPE_CHECKING:
    import dns.resolver

DEADLINE_MARGIN_S = 0.1
BACKOFF_HEADROOM_S = 0.15  # dnspython's first backoff (0.1 s) plus scheduling slack
NAME_TYPES = frozenset({"NS", "CNAME", "PTR", "DNAME", "MX", "SRV", "SOA", "HTTPS", "SVCB"})


@dataclass(frozen=True)
class DnsAnswer:
    name: str
    rdtype: str
    exists: bool
    values: tuple[str, ...]
    ttl: int | None
    evidence: Evidence


def _resolver(ctx: CheckContext) -> dns.resolver.Resolver:
    import dns.nameserver
    import dns.resolver

    addresses = ctx.settings.endpoints.resolver_addresses()
    if addresses:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [dns.nameserver.Do53Nameserver(h, p) for h, p in addresses]
    else:
        try:
            resolver = dns.resolver.Resolver(configure=True)
        except dns.resolver.NoResolverConfiguration:
            raise CheckError(
                "no DNS resolver configured on this system; set endpoints.dns_resolvers "
                "or CHECKER_DNS_RESOLVERS"
            ) from None
    resolver.cache = None
    return resolver


def _ask(
    resolver: dns.resolver.Resolver, qname: Any, rdtype: str, deadline: float, per_try: float
) -> dns.resolver.Answer | None:
    """Resolve, one round of the resolvers at a time, until an answer or ``deadline``.

    dnspython sleeps a growing backoff between rounds *before* checking its lifetime, so a
    single long lifetime can overshoot by seconds; rounds of one try per resolver cannot.
    None means no round got an answer in time.
    """
    import dns.exception

    rounds = len(resolver.nameservers) or 1
    while True:
        left = deadline - time.monotonic() - BACKOFF_HEADROOM_S
        if left <= 0.05:
            return None
        resolver.timeout = min(per_try, left)
        resolver.lifetime = min(left, per_try * rounds)
        try:
            return resolver.resolve(qname, rdtype, search=False)
        except dns.exception.Timeout:
            continue  # a lost packet: try another round while time remains


def _ask_once(
    ctx: CheckContext,
    resolver: dns.resolver.Resolver,
    qname: Any,
    rdtype: str,
    deadline: float,
    per_try: float,
) -> dns.resolver.Answer | None:
    """:func:`_ask`, asked once per run for the same resolvers, name and type: the answer, or
    the NXDOMAIN / no-answer / failure, is shared with every check asking the same."""
    servers = server_names(resolver)
    key = RequestKey("DNS", rdtype, f"{qname.to_text()} via {servers}")
    return ctx.once(
        key,
        f"DNS {servers}",
        lambda: _ask(resolver, qname, rdtype, deadline, per_try),
        deadline=deadline,
    )


def server_names(resolver: dns.resolver.Resolver) -> str:
    names = [
        f"{getattr(ns, 'address', ns)}:{getattr(ns, 'port', 53)}" for ns in resolver.nameservers
    ]
    return ", ".join(names) or "the system resolver"


def format_rdata(rdata: Any, rdtype: str) -> str:
    """Comparable text: TXT strings joined, names lower-cased without the trailing dot."""
    if rdtype in ("TXT", "SPF"):
        return "".join(s.decode("utf-8", errors="replace") for s in rdata.strings)
    text = str(rdata.to_text())
    if rdtype in NAME_TYPES:
        return " ".join(part.rstrip(".").lower() for part in text.split())
    return text


def resolve(name: str, rdtype: str, ctx: CheckContext, *, follow_cname: bool = True) -> DnsAnswer:
    """The records of ``name``; with ``follow_cname=False`` a name that is an alias has none
    (an alias is not a zone: the target's NS set is not the name's)."""
    import dns.exception
    import dns.name
    import dns.resolver

    budget = max(0.05, ctx.remaining() - DEADLINE_MARGIN_S)
    deadline = time.monotonic() + budget
    # Several tries fit in the budget, so one lost UDP packet is retried, not fatal.
    per_try = max(0.2, min(budget, ctx.settings.timeout / 4))
    resolver = _resolver(ctx)
    source = f"DNS {name} {rdtype} via {server_names(resolver)}"
    qname = dns.name.from_text(name)  # absolute: no search-list suffixes
    try:
        answer = _ask_once(ctx, resolver, qname, rdtype, deadline, per_try)
    except dns.resolver.NXDOMAIN as exc:
        if not _has_soa(exc):
            _check_resolver_knows_tld(ctx, resolver, qname, source, deadline, per_try)
        return _absent(name, rdtype, source, "NXDOMAIN: the name does not exist")
    except dns.resolver.NoAnswer:
        return _absent(name, rdtype, source, f"NOERROR, no {rdtype} records for the name")
    except dns.resolver.NoNameservers as exc:
        raise CheckError(f"{source}: no resolver could answer ({_errors(exc)})") from None
    except dns.exception.DNSException as exc:
        raise CheckError(f"{source}: {type(exc).__name__}: {exc}") from None
    if answer is None:
        raise CheckError(f"{source}: no answer within {budget:.1f} s")
    if not follow_cname and answer.canonical_name != qname:
        alias = answer.canonical_name.to_text(omit_final_dot=True)
        return _absent(name, rdtype, source, f"{name} is a CNAME to {alias}, not a zone")
    rrset = answer.rrset
    assert rrset is not None  # resolve() raises NoAnswer otherwise
    values = tuple(sorted({format_rdata(r, rdtype) for r in rrset}))
    return DnsAnswer(
        name=name,
        rdtype=rdtype,
        exists=True,
        values=values,
        ttl=rrset.ttl,
        evidence=Evidence(source=source, excerpt=answer.response.to_text()),
    )


def _has_soa(exc: dns.resolver.NXDOMAIN) -> bool:
    import dns.rdatatype

    responses = exc.kwargs.get("responses", {}).values()
    return any(
        rrset.rdtype == dns.rdatatype.SOA for response in responses for rrset in response.authority
    )


def _check_resolver_knows_tld(
    ctx: CheckContext,
    resolver: dns.resolver.Resolver,
    qname: Any,
    source: str,
    deadline: float,
    per_try: float,
) -> None:
    """Raise CheckError unless the resolver confirms the name's top-level domain exists."""
    import dns.exception
    import dns.name
    import dns.resolver

    tld = dns.name.Name(qname.labels[-2:]) if len(qname.labels) > 2 else dns.name.root
    doubt = f"{source}: NXDOMAIN without the zone's SOA record"
    try:
        known = _ask_once(ctx, resolver, tld, "SOA", deadline, per_try) is not None
    except dns.resolver.NoAnswer:
        known = True  # the TLD exists, it just holds no SOA at that name
    except dns.resolver.NXDOMAIN:
        raise CheckError(
            f"{doubt}, and the resolver denies that {tld.to_text()} exists too: it is filtering "
            "or offline, so its NXDOMAIN proves nothing"
        ) from None
    except dns.exception.DNSException as exc:
        raise CheckError(f"{doubt}, and asking it for {tld.to_text()} failed: {exc}") from None
    if not known:
        raise CheckError(f"{doubt}, and no answer for {tld.to_text()} in time")


def _absent(name: str, rdtype: str, source: str, why: str) -> DnsAnswer:
    return DnsAnswer(
        name=name,
        rdtype=rdtype,
        exists=False,
        values=(),
        ttl=None,
        evidence=Evidence(source=source, excerpt=why),
    )


def _errors(exc: Any) -> str:
    """``127.0.0.1:5353 answered SERVFAIL`` for each server, from NoNameservers' kwargs."""
    parts = []
    for server, tcp, _port, error, _response in exc.kwargs.get("errors", []):
        transport = "TCP" if tcp else "UDP"
        what = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        where = str(server).removeprefix("Do53:").replace("@", ":")
        parts.append(f"{where} ({transport}) answered {what}")
    return "; ".join(parts) or str(exc)
