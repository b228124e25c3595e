"""RDAP: registration data as JSON over HTTP (RFC 9082/9083), found via the IANA bootstrap.

The base URL comes from ``endpoints.rdap`` when set (a mirror, or the loopback world), else
from the IANA bootstrap file (RFC 9224), fetched once per run. A registry that publishes no
contacts (a thin registry such as .com) links to the registrar's RDAP record with
``rel: related``; so does a thick registry that redacts them (PIR). That link is followed
only when a check needs contacts and the registry's own are missing or hidden: after ICANN's
Registration Data Policy the registrar is where consented contact data is published.

Every request here shares one deadline (the bootstrap download included), so a stalled
data.iana.org or registry leaves the rest of the check's time to the WHOIS fallback.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from checker.engine.context import CheckContext
from checker.engine.model import CheckError, Evidence
from checker.net.dates import parse_iso_date
from checker.net.http import HttpResponse, http_client
from checker.net.registration import (
    ContactBuilder,
    Contacts,
    Registration,
    merge_contacts,
    normalise_hosts,
)

ACCEPT = {"Accept": "application/rdap+json, application/json;q=0.9"}
CONTACT_ROLES = ("registrant", "administrative", "technical")
ROLE_LABEL = {"registrant": "Registrant", "administrative": "Admin", "technical": "Tech"}
# RFC 9083 section 6: an error response is a JSON object with these members (all optional).
ERROR_MEMBERS = ("errorCode", "rdapConformance", "title", "description", "notices")


def base_url(domain: str, ctx: CheckContext, *, deadline: float) -> str | None:
    """The RDAP base for ``domain``, or None when no RDAP service is known for its TLD."""
    endpoints = ctx.settings.endpoints
    if endpoints.rdap:
        return endpoints.rdap.rstrip("/")
    url = endpoints.rdap_bootstrap
    table = ctx.services.shared(
        f"rdap-bootstrap {url}", lambda: _load_bootstrap(url, ctx, deadline), deadline=deadline
    )
    labels = domain.split(".")
    for start in range(len(labels)):  # RFC 9224: the longest matching label sequence wins
        base = table.get(".".join(labels[start:]))
        if base:
            return base
    return None


def _load_bootstrap(url: str, ctx: CheckContext, deadline: float) -> dict[str, str]:
    response = http_client(ctx).get(
        url, timeout=_time_left(url, ctx, deadline, "IANA RDAP bootstrap")
    )
    if response.status != 200:
        raise CheckError(
            f"IANA RDAP bootstrap {url} answered HTTP {response.status}",
            evidence=(response.evidence(),),
        )
    services = response.json_object().get("services")
    if not isinstance(services, list):
        raise CheckError(
            f"IANA RDAP bootstrap {url} has no services list", evidence=(response.evidence(),)
        )
    table: dict[str, str] = {}
    for entry in services:
        if not (isinstance(entry, list) and len(entry) >= 2):
            continue
        suffixes, urls = entry[0], entry[1]
        if not isinstance(suffixes, list) or not isinstance(urls, list):
            continue
        usable = [u for u in urls if isinstance(u, str) and u.startswith(("https://", "http://"))]
        if not usable:
            continue
        # RFC 9224 lists every base of a service; prefer HTTPS when both are offered.
        chosen = sorted(usable, key=lambda u: not u.startswith("https://"))[0].rstrip("/")
        for suffix in suffixes:
            if isinstance(suffix, str):
                table[suffix.lower().strip(".")] = chosen
    return table


def lookup(
    domain: str, base: str, ctx: CheckContext, *, deadline: float, need_contacts: bool
) -> Registration:
    """Ask the registry's RDAP service about ``domain``; CheckError when it cannot answer.

    Every request is over by ``deadline`` (``time.monotonic()``)."""
    url = f"{base}/domain/{domain}"
    response = _get(url, ctx, deadline)
    if response.status == 404:
        return Registration(
            domain=domain, source=f"RDAP {url}", exists=False, evidence=(response.evidence(),)
        )
    data = _domain_object(response, url)
    registrar = _registrar_entity(data)
    contacts = contacts_of(data)
    evidence = [_evidence(response, data)]
    if need_contacts and not contacts.complete:
        link = _related_link(data, registrar)
        if link is not None:
            contacts, registrar_evidence = _with_registrar(contacts, link, ctx, deadline)
            evidence.append(registrar_evidence)
    expiration = _event(data, "expiration")
    expires = parse_iso_date(expiration) if expiration else None
    return Registration(
        domain=domain,
        source=f"RDAP {url}",
        exists=True,
        registrar=_registrar_name(registrar) if registrar else None,
        iana_id=_iana_id(registrar) if registrar else None,
        expires=expires,
        unreadable_expiry=expiration if expires is None else None,
        nameservers=_nameservers(data),
        contacts=contacts,
        evidence=tuple(evidence),
    )


def _time_left(url: str, ctx: CheckContext, deadline: float, what: str = "RDAP") -> float:
    left = deadline - time.monotonic()
    if left <= 0.01:
        raise CheckError(f"{what} {url}: not asked, RDAP's share of the deadline is used up")
    return min(left, ctx.call_timeout())


def _get(url: str, ctx: CheckContext, deadline: float) -> HttpResponse:
    response = http_client(ctx).get(url, timeout=_time_left(url, ctx, deadline), headers=ACCEPT)
    if response.status == 404:
        _check_not_found(response)
    elif response.status != 200:
        # 400/401/403 from a registry mean this client cannot use the service right now.
        raise CheckError(
            f"RDAP {url} answered HTTP {response.status}", evidence=(response.evidence(),)
        )
    return response


def _check_not_found(response: HttpResponse) -> None:
    """A 404 means "no such object" only when the RDAP server says it: an empty body (some
    registries send nothing) or an RFC 9083 error object. An HTML page from a proxy or a CDN,
    or an aggregator's "no registry found" text, is a CheckError, never a vanished domain."""
    if response.body.strip():
        response.service_error("RDAP", ERROR_MEMBERS)


def _domain_object(response: HttpResponse, url: str) -> dict[str, Any]:
    data = response.json_object()
    if data.get("objectClassName") != "domain" and "ldhName" not in data:
        raise CheckError(
            f"RDAP {url} answered with JSON that is not a domain object",
            evidence=(response.evidence(),),
        )
    return data


def _with_registrar(
    registry: Contacts, url: str, ctx: CheckContext, deadline: float
) -> tuple[Contacts, Evidence]:
    """The registry's contacts completed with the registrar's record at ``url``.

    A thin registry (no contact section) has only the registrar's, so its failure is a
    CheckError; a registry that published redacted contacts still answered, so a registrar
    that fails leaves them as they are (hidden: unverifiable, never drift) with a note."""
    try:
        response = _get(url, ctx, deadline)
        if response.status == 404:
            return registry, response.evidence()
        data = _domain_object(response, url)
    except CheckError as exc:
        if not registry.published:
            raise
        return registry, Evidence(
            source=f"RDAP {url}", excerpt=f"the registrar's record could not be read: {exc.message}"
        )
    return merge_contacts(registry, contacts_of(data)), _evidence(response, data)


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


def _entities_with_role(entities: Any, role: str) -> list[dict[str, Any]]:
    return [
        entity
        for entity in _dicts(entities)
        if isinstance(entity.get("roles"), list)
        and role in (str(r).lower() for r in entity["roles"])
    ]


def _entity_with_role(entities: Any, role: str) -> dict[str, Any] | None:
    found = _entities_with_role(entities, role)
    return found[0] if found else None


def _vcard(entity: dict[str, Any]) -> list[list[Any]]:
    card = entity.get("vcardArray")
    if isinstance(card, list) and len(card) >= 2 and isinstance(card[1], list):
        return [prop for prop in card[1] if isinstance(prop, list) and len(prop) >= 4]
    return []


def _flatten(value: Any) -> str:
    if isinstance(value, list):  # structured values such as org ["Org", "Unit"]
        return " ".join(_flatten(v) for v in value if v).strip()
    return str(value).strip() if value is not None else ""


def _vcard_text(entity: dict[str, Any], name: str) -> str | None:
    for prop in _vcard(entity):
        if prop[0] == name:
            text = _flatten(prop[3])
            return text or None
    return None


def _registrar_entity(data: dict[str, Any]) -> dict[str, Any] | None:
    """The sponsoring registrar. Some objects list more than one entity with the role (a
    registrar and its reseller, or a bare handle next to the full entity): prefer the one
    ICANN identifies, then one that is named."""
    found = _entities_with_role(data.get("entities"), "registrar")
    ranked = sorted(found, key=lambda e: (_iana_id(e) is None, _registrar_name(e) is None))
    return ranked[0] if ranked else None


def _registrar_name(entity: dict[str, Any]) -> str | None:
    """The vCard's ``fn``, else its ``org`` (some registrars' records carry only ``org``)."""
    return _vcard_text(entity, "fn") or _vcard_text(entity, "org")


def _restricted(entity: dict[str, Any]) -> bool:
    """AFNIC's remark ``contact restricted publication: YES``: the values are stand-ins."""
    for remark in _dicts(entity.get("remarks")):
        if str(remark.get("type", "")).lower() == "contact restricted publication":
            description = remark.get("description")
            words = description if isinstance(description, list) else [description]
            return any(str(word).strip().lower() == "yes" for word in words)
    return False


def _iana_id(entity: dict[str, Any]) -> int | None:
    for public_id in _dicts(entity.get("publicIds")):
        if str(public_id.get("type", "")).lower() == "iana registrar id":
            identifier = str(public_id.get("identifier", "")).strip()
            if identifier.isdigit():
                return int(identifier)
    # Not the handle, even when numeric: ccTLD registries number their own registrars.
    return None


def _event(data: dict[str, Any], action: str) -> str | None:
    """The date of the ``action`` event, as published (RFC 3339, but not always)."""
    for event in _dicts(data.get("events")):
        if str(event.get("eventAction", "")).lower() == action:
            return str(event.get("eventDate", "")).strip() or None
    return None


def _nameservers(data: dict[str, Any]) -> tuple[str, ...]:
    names = [
        str(ns.get("ldhName") or ns.get("unicodeName") or "")
        for ns in _dicts(data.get("nameservers"))
    ]
    return normalise_hosts(names)


def _related_link(data: dict[str, Any], registrar: dict[str, Any] | None) -> str | None:
    """The registrar's RDAP record for this domain (top-level link, or on the registrar)."""
    links = [*_dicts(data.get("links")), *_dicts((registrar or {}).get("links"))]
    for link in links:
        href = str(link.get("href", ""))
        kind = str(link.get("type", "application/rdap+json"))
        if link.get("rel") == "related" and "rdap" in kind and href.startswith("http"):
            return href
    return None


def contacts_of(data: dict[str, Any]) -> Contacts:
    builder = ContactBuilder()
    # A domain may have several contacts of one role (AFNIC: two technical contacts).
    for role, entity in (
        (wanted, entity)
        for wanted in CONTACT_ROLES
        for entity in _entities_with_role(data.get("entities"), wanted)
    ):
        label = ROLE_LABEL[role]
        builder.published = True
        if _restricted(entity):
            builder.hidden(f"{label} Contact", f"{label}: contact restricted publication")
            continue
        emails = [prop for prop in _vcard(entity) if prop[0] == "email"]
        proxied = [builder.email(f"{label} Email", _flatten(prop[3])) for prop in emails]
        if not emails:
            for prop in _vcard(entity):
                if prop[0] == "contact-uri":  # a web form instead of an address
                    uri = _flatten(prop[3])
                    builder.hidden(f"{label} Email", f"{label} Email: contact via {uri}")
        if role == "registrant":
            builder.registrant(
                label,
                name=_vcard_text(entity, "fn") or "",
                organization=_vcard_text(entity, "org") or "",
                proxied=any(proxied),
            )
        for remark in _dicts(entity.get("remarks")):
            title = str(remark.get("title", ""))
            if "redacted" in title.lower():  # e.g. "EMAIL REDACTED FOR PRIVACY"
                field = title.split()[0].title()
                if field.casefold() not in ("email", "organization", "name"):
                    field = "Contact"  # a generic remark covers the whole contact
                builder.hidden(f"{label} {field}", f"{label}: {title}")
    for item in _dicts(data.get("redacted")):  # RFC 9537
        name = item.get("name")
        if not isinstance(name, dict):
            continue
        what = str(name.get("type") or name.get("description") or "").strip()
        method = str(item.get("method", "removal"))
        if what:
            builder.hidden(what, f"{what} ({method})")
    return builder.build()


def _evidence(response: HttpResponse, data: dict[str, Any]) -> Evidence:
    """The members a check judges, so a reader sees the relevant facts first."""
    relevant: dict[str, Any] = {
        key: data[key]
        for key in ("ldhName", "status", "events", "nameservers", "redacted")
        if key in data
    }
    registrar = _registrar_entity(data)
    if registrar is not None:
        relevant["registrar"] = {
            "fn": _registrar_name(registrar),
            "publicIds": registrar.get("publicIds"),
        }
    contacts = [
        {"roles": e.get("roles"), "vcard": _vcard(e)}
        for e in _dicts(data.get("entities"))
        if set(map(str, e.get("roles") or [])) & set(CONTACT_ROLES)
    ]
    if contacts:
        relevant["contacts"] = contacts
    base = response.evidence()
    return Evidence(
        source=base.source,
        excerpt=json.dumps(relevant, indent=1, ensure_ascii=False, default=str),
        raw=base.raw,
        media_type=base.media_type,
    )
