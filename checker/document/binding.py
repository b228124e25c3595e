"""Judge each check against the document: does its section still state its quote?

Quotes are compared on the text a reader sees (markup removed, whitespace collapsed), without
regard to case: "BlueHost" and "Bluehost" are the same registrar to a reader.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import replace

from checker.document.markdown import Document, reader_text, visible
from checker.document.read import DocumentRead
from checker.engine.config import CheckConfig
from checker.engine.model import (
    DocumentBinding,
    DocumentState,
    DocumentSummary,
    Result,
    Status,
)
from checker.engine.runner import RunReport

SECTION_LIMIT = 500
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def states(section_text: str, quote: str) -> bool:
    wanted = {visible(quote).casefold(), reader_text(quote).casefold()}
    text = visible(section_text).casefold()
    return any(w and w in text for w in wanted)


def cut(text: str, limit: int = SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def closest_sentence(section_text: str, quote: str) -> str:
    """The sentence of the section nearest the quote: what the document says instead."""
    sentences = [s for s in _SENTENCE_END.split(section_text) if s.strip()]
    if not sentences:
        return ""
    return max(
        sentences,
        key=lambda s: difflib.SequenceMatcher(None, s.casefold(), quote.casefold()).ratio(),
    )


def bind(check: CheckConfig, document: Document | None) -> DocumentBinding:
    """``document`` None: it could not be read this time."""
    if not check.quote:
        return DocumentBinding(DocumentState.UNBOUND)
    if document is None:
        return DocumentBinding(DocumentState.UNREADABLE, check.anchor, check.quote)
    section = document.section(check.anchor)
    if section is None:
        return DocumentBinding(DocumentState.NO_SECTION, check.anchor, check.quote)
    state = DocumentState.STATES if states(section.text, check.quote) else DocumentState.CHANGED
    return DocumentBinding(state, check.anchor, check.quote, cut(section.text))


def judged(result: Result, binding: DocumentBinding, section_text: str = "") -> Result:
    """The three-way verdict: the document's side first, then the world's."""
    anchor = f"#{binding.anchor}"
    if binding.state is DocumentState.CHANGED:
        instead = closest_sentence(section_text or binding.section, binding.quote)
        world = (
            f"; the world differs from checks.toml too: {result.message}"
            if result.status is Status.DRIFT
            else f"; the world as checks.toml has it: {result.status.value} ({result.message})"
        )
        message = (
            f'the document no longer states "{binding.quote}" in section {anchor}; '
            f'it now says: "{instead}"{world}'
        )
        return replace(result, status=Status.DRIFT, message=message, document=binding)
    if binding.state is DocumentState.NO_SECTION:
        message = (
            f'the document has no section {anchor} any more (the quote "{binding.quote}" '
            f"cannot be found); the world as checks.toml has it: {result.status.value} "
            f"({result.message})"
        )
        return replace(result, status=Status.DRIFT, message=message, document=binding)
    return replace(result, document=binding)


def unreadable(result: Result, binding: DocumentBinding, reason: str) -> Result:
    if result.status is Status.OK:
        message = f"the document could not be read: {reason}; the world: {result.message}"
        return replace(result, status=Status.ERROR, message=message, document=binding)
    return replace(result, document=binding)


def bind_results(
    results: Sequence[Result],
    checks: Sequence[CheckConfig],
    document: Document | None,
    reason: str = "",
) -> tuple[Result, ...]:
    by_id = {c.id: c for c in checks}
    bound: list[Result] = []
    for result in results:
        check = by_id[result.id]
        binding = bind(check, document)
        if binding.state is DocumentState.UNREADABLE:
            bound.append(unreadable(result, binding, reason))
        elif binding.state is DocumentState.CHANGED and document is not None:
            section = document.section(check.anchor)
            bound.append(judged(result, binding, section.text if section else ""))
        else:
            bound.append(judged(result, binding))
    return tuple(bound)


def summarise(
    read: DocumentRead, checks: Sequence[CheckConfig], ignore: Sequence[str]
) -> DocumentSummary:
    from checker.document.coverage import uncovered

    bound = sum(1 for c in checks if c.quote)
    found = uncovered(read.document, checks, ignore) if read.document is not None else ()
    return DocumentSummary(
        source=read.source,
        read_at=read.read_at,
        sha256=read.sha256,
        error=read.error or None,
        checks_bound=bound,
        checks_unbound=len(checks) - bound,
        uncovered=found,
    )


def apply_document(
    report: RunReport, checks: Sequence[CheckConfig], read: DocumentRead, ignore: Sequence[str]
) -> RunReport:
    """The run's verdicts judged against the document read this run."""
    results = bind_results(report.results, checks, read.document, read.error)
    return replace(report, results=results, document=summarise(read, checks, ignore))
