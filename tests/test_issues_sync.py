"""Drift issues end to end: the CLI, real PyGithub, the loopback GitHub."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from checker.errors import SyncError
from checker.net.github_client import build_github
from checker.outputs.issues.github_issues import IssueStore
from checker.outputs.issues.region import key_of
from checker.outputs.issues.render import Marker, parse_marker
from tests.gfm import assert_inert
from tests.helpers import cli
from tests.world import World
from tests.world.github import ISSUES_REPO, NO_LABEL_TOKEN, READ_ONLY_TOKEN, TOKEN
from tests.world.httpfake import Request

SETTINGS = """
[settings]
timeout = 3
retries = 0
confirm_delay = 0

# Drift issues alone: run memory's dashboard has its own tests (test_memory_nights.py).
[state]
backend = "none"
"""
ISSUES = """
[issues]
repository = "jupyterhub/infra-checks"
write_interval = 0
max_rate_limit_wait = 5
"""


def check(ident: str, repository: str, extra: str = "") -> str:
    return f"""
[[check]]
id = "{ident}"
type = "github.repository"
description = "The repository {repository} exists"
doc = "shared-infrastructure.md#github"
repository = "{repository}"
{extra}
"""


DEPLOY = check("deploy-repo", "jupyterhub/mybinder.org-deploy")
HUB = check("hub-repo", "jupyterhub/jupyterhub")
ISSUES_PATH = f"/repos/{ISSUES_REPO}/issues"


class Runner:
    def __init__(self, world: World, tmp_path: Path) -> None:
        self.world = world
        self.github = world.github
        self.tmp_path = tmp_path
        self.summary = tmp_path / "summary.md"
        self.outputs: list[str] = []
        self.extra_env: dict[str, str] = {}  # what a test adds (say, GitHub Actions' variables)

    def env(self, token: str | None = TOKEN) -> dict[str, str]:
        env = {**self.world.env(), "GITHUB_STEP_SUMMARY": str(self.summary), **self.extra_env}
        if token:
            env["GITHUB_TOKEN"] = token
        return env

    def run(
        self,
        *checks: str,
        args: tuple[str, ...] = ("--open-issues",),
        issues: str = ISSUES,
        token: str | None = TOKEN,
    ) -> tuple[int, str, str]:
        path = self.tmp_path / "checks.toml"
        path.write_text(SETTINGS + issues + "".join(checks), encoding="utf-8")
        code, out, err = cli(["run", "-c", str(path), *args], self.env(token))
        self.outputs += [out, err]
        return code, out, err

    def writes_during(self, *checks: str, **kw: object) -> int:
        before = self.github.writes()
        self.run(*checks, **kw)  # type: ignore[arg-type]
        return self.github.writes() - before

    def exact(self, method: str, path: str) -> int:
        return sum(1 for r in self.github.requests if r.method == method and r.path == path)

    def managed(self) -> list[dict[str, object]]:
        return self.github.managed()


@pytest.fixture
def gh(world: World, tmp_path: Path) -> Runner:
    return Runner(world, tmp_path)


def test_no_drift_no_issues_costs_a_handful_of_calls(gh: Runner) -> None:
    gh.github.add_issue(ISSUES_REPO, "unrelated", "hello", ("infra-drift",))  # label exists
    code, _, _ = gh.run(DEPLOY, HUB)
    assert code == 0
    sync_calls = [r for r in gh.github.requests if not r.path.startswith("/repos/jupyterhub/m")]
    sync_calls = [r for r in sync_calls if r.path.startswith(f"/repos/{ISSUES_REPO}")]
    assert [r.method for r in sync_calls] == ["GET"]  # one page of issues, nothing else
    assert gh.github.writes() == 0


def test_a_missing_repository_is_an_error_even_on_a_quiet_night(gh: Runner) -> None:
    # Nothing drifts, so nothing would be written: the listing still proves the repository.
    code, _, err = gh.run(DEPLOY, issues=ISSUES.replace("infra-checks", "no-such-repo"))
    assert code == 2
    assert "jupyterhub/no-such-repo" in err and "not found" in err and "Traceback" not in err


def test_an_auditors_bundle_is_written_even_when_the_sync_is_refused(gh: Runner) -> None:
    bundle = gh.tmp_path / "evidence"
    args = ("--open-issues", "--evidence", str(bundle))
    code, _, err = gh.run(DEPLOY, args=args, issues=ISSUES.replace("infra-checks", "nope"))
    assert code == 2 and "not found" in err
    assert (bundle / "manifest.json").is_file() and (bundle / "report.json").is_file()


def test_the_label_is_matched_case_insensitively_as_github_does(gh: Runner) -> None:
    gh.github.add_issue(ISSUES_REPO, "unrelated", "hello", ("Infra-Drift",))
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    code, _, err = gh.run(DEPLOY)
    assert code == 1, err
    _unrelated, issue = gh.managed()
    assert [lb["name"] for lb in issue["labels"]] == ["Infra-Drift"]  # type: ignore[attr-defined]
    assert gh.exact("POST", f"/repos/{ISSUES_REPO}/labels") == 0
    assert not [r for r in gh.github.requests if r.method == "PATCH"]  # no relabelling dance


def test_a_label_github_would_refuse_is_a_config_error(gh: Runner) -> None:
    code, _, err = gh.run(DEPLOY, issues=ISSUES + f'labels = ["{"x" * 51}"]\n')
    assert code == 2
    assert "[issues]" in err and "labels" in err and "50 characters" in err


def test_lifecycle_step_by_step(gh: Runner) -> None:
    archived = check(
        "deploy-repo",
        "jupyterhub/mybinder.org-deploy",
        "expect = { archived = { equals = false } }",
    )
    # 1. drift, no issue: one is created, with the label made first.
    gh.github.repos["jupyterhub/mybinder.org-deploy"]["archived"] = True
    code, _, err = gh.run(archived)
    assert code == 1
    [issue] = gh.managed()
    assert issue["title"] == "Drift: The repository jupyterhub/mybinder.org-deploy exists"
    marker = parse_marker(str(issue["body"]))
    assert marker is not None and marker.check_id == "deploy-repo"
    label = gh.github.labels[ISSUES_REPO]["infra-drift"]
    assert label["color"] == "d93f0b" and label["description"]
    assert "done create #1 [deploy-repo]" in err
    issue_link = f"[{ISSUES_REPO}#1](<https://github.com/{ISSUES_REPO}/issues/1>)"
    assert f"- done **create** {issue_link} `deploy-repo`" in gh.summary.read_text()
    assert "`shared-infrastructure.md#github`" in str(issue["body"])

    # 2. identical rerun: not one write.
    assert gh.writes_during(archived) == 0

    # 3. the observation changes (now deleted): body updated, one comment.
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    gh.run(archived)
    [issue] = gh.managed()
    new_marker = parse_marker(str(issue["body"]))
    assert new_marker is not None and new_marker.fingerprint != marker.fingerprint
    assert new_marker.first_seen == marker.first_seen
    assert len(gh.github.comments_on(1)) == 1
    assert gh.writes_during(archived) == 0

    # 4. fixed: comment what was seen, close as completed.
    gh.github.add_repository("jupyterhub/mybinder.org-deploy")
    code, _, _ = gh.run(archived)
    assert code == 0
    [issue] = gh.managed()
    assert issue["state"] == "closed" and issue["state_reason"] == "completed"
    assert "holds again" in gh.github.comments_on(1)[-1]
    assert gh.writes_during(archived) == 0  # ok and closed: nothing to do

    # 5. drift again: the same issue is reopened with a comment, no new one.
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    gh.run(archived)
    [issue] = gh.managed()
    assert issue["state"] == "open" and issue["number"] == 1
    assert "drift is back" in gh.github.comments_on(1)[-1]
    assert gh.writes_during(archived) == 0


def test_an_update_comment_says_what_moved_from_what_to_what(gh: Runner) -> None:
    branch = check(
        "deploy-repo",
        "jupyterhub/mybinder.org-deploy",
        'expect = { default_branch = { equals = "main" }, archived = { equals = false } }',
    )
    repo = gh.github.repos["jupyterhub/mybinder.org-deploy"]
    repo["default_branch"] = "master"
    gh.run(branch)
    repo["default_branch"] = "trunk"
    gh.run(branch)
    [update] = gh.github.comments_on(1)
    shown = assert_inert(update, comments=1)  # its hidden key
    cells = re.findall(r"<td>(.*?)</td>", shown.html)
    assert cells[:4] == [
        "<code>default_branch</code>",
        "equals <code>main</code>",
        "<code>master</code>",
        "<code>trunk</code>",
    ]
    assert "<code>archived</code>" not in shown.html  # unchanged fields are not repeated
    assert "Observed before" in shown.html and "Evidence" not in shown.html


def test_a_drift_issue_links_its_anchor_to_the_document_at_the_commit_that_ran(
    gh: Runner,
) -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    (gh.tmp_path / "docs").mkdir()
    (gh.tmp_path / "docs" / "shared.md").write_text(
        "## GitHub\n\nThe deploy repository is jupyterhub/mybinder.org-deploy.\n", "utf-8"
    )
    bound = check(
        "deploy-repo",
        "jupyterhub/mybinder.org-deploy",
        'expect.default_branch = "main"\nquote = "The deploy repository is '
        'jupyterhub/mybinder.org-deploy."',
    ).replace('doc = "shared-infrastructure.md#github"', 'doc = "#github"')
    gh.github.repos["jupyterhub/mybinder.org-deploy"]["default_branch"] = "master"
    gh.extra_env = {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "jupyterhub/infra-checks",
        "GITHUB_SHA": sha,
        "GITHUB_WORKSPACE": str(gh.tmp_path),
    }
    gh.run(bound, issues='[document]\npath = "docs/shared.md"\n' + ISSUES)
    [issue] = gh.managed()
    shown = assert_inert(str(issue["body"]), comments=3)  # marker, snapshot, end
    page = f"https://github.com/jupyterhub/infra-checks/blob/{sha}/docs/shared.md#github"
    assert page in shown.hrefs


def test_error_touches_nothing(gh: Runner) -> None:
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    gh.run(DEPLOY)
    gh.github.add_repository("jupyterhub/mybinder.org-deploy")
    gh.github.inject("status", path_prefix="/repos/jupyterhub/mybinder.org-deploy", status=502)
    before = gh.github.writes()
    code, _, _ = gh.run(DEPLOY)
    assert code == 3
    assert gh.github.writes() == before
    assert gh.managed()[0]["state"] == "open"


def test_existing_issue_on_page_three_is_found(gh: Runner) -> None:
    marker = Marker("deploy-repo", "0" * 16, "2026-01-01T00:00:00Z").render()
    gh.github.add_issue(ISSUES_REPO, "Renamed by a person", marker + "\nold", ("infra-drift",))
    for n in range(250):
        other = Marker(f"old-check-{n}", "0" * 16, "2026-01-01T00:00:00Z").render()
        gh.github.add_issue(ISSUES_REPO, f"old {n}", other, ("infra-drift",), state="closed")
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    gh.run(DEPLOY)
    by_id = f"/repositories/{gh.github.repos[ISSUES_REPO]['id']}/issues"
    listed = [r for r in gh.github.requests if r.path in (ISSUES_PATH, by_id)]
    # GitHub's Link header names the repository by id: the later pages are fetched there.
    assert [(r.path, r.query.get("page", "1")) for r in listed] == [
        (ISSUES_PATH, "1"),
        (by_id, "2"),
        (by_id, "3"),
    ]
    assert gh.exact("POST", ISSUES_PATH) == 0  # no duplicate filed
    first = gh.github.issues[ISSUES_REPO][0]
    assert first["title"] == "Renamed by a person"  # people own titles
    assert "expected exists to equal true" in first["body"]


def test_pull_requests_are_ignored(gh: Runner) -> None:
    marker = Marker("deploy-repo", "0" * 16, "2026-01-01T00:00:00Z").render()
    pr = gh.github.add_issue(ISSUES_REPO, "a PR", marker, ("infra-drift",), pull_request=True)
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    gh.run(DEPLOY)
    assert [i["number"] for i in gh.managed()] == [2]
    assert gh.exact("PATCH", f"{ISSUES_PATH}/{pr['number']}") == 0
    assert gh.github.count("GET", f"{ISSUES_PATH}/") == 0  # no per-item refetch


@pytest.mark.parametrize("applied", [True, False])
def test_502_on_create_leaves_exactly_one_issue(gh: Runner, applied: bool) -> None:
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    gh.github.fail_next("POST", ISSUES_PATH, status=502, after=applied)
    code, _, err = gh.run(DEPLOY)
    assert code == 1, err
    assert len(gh.managed()) == 1
    assert gh.exact("POST", ISSUES_PATH) == (1 if applied else 2)
    assert gh.writes_during(DEPLOY) == 0


def test_removed_check_issue_is_closed_unless_partial(gh: Runner) -> None:
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    gh.run(DEPLOY, HUB)
    assert gh.managed()[0]["state"] == "open"
    assert gh.writes_during(HUB, args=("--open-issues", "--only", "hub-repo")) == 0
    gh.run(HUB)
    [issue] = gh.managed()
    assert issue["state"] == "closed" and issue["state_reason"] == "not_planned"
    assert "no longer in checks.toml" in gh.github.comments_on(1)[-1]


def test_a_disabled_check_keeps_its_issue_as_it_is(gh: Runner) -> None:
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    gh.run(DEPLOY, HUB)
    # Switched off, not fixed: nobody has looked, so the issue stays open and untouched.
    assert gh.writes_during(DEPLOY + "enabled = false\n", HUB) == 0
    assert gh.managed()[0]["state"] == "open"


def test_cap_on_new_issues(gh: Runner) -> None:
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    gh.github.delete_repository("jupyterhub/jupyterhub")
    code, _, err = gh.run(DEPLOY, HUB, issues=ISSUES + "max_new = 1\n")
    assert code == 1
    assert len(gh.managed()) == 1
    assert "No new issue this run for 1 more drifting check (at most 1 new issue per run)" in err
    assert "hub-repo" in gh.summary.read_text()
    gh.run(DEPLOY, HUB, issues=ISSUES + "max_new = 1\n")
    assert len(gh.managed()) == 2  # the next run catches up


def test_dry_run_writes_nothing_and_needs_no_token(gh: Runner) -> None:
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    code, out, err = gh.run(DEPLOY, args=("--dry-run", "--format", "json"), token=None)
    assert code == 1
    json.loads(out)  # stdout is still the JSON report
    assert "planned create [deploy-repo] Drift: The repository" in err
    assert gh.github.writes() == 0
    summary = gh.summary.read_text()
    assert "dry run: nothing written" in summary and "create" in summary


def test_no_token_is_exit_2_naming_the_permission(gh: Runner) -> None:
    code, _, err = gh.run(DEPLOY, token=None)
    assert code == 2
    assert "GITHUB_TOKEN" in err and "issues: write" in err
    assert "Traceback" not in err
    assert gh.github.requests == []  # failed before any check ran


def test_read_only_token_is_a_clear_error(gh: Runner) -> None:
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    code, _, err = gh.run(DEPLOY, token=READ_ONLY_TOKEN)
    assert code == 2
    assert "issues: write" in err and "Traceback" not in err
    assert READ_ONLY_TOKEN not in err


def test_a_token_whose_labels_are_dropped_is_an_error_not_a_duplicate_factory(gh: Runner) -> None:
    # Case 3: GitHub silently drops labels set without push access, on create and on update.
    gh.github.labels[ISSUES_REPO]["infra-drift"] = {"name": "infra-drift", "color": "d93f0b"}
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    for _night in range(3):
        code, _, err = gh.run(DEPLOY, token=NO_LABEL_TOKEN)
        assert code == 2
        assert "dropped the label" in err and "triage access" in err and "Traceback" not in err
    assert gh.exact("POST", ISSUES_PATH) == 1  # found by its marker every later night
    [issue] = gh.github.issues[ISSUES_REPO]
    assert issue["labels"] == [] and issue["state"] == "open"
    # Once the token may label, the same issue gets its label back; nothing is filed.
    code, _, err = gh.run(DEPLOY)
    assert code == 1, err
    assert [i["number"] for i in gh.managed()] == [1]
    assert gh.exact("POST", ISSUES_PATH) == 1


def test_writes_are_spaced(gh: Runner) -> None:
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    gh.github.delete_repository("jupyterhub/jupyterhub")
    started = time.monotonic()
    gh.run(DEPLOY, HUB, issues=ISSUES.replace("write_interval = 0", "write_interval = 0.4"))
    writes = [r for r in gh.github.requests if r.method == "POST"]
    assert len(writes) == 3  # the label, two issues
    assert time.monotonic() - started >= 0.8


def test_json_report_stays_valid_while_syncing(gh: Runner) -> None:
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    code, out, err = gh.run(DEPLOY, args=("--open-issues", "--format", "json"))
    assert code == 1
    assert json.loads(out)["summary"]["drift"] == 1
    assert "create #1 [deploy-repo]" in err


def test_repository_comes_from_github_repository_when_not_configured(gh: Runner) -> None:
    code, _, err = gh.run(DEPLOY, issues="[issues]\nwrite_interval = 0\n")
    assert code == 2 and "needs a repository" in err
    gh.world.github.delete_repository("jupyterhub/mybinder.org-deploy")
    path = gh.tmp_path / "checks.toml"
    env = {**gh.env(), "GITHUB_REPOSITORY": ISSUES_REPO}
    code, _, err = cli(["run", "-c", str(path), "--open-issues"], env)
    assert code == 1, err
    assert len(gh.managed()) == 1


def test_issues_disabled_is_a_clear_error(gh: Runner) -> None:
    issues = ISSUES.replace("infra-checks", "no-issues")
    gh.github.add_issue("jupyterhub/no-issues", "x", "y", ("infra-drift",))
    code, _, err = gh.run(DEPLOY, issues=issues)
    assert code == 2
    assert "issues disabled" in err and "Traceback" not in err


def test_secondary_rate_limit_is_waited_out_within_budget(gh: Runner) -> None:
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    gh.github.secondary_limit("POST", ISSUES_PATH, retry_after=1)
    code, _, _ = gh.run(DEPLOY)
    assert code == 1
    assert len(gh.managed()) == 1
    assert gh.exact("POST", ISSUES_PATH) == 2


def test_garbage_from_github_during_sync_is_a_clean_error(gh: Runner) -> None:
    gh.github.add_issue(ISSUES_REPO, "unrelated", "hello", ("infra-drift",))
    gh.github.inject("truncated_json", path_prefix=ISSUES_PATH)
    code, _, err = gh.run(DEPLOY)
    assert code == 3  # GitHub's passing trouble: an error of the run, not a config problem
    assert "not valid JSON" in err and "Traceback" not in err
    assert gh.exact("GET", ISSUES_PATH) == 3  # a read is retried, boundedly
    gh.github.inject("truncated_json", path_prefix=ISSUES_PATH)
    code, _, _ = gh.run(DEPLOY, args=("--open-issues", "--fail-on", "drift"))
    assert code == 0  # judged like a check's error, so --fail-on applies


def test_rate_limit_beyond_budget_stops_cleanly(gh: Runner) -> None:
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    gh.github.secondary_limit("POST", ISSUES_PATH, retry_after=120)
    code, _, err = gh.run(DEPLOY)
    assert code == 1  # the drift is still the run's verdict
    assert "rate limit" in err and "next run" in err
    assert gh.managed() == []


def test_duplicate_markers_are_healed(gh: Runner) -> None:
    marker = Marker("deploy-repo", "0" * 16, "2026-01-01T00:00:00Z").render()
    for _ in range(2):
        gh.github.add_issue(ISSUES_REPO, "copy", marker, ("infra-drift",))
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    gh.run(DEPLOY)
    states = [i["state"] for i in gh.managed()]
    assert states == ["open", "closed"]
    assert "Duplicate of #1" in gh.github.comments_on(2)[0]


def test_token_never_appears_in_any_output(gh: Runner) -> None:
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    gh.run(DEPLOY, args=("--open-issues", "--format", "json"))
    gh.run(DEPLOY, args=("--open-issues", "--format", "markdown"))
    gh.github.fail_next("POST", ISSUES_PATH, status=500, times=5)
    gh.github.add_repository("jupyterhub/mybinder.org-deploy")
    gh.run(DEPLOY, HUB)
    wrong = "ghs_wrongTokenThatMustNotLeak0123456789"
    gh.run(DEPLOY, token=wrong)
    texts = [*gh.outputs, gh.summary.read_text()]
    for issue in gh.github.issues[ISSUES_REPO]:
        texts += [str(issue["body"]), *gh.github.comments_on(int(issue["number"]))]
    for secret in (TOKEN, wrong):
        assert not any(secret in text for text in texts)


def test_hostile_outside_text_renders_safely(gh: Runner) -> None:
    hostile = (
        "@octocat see #1 and GH-2 ``` </details> <script>alert(1)</script> "
        "<!-- infra-checker:check-id=hub-repo fingerprint=0000000000000000 "
        "first-seen=2026-01-01T00:00:00Z --> \u202eevil\x00 " + "x" * 200_000
    )
    gh.github.repos["jupyterhub/mybinder.org-deploy"]["default_branch"] = hostile
    gh.run(check("deploy-repo", "jupyterhub/mybinder.org-deploy", 'expect.default_branch = "main"'))
    [issue] = gh.managed()
    body = str(issue["body"])
    assert_inert(body, comments=2)  # the region's two marker lines (too large for a snapshot)
    found = parse_marker(body)
    assert found is not None and found.check_id == "deploy-repo"
    assert "to keep this under" in body


CRASH_CHECKS = (
    check("a-repo", "jupyterhub/gone-a"),  # drift, no issue: create
    check("b-repo", "jupyterhub/gone-b"),  # drift, closed issue: reopen + comment
    check("c-repo", "jupyterhub/jupyterhub"),  # ok, open issue: comment + close
)


def _crash_world(gh: Runner) -> None:
    def add(ident: str, state: str) -> None:
        marker = Marker(ident, "0" * 16, "2026-01-01T00:00:00Z").render()
        gh.github.add_issue(ISSUES_REPO, ident, marker, ("infra-drift",), state=state)

    add("b-repo", "closed")
    add("c-repo", "open")
    add("d-repo", "open")  # no longer configured: comment + close


def test_a_run_killed_after_any_write_is_healed_by_the_next(gh: Runner) -> None:
    # 7 writes: create, reopen (PATCH + comment), close (comment + PATCH) twice.
    for kill_after in range(8):
        gh.world.reset()
        _crash_world(gh)
        gh.github.cut_writes_after(kill_after)
        gh.run(*CRASH_CHECKS)
        gh.github.write_budget = None
        code, _, err = gh.run(*CRASH_CHECKS)
        assert code == 1, err
        by_id: dict[str, list[str]] = {}
        for issue in gh.managed():
            found = parse_marker(str(issue["body"]))
            assert found is not None
            by_id.setdefault(found.check_id, []).append(str(issue["state"]))
        assert by_id == {
            "a-repo": ["open"],
            "b-repo": ["open"],
            "c-repo": ["closed"],
            "d-repo": ["closed"],
        }, kill_after
        assert gh.writes_during(*CRASH_CHECKS) == 0, kill_after
        for filed in gh.github.issues[ISSUES_REPO]:  # no step is announced twice
            keys = [key_of(c) for c in gh.github.comments_on(int(filed["number"]))]
            assert len(keys) == len(set(keys)), (kill_after, keys)


# --- what people and GitHub do to issues (issue #13) -------------------------------------------
ARCHIVED = check(
    "deploy-repo", "jupyterhub/mybinder.org-deploy", "expect = { archived = { equals = false } }"
)
DEPLOY_REPO = "jupyterhub/mybinder.org-deploy"


def _drifting_deploy(gh: Runner) -> dict[str, object]:
    """Night one: the deploy repository is archived (drift), and its issue #1 is filed."""
    gh.github.repos[DEPLOY_REPO]["archived"] = True
    code, _, err = gh.run(ARCHIVED)
    assert code == 1, err
    return gh.github.issue(1)


def test_1_a_locked_issue_is_closed_without_its_comment_and_the_plan_goes_on(gh: Runner) -> None:
    _drifting_deploy(gh)
    gh.github.lock_issue(1)
    gh.github.repos[DEPLOY_REPO]["archived"] = False  # fixed
    gh.github.delete_repository("jupyterhub/jupyterhub")  # another check drifts
    code, _, err = gh.run(ARCHIVED, HUB)
    assert code == 1, err  # the drift's verdict: the lock is no failure of the sync
    assert gh.github.issue(1)["state"] == "closed"
    assert gh.github.issue(1)["state_reason"] == "completed"
    assert gh.github.comments_on(1) == []
    assert gh.exact("POST", f"{ISSUES_PATH}/1/comments") == 0  # listed locked: not even tried
    assert "warning: issue #1 is locked" in err and "issues: write" not in err
    assert "warning: `issue" in gh.summary.read_text() and "is locked" in gh.summary.read_text()
    [hub] = [i for i in gh.managed() if i["number"] == 2]
    assert hub["state"] == "open"


def test_1_an_issue_locked_after_the_listing_still_gets_its_update(gh: Runner) -> None:
    _drifting_deploy(gh)
    gh.github.delete_repository(DEPLOY_REPO)  # observed differently: update + comment
    gh.github.before("POST", f"{ISSUES_PATH}/1/comments", lambda _: gh.github.lock_issue(1))
    code, _, err = gh.run(ARCHIVED)
    assert code == 1, err
    assert "expected exists to equal true" in str(gh.github.issue(1)["body"])
    assert gh.github.comments_on(1) == []  # GitHub said 403 locked
    assert "issue #1 is locked" in err and "Traceback" not in err


def test_2_one_refused_action_does_not_keep_the_others_from_running(gh: Runner) -> None:
    _drifting_deploy(gh)
    gh.github.delete_repository(DEPLOY_REPO)  # an update is planned: GitHub refuses it
    gh.github.fail_next(
        "PATCH",
        f"{ISSUES_PATH}/1",
        status=422,
        message="Validation Failed",
        errors=[
            {
                "resource": "Issue",
                "code": "custom",
                "field": "body",
                "message": "body is too long (maximum is 65536 characters)",
            }
        ],
    )
    gh.github.delete_repository("jupyterhub/jupyterhub")
    code, _, err = gh.run(ARCHIVED, HUB)
    assert code == 2  # a request GitHub refuses: a person must look
    assert "FAILED update #1" in err
    assert '"Validation Failed" (body is too long (maximum is 65536 characters)), HTTP 422' in err
    assert "see https://docs.github.com/rest" in err  # GitHub's documentation_url
    assert [i["number"] for i in gh.managed()] == [1, 2]  # hub-repo got its issue all the same
    assert "done create #2 [hub-repo]" in err


def test_2_a_persons_long_notes_shrink_the_tools_description_not_theirs(gh: Runner) -> None:
    _drifting_deploy(gh)
    issue = gh.github.issue(1)
    notes = "\nA person's notes: " + "n" * 59_000
    issue["body"] = str(issue["body"]) + notes
    gh.github.delete_repository(DEPLOY_REPO)
    code, _, err = gh.run(ARCHIVED)
    assert code == 1, err
    body = str(gh.github.issue(1)["body"])
    assert body.endswith(notes) and len(body) < 65_536
    assert "does not fit next to the text around it" in body
    found = parse_marker(body)
    assert found is not None and found.check_id == "deploy-repo"
    assert gh.writes_during(ARCHIVED) == 0


@pytest.mark.parametrize("token", [TOKEN, NO_LABEL_TOKEN])
def test_3_a_create_whose_answer_was_lost_is_found_by_marker_not_label(
    gh: Runner, token: str
) -> None:
    gh.github.labels[ISSUES_REPO]["infra-drift"] = {"name": "infra-drift", "color": "d93f0b"}
    gh.github.delete_repository(DEPLOY_REPO)
    gh.github.fail_next("POST", ISSUES_PATH, status=502, after=True)
    gh.run(DEPLOY, token=token)
    assert gh.exact("POST", ISSUES_PATH) == 1 and len(gh.github.issues[ISSUES_REPO]) == 1


def test_3_a_create_whose_label_was_dropped_is_found_by_its_marker(gh: Runner) -> None:
    # Killed between a create that lost its label and our own label PATCH.
    gh.github.labels[ISSUES_REPO]["infra-drift"] = {"name": "infra-drift", "color": "d93f0b"}
    gh.github.delete_repository(DEPLOY_REPO)
    gh.github.cut_writes_after(1)
    gh.run(DEPLOY, token=NO_LABEL_TOKEN)
    gh.github.write_budget = None
    assert gh.github.issue(1)["labels"] == []
    code, _, err = gh.run(DEPLOY)
    assert code == 1, err
    assert [i["number"] for i in gh.managed()] == [1]  # labelled again, not filed again
    assert gh.exact("POST", ISSUES_PATH) == 1
    assert "done relabel #1 [deploy-repo]" in err
    assert gh.writes_during(DEPLOY) == 0


def test_4_a_removed_label_is_put_back_and_that_issue_is_the_one_closed(gh: Runner) -> None:
    _drifting_deploy(gh)
    gh.github.add_issue(ISSUES_REPO, "someone else's", "hi", ("bug",))
    gh.github.issue(1)["labels"] = [gh.github.labels[ISSUES_REPO]["bug"]]  # ours removed
    gh.run(ARCHIVED)
    assert gh.exact("POST", ISSUES_PATH) == 1
    names = [lb["name"] for lb in gh.github.issue(1)["labels"]]  # type: ignore[union-attr]
    assert names == ["bug", "infra-drift"]  # the person's labels are kept
    assert gh.writes_during(ARCHIVED) == 0  # a steady night again: one list call
    gh.github.repos[DEPLOY_REPO]["archived"] = False
    gh.github.issue(1)["labels"] = []  # removed again, then the fact holds
    gh.run(ARCHIVED)
    # No scan on a night that files nothing: the unlabelled issue is out of sight, and stays
    # open until a night that would file it again finds it. Documented; the drift is fixed.
    assert gh.exact("POST", ISSUES_PATH) == 1


def test_4_a_removed_label_does_not_leave_the_original_open_forever(gh: Runner) -> None:
    _drifting_deploy(gh)
    gh.github.issue(1)["labels"] = []
    gh.github.delete_repository(DEPLOY_REPO)  # the drift goes on, seen differently
    gh.run(ARCHIVED)
    gh.github.add_repository(DEPLOY_REPO)  # fixed
    code, _, err = gh.run(ARCHIVED)
    assert code == 0, err
    [issue] = gh.github.issues[ISSUES_REPO]
    assert issue["state"] == "closed" and issue["state_reason"] == "completed"


def test_4_deleting_the_marker_line_detaches_an_issue_for_good(gh: Runner) -> None:
    issue = _drifting_deploy(gh)
    body = str(issue["body"])
    assert "delete the hidden first line" in body  # the footer says how
    issue["body"] = body.split("\n", 1)[1]
    gh.github.delete_repository(DEPLOY_REPO)
    gh.run(ARCHIVED)
    assert gh.exact("PATCH", f"{ISSUES_PATH}/1") == 0  # never touched again
    assert gh.github.comments_on(1) == []
    assert [i["number"] for i in gh.managed() if parse_marker(str(i["body"]))] == [2]


def test_5_a_persons_not_planned_close_is_respected(gh: Runner) -> None:
    issue = _drifting_deploy(gh)
    issue.update(state="closed", state_reason="not_planned")
    for _night in range(3):
        assert gh.writes_during(ARCHIVED) == 0
    assert gh.github.issue(1)["state"] == "closed"
    gh.github.delete_repository(DEPLOY_REPO)  # what is observed changes
    gh.run(ARCHIVED)
    issue = gh.github.issue(1)
    assert issue["state"] == "open" and issue["state_reason"] == "reopened"
    [comment] = gh.github.comments_on(1)
    assert "closed as not planned" in comment and "changed" in comment
    assert gh.writes_during(ARCHIVED) == 0


def test_5_the_tools_own_closes_say_why(gh: Runner) -> None:
    _drifting_deploy(gh)
    gh.run(HUB)  # the check is gone from checks.toml
    assert gh.github.issue(1)["state_reason"] == "not_planned"
    gh.run(ARCHIVED)  # back, drifting as before: tracked again, since it was the tool's close
    assert gh.github.issue(1)["state"] == "open"
    gh.github.repos[DEPLOY_REPO]["archived"] = False
    gh.run(ARCHIVED)
    assert gh.github.issue(1)["state_reason"] == "completed"
    patches = [r.json() for r in gh.github.requests if r.method == "PATCH"]
    closes = [p for p in patches if p.get("state") == "closed"]
    assert [p["state_reason"] for p in closes] == ["not_planned", "completed"]
    assert [p["state_reason"] for p in patches if p.get("state") == "open"] == ["reopened"]


def test_6_a_persons_text_outside_the_tools_region_survives(gh: Runner) -> None:
    issue = _drifting_deploy(gh)
    above, below = "Owner: the infra team. Tracking in the ops board.\n\n", "\n\nNotes: ok'd"
    issue["body"] = above + str(issue["body"]) + below
    gh.github.delete_repository(DEPLOY_REPO)
    gh.run(ARCHIVED)
    body = str(gh.github.issue(1)["body"])
    assert body.startswith(above + "<!-- infra-checker:check-id=deploy-repo ")
    assert body.endswith("<!-- infra-checker:end -->\n" + below)
    assert "expected exists to equal true" in body
    assert body.count("<!-- infra-checker:check-id=") == 1 and body.count("infra-checker:end") == 1


def test_7_a_deleted_issue_is_not_issues_disabled(gh: Runner) -> None:
    _drifting_deploy(gh)
    gh.github.delete_repository(DEPLOY_REPO)  # update planned...
    gh.github.before("PATCH", f"{ISSUES_PATH}/1", lambda _: gh.github.delete_issue(1))
    code, _, err = gh.run(ARCHIVED)  # ...and the issue deleted under our feet
    assert code == 1  # passing trouble, with the drift as the verdict
    assert '"This issue was deleted", HTTP 410' in err and "was deleted after it was listed" in err
    assert "disabled" not in err and "enable issues" not in err
    code, _, err = gh.run(ARCHIVED)  # the next run files the drift anew
    assert code == 1, err
    assert [i["number"] for i in gh.managed() if not i.get("_deleted")] == [2]


def test_7_closing_an_issue_deleted_meanwhile_is_done(gh: Runner) -> None:
    _drifting_deploy(gh)
    gh.github.repos[DEPLOY_REPO]["archived"] = False
    gh.github.before("POST", f"{ISSUES_PATH}/1/comments", lambda _: gh.github.delete_issue(1))
    code, _, err = gh.run(ARCHIVED)
    assert code == 0, err
    assert "warning: issue #1 was deleted" in err


def test_7_closing_a_locked_issue_deleted_meanwhile_is_done(gh: Runner) -> None:
    _drifting_deploy(gh)
    gh.github.lock_issue(1)
    gh.github.repos[DEPLOY_REPO]["archived"] = False
    gh.github.before("PATCH", f"{ISSUES_PATH}/1", lambda _: gh.github.delete_issue(1))
    code, _, err = gh.run(ARCHIVED)
    assert code == 0, err
    assert "warning: issue #1 was deleted" in err


def test_7_issues_disabled_says_so(gh: Runner) -> None:
    code, _, err = gh.run(DEPLOY, issues=ISSUES.replace("infra-checks", "no-issues"))
    assert code == 2
    assert '"Issues are disabled for this repo", HTTP 410' in err and "enable issues" in err


def test_8_an_archived_repository_is_not_a_permission_problem(gh: Runner) -> None:
    _drifting_deploy(gh)
    gh.github.archive_repository(ISSUES_REPO)
    gh.github.delete_repository(DEPLOY_REPO)
    gh.github.delete_repository("jupyterhub/jupyterhub")
    code, _, err = gh.run(ARCHIVED, HUB)
    assert code == 2
    assert '"Repository was archived so is read-only.", HTTP 403' in err
    assert "unarchive it" in err and "issues: write" not in err
    assert gh.github.writes() == 2 + 1  # night one's label + issue; then one refused write
    assert "skipped create [hub-repo]" in err  # not tried: every write would be refused


def test_8_a_token_without_permission_gets_the_permission_hint(gh: Runner) -> None:
    gh.github.delete_repository(DEPLOY_REPO)
    code, _, err = gh.run(DEPLOY, token=READ_ONLY_TOKEN)
    assert code == 2
    assert '"Resource not accessible by integration", HTTP 403' in err and "issues: write" in err


def _same_body_by_another_run(gh: Runner) -> object:
    def file(request: Request) -> None:
        data = request.json()
        gh.github.add_issue(ISSUES_REPO, data["title"], data["body"], ("infra-drift",))

    return file


def test_9_an_overlapping_run_that_filed_first_is_seen_by_the_relisting(gh: Runner) -> None:
    gh.github.delete_repository(DEPLOY_REPO)
    marker = Marker("deploy-repo", "0" * 16, "2026-01-01T00:00:00Z").render()

    def other_run(_: Request) -> None:
        gh.github.add_issue(ISSUES_REPO, "by the other run", marker, ("infra-drift",))

    # Our run lists (labelled), scans (all), checks the label, then lists again before creating.
    gh.github.before("GET", ISSUES_PATH, other_run, skip=2)
    code, _, err = gh.run(DEPLOY)
    assert code == 1, err
    assert gh.exact("POST", ISSUES_PATH) == 0
    assert "skipped create #1 [deploy-repo]" in err and "by another run" in err
    assert len(gh.managed()) == 1


def test_9_a_duplicate_that_slipped_through_is_closed_at_once(gh: Runner) -> None:
    gh.github.delete_repository(DEPLOY_REPO)
    gh.github.before("POST", ISSUES_PATH, _same_body_by_another_run(gh))  # type: ignore[arg-type]
    code, _, err = gh.run(DEPLOY)
    assert code == 1, err
    first, ours = gh.managed()
    assert first["state"] == "open"
    assert ours["state"] == "closed" and ours["state_reason"] == "not_planned"
    assert "Duplicate of #1" in gh.github.comments_on(2)[-1]
    assert gh.writes_during(DEPLOY) == 0


def test_10_a_closing_comment_is_not_posted_twice_after_a_crash(gh: Runner) -> None:
    _drifting_deploy(gh)
    gh.github.repos[DEPLOY_REPO]["archived"] = False
    gh.github.cut_writes_after(0)  # the comment lands, then the run dies
    gh.run(ARCHIVED)
    gh.github.write_budget = None
    assert gh.github.issue(1)["state"] == "open" and len(gh.github.comments_on(1)) == 1
    code, _, err = gh.run(ARCHIVED)  # a later run, a new start time, the same step
    assert code == 0, err
    assert gh.github.issue(1)["state"] == "closed"
    assert len(gh.github.comments_on(1)) == 1
    assert gh.github.count("GET", f"{ISSUES_PATH}/1/comments") == 1  # one look, per_page=1


def test_11_a_persistent_secondary_limit_backs_off_exponentially_with_jitter(
    world: World,
) -> None:
    github = world.github
    for _ in range(3):
        github.secondary_limit("GET", ISSUES_PATH, retry_after=1)
    sleeps: list[float] = []
    store = IssueStore(
        build_github(github.url, TOKEN, timeout=3),
        ISSUES_REPO,
        "infra-drift",
        max_rate_limit_wait=20,
        sleep=sleeps.append,
        jitter=lambda low, high: high,  # the most jitter allowed
    )
    assert store.list_managed() == []
    assert sleeps == [1.0, 2.5, 5.0]  # as asked, then doubled each time, plus up to a quarter
    for _ in range(4):
        github.secondary_limit("GET", ISSUES_PATH, retry_after=1)
    store.waited, sleeps[:] = 0.0, []
    store.max_rate_limit_wait = 5
    with pytest.raises(SyncError, match="beyond the 5 s allowed"):
        store.list_managed()
    assert sleeps == [1.0, 2.5]  # the next wait (5 s more) would pass the budget


def test_11_jitter_never_waits_less_than_github_asks(world: World) -> None:
    github = world.github
    for _ in range(2):
        github.secondary_limit("GET", ISSUES_PATH, retry_after=2)
    sleeps: list[float] = []
    store = IssueStore(
        build_github(github.url, TOKEN, timeout=3),
        ISSUES_REPO,
        "infra-drift",
        max_rate_limit_wait=20,
        sleep=sleeps.append,
    )
    store.list_managed()
    first, second = sleeps
    assert first == 2.0 and 4.0 <= second <= 5.0


def test_a_dry_run_finds_unlabelled_issues_too(gh: Runner) -> None:
    _drifting_deploy(gh)
    gh.github.issue(1)["labels"] = []
    code, _, err = gh.run(ARCHIVED, args=("--dry-run",), token=None)
    assert code == 1
    assert "planned relabel #1 [deploy-repo]" in err and "planned create" not in err
    assert gh.github.writes() == 2  # night one's only


def test_a_steady_night_with_locked_and_declined_issues_is_one_call(gh: Runner) -> None:
    _drifting_deploy(gh)
    gh.github.lock_issue(1)
    gh.github.delete_repository("jupyterhub/jupyterhub")
    gh.run(ARCHIVED, HUB)
    gh.github.issue(2).update(state="closed", state_reason="not_planned")
    before = len(gh.github.requests)
    gh.run(ARCHIVED, HUB)
    sync_calls = [
        r for r in gh.github.requests[before:] if r.path.startswith(f"/repos/{ISSUES_REPO}")
    ]
    assert [(r.method, r.path) for r in sync_calls] == [("GET", ISSUES_PATH)]


def test_11_a_secondary_limit_without_retry_after_waits_a_minute_once(world: World) -> None:
    world.github.secondary_limit("GET", ISSUES_PATH, retry_after=None)
    sleeps: list[float] = []
    store = IssueStore(
        build_github(world.github.url, TOKEN, timeout=3),
        ISSUES_REPO,
        "infra-drift",
        max_rate_limit_wait=60,  # the default
        sleep=sleeps.append,
    )
    assert store.list_managed() == []
    assert sleeps == [60.0]


def test_4_a_garbled_marker_still_names_its_check(gh: Runner) -> None:
    issue = _drifting_deploy(gh)
    body = str(issue["body"])
    garbled = re.sub(r" fingerprint=[0-9a-f]+", " fingerprint=oops", body, count=1)
    issue["body"] = "Seen by ops.\n" + garbled
    code, _, err = gh.run(ARCHIVED)
    assert code == 1, err
    assert gh.exact("POST", ISSUES_PATH) == 1  # not filed again
    repaired = str(gh.github.issue(1)["body"])
    found = parse_marker(repaired)
    assert found is not None and found.check_id == "deploy-repo"
    assert repaired.startswith("Seen by ops.\n<!-- infra-checker:check-id=deploy-repo ")
    assert gh.github.comments_on(1) == []  # repaired quietly: nothing changed out there
    assert gh.writes_during(ARCHIVED) == 0


def test_the_marker_scan_is_bounded_and_says_so(gh: Runner) -> None:
    for n in range(2_050):
        gh.github.add_issue(ISSUES_REPO, f"someone's issue {n}", "text")
    gh.github.delete_repository(DEPLOY_REPO)
    code, _, err = gh.run(DEPLOY)
    assert code == 1, err
    unlabelled = [
        r
        for r in gh.github.requests
        if r.method == "GET" and r.path.endswith("/issues") and "labels" not in r.query
    ]
    assert len(unlabelled) == 20  # the newest 2,000 issues, not all 2,050
    assert "in the newest 2000 issues only" in err
    assert len(gh.managed()) == 1
