"""dockerhub.organization and dockerhub.repository against the fake Docker Hub."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests

from checker.checks.dockerhub import days_since, parse_time
from checker.engine.model import Status
from tests.helpers import run_single
from tests.world import World

ORG = """
[[check]]
id = "hub-org"
type = "dockerhub.organization"
description = "Docker Hub organisation jupyterhub"
organization = "jupyterhub"
"""


def repo_check(repository: str = "jupyterhub/k8s-hub", extra: str = "max_age_days = 30") -> str:
    return f"""
[[check]]
id = "hub-repo"
type = "dockerhub.repository"
description = "{repository} is pushed to Docker Hub"
repository = "{repository}"
{extra}
"""


def test_documented_organization_is_ok(world: World) -> None:
    result = run_single(ORG, world.env())
    assert result.status is Status.OK, result.message
    assert result.observed is not None and result.observed["kind"] == "organization"


def test_organization_endpoint_needing_a_login_falls_back_to_the_listing(world: World) -> None:
    world.dockerhub.orgs_need_login = True
    result = run_single(ORG, world.env())
    assert result.status is Status.OK, result.message
    assert result.observed is not None
    assert result.observed["kind"] == "namespace"
    assert result.observed["public_repositories"] == 3


def test_deleted_organization_is_drift(world: World) -> None:
    world.dockerhub.delete_organization("jupyterhub")
    result = run_single(ORG, world.env())
    assert result.status is Status.DRIFT
    assert "exists" in result.message
    # Both the org endpoint and the listing said so before it was called drift.
    assert world.dockerhub.count("GET", "/v2/namespaces/jupyterhub/repositories") >= 1


def test_unknown_namespace_is_listed_empty_as_on_docker_hub(world: World) -> None:
    # docker/hub-feedback#2357: the listing never says a namespace does not exist.
    response = requests.get(
        f"{world.dockerhub.url}/v2/namespaces/no-such-namespace/repositories", timeout=5
    )
    assert response.status_code == 200
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_deleted_organization_behind_a_login_is_drift_via_the_users_endpoint(
    world: World,
) -> None:
    world.dockerhub.orgs_need_login = True
    world.dockerhub.delete_organization("jupyterhub")
    result = run_single(ORG, world.env())
    assert result.status is Status.DRIFT, result.message
    assert world.dockerhub.count("GET", "/v2/users/jupyterhub/") >= 1


def test_empty_listing_behind_a_login_is_unverifiable_not_ok(world: World) -> None:
    # The organisation exists but shows nothing public: Docker Hub's empty listing is also
    # what a deleted one gives, and /v2/users sends the name on to /v2/orgs, which refuses.
    world.dockerhub.orgs_need_login = True
    for full in list(world.dockerhub.repositories):
        world.dockerhub.make_private(full)
    result = run_single(ORG, world.env())
    assert result.status is Status.UNVERIFIABLE, result.message
    assert "cannot be told" in result.message


def test_organization_without_public_repositories_is_ok_via_the_org_endpoint(
    world: World,
) -> None:
    for full in list(world.dockerhub.repositories):
        world.dockerhub.make_private(full)
    result = run_single(ORG, world.env())
    assert result.status is Status.OK, result.message
    assert result.observed is not None and result.observed["kind"] == "organization"


def test_org_404_contradicted_by_public_repositories_is_ok(world: World) -> None:
    world.dockerhub.inject(
        "status",
        status=404,
        body=b'{"message": "not found", "errinfo": null}',
        path_prefix="/v2/orgs/",
    )
    result = run_single(ORG, world.env())
    assert result.status is Status.OK, result.message
    assert result.observed is not None
    assert result.observed["kind"] == "namespace"
    assert result.observed["public_repositories"] == 3


@pytest.mark.parametrize(
    "repository", ["jupyterhub/jupyterhub", "jupyterhub/k8s-binderhub", "jupyterhub/k8s-hub"]
)
def test_documented_repositories_are_ok_and_fresh(world: World, repository: str) -> None:
    result = run_single(repo_check(repository), world.env())
    assert result.status is Status.OK, result.message
    assert result.observed is not None
    assert 2.9 <= result.observed["days_since_update"] <= 3.2 + 0.1
    assert result.observed["is_private"] is False


def test_deleted_repository_is_drift(world: World) -> None:
    world.dockerhub.delete_repository("jupyterhub/k8s-hub")
    result = run_single(repo_check(), world.env())
    assert result.status is Status.DRIFT
    assert result.message == "expected exists to equal true, observed false"


def test_private_repository_is_drift(world: World) -> None:
    world.dockerhub.make_private("jupyterhub/k8s-hub")
    assert run_single(repo_check(), world.env()).status is Status.DRIFT


def test_stale_repository_is_drift(world: World) -> None:
    world.dockerhub.set_last_updated("jupyterhub/k8s-hub", days_ago=200)
    result = run_single(repo_check(), world.env())
    assert result.status is Status.DRIFT
    assert "days_since_update to be at most 30" in result.message


def test_without_max_age_staleness_is_not_checked(world: World) -> None:
    world.dockerhub.set_last_updated("jupyterhub/k8s-hub", days_ago=200)
    assert run_single(repo_check(extra=""), world.env()).status is Status.OK


def test_rate_limit_with_x_retry_after_is_error_and_honoured(world: World) -> None:
    world.dockerhub.rate_limit(seconds=1)
    result = run_single(repo_check(), world.env())
    assert result.status is Status.ERROR
    assert "429" in result.message
    assert result.attempts == 2


def test_rate_limit_asking_too_long_a_wait_gives_up_at_once(world: World) -> None:
    world.dockerhub.rate_limit(seconds=3600)
    result = run_single(repo_check(), world.env())
    assert result.status is Status.ERROR
    assert result.attempts == 1


def test_one_rate_limit_then_ok(world: World) -> None:
    world.dockerhub.rate_limit(seconds=1, times=1)
    result = run_single(repo_check(), world.env())
    assert result.status is Status.OK, result.message
    assert result.attempts == 2


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("status", {"status": 500}),
        ("status", {"status": 503}),
        ("html", {}),
        ("truncated_json", {}),
        ("huge", {}),
        ("reset", {}),
        ("trickle", {}),
    ],
)
def test_faults_are_errors(world: World, kind: str, options: dict[str, object]) -> None:
    world.dockerhub.inject(kind, **options)
    result = run_single(repo_check(), world.env())
    assert result.status is Status.ERROR, result.message
    assert result.duration_s < 10


def test_organization_faults_are_errors_not_drift(world: World) -> None:
    world.dockerhub.inject("status", status=502)
    result = run_single(ORG, world.env())
    assert result.status is Status.ERROR


def test_hub_times_parse() -> None:
    assert parse_time("2024-05-01T12:34:56.123456Z") == datetime(
        2024, 5, 1, 12, 34, 56, tzinfo=timezone.utc
    )
    assert parse_time("2024-05-01T12:34:56+02:00") == datetime(
        2024, 5, 1, 10, 34, 56, tzinfo=timezone.utc
    )
    assert parse_time(None) is None
    assert parse_time("yesterday") is None
    recent = (datetime.now(timezone.utc) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert days_since(recent) == pytest.approx(2, abs=0.05)


def test_organization_json_without_a_name_is_error(world: World) -> None:
    world.dockerhub.inject(
        "status", status=200, body=b'{"detail": "maintenance"}', path_prefix="/v2/orgs/"
    )
    result = run_single(ORG, world.env())
    assert result.status is Status.ERROR
    assert "not a Docker Hub organisation" in result.message


def test_a_404_page_that_is_not_docker_hub_is_error_not_drift(world: World) -> None:
    world.dockerhub.inject("status", status=404, body=b"<html><body>404</body></html>")
    result = run_single(repo_check(), world.env())
    assert result.status is Status.ERROR
    assert "not Docker Hub's error body" in result.message
