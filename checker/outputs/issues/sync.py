"""Issue sync entry points used by the CLI: read, plan, print the plan, then (unless dry) apply.

``preflight`` runs before any check so a missing repository or token fails in a second, not
after the whole run. A dry run needs no token: it reads (anonymously for a public repository)
and writes nothing. What is planned and what was done go to stderr (stdout may be a JSON
report) and to the job summary when ``GITHUB_STEP_SUMMARY`` is set.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from checker.engine.config import Config
from checker.engine.runner import RunReport
from checker.engine.settings import REPOSITORY
from checker.errors import ConfigError, SyncError, UserError
from checker.net.github_client import build_github, token_from
from checker.outputs.github_actions import append_job_summary
from checker.outputs.issues import summary
from checker.outputs.issues.apply import LabelSpec, Outcome, apply_plan, failures
from checker.outputs.issues.github_issues import PERMISSION, SCAN_PAGES, IssueStore
from checker.outputs.issues.plan import ExistingIssue, Plan, plan
from checker.outputs.issues.render import RunInfo
from checker.outputs.markdown import plural, run_doc_base


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


def store_for(
    config: Config, env: Mapping[str, str], *, dry_run: bool, suffix: str = ""
) -> IssueStore:
    """The issues labelled with the identifying label (or one of ours derived from it)."""
    target = _target(config, env, dry_run=dry_run)
    settings = config.issues
    gh = build_github(
        config.settings.endpoints.github_api,
        target.token,
        timeout=config.settings.timeout,
        write_interval=settings.write_interval,
        lazy=True,
    )
    base = settings.labels[0]
    return IssueStore(
        gh,
        target.repository,
        base[: 50 - len(suffix)] + suffix,
        settings.max_rate_limit_wait,
        # A 5xx is retried on the same rhythm as writes are spaced (0 in tests).
        backoff=settings.write_interval,
    )


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
) -> None:
    sys.stderr.write(summary.terminal(repository, the_plan, outcomes))
    if env.get("GITHUB_STEP_SUMMARY"):  # else rendering the Markdown would be for nothing
        server = env.get("GITHUB_SERVER_URL") or "https://github.com"
        append_job_summary(env, summary.markdown(repository, the_plan, outcomes, server))


def sync(
    config: Config, report: RunReport, env: Mapping[str, str], *, dry_run: bool, partial: bool
) -> None:
    """Bring the managed issues in line with ``report``; raise SyncError if any part failed."""
    try:
        _sync(config, report, env, dry_run=dry_run, partial=partial)
    except UserError:
        raise
    except Exception as exc:  # a bug or a library surprise: one readable line, no traceback
        raise SyncError(
            f"issue sync failed unexpectedly ({type(exc).__name__}); what was done so far "
            "stays done and the next run picks up the rest"
        ) from None


def _planned(store: IssueStore, make: Callable[[Sequence[ExistingIssue]], Plan]) -> Plan:
    """The plan, made from the labelled issues; and when it would file an issue, made again
    with every issue in the repository that carries one of those checks' markers (a person may
    have removed the label, or GitHub dropped it): the marker, not the label, is the identity.
    A steady night files nothing, so it spends one list call and no scan."""
    # Listing also proves the repository is there with issues on (404 / 410 otherwise): an
    # unknown label just lists nothing.
    existing = store.list_managed()
    the_plan = make(existing)
    if not the_plan.creates:
        return the_plan
    found, complete = store.find_by_marker(the_plan.creates, {i.number for i in existing})
    if found:
        the_plan = make([*existing, *found])
    if not complete:
        note = (
            f"looked for the markers of {plural(len(the_plan.creates), 'check')} in the newest "
            f"{SCAN_PAGES * 100} issues only; an older unlabelled issue of theirs is not found"
        )
        the_plan = replace(the_plan, notes=(*the_plan.notes, note))
    return the_plan


def _sync(
    config: Config, report: RunReport, env: Mapping[str, str], *, dry_run: bool, partial: bool
) -> None:
    target = _target(config, env, dry_run=dry_run)
    settings = config.issues
    store = store_for(config, env, dry_run=dry_run)
    run = RunInfo(report.started_at, run_url(env), run_doc_base(env, config))
    configured = [*(c.id for c in config.checks), *config.disabled_ids]

    def make(existing: Sequence[ExistingIssue]) -> Plan:
        return plan(
            report.results,
            existing,
            configured_ids=configured,
            run=run,
            partial=partial,
            max_new=settings.max_new,
        )

    the_plan = _planned(store, make)
    if dry_run:
        _report(env, target.repository, the_plan, None)
        return
    label = LabelSpec(tuple(settings.labels), settings.label_color, settings.label_description)
    outcomes = apply_plan(store, the_plan, label)
    _report(env, target.repository, the_plan, outcomes)
    failed = failures(outcomes)
    if len(failed) == 1:
        raise failed[0]
    if failed:
        raise SyncError(
            f"issue sync: {plural(len(failed), 'action')} failed (each with GitHub's reason "
            "above); the others were done, and the next run retries the failed ones",
            transient=all(e.transient for e in failed),
        )
