"""Check types of the ``dns`` family: what the DNS answers today.

``dns.nameservers`` reads a zone's NS set; ``dns.record`` reads any record type. A name or
record that does not exist is a definite answer (``exists: false``); a resolver that fails,
refuses or stays silent is an error. Values are normalised (case, trailing dot, order), so
only a real change reads as drift.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from checker.checks.params import DomainName
from checker.engine.context import CheckContext
from checker.engine.matchers import Matcher, must_exist
from checker.engine.model import Observation
from checker.engine.registry import CheckType

RDTYPE = re.compile(r"^(?:[A-Z][A-Z0-9]{0,9}|TYPE[0-9]{1,5})$")


class NameserversParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    zone: DomainName = Field(description="the zone whose NS records are read, e.g. mybinder.org")
    nameservers: list[str] | None = Field(
        default=None, description="the documented NS set (default expectation: set_equals)"
    )


class RecordParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: DomainName = Field(description="the DNS name to look up, e.g. gke.mybinder.org")
    rdtype: str = Field(default="A", description="record type: A, AAAA, CNAME, TXT, MX, CAA, ...")
    exists: bool = Field(default=True, description="whether the record is documented to exist")
    values: list[str] | None = Field(
        default=None, description="the documented values (default expectation: set_equals)"
    )

    @field_validator("rdtype")
    @classmethod
    def _rdtype(cls, value: str) -> str:
        value = value.strip().upper()
        if not RDTYPE.match(value):
            raise ValueError(f"{value!r} is not a DNS record type")
        return value


def _nameservers_expect(params: NameserversParams) -> dict[str, Matcher]:
    expect = must_exist()
    if params.nameservers is not None:
        expect["nameservers"] = Matcher(set_equals=params.nameservers)
    return expect


def _record_expect(params: RecordParams) -> dict[str, Matcher]:
    expect = {"exists": Matcher(equals=params.exists)}
    if params.values is not None:
        expect["values"] = Matcher(set_equals=params.values)
    return expect


def observe_nameservers(params: NameserversParams, ctx: CheckContext) -> Observation:
    from checker.net.dns_client import resolve

    answer = resolve(params.zone, "NS", ctx, follow_cname=False)
    return Observation(
        values={
            "exists": answer.exists,
            "nameservers": list(answer.values),
            "count": len(answer.values),
        },
        evidence=(answer.evidence,),
    )


def observe_record(params: RecordParams, ctx: CheckContext) -> Observation:
    from checker.net.dns_client import resolve

    answer = resolve(params.name, params.rdtype, ctx)
    return Observation(
        values={
            "exists": answer.exists,
            "values": list(answer.values),
            "count": len(answer.values),
            "ttl": answer.ttl,
        },
        evidence=(answer.evidence,),
    )


CHECK_TYPES: list[CheckType[Any]] = [
    CheckType(
        name="dns.nameservers",
        summary="the NS set of a zone, as the DNS answers it",
        params=NameserversParams,
        observe=observe_nameservers,
        fields={
            "exists": "whether the zone has NS records (false on NXDOMAIN / no answer)",
            "nameservers": "NS host names, lower-case, no trailing dot, sorted",
            "count": "number of NS records",
        },
        default_expect=_nameservers_expect,
    ),
    CheckType(
        name="dns.record",
        summary="any DNS record of a name: that it exists, and/or its values",
        params=RecordParams,
        observe=observe_record,
        fields={
            "exists": "whether the record exists (false on NXDOMAIN / no answer)",
            "values": "record values as text (names lower-case without trailing dot), sorted",
            "count": "number of records",
            "ttl": "TTL of the answer in seconds (null when absent)",
        },
        default_expect=_record_expect,
    ),
]
