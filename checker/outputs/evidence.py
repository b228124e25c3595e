"""The evidence bundle: what an auditor needs to trust one run without trusting this tool.

``run --evidence DIR`` writes::

    DIR/README.txt          how to read and verify the bundle (plain text)
    DIR/checks.toml         the configuration the run used, byte for byte
    DIR/report.json         the versioned JSON report
    DIR/report.md           the same report as Markdown
    DIR/state.json          the run memory after this run: when each fact was last seen true
                            (``last_ok_at``) and last seen at all (``last_verified_at``)
    DIR/evidence/NN-ID.txt  per check: every raw answer (RDAP/WHOIS text, DNS answers, API JSON),
                            each with the source asked and the time it answered
    DIR/SHA256SUMS          ``sha256sum -c SHA256SUMS`` verifies every file above
    DIR/manifest.json       tool version, SHA-256 of checks.toml and of every file above

Everything is plain text readable without this tool; hashes are over the exact bytes written.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from checker import __version__
from checker.engine.config import Config
from checker.engine.model import Result, utcnow
from checker.engine.runner import RunReport
from checker.errors import UsageError
from checker.memory.history import RunMemory
from checker.memory.state import encode
from checker.outputs.escape import terminal_safe, visible_controls
from checker.outputs.json_report import report_data
from checker.outputs.markdown import render_markdown

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
MANIFEST_VERSION = 1

README = """\
infra-checker evidence bundle
=============================

This directory records one run of infra-checker {version}, started at {started_at}.
Every file is plain text; no tool is needed to read it.

  checks.toml        the documented facts, exactly as the run read them
  report.md          the verdict on each fact (ok, drift, error, unverifiable), for people
  report.json        the same verdicts, machine-readable (schema_version {schema_version})
  state.json         the run memory after this run: per fact, when it was last seen true
                     (last_ok_at) and last seen at all (last_verified_at), and recent verdicts
  evidence/          one file per check: each raw answer the check saw (registry RDAP/WHOIS
                     text, DNS answers, API responses), with the source asked and the
                     time (UTC) it answered; control characters in an answer are shown
                     as escapes such as \\x1b, so the files are safe to print
  SHA256SUMS         SHA-256 of every file above
  manifest.json      tool version, the SHA-256 of checks.toml and of every file above

To verify that nothing was changed after the run, in this directory:

  sha256sum -c SHA256SUMS          (macOS: shasum -a 256 -c SHA256SUMS)

Every line must say OK. To tie the bundle to the configuration under version control, compare
the "config" sha256 in manifest.json with `sha256sum checks.toml` in the repository at the
commit that ran (git log shows it; the GitHub Actions run page names the commit).

Verdicts: ok = the check saw the documented fact; drift = it saw a different fact;
error = it could not look this time (timeout, server error, rate limit); unverifiable = it can
never look with what it has (for example data redacted by the registry), with the reason.
"""


@dataclass(frozen=True)
class BundleFile:
    path: str
    sha256: str
    bytes: int


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _config_bytes(config: Config) -> bytes:
    """The bytes of checks.toml as on disk when they are what was parsed (CRLF kept)."""
    try:
        on_disk = config.path.read_bytes()
    except OSError:
        return config.raw_text.encode("utf-8")
    decoded = on_disk.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    return on_disk if decoded == config.raw_text else config.raw_text.encode("utf-8")


def evidence_filename(index: int, check_id: str) -> str:
    # Ids are validated kebab-case already; the filter keeps this safe for plugins' ids too.
    safe = re.sub(r"[^a-z0-9-]+", "_", check_id.lower()).strip("_-") or "check"
    return f"evidence/{index:02d}-{safe[:80]}.txt"


def render_evidence(result: Result) -> str:
    """One check's evidence as plain text: header, then every answer verbatim (control
    characters shown as escapes, so reading the file in a terminal is safe)."""
    lines = [
        f"check:       {result.id} ({result.type})",
        f"fact:        {terminal_safe(result.description)}",
        f"documented:  {terminal_safe(result.doc) or '-'}",
        f"verdict:     {result.status.value}: {terminal_safe(result.message)}",
        f"attempts:    {result.attempts}",
        "",
    ]
    if not result.evidence:
        lines.append("No answer was recorded: the check did not get one (see the verdict).")
    for number, item in enumerate(result.evidence, start=1):
        body = item.raw or item.excerpt
        kept = "raw answer" if item.raw else "excerpt (the full answer was not kept)"
        lines += [
            f"===== answer {number} of {len(result.evidence)} =====",
            f"source:      {terminal_safe(item.source)}",
            f"fetched-at:  {item.fetched_at.isoformat()}",
            f"media-type:  {terminal_safe(item.media_type)}",
            f"----- {kept}, {len(body.encode('utf-8'))} bytes -----",
            visible_controls(body),
            f"===== end of answer {number} =====",
            "",
        ]
    return "\n".join(lines).rstrip("\n") + "\n"


def _previous_files(directory: Path) -> list[str] | None:
    """Files listed by an earlier bundle in ``directory``; None if it is not our bundle."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("tool") != "infra-checker":
        return None
    return [f["path"] for f in manifest.get("files", []) if isinstance(f, dict) and "path" in f]


def preflight_bundle(directory: Path) -> list[str]:
    """Refuse a target that would clobber other files (before any check runs); returns the
    files of an earlier bundle there, which writing replaces."""
    try:
        if directory.exists() and not directory.is_dir():
            raise UsageError(f"--evidence {directory}: exists and is not a directory")
        if not directory.exists() or not any(directory.iterdir()):
            return []
    except OSError as exc:
        raise UsageError(f"--evidence {directory}: cannot read: {exc}") from None
    previous = _previous_files(directory)
    if previous is None:
        raise UsageError(
            f"--evidence {directory}: directory is not empty and holds no earlier evidence "
            "bundle; choose a new or empty directory"
        )
    return previous


def _prepare(directory: Path) -> None:
    """Start from an empty directory, or replace an earlier bundle; never clobber other files."""
    previous = preflight_bundle(directory)
    if not previous:
        return
    for name in [*previous, SUMS, MANIFEST]:
        target = (directory / name).resolve()
        if target.is_relative_to(directory.resolve()) and target.is_file():
            target.unlink()


def write_bundle(
    directory: Path, config: Config, report: RunReport, memory: RunMemory | None = None
) -> None:
    """Write the bundle (``--evidence DIR``)."""
    from checker.outputs.json_report import SCHEMA_VERSION

    config_bytes = _config_bytes(config)
    contents: dict[str, bytes] = {
        "README.txt": README.format(
            version=__version__,
            started_at=report.started_at.isoformat(),
            schema_version=SCHEMA_VERSION,
        ).encode("utf-8"),
        "checks.toml": config_bytes,
        "report.json": (
            json.dumps(report_data(report, memory=memory), indent=2, ensure_ascii=False) + "\n"
        ).encode("utf-8"),
        "report.md": render_markdown(report, memory).encode("utf-8"),
    }
    if memory is not None:  # the state snapshot (run memory, issue #17)
        snapshot = {**memory.to_json(), **encode(memory.state)}
        contents["state.json"] = (json.dumps(snapshot, indent=1) + "\n").encode("utf-8")
    for index, result in enumerate(report.results, start=1):
        contents[evidence_filename(index, result.id)] = render_evidence(result).encode("utf-8")
    files = [BundleFile(name, sha256_hex(data), len(data)) for name, data in contents.items()]
    manifest: dict[str, Any] = {
        "manifest_version": MANIFEST_VERSION,
        "tool": "infra-checker",
        "tool_version": __version__,
        "created_at": utcnow().isoformat(),
        "run_started_at": report.started_at.isoformat(),
        "config": {"path": config.path.name, "sha256": sha256_hex(config_bytes)},
        "summary": report.summary(),
        "evidence": {r.id: evidence_filename(i, r.id) for i, r in enumerate(report.results, 1)},
        "files": [asdict(f) for f in files],
    }
    sums = "".join(f"{f.sha256}  {f.path}\n" for f in files)
    try:
        _prepare(directory)
        (directory / "evidence").mkdir(parents=True, exist_ok=True)
        for name, data in contents.items():
            (directory / name).write_bytes(data)
        (directory / SUMS).write_text(sums, encoding="utf-8")
        (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--evidence {directory}: cannot write: {exc}") from None
