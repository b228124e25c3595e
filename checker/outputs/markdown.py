"""The Markdown report (the GitHub job summary, the evidence bundle's report.md, ``--format
markdown``), and the pieces issue bodies share with it: links to where a fact is documented,
values and expectations shown as written.

Outside text only ever appears as code (see :mod:`checker.outputs.escape`); links are ours.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from checker.engine.config import Config, DocumentSource
from checker.engine.model import DocumentSummary, Result, Status
from checker.engine.redaction import redact
from checker.engine.runner import RunReport
from checker.engine.settings import REPOSITORY
from checker.memory.history import RunMemory, notes
from checker.outputs.escape import clipped_span, code_span, link, safe_url

ICONS = {
    Status.OK: "✅",
    Status.DRIFT: "❌",
    Status.ERROR: "⚠️",
    Status.UNVERIFIABLE: "❔",
}
# Drifts first: they are what the reader came for; then what could not be looked at.
ORDER = (Status.DRIFT, Status.ERROR, Status.UNVERIFIABLE, Status.OK)
# Characters of outside text per table cell: a table of hundreds of checks stays readable (and
# a job summary under GitHub's limit); report.json has every message whole.
CELL_LIMIT = 2_000
_SHA = re.compile(r"[0-9a-f]{7,64}")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@dataclass(frozen=True)
class DocBase:
    """Where a ``doc`` that is not a URL points. A repository path goes under ``blob``, the
    blob URL of the commit that ran (``https://github.com/owner/name/blob/<sha>``), relative
    to ``folder`` (that of checks.toml in it); None when the run does not know its repository.
    An ``#anchor`` is a section of the ``[document]``: ``document`` is its URL (the
    ``[document] url``, or its path in the repository under ``blob``), None when unknown."""

    blob: str | None
    folder: str = ""
    document: str | None = None


def doc_base(
    env: Mapping[str, str],
    config_path: Path | None = None,
    document: DocumentSource | None = None,
) -> DocBase | None:
    """What a run knows of where its ``doc`` values point (pass ``config.path`` and
    ``config.document``): the repository from GitHub Actions, the document from its url or
    its path in that repository; None when it knows neither."""
    blob = _commit_blob(env)
    workspace = env.get("GITHUB_WORKSPACE")
    folder = _from_root(config_path.parent, workspace) if blob and config_path is not None else ""
    page: str | None = None
    if document is not None and document.blob is not None:
        page = document.blob.url if safe_url(document.blob.url) else None
    elif document is not None and document.path is not None and blob is not None:
        where = _from_root(document.path, workspace)
        page = None if where is None else blob + _joined(where)
    if folder is None:  # checks.toml is outside the repository: its paths are not in it
        blob = None
    if blob is None and page is None:
        return None
    return DocBase(blob, folder or "", page)


def run_doc_base(env: Mapping[str, str], config: Config) -> DocBase | None:
    """:func:`doc_base` of a run of ``config``: what every output of the run links by (one
    place, so that no output forgets the document)."""
    return doc_base(env, config.path, config.document)


def _commit_blob(env: Mapping[str, str]) -> str | None:
    """The blob URL of the commit a GitHub Actions run checked out; None outside Actions."""
    server = env.get("GITHUB_SERVER_URL", "").rstrip("/")
    repository = env.get("GITHUB_REPOSITORY", "")
    if not re.fullmatch(r"https?://[A-Za-z0-9.:-]+", server) or not REPOSITORY.match(repository):
        return None
    sha = env.get("GITHUB_SHA", "")
    return f"{server}/{repository}/blob/{sha if _SHA.fullmatch(sha) else 'HEAD'}"


def _from_root(path: Path, workspace: str | None) -> str | None:
    """``path`` as a path from the repository root (``GITHUB_WORKSPACE``; a relative path is
    taken from the root when the run does not say where that is), ``""`` for the root itself;
    None when it is outside the repository."""
    if workspace:
        try:
            path = path.absolute().relative_to(Path(workspace).absolute())
        except ValueError:
            return None
    elif path.is_absolute():
        return None
    return _inside("", path.as_posix())


def _inside(folder: str, path: str) -> str | None:
    """``path`` relative to ``folder`` (or to the root, with a leading ``/``) as a path from
    the root, ``""`` for the root itself; None when it leaves the repository."""
    joined = posixpath.normpath(path[1:] if path.startswith("/") else posixpath.join(folder, path))
    if joined.startswith("/") or joined == ".." or joined.startswith("../"):
        return None
    return "" if joined == "." else joined


def _joined(path: str) -> str:
    return f"/{path}" if path else ""


def doc_url(doc: str, base: DocBase | None) -> str | None:
    """The URL of a ``doc``: itself when it is an http(s) URL; ``#anchor``, that section of
    the document; or a repository path (relative to checks.toml, or to the root with a
    leading ``/``) under ``base``. None when it cannot be linked (the run does not know
    where it points, another scheme, or a path that leaves the repository)."""
    doc = doc.strip()
    if re.match(r"(?i)https?://", doc):
        return doc if safe_url(doc) else None
    if base is None or not doc or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", doc):
        return None
    path, _, anchor = doc.partition("#")
    fragment = f"#{anchor}" if anchor else ""
    if not path:
        return base.document + fragment if base.document is not None else None
    # Judged as a browser will read it ("%2e%2e" is a ".." segment to a WHATWG URL parser),
    # and linked with every character that is not a separator encoded again ("%23" stays
    # part of the file name, not the start of an anchor).
    inside = None if base.blob is None else _inside(base.folder, unquote(path))
    if base.blob is None or inside is None:
        return None
    return base.blob + _joined(quote(inside, safe="/")) + fragment


def doc_link(doc: str, base: DocBase | None, show: Callable[[str], str] = code_span) -> str:
    """Where the fact is documented: a link when it can be one (its text shown as code), the
    text as code otherwise; ``show`` renders the text (an issue body caps it)."""
    if not doc:
        return "*(no `doc` in checks.toml)*"
    url = doc_url(doc, base)
    return link(show(doc), url) if url is not None else show(doc)


def value_text(value: Any) -> str:
    """A value as written: a string as itself, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:
        return f"<{type(value).__name__} too large to print>"


def values_inline(value: Any, limit: int, *, in_table: bool = False) -> str:
    """A value as code, a list item by item, within about ``limit`` characters: what does not
    fit is counted, never silently dropped."""
    items = value if isinstance(value, list) else [value]
    shown: list[str] = []
    used = 0
    for item in items:
        text = value_text(item)
        if used + len(text) > limit:
            if not shown and limit > 0:
                shown.append(code_span(text[:limit], in_table=in_table) + " *(cut)*")
            elif not shown and not isinstance(value, list):
                shown.append(f"*(cut: {len(text):,} characters)*")
            break
        shown.append(code_span(text, in_table=in_table))
        used += len(text) + 2
    rest = len(items) - len(shown)
    if rest:
        shown.append(f"*… and {rest:,} more*" if shown else f"*({plural(rest, 'value')})*")
    if isinstance(value, list):
        return ", ".join(shown) if value else "*(an empty list)*"
    return shown[0]


_WORDS = {
    "equals": "equals",
    "one_of": "one of",
    "contains": "contains",
    "matches": "matches",
    "all_match": "every item matches",
    "set_equals": "is the set",
    "includes": "includes",
    "at_least": "at least",
    "at_most": "at most",
}


def expectation(matcher: Mapping[str, Any], limit: int, *, in_table: bool = False) -> str:
    """``{"one_of": ["a", "b"]}`` as ``one of `a`, `b```: operators in words, values as
    written in checks.toml (a regex unescaped), long lists cut with a count."""
    parts = []
    for op, arg in matcher.items():
        word = _WORDS.get(op, code_span(op, in_table=in_table))
        parts.append(f"{word} {values_inline(arg, limit, in_table=in_table)}")
    return "; ".join(parts) if parts else "*(nothing)*"


def ordered(results: Sequence[Result]) -> list[Result]:
    """Drifts first, then errors, unverifiable and ok; config order within each."""
    return sorted(results, key=lambda r: ORDER.index(r.status))


def render_markdown(
    report: RunReport, memory: RunMemory | None = None, *, base: DocBase | None = None
) -> str:
    summary = report.summary()
    counts = ", ".join(f"{count} {status}" for status, count in summary.items())
    lines = [
        "## infra-checker report",
        "",
        f"{plural(len(report.results), 'check')} in {report.duration_s:.1f} s: {counts}.",
        "",
        "| | Check | Fact | Status | Details |",
        "|---|---|---|---|---|",
    ]
    for r in ordered(report.results):
        fact = clipped_span(redact(r.description), CELL_LIMIT, in_table=True)
        if r.doc:
            url = doc_url(r.doc, base)
            shown = f"(doc: {clipped_span(redact(r.doc), CELL_LIMIT, in_table=True)})"
            fact += " " + (link("(doc)", url) if url is not None else shown)
        details = clipped_span(redact(r.message), CELL_LIMIT, in_table=True)
        lines.append(
            f"| {ICONS[r.status]} | {code_span(r.id, in_table=True)} | {fact} "
            f"| **{r.status.value}** | {details} |"
        )
    said = notes(report.results, memory)
    if said:
        lines += ["", "### Run memory", "", *(f"- {code_span(redact(s))}" for s in said)]
    lines.append("")
    if report.document is not None:
        lines += _document(report.document)
    return "\n".join(lines)


def _document(document: DocumentSummary) -> list[str]:
    """Where the page was read, and what of it no check covers (all of it outside text)."""
    lines = ["### The document", ""]
    if document.error:
        return [*lines, f"It could not be read this run: {code_span(redact(document.error))}", ""]
    lines += [
        f"Read from {code_span(document.source)} (SHA-256 `{document.sha256}`): "
        f"{plural(document.checks_bound, 'check')} bound to a sentence, "
        f"{document.checks_unbound} unbound.",
        "",
    ]
    if not document.uncovered:
        return [*lines, "Every checkable mention is covered or deliberately left out.", ""]
    lines += [
        f"{plural(len(document.uncovered), 'mention')} no check covers "
        "(`infra-checker coverage --suggest` "
        "prints a `[[check]]` for each):",
        "",
        "| Kind | Mention | Section |",
        "|---|---|---|",
    ]
    for u in document.uncovered:
        lines.append(
            f"| {u.kind} | {code_span(u.value, in_table=True)} "
            f"| {code_span('#' + u.anchor, in_table=True)} |"
        )
    return [*lines, ""]
