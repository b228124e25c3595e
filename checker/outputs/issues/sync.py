"""Issue sync entry points used by the CLI: read, plan, print the plan, then (unless dry) apply.

``preflight`` runs before any check so a missing repository or token fails in a second, not
after the whole run. A dry run needs no token: it reads (anonymously for a public repository)
and writes nothing. What is planned and what was done go to stderr (stdout may be a JSON
report) and to the job summary when ``GITHUB_STEP_SUMMARY`` is set.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from checker.engine.config import Config, ConfigError
from checker.engine.runner import RunReport
from checker.net.github_client import build_github, token_from
from checker.outputs.github_actions import append_runner_file
from checker.outputs.issues import summary
from checker.outputs.issues.apply import LabelSpec, Outcome, apply_plan
from checker.outputs.issues.github_issues import PERMISSION, IssueStore, SyncError
from checker.outputs.issues.plan import Plan, plan
from checker.outputs.issues.render import RunInfo
from checker.outputs.issues.settings import REPOSITORY
from checker.outputs.markdown import doc_base


@dataclass(frozen=True)
class Target:
    repository: str
    token: str | None = field(repr=False)  # a secret: never in a repr, log or message


def _target(config: Config, env: Mapping[str, str], *, dry_run: bool) -> Target:
    repository = config.issues.repository or env.get("GITHUB_REPOSITORY", "").strip()
    if not repository:
        raise ConfigError(
            'issue sync needs a repository: set [issues] repository = "owner/name" in '
            f"{config.path.name}, or GITHUB_REPOSITORY"
        )
    if not REPOSITORY.match(repository):
        raise ConfigError(f"GITHUB_REPOSITORY: {repository!r} is not of the form owner/name")
    token = token_from(env)
    if token is None and not dry_run:
        raise ConfigError(
            f"issue sync for {repository} needs {PERMISSION}: set GITHUB_TOKEN (in GitHub "
            "Actions: `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` with `permissions: "
            "issues: write`), or use --dry-run to only print the plan"
        )
    return Target(repository, token)


def preflight(config: Config, env: Mapping[str, str], *, dry_run: bool) -> None:
    _target(config, env, dry_run=dry_run)


def run_url(env: Mapping[str, str]) -> str | None:
    """Link to this workflow run, from the variables GitHub Actions sets."""
    server = env.get("GITHUB_SERVER_URL", "").rstrip("/")
    repo = env.get("GITHUB_REPOSITORY", "")
    run_id = env.get("GITHUB_RUN_ID", "")
    if (
        re.fullmatch(r"https?://[A-Za-z0-9.:-]+", server)
        and REPOSITORY.match(repo)
        and run_id.isdigit()
    ):
        return f"{server}/{repo}/actions/runs/{run_id}"
    return None


def _report(
    env: Mapping[str, str],
    repository: str,
    the_plan: Plan,
    outcomes: Sequence[Outcome] | None,
    error: str | None = None,
) -> None:
    sys.stderr.write(summary.terminal(repository, the_plan, outcomes))
    summary_path = env.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        server = env.get("GITHUB_SERVER_URL") or "https://github.com"
        text = summary.markdown(repository, the_plan, outcomes, error, server)
        append_runner_file(Path(summary_path), text, "job summary")


def sync(
    config: Config, report: RunReport, env: Mapping[str, str], *, dry_run: bool, partial: bool
) -> None:
    """Bring the managed issues in line with ``report``; raise SyncError if it cannot finish."""
    try:
        _sync(config, report, env, dry_run=dry_run, partial=partial)
    except ConfigError:
        raise
    except Exception as exc:  # a bug or a library surprise: one readable line, no traceback
        raise SyncError(
            f"issue sync failed unexpectedly ({type(exc).__name__}); what was done so far "
            "stays done and the next run picks up the rest"
        ) from None


def _sync(
    config: Config, report: RunReport, env: Mapping[str, str], *, dry_run: bool, partial: bool
) -> None:
    target = _target(config, env, dry_run=dry_run)
    settings = config.issues
    gh = build_github(
        config.settings.endpoints.github_api,
        target.token,
        timeout=config.settings.timeout,
        write_interval=settings.write_interval,
        lazy=True,
    )
    store = IssueStore(
        gh,
        target.repository,
        settings.labels[0],
        settings.max_rate_limit_wait,
        # A 5xx is retried on the same rhythm as writes are spaced (0 in tests).
        backoff=settings.write_interval,
    )
    # Listing also proves the repository is there with issues on (404 / 410 otherwise): an
    # unknown label just lists nothing.
    existing = store.list_managed()
    the_plan = plan(
        report.results,
        existing,
        configured_ids=[*(c.id for c in config.checks), *config.disabled_ids],
        run=RunInfo(report.started_at, run_url(env), doc_base(env, config.path)),
        partial=partial,
        max_new=settings.max_new,
    )
    if dry_run:
        _report(env, target.repository, the_plan, None)
        return
    label = LabelSpec(tuple(settings.labels), settings.label_color, settings.label_description)
    outcomes, error = apply_plan(store, the_plan, label)
    _report(env, target.repository, the_plan, outcomes, str(error) if error else None)
    failed = [o for o in outcomes if o.error]
    if error is not None:
        raise error
    if failed:  # each one a write whose outcome GitHub left unclear (5xx, dropped connection)
        raise SyncError(
            f"issue sync: {len(failed)} action(s) failed (see above); the next run retries them",
            transient=True,
        )
