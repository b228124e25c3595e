"""Speak the GitHub Actions runner's language: annotations, log groups, step outputs, masks.

Only used when the run happens inside GitHub Actions (``GITHUB_ACTIONS=true``). Workflow commands
are lines of the form ``::name key=value,...::message``; outside text (a WHOIS record, an API
error body) reaches them, so every value is escaped exactly as the Actions toolkit escapes them
(``%``, CR and LF in messages; also ``:`` and ``,`` in properties) and stripped of control
characters, so no observed text can end a command early or start a command of its own.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO

from checker.engine.config import Config
from checker.engine.model import Result, Status
from checker.engine.redaction import environment_secrets, redact
from checker.engine.runner import RunReport
from checker.errors import ExitCode, FailOn
from checker.outputs.escape import strip_controls, terminal_safe, warn
from checker.outputs.markdown import plural

ANNOTATIONS_SHOWN = 10  # GitHub shows at most 10 warning and 10 error annotations per step


def in_github_actions(env: Mapping[str, str]) -> bool:
    return env.get("GITHUB_ACTIONS") == "true"


def escape_data(text: str) -> str:
    """The toolkit's ``escapeData``: the message part of a workflow command."""
    return strip_controls(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """The toolkit's ``escapeProperty``: a ``key=value`` property of a workflow command."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **properties: str) -> str:
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}\n"


def overall_status(report: RunReport) -> str:
    """One word for the whole run: the worst verdict that affects the exit code."""
    worst = {ExitCode.DRIFT: Status.DRIFT, ExitCode.ERRORS: Status.ERROR}
    return worst.get(report.exit_code(), Status.OK).value


def mask_secrets(env: Mapping[str, str], stream: TextIO) -> None:
    for value in environment_secrets(env):
        stream.write(command("add-mask", value))


def stop_commands(text: str) -> str:
    """``text`` inside a window where the runner honours no command: ``stop-commands`` with
    an unguessable token, and that token alone on a line to resume."""
    resume = secrets.token_hex(16)
    end = "" if text.endswith("\n") else "\n"
    return f"{command('stop-commands', resume)}{text}{end}::{resume}::\n"


def _config_line(config: Config, check_id: str) -> int | None:
    """The line of ``id = "<check_id>"`` in checks.toml, so an annotation points at the fact."""
    pattern = re.compile(rf"""^\s*id\s*=\s*["']{re.escape(check_id)}["']\s*(#.*)?$""")
    for number, line in enumerate(config.raw_text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def _config_file(config: Config, env: Mapping[str, str]) -> str | None:
    """checks.toml relative to the workspace (annotations only attach to repository files)."""
    path = config.path
    workspace = env.get("GITHUB_WORKSPACE")
    if path.is_absolute():
        if not workspace:
            return None
        try:
            path = path.relative_to(Path(workspace))
        except ValueError:
            return None
    return path.as_posix()


def _level(result: Result, fail_on: FailOn) -> str:
    return "error" if result.status is Status.ERROR and fail_on is FailOn.ERROR else "warning"


def annotation(result: Result, config: Config, env: Mapping[str, str], *, fail_on: FailOn) -> str:
    level = _level(result, fail_on)
    props: dict[str, str] = {"title": f"{result.status.value}: {result.id}"}
    file, line = _config_file(config, env), _config_line(config, result.id)
    if file is not None and line is not None:
        props = {"file": file, "line": str(line), **props}
    lines = [result.message, f"Documented fact: {result.description}"]
    if result.doc:
        lines.append(f"Documented in: {result.doc}")
    if result.waived and result.waiver is not None:
        until = result.waiver.until.isoformat()
        lines.append(f"Waived until {until} (fails nothing): {result.waiver.reason}")
    return command(level, redact("\n".join(lines)), **props)


def annotations_for(
    report: RunReport, config: Config, env: Mapping[str, str], *, fail_on: FailOn
) -> Iterable[str]:
    """One per drift and error, drifts first; GitHub shows only the first ten of each level in
    a step, so an eleventh and beyond are folded into one that says how many more there are."""
    flagged = [r for r in report.results if r.status in (Status.DRIFT, Status.ERROR)]
    flagged.sort(key=lambda r: r.status is not Status.DRIFT)  # stable: config order within
    by_level: dict[str, list[Result]] = {}
    for result in flagged:
        by_level.setdefault(_level(result, fail_on), []).append(result)
    for level, results in by_level.items():
        shown = results if len(results) <= ANNOTATIONS_SHOWN else results[: ANNOTATIONS_SHOWN - 1]
        yield from (annotation(r, config, env, fail_on=fail_on) for r in shown)
        hidden = results[len(shown) :]
        if hidden:
            names = ", ".join(r.id for r in hidden)
            yield command(
                level,
                f"{len(hidden)} more: {names}. See the job summary or the report.",
                title=f"{len(hidden)} more checks drifted or errored",
            )


def log_groups(report: RunReport) -> Iterable[str]:
    """One collapsible group per check family, one line per check inside it.

    The lines quote observed text, which could hold a legacy ``##[command]`` (honoured anywhere
    in a line) or a ``::command::``; the runner ignores every command between ``stop-commands``
    and its unguessable resume token.
    """
    families: dict[str, list[Result]] = {}
    for result in report.results:
        families.setdefault(result.type.split(".", 1)[0], []).append(result)
    for family, results in families.items():
        counts = ", ".join(
            f"{n} {s.value}" for s in Status if (n := sum(r.status is s for r in results))
        )
        yield command("group", f"{family}: {plural(len(results), 'check')} ({counts})")
        yield stop_commands(
            "".join(f"{r.status.value:<13} {r.id}  {terminal_safe(r.message)}\n" for r in results)
        )
        yield command("endgroup")


def append_runner_file(path: Path, text: str, what: str) -> None:
    """Append to a file the runner reads (job summary, step outputs). Failing to is reported,
    not fatal: the verdicts, the report and the issues stand without it."""
    try:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        warn(f"cannot write the {what} to {path}: {exc.strerror or exc}")


# GitHub refuses a step's job summary over 1 MiB whole (nothing of it is shown); keep a margin.
SUMMARY_LIMIT = 1024 * 1024 - 4096
# The report is written first: it leaves this much for the issue sync's summary after it.
SUMMARY_RESERVE = 128 * 1024
SUMMARY_CUT = (
    "\n*The job summary stops here to stay under GitHub's 1 MiB limit for a step; the run's "
    "report and log have the rest.*\n"
)


def append_job_summary(env: Mapping[str, str], text: str, *, reserve: int = 0) -> None:
    """Append Markdown to the job summary (when the runner asks for one), redacted, and cut at
    a line's end with a notice when the step's summary would pass GitHub's limit (less
    ``reserve``, room kept for what is appended after it)."""
    where = env.get("GITHUB_STEP_SUMMARY")
    if not where:
        return
    path = Path(where)
    try:
        used = path.stat().st_size
    except OSError:
        used = 0
    text = redact(text)
    data = text.encode("utf-8")
    limit = SUMMARY_LIMIT - reserve
    if used + len(data) > limit:
        room = limit - used - len(SUMMARY_CUT.encode("utf-8"))
        if room < 0:
            warn("the job summary is full (GitHub allows 1 MiB a step): a part was left out")
            return
        kept = data[:room].decode("utf-8", errors="ignore")
        text = kept[: kept.rfind("\n") + 1] + SUMMARY_CUT
    append_runner_file(path, text, "job summary")


def write_outputs(path: Path, outputs: Mapping[str, str]) -> None:
    """Append step outputs in the multiline-safe ``name<<DELIMITER`` form the runner reads."""
    text = ""
    for name, value in outputs.items():
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        text += f"{name}<<{delimiter}\n{value}\n{delimiter}\n"
    append_runner_file(path, text, "step outputs")


def step_outputs(report: RunReport, report_path: Path | None) -> dict[str, str]:
    summary = report.summary()
    return {
        "status": overall_status(report),
        "drift-count": str(summary[Status.DRIFT.value]),
        "error-count": str(summary[Status.ERROR.value]),
        "report-path": str(report_path.resolve()) if report_path is not None else "",
    }


def announce(
    report: RunReport,
    config: Config,
    env: Mapping[str, str],
    stream: TextIO,
    *,
    fail_on: FailOn,
    report_path: Path | None,
) -> None:
    """Log groups and annotations (inside Actions), then step outputs (when the runner asks)."""
    if in_github_actions(env):
        stream.writelines(log_groups(report))
        stream.writelines(annotations_for(report, config, env, fail_on=fail_on))
        stream.flush()
    output_file = env.get("GITHUB_OUTPUT")
    if output_file:
        write_outputs(Path(output_file), step_outputs(report, report_path))
