"""SARIF 2.1.0 (``--format sarif``): drifts and errors as code-scanning alerts on checks.toml.

One rule per check type, one result per ``drift`` (level ``error``: a documented fact is false)
and per ``error`` (level ``warning``: the check could not look this time), located at the line
of the check's ``id`` in checks.toml, where the fact is written down. ``ok`` and
``unverifiable`` are not alerts: nothing in the file needs changing for them.

GitHub code scanning keys an alert on ``ruleId`` and ``partialFingerprints``: ours is the
check's id and verdict, so an alert follows its fact when lines move, and a drift and an error
of the same check stay two alerts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from checker import __version__
from checker.engine.config import CheckConfig, Config
from checker.engine.model import Result, Status
from checker.engine.runner import RunReport
from checker.outputs.escape import terminal_safe
from checker.outputs.json_report import dumps

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "infraCheckerFact/v1"
LEVELS: Mapping[Status, str] = {Status.DRIFT: "error", Status.ERROR: "warning"}
_CHECK_HEADER = re.compile(r"^\s*\[\[\s*check\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[")
_ID_LINE = re.compile(r"""^\s*id\s*=\s*(?:"([^"]*)"|'([^']*)')""")

HELP_TEXT = (
    "infra-checker verifies the facts documented in checks.toml against the live service.\n"
    "Level error (drift): the service showed a different fact than the one documented. "
    "Either the infrastructure changed without the documentation (change it back, or update "
    "the document and this check's expectation), or the documentation was wrong. The message "
    "says what was expected and what was observed; the evidence bundle holds the raw answer.\n"
    "Level warning (error): the check could not look this time (timeout, rate limit, server "
    "error, missing credentials for a private resource). Nothing is known to be wrong; if it "
    "persists, fix what the message names."
)
HELP_MARKDOWN = (
    "infra-checker verifies the facts documented in `checks.toml` against the live service.\n\n"
    "- **error (drift)**: the service showed a *different* fact than the one documented. "
    "Either the infrastructure changed without the documentation (change it back, or update "
    "the document and this check's `expect`), or the documentation was wrong. The message "
    "says what was expected and what was observed; the evidence bundle holds the raw answer.\n"
    "- **warning (error)**: the check could not look this time (timeout, rate limit, server "
    "error, missing credentials for a private resource). Nothing is known to be wrong; if it "
    "persists, fix what the message names.\n"
)


def id_lines(text: str) -> dict[str, int]:
    """The 1-based line of each ``[[check]]``'s ``id = "…"`` key in the file's text."""
    lines: dict[str, int] = {}
    in_check = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _CHECK_HEADER.match(line):
            in_check = True
            continue
        if _TABLE_HEADER.match(line):
            in_check = False
            continue
        match = _ID_LINE.match(line) if in_check else None
        if match:
            ident = match.group(1) if match.group(1) is not None else match.group(2)
            lines.setdefault(ident, number)
    return lines


def message_text(text: str) -> str:
    """Plain SARIF message text: one line, and no ``[…](…)`` a viewer would read as a link."""
    return re.sub(r"([\\\[\]])", r"\\\1", terminal_safe(text))


def _rule_name(type_name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", type_name) if part)


class SarifReport:
    """Renders a run as a SARIF 2.1.0 log located in the configuration file."""

    def __init__(self, config: Config, env: Mapping[str, str]) -> None:
        self.config = config
        self.uri = self._artifact_uri(config.path, env)
        self.lines = id_lines(config.raw_text)

    @staticmethod
    def _artifact_uri(path: Path, env: Mapping[str, str]) -> str:
        """The file relative to the repository root (the Actions workspace, else the current
        directory), as code scanning expects; an absolute file URI when it is elsewhere."""
        root = Path(env.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
        resolved = path.resolve()
        if resolved.is_relative_to(root):
            return resolved.relative_to(root).as_posix()
        return resolved.as_uri()

    def _rules(self) -> list[CheckConfig]:
        """One check of each type in the configuration (every result's type is among them)."""
        seen: dict[str, CheckConfig] = {}
        for check in self.config.checks:
            seen.setdefault(check.type, check)
        return list(seen.values())

    def _result(self, result: Result, rule_index: Mapping[str, int]) -> dict[str, Any]:
        verdict = "drifted" if result.status is Status.DRIFT else "could not be checked"
        fingerprint = hashlib.sha256(f"{result.id}\0{result.status.value}".encode()).hexdigest()
        return {
            "ruleId": result.type,
            "ruleIndex": rule_index[result.type],
            "level": LEVELS[result.status],
            "message": {
                "text": message_text(
                    f"{result.id} {verdict}: {result.description}: {result.message}"
                )
            },
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": self.uri},
                        "region": {"startLine": self.lines.get(result.id, 1)},
                    }
                }
            ],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
            "properties": {"check_id": result.id, "status": result.status.value},
        }

    def data(self, report: RunReport) -> dict[str, Any]:
        rules = self._rules()
        index = {check.type: i for i, check in enumerate(rules)}
        descriptors = [
            {
                "id": check.type,
                "name": _rule_name(check.type),
                "shortDescription": {"text": f"{check.type}: {check.check_type.summary}"},
                "fullDescription": {
                    "text": f"A documented fact checked with {check.type} "
                    f"({check.check_type.summary}) no longer holds, or could not be checked."
                },
                "help": {"text": HELP_TEXT, "markdown": HELP_MARKDOWN},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["infrastructure", "documentation", check.type]},
            }
            for check in rules
        ]
        results = [self._result(r, index) for r in report.results if r.status in LEVELS]
        return {
            "$schema": SARIF_SCHEMA,
            "version": SARIF_VERSION,
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "infra-checker",
                            "version": __version__,
                            "semanticVersion": __version__,
                            "rules": descriptors,
                        }
                    },
                    "invocations": [
                        {
                            "executionSuccessful": True,
                            "startTimeUtc": report.started_at.isoformat(),
                        }
                    ],
                    "results": results,
                    "columnKind": "unicodeCodePoints",
                }
            ],
        }

    def render(self, report: RunReport) -> str:
        return dumps(self.data(report)) + "\n"
