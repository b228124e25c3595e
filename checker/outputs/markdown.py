"""The Markdown report, written for the GitHub job summary and the evidence bundle."""

from __future__ import annotations

from checker.engine.model import DocumentSummary, Status
from checker.engine.runner import RunReport
from checker.memory.history import RunMemory, notes
from checker.outputs.escape import markdown_inline

ICONS = {
    Status.OK: "✅",
    Status.DRIFT: "❌",
    Status.ERROR: "⚠️",
    Status.UNVERIFIABLE: "❔",
}


def render_markdown(report: RunReport, memory: RunMemory | None = None) -> str:
    summary = report.summary()
    counts = ", ".join(f"{count} {status}" for status, count in summary.items())
    lines = [
        "## infra-checker report",
        "",
        f"{len(report.results)} checks in {report.duration_s:.1f} s: {counts}.",
        "",
        "| | Check | Fact | Status | Details |",
        "|---|---|---|---|---|",
    ]
    for r in report.results:
        lines.append(
            f"| {ICONS[r.status]} | `{r.id}` | {markdown_inline(r.description)} "
            f"| **{r.status.value}** | {markdown_inline(r.message)} |"
        )
    said = notes(report.results, memory)
    if said:
        lines += ["", "### Run memory", "", *(f"- {markdown_inline(s)}" for s in said)]
    lines.append("")
    if report.document is not None:
        lines += _document(report.document)
    return "\n".join(lines)


def _document(document: DocumentSummary) -> list[str]:
    """Where the page was read, and what of it no check covers (all of it outside text)."""
    lines = ["### The document", ""]
    if document.error:
        return [*lines, f"It could not be read this run: {markdown_inline(document.error)}", ""]
    lines += [
        f"Read from {markdown_inline(document.source)} (SHA-256 `{document.sha256}`): "
        f"{document.checks_bound} checks bound to a sentence, {document.checks_unbound} unbound.",
        "",
    ]
    if not document.uncovered:
        return [*lines, "Every checkable mention is covered or deliberately left out.", ""]
    lines += [
        f"{len(document.uncovered)} mentions no check covers (`infra-checker coverage --suggest` "
        "prints a `[[check]]` for each):",
        "",
        "| Kind | Mention | Section |",
        "|---|---|---|",
    ]
    for u in document.uncovered:
        lines.append(
            f"| {u.kind} | {markdown_inline(u.value)} | {markdown_inline('#' + u.anchor)} |"
        )
    return [*lines, ""]
