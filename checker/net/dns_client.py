"""DNS lookups with dnspython, bounded by the check's deadline.

Resolvers come from ``endpoints.dns_resolvers`` (``ip[:port]``) or the system configuration.
Each try has a short timeout and the whole lookup a lifetime that ends before the check's
deadline; dnspython retries a truncated UDP answer over TCP by itself. Nothing is cached, so
the look that confirms a drift is a fresh one.

NXDOMAIN and "no answer" are definite facts (the name or record does not exist); SERVFAIL,
REFUSED, timeouts and "no nameserver could answer" mean we could not look.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from checker.engine.context import CheckContext
from checker.engine.model import CheckError, Evidence

if TYPE_CHECKING:
    import dns.resolver

DEADLINE_MARGIN_S = 0.1
NAME_TYPES = frozenset({"NS", "CNAME", "PTR", "DNAME", "MX", "SRV", "SOA", "HTTPS", "SVCB"})


@dataclass(frozen=True)
class DnsAnswer:
    name: str
    rdtype: str
    exists: bool
    values: tuple[str, ...]
    ttl: int | None
    evidence: Evidence


def _resolver(ctx: CheckContext, lifetime: float) -> dns.resolver.Resolver:
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
    resolver.lifetime = lifetime
    # Several tries fit in the lifetime, so one lost UDP packet is retried, not fatal.
    resolver.timeout = max(0.2, min(lifetime, ctx.settings.timeout / 4))
    return resolver


def server_names(resolver: dns.resolver.Resolver) -> str:
    return ", ".join(str(ns) for ns in resolver.nameservers) or "the system resolver"


def format_rdata(rdata: Any, rdtype: str) -> str:
    """Comparable text: TXT strings joined, names lower-cased without the trailing dot."""
    if rdtype in ("TXT", "SPF"):
        return "".join(s.decode("utf-8", errors="replace") for s in rdata.strings)
    text = str(rdata.to_text())
    if rdtype in NAME_TYPES:
        return " ".join(part.rstrip(".").lower() for part in text.split())
    return text


def resolve(name: str, rdtype: str, ctx: CheckContext) -> DnsAnswer:
    import dns.exception
    import dns.name
    import dns.resolver

    lifetime = max(0.05, ctx.remaining() - DEADLINE_MARGIN_S)
    resolver = _resolver(ctx, lifetime)
    where = server_names(resolver)
    source = f"DNS {name} {rdtype} via {where}"
    qname = dns.name.from_text(name)  # absolute: no search-list suffixes
    try:
        answer = resolver.resolve(qname, rdtype, search=False)
    except dns.resolver.NXDOMAIN:
        return _absent(name, rdtype, source, "NXDOMAIN: the name does not exist")
    except dns.resolver.NoAnswer:
        return _absent(name, rdtype, source, f"NOERROR, no {rdtype} records for the name")
    except dns.resolver.NoNameservers as exc:
        raise CheckError(f"{source}: no resolver could answer ({_errors(exc)})") from None
    except dns.exception.Timeout:
        raise CheckError(f"{source}: no answer within {lifetime:.1f} s") from None
    except dns.exception.DNSException as exc:
        raise CheckError(f"{source}: {type(exc).__name__}: {exc}") from None
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
    for server, tcp, port, error, _response in exc.kwargs.get("errors", []):
        transport = "TCP" if tcp else "UDP"
        what = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        parts.append(f"{server} port {port} ({transport}) answered {what}")
    return "; ".join(parts) or str(exc)
