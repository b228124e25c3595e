"""Check types of the ``whois`` family: what the registration data service says.

Whichever source answered (RDAP first, port-43 WHOIS as fallback) the record is the same
normalised :class:`~checker.net.registration.Registration`. A domain the registry does not
know is ``exists: false``; contact data a registry redacts is ``unverifiable``, never drift.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from checker.checks.params import DomainName
from checker.engine.context import CheckContext
from checker.engine.matchers import Matcher, must_exist
from checker.engine.model import CheckError, Observation, Unverifiable
from checker.engine.registry import CheckType

if TYPE_CHECKING:
    from checker.net.registration import Registration


class DomainParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    domain: DomainName = Field(description="the registered domain, e.g. mybinder.org")


class RegistrarParams(DomainParams):
    names: list[str] | None = Field(
        default=None,
        description="accepted registrar names; matches when the name contains any of them",
    )
    iana_id: int | None = Field(
        default=None, description="the registrar's IANA id (more stable than its name)"
    )


class ContactParams(DomainParams):
    email: list[str] | None = Field(default=None, description="documented contact email(s)")
    organization: str | None = Field(default=None, description="documented registrant org")
    name: str | None = Field(
        default=None,
        description="documented registrant (owner) name; registries redact it for persons",
    )

    @field_validator("email", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("email")
    @classmethod
    def _lower(cls, value: list[str] | None) -> list[str] | None:
        return [v.strip().lower() for v in value] if value is not None else None

    @model_validator(mode="after")
    def _something(self) -> ContactParams:
        if not (self.email or self.organization or self.name):
            raise ValueError("give email, organization and/or name: the contact fact to verify")
        return self


class ExpiryParams(DomainParams):
    days: int = Field(default=30, ge=0, description="the domain must not expire sooner")


class NameserversParams(DomainParams):
    nameservers: list[str] | None = Field(
        default=None, description="the documented delegation (default expectation: set_equals)"
    )


def _lookup(domain: str, ctx: CheckContext, *, need_contacts: bool = False) -> Registration:
    from checker.net.rdds import lookup

    return lookup(domain, ctx, need_contacts=need_contacts)


def _seen(record: Registration, **values: Any) -> Observation:
    return Observation(
        values={"exists": True, **values, "source": record.source}, evidence=record.evidence
    )


def _absent(record: Registration, fields: tuple[str, ...]) -> Observation:
    values: dict[str, Any] = dict.fromkeys(fields)
    values.update(exists=False, source=record.source)
    return Observation(values=values, evidence=record.evidence)


def observe_registrar(params: RegistrarParams, ctx: CheckContext) -> Observation:
    record = _lookup(params.domain, ctx)
    if not record.exists:
        return _absent(record, ("registrar", "iana_id"))
    # DENIC (.de) never names the registrar; ccTLD registries often publish no IANA id (their
    # registrars need no ICANN accreditation). The source answered: it will never say more.
    if record.registrar is None and record.iana_id is None:
        raise Unverifiable(
            f"{record.source} does not publish the registrar of {params.domain}",
            evidence=record.evidence,
        )
    for wanted, seen, what in (
        (params.names, record.registrar, "name"),
        (params.iana_id, record.iana_id, "IANA id"),
    ):
        if wanted is not None and seen is None:
            raise Unverifiable(
                f"{record.source} does not publish the registrar's {what} for {params.domain}",
                evidence=record.evidence,
            )
    return _seen(record, registrar=record.registrar, iana_id=record.iana_id)


def _why_unverifiable(params: ContactParams, record: Registration) -> str | None:
    """Why the documented contact cannot be compared with what the source shows, if so."""
    contacts = record.contacts
    gaps: list[str] = []
    missing = bool(params.email) and not set(params.email or []) <= set(contacts.emails)
    # A visible address that differs is drift, unless the documented one may be hidden.
    if missing and (contacts.hides("email") or not contacts.emails):
        gaps.append("email")
    if params.organization and contacts.organization is None:
        gaps.append("organization")
    if params.name and contacts.name is None:
        gaps.append("name")
    if not gaps:
        return None
    what = gaps[0]
    hidden = contacts.hides(what)
    if hidden:
        return (
            f"the contact {what} of {record.domain} is redacted by {record.source} "
            f"({'; '.join(hidden)[:300]})"
        )
    return f"{record.source} publishes no contact {what} for {record.domain}"


def observe_contact(params: ContactParams, ctx: CheckContext) -> Observation:
    record = _lookup(params.domain, ctx, need_contacts=True)
    if not record.exists:
        return _absent(record, ("emails", "organization", "name"))
    reason = _why_unverifiable(params, record)
    if reason is not None:
        raise Unverifiable(reason, evidence=record.evidence)
    contacts = record.contacts
    return _seen(
        record,
        emails=list(contacts.emails),
        organization=contacts.organization,
        name=contacts.name,
    )


def observe_expiry(params: ExpiryParams, ctx: CheckContext) -> Observation:
    record = _lookup(params.domain, ctx)
    if not record.exists:
        return _absent(record, ("days_left", "expires"))
    if record.unreadable_expiry is not None:
        raise CheckError(
            f"{record.source} gives the expiry date as {record.unreadable_expiry[:80]!r}, "
            "which could not be read as a date",
            evidence=record.evidence,
        )
    if record.expires is None:  # DENIC (.de) and some ccTLD RDAP servers never publish it
        raise Unverifiable(
            f"{record.source} does not publish the expiry date of {params.domain}",
            evidence=record.evidence,
        )
    left = record.expires - datetime.now(timezone.utc)
    return _seen(record, days_left=left.days, expires=record.expires.isoformat())


def observe_nameservers(params: NameserversParams, ctx: CheckContext) -> Observation:
    record = _lookup(params.domain, ctx)
    if not record.exists:
        return _absent(record, ("nameservers", "count"))
    if not record.nameservers:  # .hu and old .name records list none: they never say
        raise Unverifiable(
            f"{record.source} does not publish the nameservers of {params.domain}",
            evidence=record.evidence,
        )
    return _seen(record, nameservers=list(record.nameservers), count=len(record.nameservers))


def _registrar_expect(params: RegistrarParams) -> dict[str, Matcher]:
    expect = must_exist()
    if params.names:
        expect["registrar"] = Matcher(contains=params.names)
    if params.iana_id is not None:
        expect["iana_id"] = Matcher(equals=params.iana_id)
    return expect


def _contact_expect(params: ContactParams) -> dict[str, Matcher]:
    expect = must_exist()
    if params.email:
        expect["emails"] = Matcher(includes=params.email)
    if params.organization:
        expect["organization"] = Matcher(contains=params.organization)
    if params.name:
        expect["name"] = Matcher(contains=params.name)
    return expect


def _expiry_expect(params: ExpiryParams) -> dict[str, Matcher]:
    return {**must_exist(), "days_left": Matcher(at_least=params.days)}


def _nameservers_expect(params: NameserversParams) -> dict[str, Matcher]:
    expect = must_exist()
    if params.nameservers is not None:
        expect["nameservers"] = Matcher(set_equals=params.nameservers)
    return expect


EXISTS = "whether the registry knows the domain (false when it says not found)"
SOURCE = "which service answered: RDAP URL or WHOIS server"

CHECK_TYPES: list[CheckType[Any]] = [
    CheckType(
        name="whois.registrar",
        summary="the domain's registrar (name and/or IANA id), from RDAP or WHOIS",
        params=RegistrarParams,
        observe=observe_registrar,
        fields={
            "exists": EXISTS,
            "registrar": "registrar name as published",
            "iana_id": "registrar IANA id (number)",
            "source": SOURCE,
        },
        default_expect=_registrar_expect,
    ),
    CheckType(
        name="whois.contact",
        summary="documented contact email / organisation / owner; redacted data is unverifiable",
        params=ContactParams,
        observe=observe_contact,
        fields={
            "exists": EXISTS,
            "emails": "visible registrant/admin/tech emails, lower-case",
            "organization": "registrant organisation",
            "name": "registrant name",
            "source": SOURCE,
        },
        default_expect=_contact_expect,
    ),
    CheckType(
        name="whois.expiry",
        summary="the domain does not expire within N days (default 30)",
        params=ExpiryParams,
        observe=observe_expiry,
        fields={
            "exists": EXISTS,
            "days_left": "whole days until the registry expiry date",
            "expires": "registry expiry date (ISO 8601, UTC)",
            "source": SOURCE,
        },
        default_expect=_expiry_expect,
        clock_fields={"days_left": "expires"},
    ),
    CheckType(
        name="whois.nameservers",
        summary="the nameservers the registry delegates the domain to",
        params=NameserversParams,
        observe=observe_nameservers,
        fields={
            "exists": EXISTS,
            "nameservers": "delegated NS host names, lower-case, no trailing dot, sorted",
            "count": "number of delegated nameservers",
            "source": SOURCE,
        },
        default_expect=_nameservers_expect,
    ),
]
