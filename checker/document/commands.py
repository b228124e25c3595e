"""The document's side of ``validate`` and the ``coverage`` command.

``validate`` reads the document (offline when it is a local file: the edit-time workflow passes
``--document`` with the pull request's copy) and refuses a quote its section no longer states or
whose anchor is gone; inside GitHub Actions each broken binding is also an annotation on the
line of checks.toml that holds the quote and on the document's section.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from checker.document.binding import bind
from checker.document.coverage import uncovered
from checker.document.read import DocumentRead, read_document
from checker.engine.config import CheckConfig, Config
from checker.engine.model import DocumentState
from checker.engine.redaction import redact, redact_value
from checker.errors import ConfigError, ExitCode
from checker.outputs.escape import terminal_safe
from checker.outputs.markdown import plural


def _read(config: Config, env: Mapping[str, str]) -> DocumentRead:
    assert config.document is not None
    return read_document(config.document, config.settings, env)


def _quote_line(config: Config, check_id: str) -> int | None:
    lines = config.raw_text.splitlines()
    start = next(
        (
            n
            for n, line in enumerate(lines)
            if line.strip().replace(" ", "") in (f'id="{check_id}"', f"id='{check_id}'")
        ),
        None,
    )
    if start is None:
        return None
    for n in range(start + 1, len(lines)):
        stripped = lines[n].strip()
        if stripped.startswith("[["):
            break
        if stripped.startswith("quote"):
            return n + 1
    return start + 1


def _workspace_relative(path: Path, env: Mapping[str, str]) -> str | None:
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.relative_to(Path(env.get("GITHUB_WORKSPACE", "/nonexistent"))).as_posix()
    except ValueError:
        return None


def _annotate(
    config: Config, check: CheckConfig, problem: str, read: DocumentRead, env: Mapping[str, str]
) -> None:
    from checker.outputs.github_actions import command, in_github_actions

    if not in_github_actions(env):
        return
    title = f"document: {check.id}"
    config_file, line = _workspace_relative(config.path, env), _quote_line(config, check.id)
    if config_file is not None and line is not None:
        sys.stdout.write(command("error", problem, file=config_file, line=str(line), title=title))
    doc_path = config.document.path if config.document is not None else None
    section = read.document.section(check.anchor) if read.document is not None else None
    doc_file = _workspace_relative(doc_path, env) if doc_path is not None else None
    if doc_file is not None and section is not None:
        sys.stdout.write(
            command(
                "error",
                f"this change breaks the sentence that {check.id} verifies: {problem}",
                file=doc_file,
                line=str(section.lines[0]),
                endLine=str(section.lines[1]),
                title=title,
            )
        )


def validate_document(config: Config, env: Mapping[str, str]) -> str:
    """What to add to validate's line; ConfigError when a quote is not where it should be."""
    if config.document is None:
        return ""
    read = _read(config, env)
    where = config.path.name
    if read.document is None:
        raise ConfigError(f"{where}: [document]: cannot be read to check the quotes: {read.error}")
    problems: list[str] = []
    for check in config.checks:
        binding = bind(check, read.document)
        if binding.state is DocumentState.NO_SECTION:
            problem = (
                f'{where}: check "{check.id}": key "doc": the document has no section '
                f"#{check.anchor}"
            )
        elif binding.state is DocumentState.CHANGED:
            problem = (
                f'{where}: check "{check.id}": key "quote": the document no longer states '
                f'"{check.quote}" in section #{check.anchor}'
            )
        else:
            continue
        problems.append(problem)
        _annotate(config, check, problem, read, env)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ConfigError(problems[0] + more)
    bound = sum(1 for c in config.checks if c.quote)
    return f"; {plural(bound, 'quote')} found in {terminal_safe(read.source)}"


def coverage(config: Config, env: Mapping[str, str], *, fmt: str, suggest: bool) -> ExitCode:
    if config.document is None:
        raise ConfigError(
            f"{config.path.name}: coverage needs a document: add a [document] table with path "
            "or url, or pass --document"
        )
    read = _read(config, env)
    if read.document is None:
        # The contents API may echo the token back in its error body.
        print(f"infra-checker: {terminal_safe(read.error)}", file=sys.stderr)
        return ExitCode.ERRORS
    found = uncovered(read.document, config.checks, config.document.ignore, config.disabled_ids)
    if suggest:
        sys.stdout.write(redact("".join(f"\n{u.suggestion}" for u in found)))
    elif fmt == "json":
        from checker.outputs.json_report import dumps

        data = {
            "document": {"source": read.source, "sha256": read.sha256},
            "uncovered": [u.to_json() for u in found],
        }
        sys.stdout.write(dumps(redact_value(data)) + "\n")
    else:
        for u in found:
            print(f"{u.kind:<24} {terminal_safe(u.value)}  (#{terminal_safe(u.anchor)})")
        where = terminal_safe(read.source)
        print(f"{plural(len(found), 'mention')} in {where} not covered by any check")
    return ExitCode.OK
