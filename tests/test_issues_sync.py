"""Drift issues end to end: the CLI, real PyGithub, the loopback GitHub."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from checker.outputs.issues.render import Marker, parse_marker
from tests.helpers import cli
from tests.test_issues_render import assert_inert
from tests.world import World
from tests.world.github import ISSUES_REPO, NO_LABEL_TOKEN, READ_ONLY_TOKEN, TOKEN

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

    def env(self, token: str | None = TOKEN) -> dict[str, str]:
        env = {**self.world.env(), "GITHUB_STEP_SUMMARY": str(self.summary)}
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
    assert f"- done **create** {ISSUES_REPO}#1 `deploy-repo`" in gh.summary.read_text()
    assert "shared\\-infrastructure\\.md\\#github" in str(issue["body"])

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
    assert "observed again" in gh.github.comments_on(1)[-1]
    assert gh.writes_during(archived) == 0  # ok and closed: nothing to do

    # 5. drift again: the same issue is reopened with a comment, no new one.
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    gh.run(archived)
    [issue] = gh.managed()
    assert issue["state"] == "open" and issue["number"] == 1
    assert "drift is back" in gh.github.comments_on(1)[-1]
    assert gh.writes_during(archived) == 0


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
    pages = [r.query.get("page", "1") for r in gh.github.requests if r.path == ISSUES_PATH]
    assert pages == ["1", "2", "3"]
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
    assert "1 more drifting checks get no new issue this run (cap of 1" in err
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
    gh.github.labels[ISSUES_REPO]["infra-drift"] = {"name": "infra-drift", "color": "d93f0b"}
    gh.github.delete_repository("jupyterhub/mybinder.org-deploy")
    code, _, err = gh.run(DEPLOY, token=NO_LABEL_TOKEN)
    assert code == 2
    assert "dropped the label" in err and "Traceback" not in err
    gh.run(DEPLOY, token=NO_LABEL_TOKEN)
    assert gh.exact("POST", ISSUES_PATH) == 2  # each run fails loudly; nothing silent


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
    assert_inert(body, markers=1)
    found = parse_marker(body)
    assert found is not None and found.check_id == "deploy-repo"
    assert "cut to keep this under" in body


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
