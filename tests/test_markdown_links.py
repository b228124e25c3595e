"""Where a check's ``doc`` points, judged by what GitHub shows: every Markdown output of a run
(``--format markdown``, the job summary, the evidence bundle's report.md) is rendered by
cmark-gfm and its hrefs are asserted exactly. ``#anchor`` is a section of the [document];
a repository path is one of the commit that ran; what cannot be linked is shown as code."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from checker.engine.config import DocumentSource
from checker.engine.model import Result, Status
from checker.engine.runner import RunReport
from checker.engine.settings import parse_blob_url
from checker.outputs.markdown import DocBase, doc_base, doc_link, doc_url, render_markdown
from tests.gfm import assert_inert, render
from tests.helpers import FAST_SETTINGS, cli
from tests.world import World

SHA = "0123456789abcdef0123456789abcdef01234567"
BLOB = f"https://github.com/o/r/blob/{SHA}"
PAGE = "https://github.com/jupyterhub/team-compass/blob/main/docs/team/shared-infrastructure.md"
ACTIONS = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "o/r",
    "GITHUB_SHA": SHA,
    "GITHUB_WORKSPACE": "/ws",
}
CONFIG = Path("/ws/infra/checks.toml")


def test_an_anchor_is_a_section_of_the_document_in_the_repository() -> None:
    document = DocumentSource(path=CONFIG.parent / "../docs/shared.md")
    base = doc_base(ACTIONS, CONFIG, document)
    assert doc_url("#github", base) == f"{BLOB}/docs/shared.md#github"


def test_an_anchor_is_a_section_of_the_document_url_wherever_the_run_is() -> None:
    document = DocumentSource(blob=parse_blob_url(PAGE))
    assert doc_url("#github", doc_base({}, CONFIG, document)) == f"{PAGE}#github"
    assert doc_url("#github", doc_base(ACTIONS, CONFIG, document)) == f"{PAGE}#github"


@pytest.mark.parametrize(
    "document",
    [
        None,  # no [document]
        DocumentSource(path=Path("/tmp/edited.md")),  # --document: a local edit, outside it
    ],
)
def test_an_anchor_the_run_cannot_place_is_code_with_no_link(
    document: DocumentSource | None,
) -> None:
    base = doc_base(ACTIONS, CONFIG, document)
    assert doc_url("#github", base) is None
    shown = assert_inert(doc_link("#github", base), hrefs=set())
    assert (shown.hrefs, shown.code) == ([], ["#github"])
    # A repository path still links: the run knows its repository, just not the document.
    assert doc_url("runbook.md#dns", base) == f"{BLOB}/infra/runbook.md#dns"


def test_a_local_document_outside_github_actions_is_not_linked() -> None:
    assert doc_base({}, Path("checks.toml"), DocumentSource(path=Path("shared.md"))) is None


@pytest.mark.parametrize(
    ("doc", "url"),
    [
        ("runbook.md", f"{BLOB}/infra/runbook.md"),
        ("../docs/a.md#b", f"{BLOB}/docs/a.md#b"),
        ("/docs/a.md", f"{BLOB}/docs/a.md"),
        ("./", f"{BLOB}/infra"),
        ("..", BLOB),
        ("../../x.md", None),
        ("/../x.md", None),
        ("docs/../../../x.md", None),
        ("//evil.example/x", None),
        ("%2e%2e/%2e%2e/%2e%2e/%2e%2e/evil/repo", None),  # a browser reads %2e%2e as ..
        (".%2E/.%2e/x.md", None),
        ("a%2fb.md", f"{BLOB}/infra/a/b.md"),
        ("a%23b.md#x", f"{BLOB}/infra/a%23b.md#x"),  # a '#' in the name stays in the name
        ("a%3Fq.md", f"{BLOB}/infra/a%3Fq.md"),
        ("a%2520b.md", f"{BLOB}/infra/a%2520b.md"),  # decoded once, encoded once
        ("my notes.md", f"{BLOB}/infra/my%20notes.md"),
        ("javascript:alert(1)", None),
    ],
)
def test_repository_paths_resolve_from_checks_toml_and_never_leave(doc: str, url: str) -> None:
    assert doc_url(doc, doc_base(ACTIONS, CONFIG)) == url


def test_checks_toml_outside_the_workspace_has_no_repository_paths() -> None:
    assert doc_base(ACTIONS, Path("/elsewhere/checks.toml")) is None
    page = DocumentSource(blob=parse_blob_url(PAGE))
    base = doc_base(ACTIONS, Path("/elsewhere/checks.toml"), page)
    assert base == DocBase(None, "", PAGE)
    assert doc_url("runbook.md", base) is None


def test_the_report_table_links_what_it_can_and_shows_the_rest_as_code() -> None:
    when = datetime(2026, 11, 25, 22, 0, tzinfo=timezone.utc)

    def result(ident: str, doc: str) -> Result:
        return Result(ident, "http.status", Status.OK, "as documented", f"{ident} answers", doc)

    results = (result("anchored", "#github"), result("pathed", "runbook.md"))
    report = RunReport(when, 1.0, (*results, result("out", "../../x.md")))
    base = DocBase(BLOB, "infra", f"{BLOB}/docs/shared.md")
    shown = assert_inert(render_markdown(report, base=base))
    assert shown.hrefs == [f"{BLOB}/docs/shared.md#github", f"{BLOB}/infra/runbook.md"]
    assert "../../x.md" in shown.code


# --- every Markdown output of a run links the same way ------------------------------------------

DOCUMENT = """\
# Shared infrastructure

## GitHub

The site answers at its home page. Write to `team@example.org`.
"""
# One check bound to the document's only section, which has one mention no check covers.
BOUND = (
    FAST_SETTINGS
    + """
[document]
path = "shared.md"

[[check]]
id = "home"
type = "http.status"
description = "The site answers"
doc = "#github"
quote = "The site answers at its home page."
url = "{url}/"
"""
)
CHECKS = (
    BOUND
    + """
[[check]]
id = "health"
type = "http.status"
description = "The health endpoint answers"
doc = "runbook.md#health"
url = "{url}/health"

[[check]]
id = "outside"
type = "http.status"
description = "The health endpoint answers again"
doc = "../../outside.md"
url = "{url}/health"
"""
)


def test_every_markdown_output_links_docs_to_the_commit_that_ran(
    world: World, tmp_path: Path
) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "shared.md").write_text(DOCUMENT, encoding="utf-8")
    config = infra / "checks.toml"
    config.write_text(CHECKS.format(url=world.site.url), encoding="utf-8")
    summary, report, bundle = tmp_path / "summary.md", tmp_path / "report.md", tmp_path / "bundle"
    env = {
        **world.env(),
        **ACTIONS,
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    argv = ["run", "-c", str(config), "-f", "markdown", "-o", str(report)]
    code, _, err = cli([*argv, "--evidence", str(bundle)], env)
    assert code == 0, err
    expected = [f"{BLOB}/infra/shared.md#github", f"{BLOB}/infra/runbook.md#health"]
    for written in (report, summary, bundle / "report.md"):
        shown = assert_inert(written.read_text(encoding="utf-8"))
        assert shown.hrefs == expected, written
        assert "../../outside.md" in shown.code, written


def test_markdown_to_stdout_outside_actions_links_only_urls(world: World, tmp_path: Path) -> None:
    (tmp_path / "shared.md").write_text(DOCUMENT, encoding="utf-8")
    config = tmp_path / "checks.toml"
    config.write_text(CHECKS.format(url=world.site.url), encoding="utf-8")
    code, out, err = cli(["run", "-c", str(config), "-f", "markdown"], world.env())
    assert code == 0, err
    shown = render(out)
    assert shown.hrefs == []
    assert {"#github", "runbook.md#health", "../../outside.md"} <= set(shown.code)
