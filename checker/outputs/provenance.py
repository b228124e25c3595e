"""Provenance of one run: who ran it, from which commit and workflow, with what, against whom.

An auditor reading a bundle must be able to tell a nightly run of the real configuration from
a local run against a mirror with half the checks switched off. Every field is documented in
README ("manifest.json"); a value that does not apply is ``null``, never guessed.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from checker import __version__
from checker.engine.config import Config
from checker.engine.runner import RunReport
from checker.engine.settings import ENV_OVERRIDES, Endpoints

# The distributions that did the looking (and judging): their versions explain an answer.
LOOKING_DEPENDENCIES = (
    "pydantic",
    "requests",
    "urllib3",
    "dnspython",
    "python-whois",
    "PyGithub",
    "google-cloud-resource-manager",
    "google-auth",
)
GIT_TIMEOUT_S = 5


@dataclass(frozen=True)
class Invocation:
    """How the run was asked for: what the CLI parsed, and which checks it left out."""

    argv: tuple[str, ...]
    only: tuple[str, ...] = ()
    # id -> why it did not run ("--only", "enabled = false")
    not_run: tuple[tuple[str, str], ...] = ()


def _ci(env: Mapping[str, str]) -> dict[str, Any] | None:
    if env.get("GITHUB_ACTIONS") != "true":
        return None

    def get(name: str) -> str | None:
        return env.get(name) or None

    server, repository, run_id = (
        get("GITHUB_SERVER_URL"),
        get("GITHUB_REPOSITORY"),
        get("GITHUB_RUN_ID"),
    )
    attempt = get("GITHUB_RUN_ATTEMPT")
    url = None
    if server and repository and run_id:
        url = f"{server.rstrip('/')}/{repository}/actions/runs/{run_id}"
        if attempt:
            url += f"/attempts/{attempt}"
    return {
        "repository": repository,
        "commit": get("GITHUB_SHA"),
        "ref": get("GITHUB_REF"),
        "workflow": get("GITHUB_WORKFLOW"),
        "workflow_ref": get("GITHUB_WORKFLOW_REF"),
        "run_id": run_id,
        "run_attempt": attempt,
        "run_url": url,
        "actor": get("GITHUB_ACTOR"),
        "event": get("GITHUB_EVENT_NAME"),
        "server_url": server,
    }


def _git(directory: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            ["git", "-C", str(directory), *args],  # noqa: S607 - git from PATH, like a person
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _local_git(config_path: Path) -> dict[str, Any] | None:
    """The commit of the repository holding the configuration, and whether the file differs
    from it (a bundle made from an edited checks.toml must say so)."""
    directory = config_path.resolve().parent
    commit = _git(directory, "rev-parse", "HEAD")
    if commit is None:
        return None
    status = _git(directory, "status", "--porcelain", "--", config_path.name)
    return {"commit": commit, "config_modified": None if status is None else bool(status)}


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in LOOKING_DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _without_credentials(value: Any) -> Any:
    """An endpoint URL may carry ``user:token@``: the bundle records where, never who."""
    if not isinstance(value, str) or "@" not in value or "://" not in value:
        return value
    parts = urlsplit(value)
    if parts.username is None and parts.password is None:
        return value
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def endpoints_record(endpoints: Endpoints, env: Mapping[str, str]) -> dict[str, Any]:
    """Every endpoint the run used, its default, and whether (and how) it was overridden."""
    defaults = Endpoints()
    by_key = {key: var for var, key in ENV_OVERRIDES.items()}
    record: dict[str, Any] = {}
    for key in Endpoints.model_fields:
        value = getattr(endpoints, key)
        default = getattr(defaults, key)
        var = by_key.get(key)
        if var is not None and env.get(var):
            source = f"environment {var}"
        elif value != default:
            source = "checks.toml"
        else:
            source = "default"
        record[key] = {
            "value": _without_credentials(value),
            "default": default,
            "overridden": source != "default",
            "source": source,
        }
    return record


def _document(report: RunReport) -> dict[str, Any] | None:
    """The [document] as this run read it; None when the configuration binds none."""
    read = report.document
    if read is None:
        return None
    return {
        "source": read.source,
        "sha256": read.sha256,
        "read_at": read.read_at.isoformat(),
        "error": read.error,
    }


def collect(
    config: Config,
    config_sha256: str,
    report: RunReport,
    env: Mapping[str, str],
    invocation: Invocation,
) -> dict[str, Any]:
    finished_at: datetime = report.started_at + timedelta(seconds=report.duration_s)
    ran = [r.id for r in report.results]
    return {
        "started_at": report.started_at.isoformat(),
        "finished_at": finished_at.isoformat(),
        "ci": _ci(env),
        "local_git": _local_git(config.path),
        "tool": {
            "name": "infra-checker",
            "version": __version__,
            "python": platform.python_version(),
            "python_implementation": platform.python_implementation(),
            "platform": sys.platform,
            "dependencies": _versions(),
        },
        "command_line": list(invocation.argv),
        "config": {"path": str(config.path), "sha256": config_sha256},
        "document": _document(report),
        "endpoints": endpoints_record(config.settings.endpoints, env),
        "selection": {
            "partial": bool(invocation.not_run),
            "only": list(invocation.only),
            "checks_run": ran,
            "not_run": [{"id": i, "reason": why} for i, why in invocation.not_run],
        },
    }


def invocation_for(
    argv: Sequence[str], config: Config, ran: Sequence[str], only: Sequence[str]
) -> Invocation:
    """Which configured checks did not run, and why."""
    ran_ids = set(ran)
    not_run = [(c.id, "--only") for c in config.checks if c.id not in ran_ids]
    not_run += [(ident, "enabled = false") for ident in config.disabled_ids]
    return Invocation(argv=tuple(argv), only=tuple(only), not_run=tuple(not_run))
