"""quay.organization and quay.repository against the fake quay.io, driven through the engine."""

from __future__ import annotations

import json

import pytest

from checker.engine.model import Status
from tests.helpers import run_single
from tests.world import World
from tests.world.quay import TOKEN

ORG = """
[[check]]
id = "quay-org"
type = "quay.organization"
description = "quay.io organisation jupyterhub"
organization = "jupyterhub"
"""


def repo_check(repository: str = "jupyterhub/repo2docker", extra: str = "") -> str:
    return f"""
[[check]]
id = "quay-repo"
type = "quay.repository"
description = "quay.io/{repository} is a public image"
repository = "{repository}"
{extra}
"""


def test_documented_organization_is_ok(world: World) -> None:
    result = run_single(ORG, world.env())
    assert result.status is Status.OK, result.message
    assert result.observed is not None and result.observed["name"] == "jupyterhub"


def test_deleted_organization_is_drift(world: World) -> None:
    world.quay.delete_organization("jupyterhub")
    result = run_single(ORG, world.env())
    assert result.status is Status.DRIFT
    assert "exists" in result.message


@pytest.mark.parametrize(
    "repository",
    [
        "jupyterhub/repo2docker",
        "jupyterhub/k8s-binderhub",
        "jupyterhub/k8s-hub",
        "jupyterhub/jupyterhub",
    ],
)
def test_documented_public_repositories_are_ok(world: World, repository: str) -> None:
    result = run_single(repo_check(repository, 'tag = "latest"'), world.env())
    assert result.status is Status.OK, result.message
    assert result.observed is not None
    assert result.observed["visibility"] == "public"
    assert result.observed["tag_exists"] is True
    assert str(result.observed["tag_manifest_digest"]).startswith("sha256:")


def test_repository_is_asked_without_tags(world: World) -> None:
    run_single(repo_check(), world.env())
    asked = [
        r for r in world.quay.requests if r.path == "/api/v1/repository/jupyterhub/repo2docker"
    ]
    assert asked and asked[0].query.get("includeTags") == "false"
    assert "authorization" not in asked[0].headers


def test_deleted_repository_is_drift_not_publicly_visible(world: World) -> None:
    # Anonymous quay answers 401 for a missing repository: for a public one that is drift.
    world.quay.delete_repository("jupyterhub/repo2docker")
    result = run_single(repo_check(), world.env())
    assert result.status is Status.DRIFT
    assert "not publicly visible" in result.message
    assert result.evidence and "401" in result.evidence[0].source


def test_private_repository_is_drift_for_a_public_fact(world: World) -> None:
    world.quay.make_private("jupyterhub/repo2docker")
    result = run_single(repo_check(), world.env())
    assert result.status is Status.DRIFT
    assert "not publicly visible" in result.message


def test_missing_tag_is_drift(world: World) -> None:
    world.quay.delete_tag("jupyterhub/repo2docker", "latest")
    result = run_single(repo_check(extra='tag = "latest"'), world.env())
    assert result.status is Status.DRIFT
    assert "tag_exists" in result.message
    tag_calls = [r for r in world.quay.requests if r.path.endswith("/tag/")]
    assert tag_calls[0].query == {"specificTag": "latest", "onlyActiveTags": "true", "limit": "1"}


def test_private_fact_without_token_is_unverifiable(world: World) -> None:
    world.quay.make_private("jupyterhub/repo2docker")
    result = run_single(repo_check(extra="public = false"), world.env())
    assert result.status is Status.UNVERIFIABLE
    assert "QUAY_TOKEN" in result.message


def test_private_fact_with_token_is_ok_and_token_never_reported(world: World) -> None:
    world.quay.make_private("jupyterhub/repo2docker")
    env = {**world.env(), "QUAY_TOKEN": TOKEN}
    result = run_single(repo_check(extra="public = false"), env)
    assert result.status is Status.OK, result.message
    assert result.observed is not None and result.observed["visibility"] == "private"
    assert TOKEN not in json.dumps(result.to_json(include_raw=True))


def test_token_that_may_read_the_namespace_sees_missing_as_drift(world: World) -> None:
    world.quay.delete_repository("jupyterhub/repo2docker")
    env = {**world.env(), "QUAY_TOKEN": TOKEN}
    result = run_single(repo_check(extra="public = false"), env)
    assert result.status is Status.DRIFT
    assert '"missing"' in result.message


def test_token_refused_with_403_is_an_ambiguous_error(world: World) -> None:
    world.quay.delete_repository("jupyterhub/repo2docker")
    world.quay.delete_organization("jupyterhub")
    env = {**world.env(), "QUAY_TOKEN": TOKEN}
    result = run_single(repo_check(extra="public = false"), env)
    assert result.status is Status.ERROR
    assert "does not exist, or the token may not read it" in result.message


def test_public_repository_expected_private_is_drift(world: World) -> None:
    env = {**world.env(), "QUAY_TOKEN": TOKEN}
    result = run_single(repo_check(extra="public = false"), env)
    assert result.status is Status.DRIFT
    assert '"public"' in result.message


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("rate_limit", {"retry_after": 1}),
        ("status", {"status": 503}),
        ("status", {"status": 520}),
        ("html", {}),
        ("truncated_json", {}),
        ("huge", {}),
        ("reset", {}),
    ],
)
def test_faults_are_errors_after_retries(
    world: World, kind: str, options: dict[str, object]
) -> None:
    world.quay.inject(kind, **options)
    result = run_single(repo_check(), world.env())
    assert result.status is Status.ERROR, result.message
    assert result.attempts == 2
    assert world.quay.count("GET", "/api/v1/repository/") == 2


def test_hang_ends_at_the_deadline(world: World) -> None:
    world.quay.inject("hang")
    result = run_single(ORG, world.env())
    assert result.status is Status.ERROR
    assert result.duration_s < 8


def test_one_transient_fault_then_ok(world: World) -> None:
    world.quay.inject("status", status=502, times=1)
    result = run_single(ORG, world.env())
    assert result.status is Status.OK
    assert result.attempts == 2


def test_json_that_is_not_a_repository_is_error(world: World) -> None:
    world.quay.inject("status", status=200, body=b'{"message": "hello from a proxy"}', times=None)
    result = run_single(repo_check(), world.env())
    assert result.status is Status.ERROR
    assert "not a quay repository" in result.message


@pytest.mark.parametrize("status", [401, 404])
def test_a_page_that_is_not_quay_saying_no_is_error_not_drift(world: World, status: int) -> None:
    # A proxy or a wrong base URL answering 401/404 with HTML has not seen the repository.
    world.quay.inject("status", status=status)
    result = run_single(repo_check(), world.env())
    assert result.status is Status.ERROR
    assert "not quay's error body" in result.message
