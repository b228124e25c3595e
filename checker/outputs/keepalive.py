"""Keep the scheduled workflow alive: re-enable it through the REST API on every run.

GitHub disables the scheduled workflows of a public repository after 60 days without
repository activity, the whole workflow file at once, and says nothing to anyone but the last
committer. ``PUT /repos/{owner}/{repo}/actions/workflows/{workflow_id}/enable`` (204 No
Content; the workflow's file name is accepted as its id) marks it active again, which resets
that timer. It needs ``actions: write``. A failure is a warning: the facts were checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from checker.engine.config import Config
from checker.engine.settings import REPOSITORY
from checker.net.github_client import Failure, build_github, describe_failure, token_from
from checker.outputs.escape import warn

# GITHUB_WORKFLOW_REF: "owner/repo/.github/workflows/nightly.yml@refs/heads/main"
WORKFLOW_REF = re.compile(r"^[^/]+/[^/]+/\.github/workflows/(?P<file>[^@/]+)@")


def workflow_file(env: Mapping[str, str]) -> str | None:
    match = WORKFLOW_REF.match(env.get("GITHUB_WORKFLOW_REF", ""))
    return match["file"] if match else None


def keep_alive(config: Config, env: Mapping[str, str]) -> bool:
    """Re-enable this run's workflow; True when GitHub said 204. Problems are warnings."""
    repository = env.get("GITHUB_REPOSITORY", "")
    workflow = workflow_file(env)
    if not REPOSITORY.match(repository) or workflow is None:
        return _warn(
            "--keepalive needs a GitHub Actions run (GITHUB_REPOSITORY and GITHUB_WORKFLOW_REF "
            "name the workflow to keep enabled); skipped"
        )
    gh = build_github(
        config.settings.endpoints.github_api, token_from(env), timeout=config.settings.timeout
    )
    url = f"/repos/{repository}/actions/workflows/{quote(workflow, safe='')}/enable"
    try:
        gh.requester.requestJsonAndCheck("PUT", url)
    except Exception as exc:
        failure = describe_failure(exc)
        if failure is None:
            raise
        hint = (
            " (the job needs `permissions: actions: write`)"
            if failure.kind in (Failure.FORBIDDEN, Failure.UNAUTHORIZED, Failure.NOT_FOUND)
            else ""
        )
        return _warn(
            f"keepalive: GitHub refused to re-enable workflow {workflow} in {repository}: "
            f"{failure.message}{hint}"
        )
    return True


def _warn(text: str) -> bool:
    warn(text)
    return False
