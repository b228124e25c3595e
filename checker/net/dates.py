"""Reading the dates services write: one parser for every protocol."""

from __future__ import annotations

import re
from datetime import datetime, timezone


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def parse_iso_date(text: str) -> datetime | None:
    """RFC 3339 / ISO 8601 as services write it (RDAP events, Docker Hub, WHOIS): fractions of
    any length, ``Z``, an offset with or without its colon, or no zone at all (read as UTC);
    None when it is none of these (Python 3.10's ``fromisoformat`` only takes 3 or 6 fraction
    digits and ``+hh:mm``: normalise first)."""
    cleaned = re.sub(r"\.\d+", "", text.strip()).replace("Z", "+00:00").replace("z", "+00:00")
    cleaned = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", cleaned)
    try:
        return as_utc(datetime.fromisoformat(cleaned))
    except ValueError:
        return None
