"""The versioned JSON report: the machine-readable record of one run."""

from __future__ import annotations

import json
from typing import Any

from checker import __version__
from checker.engine.runner import RunReport

SCHEMA_VERSION = 1


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
    return json.dumps(report_data(report), indent=2, ensure_ascii=False) + "\n"
