"""The evidence bundle: what an auditor needs to trust one run without trusting this tool.

``run --evidence DIR`` writes::

    DIR/README.txt          how to read and verify the bundle (plain text)
    DIR/index.html          the report as one self-contained page, with provenance
    DIR/checks.toml         the configuration the run used, byte for byte
    DIR/report.json         the versioned JSON report; each result names its evidence file
    DIR/report.md           the same report as Markdown
    DIR/report.sarif        drifts and errors as SARIF 2.1.0 (code scanning)
    DIR/state.json          the run memory after this run: when each fact was last seen true
                            (``last_ok_at``) and last seen at all (``last_verified_at``)
    DIR/evidence/NN-ID.txt  per check: every answer of every attempt (RDAP/WHOIS text, DNS
                            answers, API JSON), each with the source asked and its time
    DIR/manifest.json       provenance (who, what, where, which commit and run), the files
    DIR/SHA256SUMS          ``sha256sum -c SHA256SUMS`` verifies every file above

Everything is plain text readable without this tool; hashes are over the exact bytes written.
Self-made hashes only show the files agree with each other: the anchor outside the bundle is
the audit workflow's artifact attestation (README, "Evidence bundle for audits").
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from checker import __version__
from checker.engine.config import Config
from checker.engine.model import Look, Result, Status, utcnow
from checker.engine.redaction import redact, redact_value
from checker.engine.runner import RunReport
from checker.errors import UsageError
from checker.memory.history import RunMemory
from checker.memory.state import encode
from checker.outputs import provenance
from checker.outputs.escape import terminal_safe, visible_controls
from checker.outputs.html_page import render_html
from checker.outputs.json_report import dumps, report_data
from checker.outputs.markdown import render_markdown, run_doc_base
from checker.outputs.sarif import SarifReport

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
MANIFEST_VERSION = 2

README = """\
infra-checker evidence bundle
=============================

This directory records one run of infra-checker {version}, started at {started_at}.
Every file is plain text; no tool is needed to read it.

  index.html         the report as one page: verdicts, facts, observations, provenance
  checks.toml        the documented facts, exactly as the run read them
  report.md          the verdict on each fact (ok, drift, error, unverifiable), for people
  report.json        the same verdicts, machine-readable (schema_version {schema_version});
                     each result names its evidence file
  report.sarif       drifts and errors in SARIF 2.1.0, for code scanning
  state.json         the run memory after this run: per fact, when it was last seen true
                     (last_ok_at) and last seen at all (last_verified_at), and recent verdicts
  evidence/          one file per check: every answer of every attempt (the first look,
                     retries, the second look that confirms a drift): registry RDAP/WHOIS
                     text, DNS answers, API responses, each with the source asked and the
                     time (UTC) it answered; control characters in an answer are shown as
                     escapes such as \\x1b, so the files are safe to print
  manifest.json      provenance: repository, commit, workflow run, actor, command line,
                     tool and dependency versions, endpoints (and which were overridden),
                     the checks that did not run and why; the SHA-256 of every file
  SHA256SUMS         SHA-256 of every file above, manifest.json included

To check that the files agree with each other, in this directory:

  sha256sum -c SHA256SUMS          (macOS: shasum -a 256 -c SHA256SUMS)

Every line must say OK. Hashes written by the run itself cannot show that nobody rewrote the
files and the hashes together: a bundle made by the audit workflow is attested by GitHub
(artifact attestations, signed by Sigstore). With the GitHub CLI:

  gh attestation verify SHA256SUMS --repo OWNER/REPO

proves that SHA256SUMS, byte for byte, was produced by that repository's workflow (the
attestation names the workflow file, commit and run); then `sha256sum -c` extends the proof to
every other file. Every file is attested on its own too, so any one of them verifies the same
way.

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


class LookKind(str, enum.Enum):
    """Why a look was taken: the first, a retry after an error, or the second look that
    confirms a drift."""

    FIRST = "first look"
    RETRY = "retry"
    CONFIRMATION = "drift confirmation"


def looks_of(result: Result) -> tuple[Look, ...]:
    """Every look of a result; one built without them (a plugin's, a test's) had one look,
    holding its evidence."""
    return result.looks or (Look(result.status, result.message, result.evidence),)


def look_kinds(looks: tuple[Look, ...]) -> list[LookKind]:
    """The runner retries an error and looks again at a drift: the previous look says which."""
    return [
        LookKind.FIRST
        if index == 0
        else LookKind.CONFIRMATION
        if looks[index - 1].status is Status.DRIFT
        else LookKind.RETRY
        for index in range(len(looks))
    ]


def _started(look: Look) -> str:
    return look.started_at.isoformat() if look.started_at else "-"


def render_evidence(result: Result) -> str:
    """One check's evidence as plain text: header, then every attempt with every answer
    verbatim (control characters shown as escapes, so reading the file in a terminal is
    safe)."""
    looks = looks_of(result)
    lines = [
        f"check:       {result.id} ({result.type})",
        f"fact:        {terminal_safe(result.description)}",
        f"documented:  {terminal_safe(result.doc) or '-'}",
        f"verdict:     {result.status.value}: {terminal_safe(result.message)}",
        f"attempts:    {len(looks)}",
        "",
    ]
    for attempt, (look, kind) in enumerate(zip(looks, look_kinds(looks), strict=True), start=1):
        lines += [
            f"##### attempt {attempt} of {len(looks)}: {kind.value}, "
            f"started {_started(look)}, took {look.duration_s:.2f} s #####",
            f"outcome:     {look.status.value}: {terminal_safe(look.message)}",
            "",
        ]
        if not look.evidence:
            lines += ["No answer was recorded: the attempt did not get one (see its outcome).", ""]
        for number, item in enumerate(look.evidence, start=1):
            body = item.raw or item.excerpt
            kept = "raw answer" if item.raw else "excerpt (the full answer was not kept)"
            label = f"answer {number} of {len(look.evidence)} (attempt {attempt})"
            lines += [
                f"===== {label} =====",
                f"source:      {terminal_safe(item.source)}",
                f"fetched-at:  {item.fetched_at.isoformat()}",
                f"media-type:  {terminal_safe(item.media_type)}",
                f"----- {kept}, {len(body.encode('utf-8'))} bytes -----",
                visible_controls(body),
                f"===== end of {label} =====",
                "",
            ]
    return "\n".join(lines).rstrip("\n") + "\n"


def attempts_json(result: Result) -> list[dict[str, Any]]:
    """The attempts as the bundle's report.json lists them: what each asked, when, and what
    it concluded (the answers themselves are in the evidence file)."""
    looks = looks_of(result)
    return [
        {
            "number": number,
            "kind": kind.value,
            "started_at": look.started_at.isoformat() if look.started_at else None,
            "duration_s": round(look.duration_s, 3),
            "status": look.status.value,
            "message": look.message,
            "answers": [
                {"source": e.source, "fetched_at": e.fetched_at.isoformat()} for e in look.evidence
            ],
        }
        for number, (look, kind) in enumerate(zip(looks, look_kinds(looks), strict=True), 1)
    ]


def _previous_files(directory: Path) -> list[str] | None:
    """Files listed by an earlier bundle in ``directory``; None if it is not our bundle."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("tool") != "infra-checker":
        return None
    return [f["path"] for f in manifest.get("files", []) if isinstance(f, dict) and "path" in f]


def _writable(directory: Path) -> bool:
    """Whether the bundle can be written: into the directory, or created in its nearest
    existing parent."""
    target = directory
    while not target.exists():
        if target.parent == target:
            return False
        target = target.parent
    return target.is_dir() and os.access(target, os.W_OK | os.X_OK)


def preflight_bundle(directory: Path) -> list[str]:
    """Refuse a target that would clobber other files or cannot be written (before any check
    runs); returns the files of an earlier bundle there, which writing replaces."""
    try:
        if directory.exists() and not directory.is_dir():
            raise UsageError(f"--evidence {directory}: exists and is not a directory")
        if not _writable(directory):
            raise UsageError(f"--evidence {directory}: cannot write there: permission denied")
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


def _json_bytes(data: Any) -> bytes:
    return (dumps(redact_value(data)) + "\n").encode("utf-8")


def write_bundle(
    directory: Path,
    config: Config,
    report: RunReport,
    env: Mapping[str, str],
    invocation: provenance.Invocation,
    memory: RunMemory | None = None,
) -> None:
    """Write the bundle (``--evidence DIR``)."""
    from checker.outputs.json_report import SCHEMA_VERSION

    config_bytes = _config_bytes(config)
    config_sha256 = sha256_hex(config_bytes)
    files_by_id = {r.id: evidence_filename(i, r.id) for i, r in enumerate(report.results, 1)}
    origin = provenance.collect(config, config_sha256, report, env, invocation)
    report_json = report_data(report, memory=memory)
    for entry, result in zip(report_json["results"], report.results, strict=True):
        entry["evidence_file"] = files_by_id[result.id]
        entry["attempt_history"] = attempts_json(result)
    contents: dict[str, bytes] = {
        "README.txt": README.format(
            version=__version__,
            started_at=report.started_at.isoformat(),
            schema_version=SCHEMA_VERSION,
        ).encode("utf-8"),
        "index.html": redact(render_html(report, origin, files_by_id)).encode("utf-8"),
        "checks.toml": config_bytes,
        "report.json": _json_bytes(report_json),
        "report.md": redact(render_markdown(report, memory, base=run_doc_base(env, config))).encode(
            "utf-8"
        ),
        "report.sarif": redact(SarifReport(config, env).render(report)).encode("utf-8"),
    }
    if memory is not None:  # the state snapshot (run memory, issue #17)
        snapshot = {**memory.to_json(), **encode(memory.state)}
        contents["state.json"] = (json.dumps(snapshot, indent=1) + "\n").encode("utf-8")
    for result in report.results:
        contents[files_by_id[result.id]] = redact(render_evidence(result)).encode("utf-8")
    files = [BundleFile(name, sha256_hex(data), len(data)) for name, data in contents.items()]
    manifest: dict[str, Any] = {
        "manifest_version": MANIFEST_VERSION,
        "tool": "infra-checker",
        "tool_version": __version__,
        "created_at": utcnow().isoformat(),
        "run_started_at": report.started_at.isoformat(),
        "config": {"path": config.path.name, "sha256": config_sha256},
        "provenance": origin,
        "summary": report.summary(),
        "evidence": files_by_id,
        "files": [asdict(f) for f in files],
    }
    contents[MANIFEST] = _json_bytes(manifest)
    # SHA256SUMS covers manifest.json too; nothing can cover SHA256SUMS but an outside anchor.
    sums = "".join(f"{sha256_hex(data)}  {name}\n" for name, data in contents.items())
    try:
        _prepare(directory)
        (directory / "evidence").mkdir(parents=True, exist_ok=True)
        for name, data in contents.items():
            (directory / name).write_bytes(data)
        (directory / SUMS).write_text(sums, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--evidence {directory}: cannot write: {exc}") from None
