"""Parameter types several check families share, as ``Annotated`` types for their models."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9_-]{1,63}(?:\.(?!-)[a-z0-9_-]{1,63})*$")


def domain_name(value: str) -> str:
    """Lower-case, no trailing dot, IDNs as punycode; reject what is not a DNS name."""
    name = value.strip().rstrip(".").lower()
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"{value!r} is not a valid domain name") from None
    if not HOSTNAME.match(name):
        raise ValueError(f"{value!r} is not a valid domain name")
    return name


def matching(pattern: str, what: str) -> AfterValidator:
    """A validator accepting only strings that match ``pattern``; else "'x' is not <what>"."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)


DomainName = Annotated[str, AfterValidator(domain_name)]
