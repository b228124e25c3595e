"""What the sync planned or did, for a person: terminal lines (stderr) and the job summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from checker.engine.redaction import redact
from checker.outputs.escape import code_span, link, terminal_safe
from checker.outputs.issues.apply import Outcome, Status
from checker.outputs.issues.plan import Action, Plan
from checker.outputs.markdown import plural


@dataclass(frozen=True)
class Row:
    status: str  # "planned", "done", "FAILED" or "skipped"
    action: Action
    number: int | None
    detail: str | None = None  # GitHub's reason for a failure, or why it was skipped
    warnings: tuple[str, ...] = ()


def rows(plan: Plan, outcomes: Sequence[Outcome] | None) -> list[Row]:
    """One row per action: planned (dry run) or what became of it."""
    if outcomes is None:
        return [Row("planned", a, a.number) for a in plan.actions]
    return [Row(o.status.value, o.action, o.number, _detail(o), o.warnings) for o in outcomes]


def _detail(outcome: Outcome) -> str | None:
    if outcome.error is not None and outcome.status is Status.SKIPPED:
        return "not tried: the sync stopped at an earlier failure"
    return str(outcome.error) if outcome.error is not None else outcome.note


def _extra_lines(plan: Plan) -> list[str]:
    lines = list(plan.notes)
    if plan.deferred:
        lines.append(
            f"No new issue this run for {plural(len(plan.deferred), 'more drifting check')} "
            f"(at most {plural(plan.max_new, 'new issue')} per run): {', '.join(plan.deferred)}"
        )
    return lines


def terminal(repository: str, plan: Plan, outcomes: Sequence[Outcome] | None) -> str:
    head = "plan (dry run, nothing written)" if outcomes is None else "sync"
    lines = [f"infra-checker: issues in {repository}: {head}"]
    for row in rows(plan, outcomes):
        target = f"#{row.number} " if row.number is not None else ""
        text = f"{row.status} {row.action.kind.value} {target}[{row.action.check_id}] "
        text += row.action.title + (f": {row.detail}" if row.detail else "")
        lines.append(f"  {terminal_safe(text)}")
        lines += [f"    warning: {terminal_safe(w)}" for w in row.warnings]
    lines += [f"  {terminal_safe(line)}" for line in _extra_lines(plan)]
    if len(lines) == 1:
        lines.append("  nothing to do")
    return "\n".join(lines) + "\n"


def markdown(
    repository: str,
    plan: Plan,
    outcomes: Sequence[Outcome] | None,
    server: str = "https://github.com",
) -> str:
    """A job-summary section; each issue is an explicit link (right even when the workflow
    runs in another repository); titles and errors are outside text, shown as code."""
    head = "planned, dry run: nothing written" if outcomes is None else "applied"
    lines = ["", f"### Drift issues in `{repository}` ({head})", ""]
    for row in rows(plan, outcomes):
        ref = ""
        if row.number is not None:
            url = f"{server.rstrip('/')}/{repository}/issues/{row.number}"
            ref = " " + link(f"{repository}#{row.number}", url)
        line = f"- {row.status} **{row.action.kind.value}**{ref} `{row.action.check_id}`: "
        line += code_span(redact(row.action.title))
        lines.append(line + (f": {code_span(redact(row.detail))}" if row.detail else ""))
        lines += [f"  - warning: {code_span(redact(w))}" for w in row.warnings]
    lines += [f"- {code_span(redact(line))}" for line in _extra_lines(plan)]
    if len(lines) == 3:
        lines.append("- nothing to do")
    return "\n".join([*lines, "", ""])
