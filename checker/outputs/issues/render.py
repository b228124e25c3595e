"""Issue bodies and comments: our words around outside text that is kept inert.

The body opens with the hidden marker that *is* the issue's identity (titles belong to people),
then what a reader needs first: the verdict, expected against observed, where the fact is
documented; the raw evidence is collapsed in ``<details>`` below. A second hidden line records
the judged observed values, so that the next update's comment can say what moved from what to
what (the run memory keeps fingerprints only, and may not be configured at all).

Everything that came from outside (messages quoting API bodies, observed values, evidence,
checks.toml's own text) is code: inline spans or fenced blocks (see :mod:`checker.outputs.escape`),
so nothing can ping, link, inject HTML, break out of its block or forge a marker; links are
built by us. Known secrets are redacted first, before anything is escaped. Bodies and comments
stay under GitHub's 65,536-character limit whatever checks.toml holds: the largest parts are
cut, each with a notice where it is cut, until the whole fits; the marker survives because it
comes first and is ours.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from checker.engine.header import CHECK_ID_BODY
from checker.engine.model import DocumentState, Evidence, Result
from checker.engine.redaction import redact, redact_value
from checker.outputs.escape import clipped_span, code_span, fenced, html_text, link, strip_controls
from checker.outputs.issues.kinds import Kind
from checker.outputs.json_report import dumps
from checker.outputs.markdown import (
    DocBase,
    doc_link,
    expectation,
    plural,
    value_text,
    values_inline,
)

# GitHub's limit is 65,536 characters; count UTF-16 units and keep a margin so an astral
# character or a future count change cannot push us over.
GITHUB_LIMIT = 65_536
BUDGET = 60_000
TITLE_LIMIT = 200
MARKER = re.compile(
    rf"<!-- infra-checker:check-id=(?P<id>{CHECK_ID_BODY})"
    r" fingerprint=(?P<fp>[0-9a-f]{16}) first-seen=(?P<first>[0-9T:.+Z-]+) -->"
)
TRUNCATED = (
    "*Parts of the text above were cut (each says where) to keep this under GitHub's "
    "65,536-character limit; the run's report and evidence bundle have all of it.*"
)
# Characters of outside text each part may show at full scale; halved until the whole fits.
CAPS = {
    "inline": 2_000,
    "cell": 4_000,
    "observed": 20_000,
    "evidence": 12_000,
    "document": 8_000,
}
EVIDENCE_SHOWN = 3
_FIELD_NAME = re.compile(r"[A-Za-z0-9_]+")  # a field a table row may name as code
# The judged observed values, kept hidden in the body so that the next update can say what
# changed: base64 of JSON, so nothing in it can end the comment. A larger snapshot is left out
# (the update then says the earlier values are not known) rather than crowd out the evidence.
SNAPSHOT = re.compile(r"<!-- infra-checker:observed=(?P<data>[A-Za-z0-9+/=]*) -->")
SNAPSHOT_LIMIT = 8_000


@dataclass(frozen=True)
class Marker:
    check_id: str
    fingerprint: str
    first_seen: str

    def render(self) -> str:
        return (
            f"<!-- infra-checker:check-id={self.check_id} fingerprint={self.fingerprint}"
            f" first-seen={self.first_seen} -->"
        )


def parse_marker(body: str | None) -> Marker | None:
    """Our marker in an issue body; outside text cannot forge one (it is code, and defanged)."""
    match = MARKER.search(body or "")
    if match is None:
        return None
    return Marker(match["id"], match["fp"], match["first"])


def _clock_fields(result: Result) -> Mapping[str, str]:
    """The fields of the check's type that move with the clock alone, each with the stable
    field behind it (``days_left`` -> ``expires``)."""
    from checker.engine.registry import registry

    check_type = registry().get(result.type)
    return check_type.clock_fields if check_type is not None else {}


def _judged(result: Result) -> dict[str, object]:
    """The observed values of the fields the check judges (the rows of the field table) and
    of the stable field behind each clock field, as JSON reads them back: what a snapshot
    holds, so that values compare like with like."""
    observed = result.observed or {}
    clock = _clock_fields(result)
    names = {*result.expected, *(clock[n] for n in result.expected if n in clock)}
    judged = {name: observed[name] for name in sorted(names) if name in observed}
    loaded: dict[str, object] = json.loads(json.dumps(judged, default=str))
    return loaded


def _moved(result: Result, previous: Mapping[str, object]) -> list[str]:
    """The judged fields whose observation moved since ``previous`` was recorded; a clock
    field moves when the stable field behind it does (an age growing by a day is not news),
    and a field the snapshot did not record is not known to have moved."""
    now, clock = _judged(result), _clock_fields(result)
    moved = []
    for name in result.expected:
        stable = clock.get(name, name)
        if stable in previous and now.get(stable) != previous[stable]:
            moved.append(name)
    return moved


def snapshot(result: Result) -> str | None:
    """The hidden line that records what this body shows as observed (see ``SNAPSHOT``)."""
    text = json.dumps(_judged(result), sort_keys=True, ensure_ascii=True)
    data = base64.b64encode(text.encode()).decode("ascii")
    return f"<!-- infra-checker:observed={data} -->" if len(data) <= SNAPSHOT_LIMIT else None


def observed_in(body: str | None) -> dict[str, object] | None:
    """The observed values an earlier body recorded, or None when it recorded none (written
    before snapshots existed, too large, or edited by a person into something unreadable)."""
    match = SNAPSHOT.search(body or "")
    if match is None or len(match["data"]) > SNAPSHOT_LIMIT:
        return None
    try:
        data = json.loads(base64.b64decode(match["data"], validate=True))
    except (binascii.Error, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and _shallow(data) else None


def _shallow(value: object, limit: int = 32) -> bool:
    """No deeper than ``limit``: what we write is a few levels deep; an edited snapshot nested
    hundreds deep would overflow every recursive step after it (redaction, rendering)."""
    level: list[object] = [value]
    for _ in range(limit):
        level = [
            child
            for item in level
            if isinstance(item, (dict, list))
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return True
    return False


DOCUMENT_DRIFTS = (DocumentState.CHANGED, DocumentState.NO_SECTION)


def _document_side(result: Result, scale: _Scale) -> list[str] | None:
    """When the document moved away from checks.toml: what it says now, and which side to fix."""
    binding = result.document
    if binding is None or binding.state not in DOCUMENT_DRIFTS:
        return None
    anchor = code_span("#" + binding.anchor)
    if binding.state is DocumentState.CHANGED:
        head = [
            f"The section {anchor} of the document no longer states the sentence this check "
            "verifies:",
            "",
            *scale.block(binding.quote, "document"),
            "",
            "It now says:",
            "",
            *scale.block(binding.section, "document"),
        ]
    else:
        head = [f"The document has no section {anchor} any more. The check verified:", "",
                *scale.block(binding.quote, "document")]  # fmt: skip
    return [
        "### The document changed",
        "",
        *head,
        "",
        "### How to resolve",
        "",
        "- If the document is right (the fact changed on purpose): fix `checks.toml`, check "
        f"`{result.id}`: its `quote`, `doc` and what it expects.",
        "- If the document is wrong: restore its sentence; the next run closes this issue.",
        "- If the world differs from what either says (see what was observed): fix the world.",
        "",
    ]


def fingerprint(result: Result) -> str:
    """What was observed, as a short hash: the body is rewritten only when this changes.

    Only the fields the check judges count: an organisation gaining a repository must not
    rewrite (and comment on) an issue about its display name. A field that moves with the clock
    alone counts as the stable field behind it: a stale image is news when it is pushed, not
    every night its age grows by one day. (The message is a function of these and the
    expectations, so the expectations stand in for it.)
    """
    clock = _clock_fields(result)
    observed = result.observed or {}
    judged = {
        clock.get(name, name): observed.get(clock.get(name, name)) for name in result.expected
    }
    seen: dict[str, object] = {
        "expected": result.expected,
        "status": result.status.value,
        "observed": judged,
    }
    if result.document is not None and result.document.state in DOCUMENT_DRIFTS:
        seen["document"] = result.document.to_json()  # the page changing is news too
    text = json.dumps(seen, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def size(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def title_for(result: Result) -> str:
    """From the check's own description (checks.toml), never from what a service said."""
    words = " ".join(strip_controls(redact(result.description)).split())
    title = f"Drift: {words}"
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1] + "…"


@dataclass(frozen=True)
class RunInfo:
    """The run whose findings are being synced."""

    started_at: datetime
    url: str | None = None
    docs: DocBase | None = None  # where a `doc` that is a repository path points

    @property
    def link(self) -> str:
        return link("the run", self.url) if self.url else "a local run"


class _Scale:
    """How much outside text each part may show; records whether anything was cut."""

    def __init__(self, factor: float) -> None:
        self.factor = factor
        self.cut = False

    def cap(self, part: str) -> int:
        return int(CAPS[part] * self.factor)

    def noted(self, cell: str) -> str:
        """A cell from :func:`values_inline`, which says itself where it cut."""
        if "*(cut" in cell or "more*" in cell:
            self.cut = True
        return cell

    def inline(self, text: str, part: str = "inline", *, in_table: bool = False) -> str:
        limit = self.cap(part)
        self.cut = self.cut or len(text) > limit
        return clipped_span(text, limit, in_table=in_table)

    def block(self, text: str, part: str, info: str = "text") -> list[str]:
        limit = self.cap(part)
        if len(text) <= limit:
            return [fenced(text, info)]
        self.cut = True
        notice = f"*Cut here: {limit:,} of {len(text):,} characters shown.*"
        return [fenced(text[:limit], info), "", notice] if limit else [notice]


def _clean(result: Result) -> Result:
    """The result with every known secret redacted, before any of it is escaped."""
    evidence = tuple(
        replace(e, source=redact(e.source), excerpt=redact(e.excerpt), raw=redact(e.raw))
        for e in result.evidence
    )
    return replace(
        result,
        message=redact(result.message),
        description=redact(result.description),
        doc=redact(result.doc),
        expected=redact_value(dict(result.expected)),
        observed=None if result.observed is None else redact_value(dict(result.observed)),
        evidence=evidence,
    )


def _field_rows(
    result: Result,
    scale: _Scale,
    names: list[str] | None = None,
    before: Mapping[str, object] | None = None,
) -> list[str]:
    """Expected against observed, one row per judged field (or per field of ``names``); with
    ``before``, what was observed earlier next to what is observed now."""
    observed = _judged(result)
    header = "| Field | Expected (checks.toml) | Observed |"
    if before is not None:
        header = "| Field | Expected (checks.toml) | Observed before | Observed now |"
    rows = [header, "|---" * (header.count("|") - 1) + "|"]
    for name in result.expected if names is None else names:
        if not _FIELD_NAME.fullmatch(name):
            continue
        matcher = result.expected[name]
        cells = [
            f"`{name}`",
            scale.noted(expectation(matcher, scale.cap("cell"), in_table=True))
            if isinstance(matcher, Mapping)
            else scale.inline(value_text(matcher), "cell", in_table=True),
            *([] if before is None else [_observed_cell(before, name, scale, "not recorded")]),
            _observed_cell(observed, name, scale),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows if len(rows) > 2 else []


def _changes(
    result: Result,
    previous: Mapping[str, object] | None,
    moved: list[str],
    scale: _Scale,
) -> list[str]:
    """What an update changed: before and now of each judged field that ``moved``; when none
    did (or the body did not record ``previous``), what is judged now."""
    if previous is None:
        return [
            "*The description did not record what was observed before, so only what is "
            "observed now is shown.*",
            "",
            *_field_rows(result, scale),
        ]
    return _field_rows(result, scale, moved, previous) if moved else _field_rows(result, scale)


def _observed_cell(
    observed: Mapping[str, object], name: str, scale: _Scale, missing: str = "not observed"
) -> str:
    if name not in observed:
        return f"*({missing})*"
    return scale.noted(values_inline(observed[name], scale.cap("cell"), in_table=True))


def _evidence(evidence: tuple[Evidence, ...], scale: _Scale) -> list[str]:
    """Each raw answer collapsed, its source as code, its body verbatim."""
    lines: list[str] = []
    shown = evidence[:EVIDENCE_SHOWN]
    for number, ev in enumerate(shown, start=1):
        summary = html_text(f"Evidence {number} of {len(evidence)}, fetched {stamp(ev.fetched_at)}")
        lines += [
            f"<details><summary>{summary}</summary>",
            "",
            f"Asked: {scale.inline(ev.source)}",
            "",
            *scale.block(ev.raw or ev.excerpt, "evidence"),
            "",
            "</details>",
            "",
        ]
    if len(evidence) > len(shown):
        more = plural(len(evidence) - len(shown), "more answer")
        lines += [f"*The run's report has {more}.*", ""]
    return lines


def _observed_details(result: Result, scale: _Scale) -> list[str]:
    if result.observed is None:
        return []
    text = dumps(result.observed, indent=1, sort_keys=True, default=str)
    return [
        "<details><summary>All observed values</summary>",
        "",
        *scale.block(text, "observed", "json"),
        "",
        "</details>",
        "",
    ]


def _fit(render: Callable[[_Scale], list[str]]) -> str:
    """Render with less and less outside text until the result fits the budget."""
    factor = 1.0
    while True:
        scale = _Scale(factor)
        lines = render(scale)
        if scale.cut:
            lines += ["", TRUNCATED]
        text = "\n".join(lines).rstrip("\n") + "\n"
        if size(text) <= BUDGET or factor == 0:
            return text
        factor = factor / 2 if factor > 1 / 64 else 0


def _verdict(result: Result, scale: _Scale) -> str:
    return f"**{result.status.value.capitalize()}:** {scale.inline(result.message)}"


def body_for(result: Result, marker: Marker, run: RunInfo) -> str:
    result = _clean(result)
    recorded = snapshot(result)

    def render(scale: _Scale) -> list[str]:
        return [
            marker.render(),
            *filter(None, [recorded]),
            _verdict(result, scale),
            "",
            f"**Documented fact:** {scale.inline(result.description)}, in "
            f"{doc_link(result.doc, run.docs, scale.inline)}",
            "",
            *_field_rows(result, scale),
            "",
            f"**Check** `{result.id}` (`{result.type}`) · **first seen** {marker.first_seen} · "
            f"**last seen** {stamp(run.started_at)} (updated when the observation changes) · "
            f"**run:** {run.link}",
            "",
            *_observed_details(result, scale),
            *_evidence(result.evidence, scale),
            *(
                _document_side(result, scale)
                or [
                    "### How to resolve",
                    "",
                    "- If the infrastructure is wrong, fix it: the next run that sees the "
                    "documented fact closes this issue.",
                    "- If the infrastructure changed on purpose, update the document and this "
                    f"check in `checks.toml` (check `{result.id}`).",
                    "",
                ]
            ),
            "<sub>Opened by infra-checker, which rewrites only this description, between its "
            "two hidden marker lines: edit the title freely, and text you add above or below "
            "the description is kept. To detach this issue from infra-checker for good, edit "
            "it and delete the hidden first line (it starts with `infra-checker:check-id`).</sub>",
        ]

    return _fit(render)


def comment_for(
    kind: Kind,
    result: Result | None,
    run: RunInfo,
    check_id: str,
    previous: Mapping[str, object] | None = None,
) -> str:
    """The comment that explains one lifecycle step (see :mod:`plan` for the kinds): what
    happened and, for an update, what changed (``previous``: the observed values before, when
    known). The evidence stays in the body; a comment never repeats it."""
    when = stamp(run.started_at)
    cleaned = None if result is None else _clean(result)
    before = None if previous is None else redact_value(dict(previous))
    moved = [] if cleaned is None or before is None else _moved(cleaned, before)
    # Known to be only the expectation or the document: nothing observed moved.
    judged_only = cleaned is not None and before is not None and not moved
    heads = {
        Kind.REOPEN: f"The drift is back: seen again at {when} in {run.link}.",
        Kind.UPDATE: (
            f"What is judged changed at {when} ({run.link}), in checks.toml or the document; "
            "nothing observed moved. The description is updated."
            if judged_only
            else f"What was observed changed at {when} ({run.link}); the description is updated."
        ),
        Kind.CLOSE: f"The documented fact holds again: seen at {when} in {run.link}. "
        "Closing as completed.",
        Kind.CLOSE_REMOVED: f"Check `{check_id}` is no longer in checks.toml (as of {run.link}), "
        "so this drift is no longer tracked. Closing.",
    }

    def render(scale: _Scale) -> list[str]:
        lines = [heads[kind], ""]
        if cleaned is not None and kind is Kind.UPDATE:
            lines += [_verdict(cleaned, scale), "", *_changes(cleaned, before, moved, scale)]
        elif cleaned is not None and kind is Kind.REOPEN:
            lines += [_verdict(cleaned, scale), "", *_field_rows(cleaned, scale)]
        elif cleaned is not None and kind is Kind.CLOSE:
            lines += [*_field_rows(cleaned, scale)]
        return lines

    return _fit(render)


def duplicate_comment(canonical: int) -> str:
    return f"Duplicate of #{canonical}: both carry the same check's marker. Closing this one."
