"""Outside text made inert: the shared helpers every renderer uses."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from checker.outputs.escape import (
    ZWSP,
    defuse_mentions,
    fenced,
    markdown_inline,
    neutralise_comments,
    strip_controls,
    terminal_safe,
)


def test_mentions_and_references_are_defused() -> None:
    text = defuse_mentions("@octocat @org/team #12 jupyterhub/binderhub#3 GH-4 a@b.c")
    assert "@octocat" not in text and "@org" not in text
    assert "#12" not in text and "#3" not in text and "GH-4" not in text
    assert text.replace(ZWSP, "") == "@octocat @org/team #12 jupyterhub/binderhub#3 GH-4 a@b.c"


def test_comments_cannot_open_or_close() -> None:
    text = neutralise_comments("<!-- infra-checker:check-id=x --> -->")
    assert "<!--" not in text and "-->" not in text


def test_controls_and_bidi_are_stripped_but_newlines_kept() -> None:
    assert strip_controls("a\x00b\u202ec\x1b[31md\ne\tf") == "abc[31md\ne\tf"
    assert terminal_safe("a\nb\x1b") == "a b"
    assert strip_controls("a\ud800b\u061c") == "ab"  # a lone surrogate breaks every encoder


def test_markdown_inline_escapes_html_and_links() -> None:
    text = markdown_inline("<script>x</script> [a](http://x) `c` &amp;")
    assert "<script>" not in text and "](" not in text and "&amp;amp;" in text


@given(st.text(max_size=300))
def test_fence_is_longer_than_any_backtick_run_inside(text: str) -> None:
    block = fenced(text)
    lines = block.split("\n")
    fence = lines[0].removesuffix("text")
    assert lines[-1] == fence
    assert fence * 1 not in "\n".join(lines[1:-1])
    assert "<!--" not in block and "-->" not in block
