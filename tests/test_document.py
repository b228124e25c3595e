"""The document is the source of truth: anchors, sections, quotes, three-way verdicts, coverage.

The team's page (vendored in tests/data/document) is served by the loopback GitHub contents API
and read from local copies that tests edit like a person would.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.document.markdown import Document, github_slug
from checker.engine.config import load_config
from checker.net.github_contents import ContentsError, _from_object
from tests.gfm import assert_inert
from tests.helpers import FAST_SETTINGS, cli
from tests.world import World, closed_port
from tests.world.github import TEAM_PAGE, TEAM_PAGE_FILE
from tests.world.project_config import project_config_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PAGE = TEAM_PAGE_FILE.read_text(encoding="utf-8")
REGISTRAR = "The registrar for this domain is [BlueHost](https://bluehost.com)."


def write_config(world: World, tmp_path: Path, document: str | None = None) -> Path:
    text = project_config_text(world, FAST_SETTINGS)
    if document is not None:  # the [document] is a local file: docs name sections by #anchor
        page = r'"https://github\.com/[^"#]+'
        text = re.sub(rf"(?m)^url = {page}\"$", f"path = {json.dumps(document)}", text)
        text = re.sub(rf"(?m)^doc = {page}#", 'doc = "#', text)
    path = tmp_path / "checks.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(world: World, config: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = cli(["run", "-c", str(config), "--format", "json", *args], world.env())
    assert out, err
    return code, json.loads(out)


def by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in report["results"]}


# --- anchors and sections ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("`mybinder.org` infrastructure", "mybinderorg-infrastructure"),
        ("Image registry on quay.io", "image-registry-on-quayio"),
        ("What's new?  (v2)", "whats-new--v2"),
        ("snake_case & kebab-case", "snake_case--kebab-case"),
        ("Ünïcode Straße", "ünïcode-straße"),
        ("🚀 Launch", "-launch"),
    ],
)
def test_headings_slug_the_way_github_renders_them(heading: str, slug: str) -> None:
    assert Document(f"# {heading}\n").headings[0].anchor == slug
    assert github_slug(heading.replace("`", "")) == slug


def test_repeated_headings_get_numbered_anchors() -> None:
    doc = Document("# A\n\n## Setup\n\n## Setup\n\n## Setup-1\n\n## Setup\n")
    assert [h.anchor for h in doc.headings] == ["a", "setup", "setup-1", "setup-1-1", "setup-2"]


def test_a_section_runs_to_the_next_heading_of_its_level_with_subsections() -> None:
    doc = Document(PAGE)
    section = doc.section("mybinderorg-infrastructure")
    assert section is not None
    assert "The registrar for this domain is BlueHost." in section.text
    assert "managed by the individuals" in section.text
    ownership = doc.section("#ownership-of-the-mybinderorg-domain")
    assert ownership is not None
    assert "CloudFlare" not in ownership.text
    # the MyST admonition's body is text a reader sees
    assert "stop-gap measure" in ownership.text


def test_myst_targets_name_the_heading_that_follows() -> None:
    section = Document(PAGE).section("shared:gcp")
    assert section is not None and section.title == "Google Cloud Project"


def test_front_matter_is_not_text() -> None:
    doc = Document("---\ntitle: secret front matter\n---\n# Page\n\nBody.\n")
    assert doc.section("page") is not None
    assert "secret" not in doc.section("page").text  # type: ignore[union-attr]


# --- the three-way verdict ------------------------------------------------------------------


def test_the_page_read_through_the_contents_api_states_every_quote(
    world: World, tmp_path: Path
) -> None:
    code, report = run(world, write_config(world, tmp_path))
    assert code == 0, report
    for result in report["results"]:
        assert result["document"]["state"] == "states", result
    document = report["document"]
    assert document["source"].startswith("https://github.com/jupyterhub/team-compass/blob/")
    assert document["sha256"] and document["checks_unbound"] == 0
    assert document["checks_bound"] == len(report["results"])
    assert document["uncovered"] == []
    contents = [r for r in world.github.requests if "/contents/" in r.path]
    assert len(contents) == 1  # read once per run
    assert contents[0].query["ref"] == "main"


def test_a_local_copy_is_read_relative_to_checks_toml(world: World, tmp_path: Path) -> None:
    (tmp_path / "page.md").write_text(PAGE, encoding="utf-8")
    code, report = run(world, write_config(world, tmp_path, "page.md"))
    assert code == 0, report
    assert report["document"]["source"].endswith("page.md")
    assert not [r for r in world.github.requests if "/contents/" in r.path]


def test_an_edited_registrar_sentence_drifts_its_check_as_changed(
    world: World, tmp_path: Path
) -> None:
    edited = tmp_path / "edited.md"
    edited.write_text(
        PAGE.replace(
            REGISTRAR, "The registrar for this domain is [Namecheap](https://namecheap.com)."
        ),
        encoding="utf-8",
    )
    code, report = run(world, write_config(world, tmp_path), "--document", str(edited))
    results = by_id(report)
    registrar = results["mybinder-org-registrar"]
    assert registrar["status"] == "drift"
    assert registrar["document"]["state"] == "changed"
    assert registrar["document"]["anchor"] == "ownership-of-the-mybinderorg-domain"
    assert "Namecheap" in registrar["document"]["section"]
    assert registrar["message"].startswith("the document no longer states")
    assert "The registrar for this domain is Namecheap." in registrar["message"]
    assert "#ownership-of-the-mybinderorg-domain" in registrar["message"]
    assert results["mybinder-org-owner"]["document"]["state"] == "states"
    assert code == 1


def test_a_changed_sentence_and_a_changed_world_say_both(world: World, tmp_path: Path) -> None:
    world.dns.scenario.set_registrar("mybinder.org", "GoDaddy.com, LLC", 146)
    edited = tmp_path / "edited.md"
    edited.write_text(PAGE.replace(REGISTRAR, "The registrar is Namecheap."), encoding="utf-8")
    _, report = run(
        world, write_config(world, tmp_path), "--document", str(edited), "--only", "*registrar"
    )
    (result,) = report["results"]
    assert result["status"] == "drift"
    assert "Namecheap" in result["message"] and "GoDaddy.com, LLC" in result["message"]


def test_a_removed_heading_is_no_section(world: World, tmp_path: Path) -> None:
    edited = tmp_path / "edited.md"
    edited.write_text(PAGE.replace("### DNS entries for `mybinder.org`\n", ""), encoding="utf-8")
    code, report = run(world, write_config(world, tmp_path), "--document", str(edited))
    dns = by_id(report)["mybinder-org-dns-cloudflare"]
    assert dns["status"] == "drift" and dns["document"]["state"] == "no-section"
    assert "#dns-entries-for-mybinderorg" in dns["message"]
    assert code == 1


@pytest.mark.parametrize("fault", ["refused", "server-error", "private", "not-utf8", "too-big"])
def test_an_unreadable_document_turns_ok_into_error_and_keeps_other_verdicts(
    world: World, tmp_path: Path, fault: str
) -> None:
    config = write_config(world, tmp_path)
    env = world.env()
    if fault == "refused":
        env["GITHUB_API_URL"] = f"http://127.0.0.1:{closed_port()}"
    elif fault == "server-error":
        world.github.fail_next("GET", "/repos/jupyterhub/team-compass/contents", times=9)
    elif fault == "private":
        world.github.private_repos.add(TEAM_PAGE[0])
    elif fault == "not-utf8":
        world.github.files[TEAM_PAGE] = PAGE.encode("utf-16")
    else:
        world.github.files[TEAM_PAGE] = b"x" * (2 * 1024 * 1024 + 1)
    code, out, _ = cli(
        ["run", "-c", str(config), "--format", "json", "--only", "mybinder-org-*"], env
    )
    report = json.loads(out)
    results = by_id(report)
    registrar = results["mybinder-org-registrar"]
    assert registrar["status"] == "error", registrar
    assert registrar["message"].startswith("the document could not be read")
    assert registrar["document"]["state"] == "unreadable"
    # unverifiable stays unverifiable: the document does not make it worse or better
    assert results["mybinder-org-owner"]["status"] == "unverifiable"
    assert report["document"]["error"]
    reasons = {"not-utf8": "not UTF-8", "too-big": "2097152-byte", "private": "404"}
    assert reasons.get(fault, "") in report["document"]["error"]
    assert code == 3


def test_a_quote_is_compared_on_visible_text_whatever_its_case() -> None:
    doc = Document("# A\n\nThe **registrar** is `Blue`[Host](https://x.example)\n  today.\n")
    section = doc.section("a")
    assert section is not None
    assert "The registrar is BlueHost today." in section.text
    from checker.document.binding import states

    assert states(section.text, "the REGISTRAR is bluehost")
    assert not states(section.text, "The registrar is Namecheap")


def test_document_text_is_inert_in_the_job_summary(world: World, tmp_path: Path) -> None:
    edited = tmp_path / "edited.md"
    hostile = (
        "The registrar is @octocat <img src=x onerror=alert(1)> see #1 [x](https://evil.example)."
    )
    edited.write_text(PAGE.replace(REGISTRAR, hostile), encoding="utf-8")
    summary = tmp_path / "summary.md"
    env = {**world.env(), "GITHUB_STEP_SUMMARY": str(summary)}
    cli(["run", "-c", str(write_config(world, tmp_path)), "--document", str(edited),
         "--only", "*registrar", "-o", str(tmp_path / "r.json")], env)  # fmt: skip
    html = cmarkgfm.github_flavored_markdown_to_html(
        summary.read_text(encoding="utf-8"), options=Options.CMARK_OPT_UNSAFE
    )
    assert "octocat" in html
    shown = assert_inert(summary.read_text(encoding="utf-8"))  # the hostile text is code only
    assert not any("evil.example" in href for href in shown.hrefs)


# --- the contents API's shapes ----------------------------------------------------------------


def test_the_json_form_of_the_contents_api_is_read_and_its_limits_said() -> None:
    assert _from_object({"type": "file", "encoding": "base64", "content": "aGk=\n"}, "u") == b"hi"
    with pytest.raises(ContentsError, match="larger than 1 MB"):
        _from_object({"type": "file", "encoding": "none", "content": ""}, "u")
    with pytest.raises(ContentsError, match="directory"):
        _from_object([{"type": "file"}], "u")


# --- coverage --------------------------------------------------------------------------------


def test_coverage_of_the_shared_page_reports_nothing_left(world: World, tmp_path: Path) -> None:
    config = write_config(world, tmp_path)
    code, out, err = cli(["coverage", "-c", str(config), "--format", "json"], world.env())
    assert code == 0, err
    data = json.loads(out)
    assert data["uncovered"] == [] and data["document"]["sha256"]


def test_coverage_lists_a_new_zenodo_community_with_a_suggestion_that_validates(
    world: World, tmp_path: Path
) -> None:
    edited = tmp_path / "edited.md"
    edited.write_text(
        PAGE + "\n## Zenodo\n\nWe also have [a Zenodo community]"
        "(https://zenodo.org/communities/jupyter) for our releases.\n",
        encoding="utf-8",
    )
    config = write_config(world, tmp_path)
    code, out, err = cli(
        ["coverage", "-c", str(config), "--document", str(edited), "--format", "json"],
        world.env(),
    )
    assert code == 0, err
    (zenodo,) = [u for u in json.loads(out)["uncovered"] if u["kind"] == "domain"]
    assert zenodo["value"] == "zenodo.org" and zenodo["anchor"] == "zenodo"
    code, suggestions, err = cli(
        ["coverage", "-c", str(config), "--document", str(edited), "--suggest"], world.env()
    )
    assert code == 0 and "[[check]]" in suggestions
    config.write_text(config.read_text(encoding="utf-8") + suggestions, encoding="utf-8")
    code, out, err = cli(["validate", "-c", str(config), "--document", str(edited)], world.env())
    assert code == 0, err
    assert "zenodo" not in cli(
        ["coverage", "-c", str(config), "--document", str(edited)], world.env()
    )[1].lower().replace("0 mentions", "")


def test_ignored_mentions_are_not_reported(tmp_path: Path) -> None:
    (tmp_path / "page.md").write_text(
        "# Page\n\nSee [our org](https://github.com/example) and `example.org`.\n", "utf-8"
    )
    config = tmp_path / "checks.toml"
    config.write_text('[document]\npath = "page.md"\nignore = ["example", "#page"]\n', "utf-8")
    code, out, err = cli(["coverage", "-c", str(config), "--format", "json"], {})
    assert code == 0, err
    assert [(u["kind"], u["value"]) for u in json.loads(out)["uncovered"]] == [
        ("domain", "example.org")
    ]


# --- bad input -------------------------------------------------------------------------------

CHECK = """
[[check]]
id = "site"
type = "http.status"
description = "The site answers."
url = "https://example.org/"
"""


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[document]\npath = "a.md"\nurl = "https://github.com/o/r/blob/main/a.md"\n' + CHECK,
         'exactly one of "path" or "url"'),
        ("[document]\nignore = []\n" + CHECK, 'exactly one of "path" or "url"'),
        ('[document]\nurl = "https://gitlab.com/o/r/-/raw/main/a.md"\n' + CHECK,
         "GitHub blob URL"),
        ('[document]\npath = "page.md"\n' + CHECK + 'quote = "The site answers."\n',
         'check "site": key "quote": needs a "doc"'),
        (CHECK + 'doc = "#page"\nquote = "The site answers."\n', 'check "site": key "quote"'),
    ],
)  # fmt: skip
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_document_input_exits_2_naming_file_check_and_key(
    tmp_path: Path, text: str, says: str, command: str
) -> None:
    (tmp_path / "page.md").write_text("# Page\n\nThe site answers.\n", "utf-8")
    config = tmp_path / "checks.toml"
    config.write_text(text, "utf-8")
    code, out, err = cli([command, "-c", str(config)], {})
    assert code == 2, (out, err)
    assert "checks.toml" in err and says in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_missing_anchor_fails_validate_but_run_reports_no_section(
    world: World, tmp_path: Path
) -> None:
    (tmp_path / "page.md").write_text("# Page\n\nThe site answers.\n", "utf-8")
    config = tmp_path / "checks.toml"
    body = CHECK.replace("https://example.org/", f"{world.site.url}/")
    config.write_text(
        FAST_SETTINGS + '[document]\npath = "page.md"\n' + body
        + 'doc = "#gone"\nquote = "The site answers."\n',
        "utf-8",
    )  # fmt: skip
    code, _, err = cli(["validate", "-c", str(config)], world.env())
    assert code == 2 and 'check "site"' in err and "#gone" in err
    code, out, _ = cli(["run", "-c", str(config), "--format", "json"], world.env())
    (result,) = json.loads(out)["results"]
    assert result["document"]["state"] == "no-section" and code == 1


def test_validate_annotates_the_broken_lines_in_github_actions(tmp_path: Path) -> None:
    (tmp_path / "page.md").write_text("# Page\n\nThe site is down.\n", "utf-8")
    config = tmp_path / "checks.toml"
    config.write_text(
        '[document]\npath = "page.md"\n' + CHECK + 'doc = "#page"\nquote = "The site answers."\n',
        "utf-8",
    )
    env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path)}
    code, out, _ = cli(["validate", "-c", str(config)], env)
    assert code == 2
    lines = out.splitlines()
    assert any(
        line.startswith("::error file=checks.toml,line=10,") and "site" in line for line in lines
    ), out
    assert any(line.startswith("::error file=page.md,line=1,") for line in lines), out


def test_a_quote_on_another_pages_doc_is_refused(tmp_path: Path) -> None:
    (tmp_path / "page.md").write_text("# Page\n", "utf-8")
    config = tmp_path / "checks.toml"
    config.write_text(
        '[document]\npath = "page.md"\n' + CHECK
        + 'doc = "https://example.org/other.md#page"\nquote = "x"\n',
        "utf-8",
    )  # fmt: skip
    code, _, err = cli(["validate", "-c", str(config)], {})
    assert code == 2 and 'key "doc"' in err


def test_a_document_override_that_is_not_a_blob_url_is_a_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "checks.toml"
    config.write_text(CHECK, "utf-8")
    code, _, err = cli(["validate", "-c", str(config), "--document", "https://example.org/a.md"])
    assert code == 2 and "--document" in err and "blob URL" in err


def test_the_config_keeps_the_source_for_the_evidence_manifest(tmp_path: Path) -> None:
    config = tmp_path / "checks.toml"
    config.write_text('[document]\nurl = "https://github.example.com/o/r/blob/v1/docs/a%20b.md"\n')
    source = load_config(config, {}).document
    assert source is not None and source.blob is not None
    assert (source.blob.owner, source.blob.repo, source.blob.ref) == ("o", "r", "v1")
    assert source.blob.path == "docs/a b.md"


def test_the_job_summary_lists_uncovered_mentions_inertly(world: World, tmp_path: Path) -> None:
    edited = tmp_path / "edited.md"
    edited.write_text(
        PAGE + "\n## Zenodo @octocat\n\nSee [our community](https://zenodo.org/communities/x).\n",
        encoding="utf-8",
    )
    summary = tmp_path / "summary.md"
    env = {**world.env(), "GITHUB_STEP_SUMMARY": str(summary)}
    cli(["run", "-c", str(write_config(world, tmp_path)), "--document", str(edited),
         "--only", "github-org", "-o", str(tmp_path / "r.json")], env)  # fmt: skip
    html = cmarkgfm.github_flavored_markdown_to_html(
        summary.read_text(encoding="utf-8"), options=Options.CMARK_OPT_UNSAFE
    )
    assert "<td><code>zenodo.org</code></td>" in html
    assert "zenodo-octocat" in html
    assert_inert(summary.read_text(encoding="utf-8"))
    assert "<a href" not in html.split("The document")[-1]


def test_the_drift_issue_of_a_changed_sentence_says_which_side_to_fix() -> None:
    from checker.engine.model import DocumentBinding, DocumentState, Result, Status
    from checker.outputs.issues.render import Marker, RunInfo, body_for, fingerprint

    hostile = "The registrar is @octocat ``` <img src=x> #1 Namecheap."
    result = Result(
        id="mybinder-org-registrar",
        type="whois.registrar",
        status=Status.DRIFT,
        message="the document no longer states ...",
        document=DocumentBinding(
            DocumentState.CHANGED, "ownership", "The registrar is BlueHost.", hostile
        ),
    )
    from datetime import datetime, timezone

    when = datetime(2026, 11, 25, tzinfo=timezone.utc)
    body = body_for(result, Marker(result.id, fingerprint(result), "2026"), RunInfo(when, "u"))
    html = cmarkgfm.github_flavored_markdown_to_html(body, options=Options.CMARK_OPT_UNSAFE)
    assert "The document changed" in html and "fix <code>checks.toml</code>" in html
    assert "restore its sentence" in html and "fix the world" in html
    assert_inert(body, comments=2)
    assert "Namecheap" in html
    from dataclasses import replace

    assert result.document is not None
    moved = replace(result, document=replace(result.document, section="Now GoDaddy."))
    assert fingerprint(moved) != fingerprint(result)


# --- edit-time checks ------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def test_the_committed_schema_is_current_and_checks_toml_names_it() -> None:
    import jsonschema

    from checker.engine.schema import config_schema_json

    committed = (ROOT / "checks.schema.json").read_text(encoding="utf-8")
    assert committed == config_schema_json(), "run: python -m checker schema > checks.schema.json"
    config = (ROOT / "checks.toml").read_text(encoding="utf-8")
    assert config.splitlines()[0] == "#:schema ./checks.schema.json"
    jsonschema.Draft202012Validator(json.loads(committed)).validate(tomllib.loads(config))
    both = {"document": {"path": "a.md", "url": "https://github.com/o/r/blob/m/a.md"}}
    assert not jsonschema.Draft202012Validator(json.loads(committed)).is_valid(both)


def test_the_pre_commit_hook_runs_validate() -> None:
    import yaml

    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["entry"].split()[:2] == ["infra-checker", "validate"]
    assert hook["language"] == "python" and hook["pass_filenames"] is False


def test_an_enterprise_blob_url_is_read_through_github_api_url(
    world: World, tmp_path: Path
) -> None:
    enterprise = "https://github.example.com/jupyterhub/team-compass/blob/main/docs/team/shared-infrastructure.md"
    code, out, err = cli(
        ["validate", "-c", str(write_config(world, tmp_path)), "--document", enterprise],
        world.env(),
    )
    assert code == 0, err
    assert enterprise in out
    assert [r.path for r in world.github.requests if "/contents/" in r.path] == [
        "/repos/jupyterhub/team-compass/contents/docs/team/shared-infrastructure.md"
    ]


def test_a_percent_encoded_anchor_names_its_heading() -> None:
    doc = Document("# Über uns\n\nText.\n")
    assert doc.section("#%C3%BCber-uns") is not None


def test_a_quote_pasted_with_its_markup_still_matches() -> None:
    from checker.document.binding import states

    section = Document(PAGE).section("ownership-of-the-mybinderorg-domain")
    assert section is not None
    assert states(section.text, REGISTRAR)
    assert states(section.text, "is `binder-team@googlegroups.com`")


@given(st.text(max_size=400))
@settings(max_examples=200, deadline=None)
def test_any_page_parses_and_every_heading_resolves_by_its_anchor(text: str) -> None:
    doc = Document(text)
    for heading in doc.headings:
        section = doc.section(heading.anchor)
        assert section is not None and section.title == heading.title
    assert len({h.anchor for h in doc.headings}) == len(doc.headings)


def test_every_suggestion_validates_even_for_odd_mentions(tmp_path: Path) -> None:
    page = (
        "# Odd\n\nSee [a](https://github.com/not%20a%20login) and [b](https://quay.io/x/y) and "
        "`weird-\u202eproject` in Google Cloud, mail ops@example.org.\n"
    )
    (tmp_path / "page.md").write_text(page, "utf-8")
    config = tmp_path / "checks.toml"
    config.write_text('[document]\npath = "page.md"\n', "utf-8")
    code, suggestions, err = cli(["coverage", "-c", str(config), "--suggest"], {})
    assert code == 0, err
    assert "\u202e" not in suggestions
    assert "no check type accepts it" in suggestions  # "not%20a%20login" is no GitHub login
    config.write_text(config.read_text("utf-8") + suggestions, "utf-8")
    code, _, err = cli(["validate", "-c", str(config)], {})
    assert code == 0, err
