"""``infra-checker evidence verify DIR``: is this bundle whole and consistent, and what does it say?

Checks, stopping at the first problem and naming its file:

1. every line of ``SHA256SUMS`` names a file of the bundle whose SHA-256 matches, and every
   file in the bundle is listed (nothing added, nothing missing);
2. ``manifest.json`` lists exactly those files with those hashes and sizes, and its config hash
   is that of ``checks.toml``;
3. ``report.json`` agrees with the manifest (the same checks in the same order, each pointing
   at its evidence file, the same summary) and with itself (the summary counts its verdicts);
4. each evidence file names its check and the verdict the report gives it, and
   ``report.sarif`` alerts on exactly the report's drifts and errors.

Exit 0 when all hold, 1 otherwise. Only an outside anchor (``gh attestation verify``) shows a
consistent bundle was not rewritten as a whole; the summary says so.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

from checker.engine.model import Status
from checker.outputs.escape import terminal_safe
from checker.outputs.evidence import MANIFEST, SUMS
from checker.outputs.markdown import plural

EXIT_CONSISTENT, EXIT_INCONSISTENT = 0, 1
_SUMS_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


class Inconsistent(Exception):
    """The first thing in the bundle that does not hold, naming its file."""

    def __init__(self, file: str, problem: str) -> None:
        super().__init__(f"{file}: {problem}")
        self.file = file


@dataclass(frozen=True)
class Bundle:
    directory: Path
    manifest: dict[str, Any]
    report: dict[str, Any]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_sums(directory: Path) -> dict[str, str]:
    path = directory / SUMS
    if not path.is_file():
        raise Inconsistent(SUMS, "missing: this is not a complete evidence bundle")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Inconsistent(SUMS, f"cannot read: {exc}") from None
    sums: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _SUMS_LINE.match(line)
        if not match:
            raise Inconsistent(SUMS, f"line {number} is not '<sha256>  <file>'")
        digest, name = match.groups()
        pure = PurePosixPath(name)
        if pure.is_absolute() or ".." in pure.parts or "\\" in name:
            raise Inconsistent(SUMS, f"line {number} names a file outside the bundle")
        if name in sums:
            raise Inconsistent(SUMS, f"line {number} lists {name} a second time")
        sums[name] = digest
    if MANIFEST not in sums:
        raise Inconsistent(SUMS, f"does not cover {MANIFEST}")
    return sums


def _check_files(directory: Path, sums: dict[str, str]) -> None:
    for name, digest in sums.items():
        path = directory / name
        if path.is_symlink():
            raise Inconsistent(name, "is a symbolic link: a bundle holds its files itself")
        if not path.is_file():
            raise Inconsistent(name, "listed in SHA256SUMS but missing")
        if _sha256(path) != digest:
            raise Inconsistent(name, "does not match its SHA-256 in SHA256SUMS (changed)")
    on_disk = sorted(
        p.relative_to(directory).as_posix()
        for p in directory.rglob("*")
        if p.is_file() or p.is_symlink()
    )
    for name in on_disk:
        if name != SUMS and name not in sums:
            raise Inconsistent(name, "is in the bundle but not listed in SHA256SUMS (added)")


def _load_json(directory: Path, name: str) -> dict[str, Any]:
    try:
        data = json.loads((directory / name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Inconsistent(name, f"is not readable JSON: {exc}") from None
    if not isinstance(data, dict):
        raise Inconsistent(name, "is not a JSON object")
    return data


def _check_manifest(directory: Path, sums: dict[str, str]) -> dict[str, Any]:
    manifest = _load_json(directory, MANIFEST)
    if manifest.get("tool") != "infra-checker":
        raise Inconsistent(MANIFEST, "is not an infra-checker manifest")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
        raise Inconsistent(MANIFEST, '"files" is not a list of files')
    listed = {str(f.get("path")): f for f in files}
    expected = {name for name in sums if name != MANIFEST}
    for name in sorted(expected - set(listed)):
        raise Inconsistent(name, f"is in SHA256SUMS but not in {MANIFEST}")
    for name in sorted(set(listed) - expected):
        raise Inconsistent(name, f"is in {MANIFEST} but not in SHA256SUMS")
    for name, entry in listed.items():
        if entry.get("sha256") != sums[name]:
            raise Inconsistent(name, f"its SHA-256 in {MANIFEST} differs from SHA256SUMS")
        if entry.get("bytes") != (directory / name).stat().st_size:
            raise Inconsistent(name, f"its size differs from {MANIFEST}")
    config = manifest.get("config")
    if "checks.toml" not in sums or not isinstance(config, dict):
        raise Inconsistent("checks.toml", "missing from the bundle")
    if config.get("sha256") != sums["checks.toml"]:
        raise Inconsistent(MANIFEST, "its config sha256 is not that of checks.toml")
    return manifest


def _check_report(
    directory: Path, sums: dict[str, str], manifest: dict[str, Any]
) -> dict[str, Any]:
    name = "report.json"
    if name not in sums:
        raise Inconsistent(name, "missing from the bundle")
    report = _load_json(directory, name)
    results = report.get("results")
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise Inconsistent(name, '"results" is not a list of results')
    statuses = {s.value for s in Status}
    counts = Counter(str(r.get("status")) for r in results)
    if set(counts) - statuses:
        raise Inconsistent(name, f"unknown verdict {sorted(set(counts) - statuses)[0]!r}")
    summary = {s.value: counts.get(s.value, 0) for s in Status}
    if report.get("summary") != summary:
        raise Inconsistent(name, "its summary does not count its results")
    if manifest.get("summary") != summary:
        raise Inconsistent(MANIFEST, "its summary differs from report.json")
    evidence = manifest.get("evidence")
    if not isinstance(evidence, dict):
        raise Inconsistent(MANIFEST, '"evidence" is not a table of check ids')
    ids = [r.get("id") for r in results]
    if ids != list(evidence):
        raise Inconsistent(name, f"its checks differ from the evidence listed in {MANIFEST}")
    for result in results:
        ident, status = result.get("id"), result.get("status")
        file = evidence.get(ident) if isinstance(ident, str) else None
        if not isinstance(file, str):
            raise Inconsistent(name, f"check {ident!r} has no evidence file in {MANIFEST}")
        if result.get("evidence_file") != file:
            raise Inconsistent(name, f"check {ident!r} does not point at its evidence file {file}")
        if file not in sums:
            raise Inconsistent(str(file), f"evidence of {ident!r} is missing from the bundle")
        head = (directory / file).read_text(encoding="utf-8", errors="replace")[:2000]
        if not head.startswith(f"check:       {ident} ("):
            raise Inconsistent(str(file), f"is not the evidence of check {ident!r}")
        if f"\nverdict:     {status}:" not in head:
            raise Inconsistent(str(file), f"its verdict differs from report.json ({status})")
    return report


def _check_sarif(directory: Path, sums: dict[str, str], report: dict[str, Any]) -> None:
    """report.sarif alerts on exactly the report's drifts and errors."""
    name = "report.sarif"
    if name not in sums:
        raise Inconsistent(name, "missing from the bundle")
    sarif = _load_json(directory, name)
    try:
        results = sarif["runs"][0]["results"]
        alerted = sorted((r["properties"]["check_id"], r["properties"]["status"]) for r in results)
    except (KeyError, IndexError, TypeError):
        raise Inconsistent(name, "is not the SARIF log infra-checker writes") from None
    expected = sorted(
        (r.get("id"), r.get("status"))
        for r in report["results"]
        if r.get("status") in (Status.DRIFT.value, Status.ERROR.value)
    )
    if alerted != expected:
        raise Inconsistent(name, "its alerts differ from the drifts and errors in report.json")


def verify(directory: Path) -> Bundle:
    """The bundle, when consistent; otherwise :class:`Inconsistent` naming the first file."""
    if not directory.is_dir():
        raise Inconsistent(str(directory), "no such bundle directory")
    sums = _read_sums(directory)
    _check_files(directory, sums)
    manifest = _check_manifest(directory, sums)
    report = _check_report(directory, sums, manifest)
    _check_sarif(directory, sums, report)
    return Bundle(directory, manifest, report)


def summary(bundle: Bundle) -> str:
    """One screen for an auditor: what, when, where, which run, the verdicts, what did not run."""
    manifest, report = bundle.manifest, bundle.report
    origin = manifest.get("provenance") or {}
    ci = origin.get("ci")
    git = origin.get("local_git")
    selection = origin.get("selection") or {}

    def show(value: Any) -> str:
        return terminal_safe("-" if value is None else str(value))

    lines = [
        f"Evidence bundle {show(bundle.directory)}: consistent "
        f"({len(manifest.get('files', [])) + 2} files, every SHA-256 matches).",
        f"  run:       {show(origin.get('started_at', manifest.get('run_started_at')))} to "
        f"{show(origin.get('finished_at'))}",
    ]
    if ci:
        lines += [
            f"  where:     GitHub Actions, {show(ci.get('repository'))} at "
            f"{show(ci.get('commit'))} ({show(ci.get('ref'))})",
            f"  workflow:  {show(ci.get('workflow'))}, run {show(ci.get('run_id'))} attempt "
            f"{show(ci.get('run_attempt'))}, {show(ci.get('event'))} by {show(ci.get('actor'))}",
            f"  run page:  {show(ci.get('run_url'))}",
        ]
    else:
        commit = f", git commit {show(git.get('commit'))}" if git else ""
        lines.append(f"  where:     a local run (not GitHub Actions){commit}")
    tool = origin.get("tool") or {}
    config = manifest.get("config") or {}
    lines += [
        f"  tool:      infra-checker {show(tool.get('version', manifest.get('tool_version')))}"
        f", Python {show(tool.get('python'))}",
        f"  command:   {show(' '.join(map(str, origin.get('command_line', []))))}",
        f"  config:    {show(config.get('path'))} sha256 {show(config.get('sha256'))}",
    ]
    overridden = [
        f"{show(name)} = {show(e.get('value'))} ({show(e.get('source'))})"
        for name, e in (origin.get("endpoints") or {}).items()
        if isinstance(e, dict) and e.get("overridden")
    ]
    if overridden:
        lines.append(f"  endpoints: {len(overridden)} overridden (the rest are the defaults):")
        lines += [f"    {line}" for line in overridden]
    else:
        lines.append("  endpoints: the defaults (the public services)")
    counts = ", ".join(f"{n} {s}" for s, n in (report.get("summary") or {}).items())
    lines += ["", f"Verdicts ({plural(len(report.get('results', [])), 'check')}): {counts}"]
    for result in report.get("results", []):
        lines.append(
            f"  {show(result.get('status')):<13} {show(result.get('id'))}: "
            f"{show(result.get('message'))[:120]}"
        )
    not_run = selection.get("not_run") or []
    if selection.get("partial"):
        lines += ["", f"PARTIAL RUN: {plural(len(not_run), 'configured check')} did not run:"]
        lines += [f"  {show(n.get('id'))}: {show(n.get('reason'))}" for n in not_run]
    else:
        lines += ["", "Every configured check ran."]
    lines += [
        "",
        "Consistent hashes show the files agree, not who wrote them: for a bundle from the "
        "audit workflow, run `gh attestation verify SHA256SUMS --repo OWNER/REPO` here.",
    ]
    return "\n".join(lines) + "\n"


def verify_command(directory: Path, out: TextIO, err: TextIO) -> int:
    try:
        bundle = verify(directory)
    except Inconsistent as exc:
        problem = str(exc)
    except OSError as exc:
        problem = f"{directory}: cannot read: {exc}"
    else:
        out.write(summary(bundle))
        return EXIT_CONSISTENT
    err.write(f"infra-checker: evidence verify: INCONSISTENT: {terminal_safe(problem)}\n")
    return EXIT_INCONSISTENT
