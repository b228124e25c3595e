"""github.organization and github.repository, driving real PyGithub at the loopback GitHub."""

from __future__ import annotations

import time

from checker.engine.model import Status
from tests.helpers import run_single
from tests.world import World
from tests.world.github import TOKEN

ORG = """
[[check]]
id = "github-org"
type = "github.organization"
description = "The team has a GitHub organisation jupyterhub"
doc = "shared-infrastructure.md#github"
org = "jupyterhub"
"""
REPO = """
[[check]]
id = "deploy-repo"
type = "github.repository"
description = "The deployment lives in jupyterhub/mybinder.org-deploy"
doc = "shared-infrastructure.md#github"
repository = "jupyterhub/mybinder.org-deploy"
"""


def test_documented_world_is_ok(world: World) -> None:
    org = run_single(ORG, world.env())
    repo = run_single(REPO, world.env())
    assert org.status is Status.OK, org.message
    assert org.observed is not None and org.observed["login"] == "jupyterhub"
    assert repo.status is Status.OK, repo.message
    assert repo.observed is not None and repo.observed["full_name"] == (
        "jupyterhub/mybinder.org-deploy"
    )
    assert org.evidence[0].source.endswith("/orgs/jupyterhub -> HTTP 200")


def test_missing_organisation_and_repository_are_drift(world: World) -> None:
    world.github.delete_organization("jupyterhub")
    world.github.delete_repository("jupyterhub/mybinder.org-deploy")
    org = run_single(ORG, world.env())
    repo = run_single(REPO, world.env())
    assert org.status is Status.DRIFT and "exists" in org.message
    assert repo.status is Status.DRIFT and "observed false" in repo.message


def test_expectation_on_another_field_of_a_missing_repo_is_drift_not_error(world: World) -> None:
    world.github.delete_repository("jupyterhub/mybinder.org-deploy")
    result = run_single(REPO + "expect.archived = false\n", world.env())
    assert result.status is Status.DRIFT, result.message


def test_archived_repository_drifts_on_expectation(world: World) -> None:
    world.github.repos["jupyterhub/mybinder.org-deploy"]["archived"] = True
    result = run_single(REPO + "expect.archived = false\n", world.env())
    assert result.status is Status.DRIFT and "archived" in result.message


def test_server_errors_are_error_after_bounded_retries(world: World) -> None:
    world.github.inject("status", path_prefix="/orgs/", status=502)
    result = run_single(ORG, world.env())
    assert result.status is Status.ERROR and "HTTP 502" in result.message
    assert world.github.count("GET", "/orgs/jupyterhub") == 2  # FAST_SETTINGS: one retry


def test_secondary_rate_limit_is_error_with_its_wait(world: World) -> None:
    world.github.secondary_limit("GET", "/orgs/", retry_after=30)
    result = run_single(ORG, world.env())
    assert result.status is Status.ERROR
    assert "rate limited (HTTP 403)" in result.message and "30 s" in result.message


def test_exhausted_primary_rate_limit_is_error_without_waiting_an_hour(world: World) -> None:
    world.github.primary_limit_exhausted()
    started = time.monotonic()
    result = run_single(ORG, world.env())
    assert result.status is Status.ERROR and "rate limited" in result.message
    assert time.monotonic() - started < 10


def test_429_is_error(world: World) -> None:
    world.github.inject("rate_limit", path_prefix="/repos/", retry_after=1)
    result = run_single(REPO, world.env())
    assert result.status is Status.ERROR and "429" in result.message


def test_a_hanging_api_does_not_hold_the_check_past_its_deadline(world: World) -> None:
    world.github.inject("hang", path_prefix="/orgs/")
    started = time.monotonic()
    result = run_single(ORG, world.env())
    assert result.status is Status.ERROR
    assert time.monotonic() - started < 8  # two attempts of 2 s each, loosely


def test_html_instead_of_json_is_error(world: World) -> None:
    world.github.inject("html", path_prefix="/orgs/")
    result = run_single(ORG, world.env())
    assert result.status is Status.ERROR and "not GitHub JSON" in result.message


def test_token_is_used_when_present_and_anonymous_otherwise(world: World) -> None:
    run_single(ORG, world.env())
    run_single(ORG, {**world.env(), "GITHUB_TOKEN": TOKEN})
    auth = [r.headers.get("authorization") for r in world.github.requests]
    assert auth == [None, f"token {TOKEN}"]
    assert all(r.headers["user-agent"].startswith("infra-checker/") for r in world.github.requests)


def test_rejected_token_is_unverifiable_and_not_shown(world: World) -> None:
    token = "ghs_revokedTokenThatMustNotLeak0000000"
    result = run_single(ORG, {**world.env(), "GITHUB_TOKEN": token})
    assert result.status is Status.UNVERIFIABLE and "GITHUB_TOKEN" in result.message
    assert token not in str(result.to_json(include_raw=True))


def test_renamed_repository_is_drift_on_its_documented_name(world: World) -> None:
    world.github.rename_repository("jupyterhub/mybinder.org-deploy", "jupyterhub/mybinder-deploy")
    result = run_single(REPO, world.env())
    assert result.status is Status.DRIFT
    assert "jupyterhub/mybinder-deploy" in result.message  # followed GitHub's 301
    assert world.github.count("GET", "/repositories/") == 2  # seen, then confirmed


def test_truncated_json_is_error_not_a_crash(world: World) -> None:
    world.github.inject("truncated_json", path_prefix="/orgs/")
    result = run_single(ORG, world.env())
    assert result.status is Status.ERROR and "not valid JSON" in result.message


def test_redirect_to_another_host_is_error_naming_it_not_a_crash(world: World) -> None:
    # "localhost" is another host than the 127.0.0.1 of GITHUB_API_URL: PyGithub will not
    # follow (the token would go there) and raises RuntimeError.
    elsewhere = f"http://localhost:{world.github.port}/orgs/jupyterhub"
    world.github.moved_permanently("/orgs/jupyterhub", elsewhere)
    result = run_single(ORG, {**world.env(), "GITHUB_TOKEN": TOKEN})
    assert result.status is Status.ERROR, result.message
    assert "internal error" not in result.message
    assert "redirect" in result.message and "localhost" in result.message
    assert TOKEN not in str(result.to_json(include_raw=True))


def test_anonymous_caller_refused_is_unverifiable_without_blaming_a_token(world: World) -> None:
    world.github.require_login()
    result = run_single(ORG, world.env())
    assert result.status is Status.UNVERIFIABLE, result.message
    assert "refuses anonymous callers" in result.message
    assert "rejected GITHUB_TOKEN" not in result.message
    assert "set GITHUB_TOKEN" in result.message
