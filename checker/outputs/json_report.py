"""The versioned JSON report: the machine-readable record of one run."""

from __future__ import annotations

import json
import re
from typing import Any

from checker import __version__
from checker.engine.redaction import redact_value
from checker.engine.runner import RunReport

SCHEMA_VERSION = 1
# Characters valid inside a JSON string (json escapes C0 itself) that act when printed:
# DEL and C1 (U+009B is a terminal CSI), bidi overrides and isolates, line and paragraph
# separators, lone surrogates. And ``#`` before ``#[``: a legacy workflow command, honoured
# anywhere in a line of a CI log, should someone ``cat`` the report in a workflow.
_UNSAFE = re.compile(
    r"[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    r"\ud800-\udfff]|#(?=#\[)"
)


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """JSON that is safe to ``cat``: readable UTF-8, but every character above as a ``\\u``
    escape (the same value to any JSON reader). Outside JSON's own syntax these characters
    cannot occur, so escaping them in the serialised text only ever touches strings."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def report_data(report: RunReport, *, include_raw: bool = False) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "started_at": report.started_at.isoformat(),
        "duration_s": round(report.duration_s, 3),
        "exit_code": report.exit_code(),
        "summary": report.summary(),
        "results": [r.to_json(include_raw=include_raw) for r in report.results],
        "document": None if report.document is None else report.document.to_json(),
    }


def render_json(report: RunReport) -> str:
    return dumps(redact_value(report_data(report))) + "\n"
