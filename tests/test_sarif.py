"""``--format sarif``: valid SARIF 2.1.0 (the official schema) that code scanning can place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.helpers import FAST_SETTINGS, cli
from tests.test_evidence import CHECKS
from tests.world import World
from tests.world.httpfake import Reply

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())


def validate(log: dict[str, Any]) -> None:
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    jsonschema.Draft4Validator(SCHEMA).validate(log)


@pytest.fixture
def sarif(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    # binder-home drifts, binder-down errors, binder-health is ok.
    world.site.pages["/"] = Reply.text(
        "<html>[click](https://evil.example) Welcome to nginx</html>", content_type="text/html"
    )
    world.site.inject("status", status=502, path_prefix="/down")
    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    (repo / "infra" / "checks.toml").write_text(FAST_SETTINGS + CHECKS.format(url=world.site.url))
    monkeypatch.chdir(repo)
    code, out, err = cli(
        ["run", "--config", "infra/checks.toml", "--format", "sarif"],
        {**world.env(), "GITHUB_WORKSPACE": str(repo)},
    )
    assert code == 1, err
    log = json.loads(out)
    assert isinstance(log, dict)
    return log


def test_the_output_validates_against_the_sarif_2_1_0_schema(sarif: dict[str, Any]) -> None:
    validate(sarif)
    assert sarif["version"] == "2.1.0"


def test_the_schema_rejects_what_is_not_sarif(sarif: dict[str, Any]) -> None:
    # The validation above can fail: a result without a message is not SARIF.
    broken = json.loads(json.dumps(sarif))
    del broken["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)


def test_one_result_per_drift_and_error_located_at_the_checks_id_line(
    sarif: dict[str, Any], tmp_path: Path
) -> None:
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["http.status"]  # one rule per check type
    assert rules[0]["help"]["text"] and rules[0]["help"]["markdown"]
    results = {r["properties"]["check_id"]: r for r in run["results"]}
    assert set(results) == {"binder-home", "binder-down"}  # ok is not an alert
    assert results["binder-home"]["level"] == "error"
    assert results["binder-down"]["level"] == "warning"
    lines = (tmp_path / "repo" / "infra" / "checks.toml").read_text().splitlines()
    for check_id, result in results.items():
        assert result["ruleId"] == "http.status"
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "infra/checks.toml"
        line = lines[location["region"]["startLine"] - 1]
        assert line == f'id = "{check_id}"'
        assert result["partialFingerprints"]
    message = results["binder-home"]["message"]["text"]
    assert message.startswith("binder-home drifted: gke.mybinder.org answers with the Binder")
    assert 'expected body to contain "BinderHub"' in message
    # Outside text cannot form a SARIF embedded link.
    assert "\\[click\\](https://evil.example)" in message
    assert "[click](" not in message
    assert "binder-down could not be checked" in results["binder-down"]["message"]["text"]


def test_fingerprints_are_stable_across_runs_and_moved_lines(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.site.inject("status", status=502, path_prefix="/down")
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "checks.toml"
    prints = []
    for padding in ("", "\n\n# moved down\n\n"):
        config.write_text(FAST_SETTINGS + padding + CHECKS.format(url=world.site.url))
        _, out, _ = cli(["run", "--config", "checks.toml", "--format", "sarif"], world.env())
        (result,) = json.loads(out)["runs"][0]["results"]
        prints.append(
            (result["partialFingerprints"], result["locations"][0]["physicalLocation"]["region"])
        )
    assert prints[0][0] == prints[1][0]
    assert prints[1][1]["startLine"] == prints[0][1]["startLine"] + 4


def test_the_bundle_holds_the_same_sarif(world: World, tmp_path: Path) -> None:
    world.site.inject("status", status=502, path_prefix="/down")
    config = tmp_path / "checks.toml"
    config.write_text(FAST_SETTINGS + CHECKS.format(url=world.site.url))
    out = tmp_path / "bundle"
    cli(["run", "--config", str(config), "--evidence", str(out)], world.env())
    log = json.loads((out / "report.sarif").read_text())
    validate(log)
    assert len(log["runs"][0]["results"]) == 1
