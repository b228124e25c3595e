"""The Markdown report, written for the GitHub job summary and the evidence bundle."""

from __future__ import annotations

from checker.engine.model import Status
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
    return "\n".join(lines)
