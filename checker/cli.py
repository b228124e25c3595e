"""Command line: ``run``, ``validate``, ``coverage``, ``list``, ``schema``, ``evidence verify``.

Start-up stays cheap: argparse is all that loads before a sub-command is chosen, and no
sub-command but ``run`` ever imports a network client library.

Exit codes: 0 nothing drifted or errored (``unverifiable`` allowed), 1 drift, 2 usage or config
error, 3 no drift but some checks errored (or GitHub failed the issue sync for now).
"""

from __future__ import annotations

import argparse
import enum
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from checker.errors import ExitCode, FailOn, UsageError, UserError

if TYPE_CHECKING:
    from datetime import datetime

if TYPE_CHECKING:
    from checker.engine.config import CheckConfig, Config
    from checker.engine.model import Result
    from checker.engine.runner import RunReport
    from checker.memory.history import RunMemory
    from checker.outputs.markdown import DocBase


class OutputFormat(str, enum.Enum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"

    def __str__(self) -> str:
        return self.value


def build_parser() -> argparse.ArgumentParser:
    from checker import __version__

    parser = argparse.ArgumentParser(
        prog="infra-checker",
        description="Verify the documented facts in checks.toml live, report drift, "
        "and keep one GitHub issue per drifting fact.",
        epilog="exit codes: 0 ok, 1 drift, 2 usage/config error, 3 some checks errored",
    )
    parser.add_argument("--version", action="version", version=f"infra-checker {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def with_config(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--config",
            "-c",
            type=Path,
            default=Path("checks.toml"),
            help="path to checks.toml (default: ./checks.toml)",
        )
        return p

    def with_document(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--document",
            metavar="PATH_OR_URL",
            help="read the document from here instead of [document] (e.g. a local edit)",
        )
        return p

    run = with_document(with_config(sub.add_parser("run", help="run the checks and report")))
    # argparse checks the strings (its usage message lists them); _run reads them as enums.
    run.add_argument(
        "--format",
        "-f",
        choices=[f.value for f in OutputFormat],
        default="text",
        help="report format",
    )
    run.add_argument("--output", "-o", type=Path, help="write the report to FILE instead of stdout")
    run.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="ID_OR_GLOB",
        help="run only checks whose id or type matches (repeatable; globs allowed)",
    )
    run.add_argument(
        "--open-issues",
        action="store_true",
        help="open, update, reopen and close drift issues on GitHub (also [issues] enabled)",
    )
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="with issue sync: print the planned issue actions and write nothing",
    )
    run.add_argument(
        "--evidence",
        type=Path,
        metavar="DIR",
        help="write an evidence bundle for auditors to DIR",
    )
    run.add_argument(
        "--fail-on",
        choices=[f.value for f in FailOn],
        default=FailOn.ERROR.value,
        help="exit non-zero on drift or errors (error, the default), on drift only (drift), "
        "or only on usage/config errors (never)",
    )
    run.add_argument(
        "--label",
        action="append",
        default=[],
        metavar="LABEL",
        help="label for drift issues (repeatable; replaces [issues] labels, first one identifies)",
    )
    run.add_argument(
        "--state",
        metavar="PATH|github-issue|none",
        help="where run memory lives (overrides [state] backend): a file, the status "
        "dashboard issue, or nowhere",
    )
    run.add_argument(
        "--keepalive",
        action="store_true",
        help="in GitHub Actions: re-enable this workflow through the REST API, which resets "
        "GitHub's 60-day inactivity timer for scheduled workflows",
    )
    with_document(
        with_config(sub.add_parser("validate", help="check checks.toml (and its quotes) and exit"))
    )
    coverage = with_document(
        with_config(sub.add_parser("coverage", help="list the document's mentions no check covers"))
    )
    coverage.add_argument(
        "--format", "-f", choices=["text", "json"], default="text", help="output format"
    )
    coverage.add_argument(
        "--suggest", action="store_true", help="print only [[check]] suggestions, as TOML"
    )
    with_config(sub.add_parser("list", help="list the configured checks"))
    sub.add_parser("schema", help="print the JSON Schema of checks.toml")
    evidence = sub.add_parser("evidence", help="work with evidence bundles")
    evidence_sub = evidence.add_subparsers(dest="evidence_command", metavar="ACTION", required=True)
    verify = evidence_sub.add_parser(
        "verify",
        help="recompute every hash of a bundle, check it is consistent, summarise it "
        "(exit 0 consistent, 1 not)",
    )
    verify.add_argument("directory", type=Path, metavar="DIR", help="the evidence bundle")
    return parser


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
) -> int:
    """``clock`` says when the run starts (tests simulate nights with it)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = ["infra-checker", *argv]
    env = os.environ if env is None else env
    from checker.engine.model import utcnow
    from checker.engine.redaction import register_environment

    register_environment(env)  # before any command reads: a service may echo a token back
    now = (clock or utcnow)()
    try:
        if args.command == "schema":
            from checker.engine.schema import config_schema_json

            sys.stdout.write(config_schema_json())
            return ExitCode.OK
        if args.command == "evidence":
            from checker.outputs.evidence_verify import verify_command

            return verify_command(args.directory, sys.stdout, sys.stderr)
        config = _load(args.config, env, now, getattr(args, "document", None))
        if args.command == "validate":
            from checker.document.commands import validate_document
            from checker.outputs.escape import terminal_safe
            from checker.outputs.markdown import plural

            bound = validate_document(config, env)
            path = terminal_safe(str(args.config))
            print(f"{path}: {plural(len(config.checks), 'check')}, valid{bound}")
            return ExitCode.OK
        if args.command == "coverage":
            from checker.document.commands import coverage

            return coverage(config, env, fmt=args.format, suggest=args.suggest)
        if args.command == "list":
            sys.stdout.write(render_list(config.checks))
            return ExitCode.OK
        return _run(args, config, env, now)
    except UserError as exc:
        _say(exc)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        print("infra-checker: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except Exception as exc:  # a bug: one readable line, never a traceback nor exit 1 (drift)
        from checker.outputs.escape import terminal_safe

        reason = terminal_safe(str(exc))[:300]
        print(
            f"infra-checker: internal error ({type(exc).__name__}: {reason}); nothing was "
            "judged from it. Please report this at the infra-checker issue tracker.",
            file=sys.stderr,
        )
        return ExitCode.USAGE


def _say(exc: UserError) -> None:
    """A user error in one paragraph: its message may quote the file or a service (line
    breaks, terminal escapes), and is made terminal-safe here, where it is printed."""
    from checker.outputs.escape import terminal_safe

    print(f"infra-checker: {terminal_safe(str(exc))}", file=sys.stderr)


def _load(path: Path, env: Mapping[str, str], now: datetime, document: str | None = None) -> Config:
    from checker.engine.config import load_config

    return load_config(path, env, document, today=now.date())


def select_checks(checks: Sequence[CheckConfig], patterns: Sequence[str]) -> list[CheckConfig]:
    """Checks whose id or type matches any pattern; a pattern matching nothing is an error."""
    from fnmatch import fnmatchcase

    if not patterns:
        return list(checks)
    unmatched = [
        p
        for p in patterns
        if not any(fnmatchcase(c.id, p) or fnmatchcase(c.type, p) for c in checks)
    ]
    if unmatched:
        raise UsageError(
            f"--only {unmatched[0]!r} matches no check id or type in the configuration"
        )
    return [
        c for c in checks if any(fnmatchcase(c.id, p) or fnmatchcase(c.type, p) for p in patterns)
    ]


def render_list(checks: Sequence[CheckConfig]) -> str:
    from checker.outputs.escape import terminal_safe

    rows = [("ID", "TYPE", "FACT")] + [(c.id, c.type, terminal_safe(c.description)) for c in checks]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    return "".join(f"{a:<{w0}}  {b:<{w1}}  {c}\n" for a, b, c in rows)


def _progress(stream: TextIO) -> Callable[[Result, int, int], None]:
    """A live one-line progress indicator, for a person at a terminal only."""

    def show(result: Result, done: int, total: int) -> None:
        stream.write(f"\r\033[K[{done}/{total}] {result.id}: {result.status.value}")
        if done == total:
            stream.write("\r\033[K")
        stream.flush()

    return show


def _run(
    args: argparse.Namespace, config: Config, env: Mapping[str, str], now: datetime
) -> ExitCode:
    fmt, fail_on = OutputFormat(args.format), FailOn(args.fail_on)
    from checker.engine.context import make_services
    from checker.engine.runner import run_checks
    from checker.outputs import memory as run_memory
    from checker.outputs.github_actions import announce, in_github_actions, mask_secrets

    # Workflow commands are only honoured at the start of a log line: keep them off a JSON or
    # Markdown report on stdout (the action writes its report to a file, leaving stdout free).
    commands = sys.stdout if args.output is not None or fmt is OutputFormat.TEXT else sys.stderr
    if in_github_actions(env):
        mask_secrets(env, commands)
    config = with_labels(config, args.label)
    checks = select_checks(config.checks, args.only)
    sync_issues = args.open_issues or config.issues.enabled or args.dry_run
    backend = run_memory.choose(config, args.state, sync_issues)
    # Everything that can be refused is refused before the first check runs, not after.
    if sync_issues or backend.kind == "github-issue":
        from checker.outputs.issues.sync import preflight

        preflight(config, env, dry_run=args.dry_run)
    if args.output is not None:
        _preflight_output(args.output)
    if args.evidence is not None:
        from checker.outputs.evidence import preflight_bundle

        preflight_bundle(args.evidence)
    run_memory.load(backend, config, env, dry_run=args.dry_run)
    services = make_services(config.settings, env)
    on_result = _progress(sys.stderr) if sys.stderr.isatty() else None
    document = None
    if config.document is not None:
        from checker.document.read import read_document

        document = read_document(config.document, config.settings, env)
    report = run_checks(checks, services, on_result=on_result, now=now)
    if config.document is not None and document is not None:
        from checker.document.binding import apply_document

        report = apply_document(report, config.checks, document, config.document.ignore)
    memory = run_memory.remember(backend, config, report)
    _emit(report, config, fmt, args.output, env, memory)
    announce(report, config, env, commands, fail_on=fail_on, report_path=args.output)
    code = report.exit_code()
    # Issues and the evidence bundle each get their chance, whichever of them fails: a disk
    # problem must not keep a drift from its issue, nor a token problem an auditor's bundle.
    sync_failure: UserError | None = None
    if sync_issues:
        try:
            code, memory = _sync(config, report, env, args, code, memory)
        except UserError as exc:
            sync_failure = exc
    if not args.dry_run:
        from checker.errors import SyncError
        from checker.outputs.issues.render import RunInfo
        from checker.outputs.issues.sync import run_url

        link = RunInfo(report.started_at, run_url(env)).link
        try:
            run_memory.save(backend, memory, config, report, link)
        except SyncError as exc:
            if not exc.transient:
                sync_failure = sync_failure or exc
            else:
                _say(exc)
                code = code if code is ExitCode.DRIFT else ExitCode.ERRORS
    if args.keepalive:
        from checker.outputs.keepalive import keep_alive

        keep_alive(config, env)
    if args.evidence is not None:
        from checker.outputs.evidence import write_bundle
        from checker.outputs.provenance import invocation_for

        invocation = invocation_for(args.argv, config, [c.id for c in checks], args.only)
        write_bundle(args.evidence, config, report, env, invocation, memory)
    if sync_failure is not None:
        raise sync_failure
    return fail_on.exit_code(code)


def _sync(
    config: Config,
    report: RunReport,
    env: Mapping[str, str],
    args: argparse.Namespace,
    code: ExitCode,
    memory: RunMemory,
) -> tuple[ExitCode, RunMemory]:
    """Sync the issues; GitHub's passing trouble counts as an error of the run (exit 3).

    Held checks (a waived drift, a flapping check) are kept out of the drift-issue sync and
    told once instead; the cannot-verify issues follow."""
    from checker.errors import SyncError
    from checker.outputs.issues.holds import holds, without_held
    from checker.outputs.issues.sync import sync
    from checker.outputs.memory import sync_memory_issues

    held = holds(report.results, memory)
    try:
        sync(config, without_held(report, held), env, dry_run=args.dry_run, partial=bool(args.only))
        if not args.dry_run:
            memory = sync_memory_issues(memory, config, report, env, held, partial=bool(args.only))
    except SyncError as exc:
        if not exc.transient:
            raise
        _say(exc)
        return (code if code is ExitCode.DRIFT else ExitCode.ERRORS), memory
    return code, memory


def _preflight_output(output: Path) -> None:
    if output.is_dir():
        raise UsageError(f"--output {output}: is a directory")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--output {output}: cannot write: {exc}") from None
    writable = os.access(output.parent, os.W_OK) and (
        not output.exists() or os.access(output, os.W_OK)
    )
    if not writable:
        raise UsageError(f"--output {output}: cannot write: permission denied")


def with_labels(config: Config, labels: Sequence[str]) -> Config:
    """``--label`` replaces the [issues] labels, validated like the file's."""
    if not labels:
        return config
    from dataclasses import replace

    from pydantic import ValidationError

    from checker.engine.settings import IssueSettings

    try:
        issues = IssueSettings.model_validate({**config.issues.model_dump(), "labels": labels})
    except ValidationError as exc:
        problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise UsageError(f"--label: {problems}") from None
    return replace(config, issues=issues)


def render(
    report: RunReport,
    config: Config,
    fmt: OutputFormat,
    *,
    env: Mapping[str, str],
    memory: RunMemory | None = None,
    terminal: bool = False,
    base: DocBase | None = None,
) -> str:
    """The report in ``fmt``; ``terminal`` when it goes to a person's terminal (colour, and
    a text table cut to its width: a file or a log keeps every reason whole)."""
    if fmt is OutputFormat.SARIF:
        from checker.outputs.sarif import SarifReport

        return SarifReport(config, env).render(report)
    if fmt is OutputFormat.JSON:
        from checker.outputs.json_report import render_json

        return render_json(report, memory)
    if fmt is OutputFormat.MARKDOWN:
        from checker.outputs.markdown import render_markdown

        return render_markdown(report, memory, base=base)
    from checker.outputs.text import render_text

    colour = terminal and not env.get("NO_COLOR")
    return render_text(report, colour=colour, width=None if terminal else 0, memory=memory)


def _emit(
    report: RunReport,
    config: Config,
    fmt: OutputFormat,
    output: Path | None,
    env: Mapping[str, str],
    memory: RunMemory | None = None,
) -> None:
    from checker.engine.redaction import redact
    from checker.outputs.github_actions import in_github_actions, stop_commands
    from checker.outputs.markdown import render_markdown, run_doc_base

    base = run_doc_base(env, config)
    terminal = output is None and sys.stdout.isatty()
    text = redact(render(report, config, fmt, env=env, memory=memory, terminal=terminal, base=base))
    if output is None:
        if in_github_actions(env) and fmt is OutputFormat.MARKDOWN:
            # Code spans keep outside text verbatim, `##[` included: the runner must not read it.
            sys.stderr.flush()
            text = stop_commands(text)
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--output {output}: cannot write: {exc}") from None
    if env.get("GITHUB_STEP_SUMMARY"):
        from checker.outputs.github_actions import SUMMARY_RESERVE, append_job_summary

        summary = render_markdown(report, memory, base=base)
        append_job_summary(env, summary, reserve=SUMMARY_RESERVE)  # the sync's comes after
