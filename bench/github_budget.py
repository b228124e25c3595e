"""GitHub API budget: calls one steady-state issue sync makes (nothing changed since last night).

The sync is fed results built directly (the checks themselves are not what is measured): a
first sync brings the loopback GitHub to the state (N drifting checks, N open issues), then the
next night's identical results are synced again and every request it makes is counted.
Target: no write calls; listing calls grow with pages of managed issues, not with checks.
For contrast, one night that does file an issue is measured too: only such a night scans the
repository for the check's marker (an unlabelled issue of its own is re-labelled, not filed
again), and it lists again just before and just after creating (overlapping runs).
"""

from __future__ import annotations

import io
from collections import Counter
from contextlib import redirect_stderr
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from checker.engine.config import Config, parse_config
from checker.engine.model import Evidence, Result, Status, utcnow
from checker.engine.runner import RunReport
from checker.outputs.issues.sync import sync
from tests.world import World
from tests.world.github import ISSUES_REPO, TOKEN

# (configured checks, drifting with an open issue, healed: issues closed on an earlier night)
CASES = ((60, 0, 0), (60, 10, 0), (60, 50, 0), (500, 0, 0), (500, 250, 0), (60, 10, 40))
ISSUES = f"""
[issues]
repository = "{ISSUES_REPO}"
max_new = 1000
write_interval = 0
"""


@dataclass(frozen=True)
class BudgetCase:
    checks: int
    managed: int  # open
    closed: int  # managed issues closed on an earlier night (still listed: state=all)
    calls: dict[str, int]  # "GET /repos/.../issues" style keys -> count
    list_pages: int

    @property
    def writes(self) -> int:
        return sum(n for key, n in self.calls.items() if not key.startswith("GET "))

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def _config(checks: int, env: dict[str, str]) -> Config:
    text = ISSUES + "".join(
        f'\n[[check]]\nid = "fact-{n}"\ntype = "http.status"\n'
        f'description = "Documented fact number {n}"\nurl = "http://127.0.0.1:9/{n}"\n'
        for n in range(checks)
    )
    return parse_config(text, Path("checks.toml"), env)


def _report(config: Config, drifting: int, night: int) -> RunReport:
    started = utcnow() + timedelta(days=night)
    results = []
    for n, check in enumerate(config.checks):
        drift = n < drifting
        observed = {"status": 404 if drift else 200}
        results.append(
            Result(
                id=check.id,
                type=check.type,
                status=Status.DRIFT if drift else Status.OK,
                message="expected status to be one of [200], observed 404" if drift else "ok",
                description=check.description,
                expected=check.expected_json(),
                observed=observed,
                evidence=(Evidence(source=f"GET {n}", fetched_at=started, excerpt="HTTP/1.1"),),
            )
        )
    return RunReport(started_at=started, duration_s=1.0, results=tuple(results))


def _sync(config: Config, report: RunReport, env: dict[str, str]) -> None:
    with redirect_stderr(io.StringIO()):  # the sync narrates its plan on stderr
        sync(config, report, env, dry_run=False, partial=False)


def measure_case(world: World, checks: int, drifting: int, healed: int) -> BudgetCase:
    world.reset()
    env = {**world.env(), "GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": ISSUES_REPO}
    config = _config(checks, env)
    _sync(config, _report(config, drifting + healed, night=0), env)
    _sync(config, _report(config, drifting, night=1), env)  # closes the healed ones
    assert len([i for i in world.github.managed() if i["state"] == "open"]) == drifting
    before = len(world.github.requests)
    _sync(config, _report(config, drifting, night=2), env)
    steady = world.github.requests[before:]
    repo_id = world.github.repos[ISSUES_REPO]["id"]
    calls = _counted(world, steady)
    # Later pages are fetched where GitHub's Link header points: /repositories/{id}/issues.
    listing = (f"/repos/{ISSUES_REPO}/issues", f"/repositories/{repo_id}/issues")
    pages = sum(1 for r in steady if r.method == "GET" and r.path in listing)
    world.reset()
    return BudgetCase(checks, drifting, healed, dict(calls), pages)


def _counted(world: World, requests: list[Any]) -> dict[str, int]:
    repo_id = str(world.github.repos[ISSUES_REPO]["id"])
    return dict(
        Counter(
            f"{r.method} {r.path.replace(ISSUES_REPO, '{repo}').replace(repo_id, '{id}')}"
            for r in requests
        )
    )


def measure_create_night(world: World, others: int = 300) -> dict[str, int]:
    """Calls of a night where one more check (of 60, 10 with open issues) starts drifting, in
    a repository holding ``others`` unrelated issues."""
    world.reset()
    env = {**world.env(), "GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": ISSUES_REPO}
    for n in range(others):
        world.github.add_issue(ISSUES_REPO, f"someone's issue {n}", "text")
    config = _config(60, env)
    _sync(config, _report(config, 10, night=0), env)
    before = len(world.github.requests)
    _sync(config, _report(config, 11, night=1), env)
    calls = _counted(world, world.github.requests[before:])
    world.reset()
    return calls


@dataclass(frozen=True)
class BudgetResult:
    cases: list[BudgetCase]
    create_night: dict[str, int]

    @property
    def no_writes(self) -> bool:
        return all(c.writes == 0 for c in self.cases)

    @property
    def grows_with_pages(self) -> bool:
        """Every sync is one call per page of 100 managed issues (one page when there are
        none yet: the listing is also what proves the repository), whatever the number of
        checks."""
        return all(
            c.list_pages == max(1, -(-(c.managed + c.closed) // 100)) and c.total == c.list_pages
            for c in self.cases
        )

    def target_rows(self) -> list[str]:
        writes = sum(c.writes for c in self.cases)
        totals = ", ".join(
            f"{c.managed + c.closed} issues/{c.checks} checks: {c.total}" for c in self.cases
        )
        return [
            f"| GitHub API budget: no write calls at steady state | {writes} writes | "
            f"{'**holds**' if self.no_writes else '**does not hold**'} |",
            f"| GitHub API budget: list calls grow with pages, not checks | calls per sync: "
            f"{totals} | {'**holds**' if self.grows_with_pages else '**does not hold**'} |",
        ]

    def section(self) -> list[str]:
        lines = [
            "## GitHub API budget: one steady-state issue sync",
            "",
            "Real PyGithub against the loopback GitHub; results fed to the sync directly; the "
            "measured night's results equal the night before's (new run time, same "
            "observations). Closed managed issues are still listed (`state=all`: a closed issue "
            "is reopened rather than duplicated), so pages grow with the issue history. "
            "With no managed issue yet the sync still lists one (empty) page: that call is what "
            "shows the repository exists with issues enabled.",
            "",
            "| checks | open managed issues | closed managed issues | issue-list pages | "
            "total calls | writes | calls |",
            "|---|---|---|---|---|---|---|",
        ]
        for c in self.cases:
            detail = "<br>".join(f"`{k}` x{n}" for k, n in sorted(c.calls.items()))
            lines.append(
                f"| {c.checks} | {c.managed} | {c.closed} | {c.list_pages} | {c.total} | "
                f"{c.writes} | {detail} |"
            )
        detail = ", ".join(f"`{k}` x{n}" for k, n in sorted(self.create_night.items()))
        lines += [
            "",
            "A night that files one issue (60 checks, 10 open managed issues, 300 other issues "
            "in the repository): the labelled list, the marker scan (newest first, stopping "
            "once found or after 2,000 issues), the label check, a re-list just before "
            f"creating and one just after: {detail}.",
        ]
        return lines


def measure(world: World) -> BudgetResult:
    cases = [measure_case(world, *case) for case in CASES]
    return BudgetResult(cases, measure_create_night(world))
