"""The versioned JSON report: the machine-readable record of one run."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from checker import __version__
from checker.engine.redaction import redact_value
from checker.engine.runner import RunReport
from checker.memory.history import RunMemory, remember_run
from checker.memory.state import State

SCHEMA_VERSION = 1
# Characters valid inside a JSON string (json escapes C0 itself) that act when printed:
# DEL and C1 (U+009B is a terminal CSI), bidi overrides and isolates, line and paragraph
# separators, lone surrogates. And ``#`` before ``#[``: a legacy workflow command, honoured
# anywhere in a line of a CI log, should someone ``cat`` the report in a workflow.
_UNSAFE = re.compile(
    r"[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    r"\ud800-\udfff]|#(?=#\[)"
)


def dumps(
    value: Any,
    *,
    indent: int | None = 2,
    sort_keys: bool = False,
    default: Callable[[Any], Any] | None = None,
) -> str:
    """JSON that is safe to ``cat``: readable UTF-8, but every character above as a ``\\u``
    escape (the same value to any JSON reader). Outside JSON's own syntax these characters
    cannot occur, so escaping them in the serialised text only ever touches strings."""
    text = json.dumps(
        value, indent=indent, ensure_ascii=False, sort_keys=sort_keys, default=default
    )
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def report_data(
    report: RunReport, *, include_raw: bool = False, memory: RunMemory | None = None
) -> dict[str, Any]:
    """The report; ``memory`` adds each result's ``history`` and the run's ``state``."""
    if memory is None:
        memory = remember_run(
            "none",
            State(),
            report.results,
            report.started_at,
            keep=1,
            configured=[r.id for r in report.results],
            fingerprint=lambda _: "",
            expected_every=None,
        )
    results = []
    for r in report.results:
        item = r.to_json(include_raw=include_raw)
        history = memory.history(r.id)
        item["history"] = history.to_json() if history is not None else None
        results.append(item)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "started_at": report.started_at.isoformat(),
        "duration_s": round(report.duration_s, 3),
        "exit_code": report.exit_code(),
        "summary": report.summary(),
        "state": memory.to_json(),
        # Also at the top, where a script checking for missed runs looks first.
        "missed_since": memory.to_json()["missed_since"],
        "results": results,
        "document": None if report.document is None else report.document.to_json(),
    }


def render_json(report: RunReport, memory: RunMemory | None = None) -> str:
    return dumps(redact_value(report_data(report, memory=memory))) + "\n"
