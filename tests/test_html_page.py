"""index.html: a self-contained page (no script, nothing fetched), every outside text inert.

Parsed the way a browser parses it (html5lib, strict: any parse error fails the test), and
judged by the resulting elements, not by the string."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree.ElementTree import Element

import html5lib
import pytest

from tests.helpers import FAST_SETTINGS, cli
from tests.world import World
from tests.world.httpfake import Reply

NS = "{http://www.w3.org/1999/xhtml}"
HOSTILE_FACT = 'the <script>alert("fact")</script> page & "quotes" \x1b[31m'
HOSTILE_BODY = (
    '</pre><img src="https://evil.example/x.png" onerror="alert(1)"><a href="javascript:x">'
)

CONFIG = """
[[check]]
id = "hostile-home"
type = "http.status"
description = {fact}
doc = "javascript:alert(document.domain)"
url = "{url}/"
expect.body = {{ contains = "BinderHub" }}

[[check]]
id = "binder-health"
type = "http.status"
description = "the health endpoint answers"
doc = "https://github.com/jupyterhub/team-compass/blob/main/docs/team/shared-infrastructure.md#mybinder-org"
url = "{url}/health"
"""


@pytest.fixture
def page(world: World, tmp_path: Path) -> tuple[Element, str, Path]:
    world.site.pages["/"] = Reply.text(f"<html>{HOSTILE_BODY}</html>", content_type="text/html")
    config = tmp_path / "checks.toml"
    fact = json.dumps(HOSTILE_FACT)  # a TOML basic string too
    config.write_text(FAST_SETTINGS + CONFIG.format(url=world.site.url, fact=fact))
    out = tmp_path / "bundle"
    code, _, err = cli(["run", "--config", str(config), "--evidence", str(out)], world.env())
    assert code == 1, err
    text = (out / "index.html").read_text(encoding="utf-8")
    document = html5lib.HTMLParser(strict=True).parse(text)
    return document, text, out


def elements(document: Element, tag: str) -> list[Element]:
    return list(document.iter(f"{NS}{tag}"))


def all_text(document: Element) -> str:
    return "".join(document.itertext())


def test_the_page_parses_without_a_single_error_and_has_the_report(
    page: tuple[Element, str, Path],
) -> None:
    document, _, out = page
    assert (elements(document, "title")[0].text or "").startswith("infra-checker evidence")
    rows = elements(elements(document, "tbody")[0], "tr")
    assert len(rows) == 2
    body = all_text(document)
    assert "drift" in body and "hostile-home" in body
    assert "Provenance" in body and "a local run" in body
    report = json.loads((out / "report.json").read_text())
    for result in report["results"]:
        assert result["message"].split(";")[0][:40] in " ".join(body.split())


def test_nothing_runs_and_nothing_is_fetched(page: tuple[Element, str, Path]) -> None:
    document, text, _ = page
    for tag in ("script", "img", "iframe", "object", "embed", "link", "form", "base", "svg"):
        assert elements(document, tag) == [], tag
    for element in document.iter():
        for name in element.attrib:
            assert not name.lower().startswith("on"), (element.tag, name)
        assert "src" not in element.attrib, element.tag
    csp = [
        m.get("content")
        for m in elements(document, "meta")
        if m.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp and (csp[0] or "").startswith("default-src 'none'")
    assert "url(" not in text  # no stylesheet fetches either


def test_links_go_only_to_the_bundle_or_to_a_documented_web_page(
    page: tuple[Element, str, Path],
) -> None:
    document, _, out = page
    hrefs = [a.get("href", "") for a in elements(document, "a")]
    assert "javascript:alert(document.domain)" not in hrefs
    evidence = [h for h in hrefs if h.startswith("evidence/")]
    assert evidence == ["evidence/01-hostile-home.txt", "evidence/02-binder-health.txt"]
    for href in evidence:
        assert (out / href).is_file()
    for href in hrefs:
        assert (
            href.startswith(("#check-", "evidence/"))
            or href
            == "https://github.com/jupyterhub/team-compass/blob/main/docs/team/shared-infrastructure.md#mybinder-org"
        ), href
    # The javascript: doc is shown as text.
    assert "javascript:alert(document.domain)" in all_text(document)


def test_outside_text_is_shown_as_text(page: tuple[Element, str, Path]) -> None:
    document, text, _ = page
    shown = all_text(document)
    assert 'the <script>alert("fact")</script> page & "quotes" \\x1b[31m' in shown
    # The observation is shown as JSON, quotes escaped, tags as text.
    assert '</pre><img src=\\"https://evil.example/x.png\\" onerror=\\"alert(1)\\">' in shown
    assert "\x1b" not in text
