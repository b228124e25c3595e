"""gcp.project through the real google-cloud-resource-manager client, against the fake API."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import pytest

from checker.engine.model import Status
from checker.errors import ConfigError
from tests.helpers import config_from, run_single
from tests.world import World, closed_port
from tests.world.gcp import ACCESS_TOKEN, SUBJECT_TOKEN

BY_ID = """
[[check]]
id = "gcp-project"
type = "gcp.project"
description = "The Binder team's Google Cloud project binderhub-288415 is active"
project_id = "binderhub-288415"
display_name = "binderhub"
"""

BY_NAME = """
[[check]]
id = "gcp-project-name"
type = "gcp.project"
description = "A Google Cloud project called binderhub is active"
display_name = "binderhub"
"""


def no_endpoint(world: World, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in world.env().items() if k != "CHECKER_GCP_ENDPOINT"}
    return {**env, **extra}


def test_documented_project_by_id_is_ok(world: World) -> None:
    result = run_single(BY_ID, world.env())
    assert result.status is Status.OK, result.message
    assert result.observed is not None
    assert result.observed["state"] == "ACTIVE"
    assert result.observed["project_number"] == "487146235125"
    assert result.evidence and "projectId" in result.evidence[0].excerpt
    asked = [r for r in world.gcp.requests if r.path == "/v3/projects/binderhub-288415"]
    assert asked and asked[0].headers["user-agent"].startswith("infra-checker/")


def test_documented_project_by_display_name_is_ok(world: World) -> None:
    result = run_single(BY_NAME, world.env())
    assert result.status is Status.OK, result.message
    assert result.observed is not None
    assert result.observed["matching_project_ids"] == ["binderhub-288415"]
    searched = [r for r in world.gcp.requests if r.path == "/v3/projects:search"]
    assert searched[0].query["query"] == "displayName:binderhub"


@pytest.mark.parametrize("check", [BY_ID, BY_NAME])
def test_delete_requested_is_drift(world: World, check: str) -> None:
    world.gcp.request_deletion("binderhub-288415")
    result = run_single(check, world.env())
    assert result.status is Status.DRIFT
    assert "DELETE_REQUESTED" in result.message


@pytest.mark.parametrize("change", ["rename", "deny"])
def test_display_name_search_finding_nothing_is_the_ambiguity_not_drift(
    world: World, change: str
) -> None:
    # projects.search lists only projects the caller may get: a renamed project and one
    # this identity lost access to both give the same empty answer.
    if change == "rename":
        world.gcp.rename("binderhub-288415", "mybinder-prod")
    else:
        world.gcp.deny("binderhub-288415")
    result = run_single(BY_NAME, world.env())
    assert result.status is Status.ERROR, result.message
    assert "no project visible to this identity is named 'binderhub'" in result.message
    assert "resourcemanager.projects.get" in result.message


def test_renamed_project_by_id_is_drift_on_display_name(world: World) -> None:
    world.gcp.rename("binderhub-288415", "mybinder-prod")
    result = run_single(BY_ID, world.env())
    assert result.status is Status.DRIFT
    assert "display_name" in result.message


def test_403_is_an_error_stating_the_ambiguity(world: World) -> None:
    world.gcp.delete_project("binderhub-288415")
    result = run_single(BY_ID, world.env())
    assert result.status is Status.ERROR
    assert "permission denied or the project does not exist" in result.message
    assert result.attempts == 2
    assert result.evidence and "PERMISSION_DENIED" in result.evidence[0].excerpt


def test_permission_lost_on_existing_project_reads_the_same(world: World) -> None:
    world.gcp.deny("binderhub-288415")
    result = run_single(BY_ID, world.env())
    assert result.status is Status.ERROR
    assert "permission denied or the project does not exist" in result.message


@pytest.mark.parametrize("check", [BY_ID, BY_NAME])
def test_api_disabled_in_the_credentials_project_is_unverifiable_saying_so(
    world: World, check: str
) -> None:
    world.gcp.api_disabled = True
    result = run_single(check, world.env())
    assert result.status is Status.UNVERIFIABLE, result.message
    assert "Cloud Resource Manager API is disabled in projects/123456789012" in result.message
    assert "permission denied or the project does not exist" not in result.message
    assert result.attempts == 1


def test_token_without_the_scope_is_unverifiable_saying_so(world: World) -> None:
    world.gcp.narrow_scope = True
    result = run_single(BY_ID, world.env())
    assert result.status is Status.UNVERIFIABLE, result.message
    assert "lacks the OAuth scope" in result.message


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("rate_limit", {"retry_after": 1}),
        ("status", {"status": 503}),
        ("status", {"status": 500}),
        ("html", {}),
        ("truncated_json", {}),
        ("huge", {}),
        ("reset", {}),
        ("trickle", {}),
    ],
)
@pytest.mark.parametrize("check", [BY_ID, BY_NAME])
def test_faults_are_errors_never_drift(
    world: World, kind: str, options: dict[str, object], check: str
) -> None:
    world.gcp.inject(kind, path_prefix="/v3/", **options)
    result = run_single(check, world.env())
    assert result.status is Status.ERROR, result.message
    assert result.attempts == 2
    assert result.duration_s < 10


def test_hang_ends_at_the_deadline(world: World) -> None:
    world.gcp.inject("hang", path_prefix="/v3/")
    result = run_single(BY_ID, world.env())
    assert result.status is Status.ERROR
    assert result.duration_s < 10


def test_no_credentials_at_all_is_unverifiable_with_how_to(world: World, tmp_path: Path) -> None:
    env = no_endpoint(world, HOME=str(tmp_path), CLOUDSDK_CONFIG=str(tmp_path / "gcloud"))
    result = run_single(BY_ID, env)
    assert result.status is Status.UNVERIFIABLE
    assert "google-github-actions/auth" in result.message
    assert "workload identity" in result.message
    assert world.gcp.count("GET", "/v3/") == 0


def test_credentials_file_that_is_missing_is_unverifiable(world: World, tmp_path: Path) -> None:
    env = no_endpoint(world, GOOGLE_APPLICATION_CREDENTIALS=str(tmp_path / "nowhere.json"))
    result = run_single(BY_ID, env)
    assert result.status is Status.UNVERIFIABLE
    assert "nowhere.json" in result.message


def test_no_gce_check_skips_the_metadata_probe(world: World) -> None:
    result = run_single(BY_ID, no_endpoint(world, NO_GCE_CHECK="True"))
    assert result.status is Status.UNVERIFIABLE
    assert world.gcp.count("GET") == 0


def test_metadata_probe_answered_by_something_else_means_no_gce(world: World) -> None:
    result = run_single(BY_ID, no_endpoint(world))
    assert result.status is Status.UNVERIFIABLE
    probes = [r for r in world.gcp.requests if r.path == "/"]
    assert len(probes) == 1  # once per run, with google-auth's header
    assert probes[0].headers.get("metadata-flavor") == "Google"


def test_a_failing_metadata_server_is_one_error_per_attempt_not_google_auths_retries(
    world: World,
) -> None:
    # The probe finds a GCE metadata server, so google-auth's compute-engine credentials ask it
    # for a token. Its host comes from the process environment at import (here: the real name,
    # which tests cannot resolve), and google-auth retries such a failure five times with
    # growing sleeps, far past the check's deadline: the check must end with the reason instead.
    world.gcp.metadata_status = 503
    started = time.monotonic()
    result = run_single(BY_ID, world.env())
    assert result.status is Status.ERROR, result.message
    assert result.message.startswith("Google token service: asking http://"), result.message
    assert "timed out" not in result.message and result.attempts == 2
    assert time.monotonic() - started < 4  # two attempts of a 2 s deadline, no sleeps


def test_unreachable_metadata_server_means_no_gce(world: World) -> None:
    env = no_endpoint(world, GCE_METADATA_IP=f"127.0.0.1:{closed_port()}")
    assert run_single(BY_ID, env).status is Status.UNVERIFIABLE


def workload_identity(world: World, tmp_path: Path, subject_token: str = SUBJECT_TOKEN) -> Path:
    token_file = tmp_path / "github-oidc-token"
    token_file.write_text(subject_token)
    creds = tmp_path / "gha-creds.json"
    creds.write_text(json.dumps(world.gcp.workload_identity_file(str(token_file))))
    return creds


def test_workload_identity_credentials_get_a_bearer_token(world: World, tmp_path: Path) -> None:
    world.gcp.require_token = True
    creds = workload_identity(world, tmp_path)
    result = run_single(BY_ID, {**world.env(), "GOOGLE_APPLICATION_CREDENTIALS": str(creds)})
    assert result.status is Status.OK, result.message
    assert world.gcp.count("POST", "/v1/token") >= 1
    text = json.dumps(result.to_json(include_raw=True))
    assert ACCESS_TOKEN not in text and SUBJECT_TOKEN not in text


def test_gcloud_adc_file_is_found_through_cloudsdk_config(world: World, tmp_path: Path) -> None:
    world.gcp.require_token = True
    adc = tmp_path / "gcloud" / "application_default_credentials.json"
    adc.parent.mkdir()
    adc.write_bytes(workload_identity(world, tmp_path).read_bytes())
    result = run_single(BY_ID, {**world.env(), "CLOUDSDK_CONFIG": str(adc.parent)})
    assert result.status is Status.OK, result.message


def test_refused_token_exchange_is_an_error(world: World, tmp_path: Path) -> None:
    world.gcp.require_token = True
    creds = workload_identity(world, tmp_path, subject_token="not-the-right-token")
    result = run_single(BY_ID, {**world.env(), "GOOGLE_APPLICATION_CREDENTIALS": str(creds)})
    assert result.status is Status.ERROR
    assert "access token" in result.message


def test_garbage_credentials_file_is_unverifiable(world: World, tmp_path: Path) -> None:
    creds = tmp_path / "creds.json"
    creds.write_text('{"type": "made_up"}')
    result = run_single(BY_ID, {**world.env(), "GOOGLE_APPLICATION_CREDENTIALS": str(creds)})
    assert result.status is Status.UNVERIFIABLE
    assert "made_up" in result.message


def test_anonymous_against_a_real_api_is_rejected_as_error(world: World) -> None:
    world.gcp.require_token = True
    result = run_single(BY_ID, world.env())
    assert result.status is Status.ERROR
    assert "wants credentials (HTTP 401)" in result.message


def test_params_need_a_name() -> None:
    with pytest.raises(ConfigError, match="give project_id, display_name, or both"):
        config_from('[[check]]\nid = "g"\ntype = "gcp.project"\ndescription = "x"\n')
    with pytest.raises(ConfigError, match="is not a project id"):
        config_from(
            '[[check]]\nid = "g"\ntype = "gcp.project"\ndescription = "x"\nproject_id = "B!"\n'
        )


def test_google_is_imported_lazily() -> None:
    import subprocess

    code = (
        "import sys, checker.engine.registry as r; r.registry(); "
        "print(any(m.startswith('google') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _check_threads_alive() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("check-gcp-project")]


def test_token_exchange_that_hangs_ends_with_the_check(world: World, tmp_path: Path) -> None:
    # google-auth would give the exchange its own 120 s; the check's thread must not outlive
    # the check's deadline by that much.
    world.gcp.require_token = True
    world.gcp.inject("hang", path_prefix="/v1/token")
    creds = workload_identity(world, tmp_path)
    result = run_single(BY_ID, {**world.env(), "GOOGLE_APPLICATION_CREDENTIALS": str(creds)})
    assert result.status is Status.ERROR
    assert result.duration_s < 10
    for _ in range(50):  # loose: the worker ends soon after its deadline, not minutes later
        if not _check_threads_alive():
            break
        time.sleep(0.1)
    assert not _check_threads_alive()


def test_token_service_5xx_is_one_error_not_google_auths_retries(
    world: World, tmp_path: Path
) -> None:
    world.gcp.require_token = True
    world.gcp.inject("status", status=503, path_prefix="/v1/token")
    creds = workload_identity(world, tmp_path)
    result = run_single(BY_ID, {**world.env(), "GOOGLE_APPLICATION_CREDENTIALS": str(creds)})
    assert result.status is Status.ERROR, result.message
    assert "token service" in result.message and "HTTP 503" in result.message
    assert world.gcp.count("POST", "/v1/token") == result.attempts == 2
