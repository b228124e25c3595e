"""Run memory for one CLI run: choose the backend, load, remember this run, save.

``auto`` is the dashboard issue when issue sync is on, else the file beside checks.toml. A
state that cannot be read is a warning and a fresh start, never a crash and never wrong issues;
a dashboard that could not be *read* (GitHub's passing trouble) is not written either, so one
bad night cannot wipe the history.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from checker.engine.config import Config
from checker.engine.runner import RunReport
from checker.memory import file_store
from checker.memory.history import RunMemory, remember_run
from checker.memory.state import State
from checker.outputs.dashboard import DashboardTooLarge, Fact, render_dashboard
from checker.outputs.escape import warn
from checker.outputs.issues.render import RunInfo, fingerprint

DEFAULT_PATH = ".infra-checker/state.json"


@dataclass
class Backend:
    kind: str  # "file", "github-issue" or "none"
    location: str = ""
    path: Path | None = None
    previous: State = field(default_factory=State)
    dashboard: object | None = None  # a Dashboard (github-issue), imported only when used
    writable: bool = True


def choose(config: Config, override: str | None, sync_issues: bool) -> Backend:
    choice = override or config.state.backend
    if choice == "auto":
        choice = "github-issue" if sync_issues else "file"
    if choice == "none":
        return Backend("none")
    if choice == "github-issue":
        return Backend("github-issue")
    path = Path(override) if override not in (None, "file", "auto") else None
    if path is None:
        configured = config.state.path or DEFAULT_PATH
        path = config.path.parent / configured
    return Backend("file", str(path), path)


def load(backend: Backend, config: Config, env: Mapping[str, str], *, dry_run: bool) -> None:
    if backend.kind == "file" and backend.path is not None:
        backend.previous, warning = file_store.load(backend.path)
        if warning:
            warn(warning)
    elif backend.kind == "github-issue":
        from checker.errors import SyncError
        from checker.outputs.issues.dashboard import Dashboard
        from checker.outputs.issues.sync import store_for

        store = store_for(config, env, dry_run=dry_run, suffix="-status")
        dashboard = Dashboard(store, read_only=dry_run)
        backend.dashboard = dashboard
        backend.location = f"the status dashboard issue in {store.repository}"
        try:
            with _github_trouble_is_transient():
                backend.previous, warning = dashboard.load()
        except SyncError as exc:
            if not exc.transient:
                raise
            warn(f"{exc}; the run goes on without history and leaves the dashboard alone")
            backend.writable = False
            return
        if warning:
            warn(warning)
        if dashboard.number is not None:
            backend.location = f"issue #{dashboard.number} in {store.repository}"


def remember(backend: Backend, config: Config, report: RunReport) -> RunMemory:
    return remember_run(
        backend.kind,
        backend.previous,
        report.results,
        report.started_at,
        keep=config.state.history,
        configured=[*(c.id for c in config.checks), *config.disabled_ids],
        fingerprint=fingerprint,
        expected_every=config.state.interval(),
        location=backend.location,
    )


def with_issues(
    memory: RunMemory, drift: Mapping[str, int], unverified: Mapping[str, int]
) -> RunMemory:
    """The state with the issue numbers GitHub now has (the check's drift and cannot-verify)."""
    checks = {
        ident: replace(m, drift_issue=drift.get(ident), unverified_issue=unverified.get(ident))
        for ident, m in memory.state.checks.items()
    }
    return memory.with_state(State(memory.state.runs, checks))


def save(
    backend: Backend,
    memory: RunMemory,
    config: Config,
    report: RunReport,
    run_link: str,
) -> None:
    if not backend.writable:
        return
    if backend.kind == "file" and backend.path is not None:
        try:
            file_store.save(backend.path, memory.state)
        except OSError as exc:
            warn(f"state file {backend.path}: cannot write ({exc}); this run is not remembered")
        return
    if backend.kind != "github-issue":
        return
    from checker.outputs.issues.dashboard import Dashboard

    assert isinstance(backend.dashboard, Dashboard)
    results = {r.id: r for r in report.results}
    facts = [Fact(c.id, c.description, results.get(c.id)) for c in config.checks]

    def body(run_memory: RunMemory) -> str:
        return render_dashboard(
            facts, run_memory, run_link=run_link, expected_every=config.state.expected_every
        )

    def rebuild(theirs: State) -> str:
        replayed = remember(replace(backend, previous=theirs), config, report)
        return body(_keep_issue_numbers(replayed, memory))

    try:
        with _github_trouble_is_transient():
            backend.dashboard.save(
                rebuild, body(memory), keep_run_time=config.state.expected_every is not None
            )
    except DashboardTooLarge as exc:
        warn(f'{exc}: this run is not remembered there; use [state] backend = "file"')


def _keep_issue_numbers(replayed: RunMemory, ours: RunMemory) -> RunMemory:
    checks = {
        ident: replace(
            m,
            drift_issue=ours.state.checks[ident].drift_issue,
            unverified_issue=ours.state.checks[ident].unverified_issue,
        )
        if ident in ours.state.checks
        else m
        for ident, m in replayed.state.checks.items()
    }
    return replayed.with_state(State(replayed.state.runs, checks))


@contextmanager
def _github_trouble_is_transient() -> Iterator[None]:
    """A write whose outcome GitHub left unclear: the next run (which re-reads) finishes it."""
    from checker.errors import SyncError
    from checker.outputs.issues.github_issues import AmbiguousWrite

    try:
        yield
    except AmbiguousWrite as exc:
        raise SyncError(
            f"run memory: {exc}; the next run re-reads GitHub and finishes the job",
            transient=True,
        ) from None


def sync_memory_issues(
    memory: RunMemory,
    config: Config,
    report: RunReport,
    env: Mapping[str, str],
    held: Mapping[str, str],
    *,
    partial: bool,
) -> RunMemory:
    """After the drift sync: tell held issues, sync cannot-verify issues, note the numbers."""
    from checker.outputs.issues.holds import tell_held
    from checker.outputs.issues.sync import run_url, store_for
    from checker.outputs.issues.unverified import sync_unverified

    with _github_trouble_is_transient():
        run = RunInfo(report.started_at, run_url(env))
        remembered = memory.backend != "none"
        drift: Mapping[str, int] = {}
        if held or remembered:
            drift = tell_held(store_for(config, env, dry_run=False), report.results, held, run)
        if not remembered:  # no history: nothing can have gone unverified for days
            return memory
        unverified = sync_unverified(
            store_for(config, env, dry_run=False, suffix="-unverified"),
            memory,
            report.results,
            configured=[*(c.id for c in config.checks), *config.disabled_ids],
            days=config.issues.unverified_after,
            run=run,
            partial=partial,
        )
        return with_issues(memory, drift, unverified)
