"""Issue bodies and comments: our words around outside text that is kept inert.

The body opens with the hidden marker that *is* the issue's identity (titles belong to people).
Everything that came from outside (messages quoting API bodies, observed values, evidence) goes
through :mod:`checker.outputs.escape`: inline text is escaped, blocks are fenced, so nothing can
ping, link, inject HTML, break out of its block or forge a marker. Bodies and comments stay under
GitHub's 65,536-character limit: outside text is cut, with a notice, until the whole fits; the
marker always survives because it comes first and is ours.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from checker.engine.header import CHECK_ID_BODY
from checker.engine.model import DocumentState, Result
from checker.outputs.escape import fenced, markdown_inline, strip_controls
from checker.outputs.issues.kinds import Kind

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
    "*Part of the outside text above was cut to keep this under GitHub's 65,536-character "
    "limit; the run's report has all of it.*"
)
FIELD_CAPS = (8000, 20000, 12000)  # message, observed JSON, each evidence excerpt


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
    """Our marker in an issue body; outside text cannot forge one (see ``neutralise_comments``)."""
    match = MARKER.search(body or "")
    if match is None:
        return None
    return Marker(match["id"], match["fp"], match["first"])


DOCUMENT_DRIFTS = (DocumentState.CHANGED, DocumentState.NO_SECTION)


def _document_side(result: Result) -> list[str] | None:
    """When the document moved away from checks.toml: what it says now, and which side to fix."""
    binding = result.document
    if binding is None or binding.state not in DOCUMENT_DRIFTS:
        return None
    anchor = markdown_inline("#" + binding.anchor)
    if binding.state is DocumentState.CHANGED:
        head = [
            f"The section {anchor} of the document no longer states the sentence this check "
            "verifies:",
            "",
            fenced(binding.quote),
            "",
            "It now says:",
            "",
            fenced(binding.section),
        ]
    else:
        head = [f"The document has no section {anchor} any more. The check verified:", "",
                fenced(binding.quote)]  # fmt: skip
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
    from checker.engine.registry import registry

    check_type = registry().get(result.type)
    clock = check_type.clock_fields if check_type is not None else {}
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
    words = " ".join(strip_controls(result.description).split())
    title = f"Drift: {words}"
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1] + "…"


def _cap(text: str, limit: int) -> tuple[str, bool]:
    return (text, False) if len(text) <= limit else (text[:limit] + "\n[…]", True)


@dataclass(frozen=True)
class RunInfo:
    """The run whose findings are being synced."""

    started_at: datetime
    url: str | None = None

    @property
    def link(self) -> str:
        return f"[the run]({self.url})" if self.url else "a local run"


def _observation(result: Result, caps: tuple[int, int, int]) -> tuple[list[str], bool]:
    """Message, observed values and evidence, each fenced or escaped, cut to ``caps``."""
    message, cut_m = _cap(result.message, caps[0])
    observed_text = json.dumps(result.observed, indent=1, sort_keys=True, default=str)
    observed, cut_o = _cap(observed_text, caps[1])
    lines = [markdown_inline(message), "", "Observed values:", "", fenced(observed, "json"), ""]
    cut = cut_m or cut_o
    for ev in result.evidence[:3]:
        excerpt, cut_e = _cap(ev.excerpt, caps[2])
        cut = cut or cut_e
        lines += [
            f"Evidence from {markdown_inline(ev.source)}, fetched {stamp(ev.fetched_at)}:",
            "",
            fenced(excerpt),
            "",
        ]
    return lines, cut


def _fit(render: Callable[[tuple[int, int, int]], tuple[str, bool]]) -> str:
    """Render with shrinking caps on outside text until the result fits the budget."""
    caps = FIELD_CAPS
    while True:
        text, cut = render(caps)
        if cut:
            text = f"{text}\n{TRUNCATED}\n"
        if size(text) <= BUDGET or caps == (0, 0, 0):
            return text
        caps = (caps[0] // 2, caps[1] // 2, caps[2] // 2)


def _expected(expected: Mapping[str, object]) -> list[str]:
    return [
        f"- `{name}`: {markdown_inline(json.dumps(matcher, default=str))}"
        for name, matcher in expected.items()
        if re.fullmatch(r"[A-Za-z0-9_]+", name)
    ]


def body_for(result: Result, marker: Marker, run: RunInfo) -> str:
    doc = markdown_inline(result.doc) if result.doc else "*(no `doc` given in checks.toml)*"
    document_side = _document_side(result)

    def render(caps: tuple[int, int, int]) -> tuple[str, bool]:
        observation, cut = _observation(result, caps)
        lines = [
            marker.render(),
            f"**Documented fact:** {markdown_inline(result.description)}",
            "",
            f"**Where it is documented:** {doc}",
            "",
            f"**Check:** `{result.id}` (`{result.type}`)",
            "",
            f"**First seen:** {marker.first_seen} · **Last seen:** {stamp(run.started_at)} "
            f"(updated when the observation changes) · **Run:** {run.link}",
            "",
            "### Expected",
            "",
            *_expected(result.expected),
            "",
            "### What was observed",
            "",
            *observation,
            *(
                document_side
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
            "",
        ]
        return "\n".join(lines), cut

    return _fit(render)


def comment_for(kind: Kind, result: Result | None, run: RunInfo, check_id: str) -> str:
    """The comment that explains one lifecycle step (see :mod:`plan` for the kinds)."""
    when = stamp(run.started_at)
    heads = {
        Kind.REOPEN: f"The drift is back: seen again at {when} in {run.link}.",
        Kind.UPDATE: f"What was observed changed at {when} ({run.link}); "
        "the description is updated.",
        Kind.CLOSE: f"The documented fact was observed again at {when} in {run.link}. "
        "Closing as completed.",
        Kind.CLOSE_REMOVED: f"Check `{check_id}` is no longer in checks.toml "
        f"(as of {run.link}), "
        "so this drift is no longer tracked. Closing.",
    }

    def render(caps: tuple[int, int, int]) -> tuple[str, bool]:
        lines = [heads[kind], ""]
        cut = False
        if result is not None:
            observation, cut = _observation(result, caps)
            lines += observation
        return "\n".join(lines), cut

    return _fit(render)


def duplicate_comment(canonical: int) -> str:
    return f"Duplicate of #{canonical}: both carry the same check's marker. Closing this one."
