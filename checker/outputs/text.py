"""The terminal table: readable at a glance, coloured only for a person at a TTY."""

from __future__ import annotations

import shutil
from collections.abc import Mapping

from checker.engine.model import Status
from checker.engine.runner import RunReport
from checker.memory.history import RunMemory, notes
from checker.outputs.escape import terminal_safe
from checker.outputs.markdown import plural

COLOURS: Mapping[Status, str] = {
    Status.OK: "\033[32m",
    Status.DRIFT: "\033[31m",
    Status.ERROR: "\033[33m",
    Status.UNVERIFIABLE: "\033[36m",
}
RESET = "\033[0m"


def render_text(
    report: RunReport,
    *,
    colour: bool = False,
    width: int | None = None,
    memory: RunMemory | None = None,
) -> str:
    """``width`` None: the terminal's; 0: never cut (a CI log has no width, and a drift's
    reason cut off there is lost)."""
    width = shutil.get_terminal_size((120, 24)).columns if width is None else width
    id_width = max([len(r.id) for r in report.results] + [5])
    lines = [f"{'STATUS':<13} {'CHECK':<{id_width}}  DETAILS"]
    for r in report.results:
        label = f"{r.status.value:<13}"
        if colour:
            label = f"{COLOURS[r.status]}{label}{RESET}"
        room = max(20, width - 13 - id_width - 3)
        message = terminal_safe(r.message)
        if width and len(message) > room:
            message = message[: room - 1] + "…"
        lines.append(f"{label} {r.id:<{id_width}}  {message}")
    summary = ", ".join(f"{n} {s}" for s, n in report.summary().items())
    lines.append("")
    lines.append(f"{plural(len(report.results), 'check')} in {report.duration_s:.1f} s: {summary}")
    lines += [terminal_safe(sentence) for sentence in notes(report.results, memory)]
    document = report.document
    if document is not None:
        lines.append(
            f"document: {terminal_safe(document.error)}"
            if document.error
            else f"document: {terminal_safe(document.source)}: "
            f"{plural(document.checks_bound, 'check')} bound, {document.checks_unbound} unbound, "
            f"{plural(len(document.uncovered), 'mention')} not covered (infra-checker coverage "
            "lists them)"
        )
    return "\n".join(lines) + "\n"
