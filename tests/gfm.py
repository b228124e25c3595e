"""What GitHub shows: a Markdown text rendered by GitHub's own engine (cmark-gfm, through the
``cmarkgfm`` bindings, with the GFM extensions GitHub turns on), read back as elements.

Raw HTML is rendered as is (``CMARK_OPT_UNSAFE``): GitHub's sanitiser would drop some of it
later, but any element outside text manages to produce is a failure here, sanitised or not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options

EXTENSIONS = ("autolink", "table", "strikethrough", "tagfilter", "tasklist")
# What our own templates produce; anything else came from outside text.
OUR_TAGS = frozenset(
    [
        "p",
        "strong",
        "em",
        "code",
        "pre",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "details",
        "summary",
        "sub",
        "h2",
        "h3",
        "ul",
        "li",
    ]
)
# GitHub links these in text (not in code): @user, @org/team, #1, owner/repo#1, GH-1, a SHA.
MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9]")
REFERENCE = re.compile(r"(?<![\w&])#\d|\bGH-\d|\b[\w.-]+/[\w.-]+#\d", re.IGNORECASE)
SHA = re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,40}\b")
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")


def to_html(markdown: str) -> str:
    return cmarkgfm.markdown_to_html_with_extensions(
        markdown, options=Options.CMARK_OPT_UNSAFE, extensions=list(EXTENSIONS)
    )


@dataclass
class Rendered:
    html: str
    tags: list[str] = field(default_factory=list)
    hrefs: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)  # text outside <code>, <pre> and <a>
    code: list[str] = field(default_factory=list)  # text inside <code>/<pre>


class _Reader(HTMLParser):
    def __init__(self, out: Rendered) -> None:
        super().__init__(convert_charrefs=True)
        self.out = out
        self.inside: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.tags.append(tag)
        values = dict(attrs)
        if tag == "a":
            self.out.hrefs.append(values.get("href") or "")
        if tag == "img":
            self.out.images.append(values.get("src") or "")
        if tag not in ("br", "hr", "img", "input"):
            self.inside.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.inside:
            while self.inside and self.inside.pop() != tag:
                pass

    def handle_comment(self, data: str) -> None:
        self.out.comments.append(data)

    def handle_data(self, data: str) -> None:
        if {"code", "pre"} & set(self.inside):
            self.out.code.append(data)
        elif "a" not in self.inside:
            self.out.prose.append(data)


def render(markdown: str) -> Rendered:
    out = Rendered(to_html(markdown))
    reader = _Reader(out)
    reader.feed(out.html)
    reader.close()
    return out


def assert_inert(
    markdown: str, *, hrefs: set[str] | None = None, comments: int = 0, max_size: int = 65_536
) -> Rendered:
    """Everything outside text could do on GitHub, undone: only our elements, only our links
    (exactly ``hrefs`` when given), no image, no comment but our markers, no mention or
    reference in prose, no raw control or bidi character."""
    assert len(markdown.encode("utf-16-le", "surrogatepass")) // 2 <= max_size
    shown = render(markdown)
    stray = sorted(set(shown.tags) - OUR_TAGS)
    assert not stray, f"elements from outside text: {stray}"
    assert not shown.images
    if hrefs is not None:
        assert set(shown.hrefs) <= hrefs, f"untrusted links: {set(shown.hrefs) - hrefs}"
    assert len(shown.comments) == comments, shown.comments
    prose = "\n".join(shown.prose)
    assert not MENTION.search(prose), MENTION.search(prose)
    assert not REFERENCE.search(prose), REFERENCE.search(prose)
    assert not SHA.search(prose), SHA.search(prose)
    assert not RAW_CONTROL.search(shown.html)
    return shown
