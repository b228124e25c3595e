"""Outside text made inert: the shared helpers every renderer uses."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from checker.outputs.escape import (
    code_span,
    command_safe,
    fenced,
    link,
    safe_url,
    strip_controls,
    terminal_safe,
)
from tests.gfm import render


def test_controls_and_bidi_are_stripped_but_newlines_kept() -> None:
    assert strip_controls("a\x00b\u202ec\x1b[31md\ne\tf") == "abc[31md\ne\tf"
    assert terminal_safe("a\nb\x1b") == "a b\\x1b"
    assert strip_controls("a\ud800b\u061c") == "ab"  # a lone surrogate breaks every encoder


def test_no_workflow_command_survives_terminal_safe() -> None:
    text = command_safe("::error::x\n  ::warning::y ##[add-mask]z")
    assert "##[" not in text
    assert not any(line.lstrip().startswith("::") for line in text.splitlines())


@given(st.text(max_size=300))
def test_code_span_shows_the_text_as_code_only(text: str) -> None:
    shown = render(code_span(text))
    assert not shown.hrefs and set(shown.tags) <= {"p", "code", "em"}


@given(st.text(max_size=300))
def test_fence_is_longer_than_any_backtick_run_inside(text: str) -> None:
    block = fenced(text)
    lines = block.split("\n")
    fence = lines[0].removesuffix("text")
    assert lines[-1] == fence
    assert fence not in "\n".join(lines[1:-1])


@given(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=80))
def test_a_link_renders_to_exactly_its_url(tail: str) -> None:
    url = "https://example.org/" + tail
    href = safe_url(url)
    assert href is not None
    assert render(link("the run", url)).hrefs == [href]
    if not any(c in tail for c in '<>\\"`[]{}|^ '):  # nothing cmark itself would encode
        assert href == url


def test_entity_references_in_a_url_are_not_decoded() -> None:
    for url in ("https://e.org/a?x=1&amp;y=2", "https://e.org/p?q=1&copy;2", "https://e.org/?a&b"):
        assert render(link("x", url)).hrefs == [url]
