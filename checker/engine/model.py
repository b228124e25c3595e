"""The vocabulary every part of infra-checker speaks: statuses, evidence, observations, results.

Checks *observe*; the engine *judges*. A check returns an :class:`Observation` (the facts it saw,
as plain JSON-able values keyed by field name, plus the evidence it saw them in) or raises
:class:`CheckError` (could not look this time) or :class:`Unverifiable` (can never look with
what we have). The runner turns that into a :class:`Result` by applying the check's matchers.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, TypeAlias

from checker.engine.redaction import redact

JSONValue: TypeAlias = Any
"""A value made of str, int, float, bool, None, lists and str-keyed dicts (JSON's types)."""

EXCERPT_LIMIT = 4000
# What a cut excerpt ends with: an excerpt that already does is not cut again when the
# evidence is copied (redacted, scrubbed).
_CUT_NOTICE = re.compile(
    r"\n\[cut here: [\d,]+ of [\d,]+ characters shown; the evidence bundle keeps the whole "
    r"answer\]\Z"
)


class Status(str, enum.Enum):
    """The only four verdicts a check can have."""

    OK = "ok"
    DRIFT = "drift"
    ERROR = "error"
    UNVERIFIABLE = "unverifiable"

    def __str__(self) -> str:
        return self.value


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Evidence:
    """What was asked, of whom, when, and what came back (raw, for auditors)."""

    source: str
    fetched_at: datetime = field(default_factory=utcnow)
    excerpt: str = ""
    raw: str = ""
    media_type: str = "text/plain"

    def __post_init__(self) -> None:
        # The one place an excerpt is cut: the cut says so where it happens, and the whole
        # answer stays in ``raw`` (the evidence bundle writes it), kept here if nobody else did.
        if len(self.excerpt) <= EXCERPT_LIMIT or _CUT_NOTICE.search(self.excerpt):
            return
        # Redacted before the cut: half a token at the cut would no longer be recognised.
        whole = redact(self.excerpt)
        if len(whole) > EXCERPT_LIMIT:
            notice = (
                f"\n[cut here: {EXCERPT_LIMIT:,} of {len(whole):,} characters shown; "
                "the evidence bundle keeps the whole answer]"
            )
            object.__setattr__(self, "excerpt", whole[:EXCERPT_LIMIT] + notice)
            if not self.raw:
                object.__setattr__(self, "raw", whole)

    def to_json(self, *, include_raw: bool = False) -> dict[str, JSONValue]:
        data: dict[str, JSONValue] = {
            "source": self.source,
            "fetched_at": self.fetched_at.isoformat(),
            "excerpt": self.excerpt,
        }
        if include_raw:
            data["raw"] = self.raw
            data["media_type"] = self.media_type
        return data


@dataclass(frozen=True)
class Observation:
    """The facts a check saw, keyed by the field names its type declares."""

    values: Mapping[str, JSONValue]
    evidence: tuple[Evidence, ...] = ()


class CheckError(Exception):
    """The check could not look this time (timeout, 5xx, 429, garbage, refused connection).

    ``retry_after`` is the number of seconds the service asked us to wait, when it said so.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        evidence: tuple[Evidence, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.evidence = evidence


class Unverifiable(Exception):
    """The check can never look with what it has (redacted data, no credentials)."""

    def __init__(self, reason: str, *, evidence: tuple[Evidence, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.evidence = evidence


class DocumentState(str, enum.Enum):
    """How a check's sentence stands in the document that was read this run."""

    STATES = "states"
    CHANGED = "changed"
    NO_SECTION = "no-section"
    UNREADABLE = "unreadable"
    UNBOUND = "unbound"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class DocumentBinding:
    """A check's quote, and what the document's section says now (outside text)."""

    state: DocumentState
    anchor: str = ""
    quote: str = ""
    section: str = ""

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "state": self.state.value,
            "anchor": self.anchor,
            "quote": self.quote,
            "section": self.section,
        }


@dataclass(frozen=True)
class Uncovered:
    """A checkable mention of the document that no check covers."""

    kind: str
    value: str
    anchor: str
    suggestion: str

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "kind": self.kind,
            "value": self.value,
            "anchor": self.anchor,
            "suggestion": self.suggestion,
        }


@dataclass(frozen=True)
class DocumentSummary:
    """The document read this run: where from, which bytes, and what of it is checked."""

    source: str
    read_at: datetime
    sha256: str | None = None
    error: str | None = None
    checks_bound: int = 0
    checks_unbound: int = 0
    uncovered: tuple[Uncovered, ...] = ()

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "source": self.source,
            "sha256": self.sha256,
            "read_at": self.read_at.isoformat(),
            "error": self.error,
            "checks_bound": self.checks_bound,
            "checks_unbound": self.checks_unbound,
            "uncovered": [u.to_json() for u in self.uncovered],
        }


@dataclass(frozen=True)
class Waiver:
    """An accepted, known deviation with an end: held through ``until`` (UTC), then over."""

    until: date
    reason: str

    def holds_on(self, day: date) -> bool:
        return day <= self.until

    def to_json(self) -> dict[str, JSONValue]:
        return {"until": self.until.isoformat(), "reason": self.reason}


@dataclass(frozen=True)
class Look:
    """One attempt of a check: what it concluded and the evidence it saw then. A result keeps
    every look (the errors retried, the drift a second look confirmed or not), in order."""

    status: Status
    message: str
    evidence: tuple[Evidence, ...] = ()
    duration_s: float = 0.0
    started_at: datetime | None = None  # when the look began (UTC), for the audit bundle


@dataclass(frozen=True)
class Result:
    """The verdict on one documented fact."""

    id: str
    type: str
    status: Status
    message: str
    description: str = ""
    doc: str = ""
    expected: Mapping[str, JSONValue] = field(default_factory=dict)
    observed: Mapping[str, JSONValue] | None = None
    evidence: tuple[Evidence, ...] = ()
    duration_s: float = 0.0
    attempts: int = 1
    tags: tuple[str, ...] = ()
    looks: tuple[Look, ...] = ()
    # The check's waiver, if it has one; ``waived`` when it held on the day of the run.
    waiver: Waiver | None = None
    waived: bool = False

    @property
    def counts_as_drift(self) -> bool:
        """A waived drift is reported as drift but fails nothing and opens no issue."""
        return self.status is Status.DRIFT and not self.waived

    @property
    def waiver_expired(self) -> bool:
        return self.waiver is not None and not self.waived

    document: DocumentBinding | None = None

    def to_json(self, *, include_raw: bool = False) -> dict[str, JSONValue]:
        waiver: dict[str, JSONValue] = {}
        if self.waiver is not None:
            key = "waived" if self.waived else "waiver_expired"
            waiver[key] = self.waiver.to_json()
        return {
            "id": self.id,
            "type": self.type,
            "status": self.status.value,
            "message": self.message,
            "description": self.description,
            "expected": dict(self.expected),
            "observed": None if self.observed is None else dict(self.observed),
            "evidence": [e.to_json(include_raw=include_raw) for e in self.evidence],
            "duration_s": round(self.duration_s, 3),
            "attempts": self.attempts,
            "doc": self.doc,
            "tags": list(self.tags),
            **waiver,
            "document": None if self.document is None else self.document.to_json(),
        }
