"""A Markdown page as a reader sees it: sections, their anchors, and their visible text.

Parsed with markdown-it-py (CommonMark, GFM tables and strikethrough) plus the MyST ``(label)=``
targets and front matter of mdit-py-plugins. Anchors are GitHub's heading slugs: the heading's
visible text lower-cased, every character that is not a letter, mark, number, connector
punctuation, ``-`` or a space removed, each space turned into ``-``; a repeated slug gets
``-1``, ``-2``, ... (github-slugger, which GitHub's renderer matches). A MyST target names the
heading that follows it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin

from checker.outputs.escape import strip_controls

_KEPT_CATEGORIES = ("L", "M", "Nd", "Nl", "Pc")


def github_slug(text: str) -> str:
    """The anchor GitHub gives a heading with this visible text (before de-duplication)."""
    kept = (
        ch
        for ch in text.lower()
        if ch in "- " or unicodedata.category(ch).startswith(_KEPT_CATEGORIES)
    )
    return "".join(kept).replace(" ", "-")


def visible(text: str) -> str:
    """Text as compared: whitespace collapsed, Unicode-normalised (look-alike forms match),
    control and bidi characters gone (a reader does not see them; a terminal would obey them)."""
    return " ".join(strip_controls(unicodedata.normalize("NFKC", text)).split())


@dataclass(frozen=True)
class Link:
    href: str
    text: str


@dataclass
class Block:
    """One block of a section: its visible text, the links and code spans in it, its lines."""

    text: str
    lines: tuple[int, int]
    links: list[Link] = field(default_factory=list)
    code: list[str] = field(default_factory=list)


@dataclass
class Heading:
    level: int
    title: str
    anchor: str
    line: int
    # The heading's text as rendered (whitespace kept): what GitHub slugs.
    rendered: str = ""
    labels: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Section:
    """A heading's text up to the next heading of the same or a higher level."""

    anchor: str
    title: str
    text: str
    lines: tuple[int, int]
    blocks: tuple[Block, ...]


def _parser() -> MarkdownIt:
    return (
        MarkdownIt("commonmark")
        .enable(["table", "strikethrough"])
        .use(front_matter_plugin)
        .use(myst_block_plugin)
    )


def _inline(token: Token, block: Block) -> str:
    """The visible text of an inline token: link text kept, markup markers dropped."""
    parts: list[str] = []
    href: str | None = None
    link_text: list[str] = []
    for child in token.children or []:
        piece = ""
        if child.type in ("text", "code_inline"):
            piece = child.content
            if child.type == "code_inline":
                block.code.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            piece = " "
        elif child.type == "image":
            piece = child.content
        elif child.type == "link_open":
            href, link_text = str(child.attrGet("href") or ""), []
        elif child.type == "link_close" and href is not None:
            block.links.append(Link(href=href, text=visible("".join(link_text))))
            href = None
        parts.append(piece)
        if href is not None:
            link_text.append(piece)
    return "".join(parts)


def reader_text(markdown: str) -> str:
    """What a reader sees of one line of Markdown: a quote pasted with its markup still matches."""
    block = Block(text="", lines=(0, 0))
    return visible("".join(_inline(token, block) for token in _parser().parseInline(markdown)))


def _directive_body(token: Token) -> str:
    """A MyST directive's ``{name} argument`` fence holds Markdown (after ``:option:`` lines)."""
    lines = token.content.splitlines()
    while lines and lines[0].startswith(":"):
        lines.pop(0)
    argument = token.info.strip().partition("}")[2].strip()
    return (argument + "\n\n" if argument else "") + "\n".join(lines)


class Document:
    """A parsed page. ``text`` is the Markdown; nothing in it is trusted or obeyed."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.headings: list[Heading] = []
        self.preamble: list[Block] = []
        self._walk(_parser().parse(text), line_offset=0)
        self._anchors()

    def _add(self, block: Block) -> None:
        (self.headings[-1].blocks if self.headings else self.preamble).append(block)

    def _walk(self, tokens: list[Token], line_offset: int) -> None:
        labels: list[str] = []
        tokens_iter = iter(enumerate(tokens))
        for index, token in tokens_iter:
            lines = token.map or [0, 0]
            span = (lines[0] + 1 + line_offset, lines[1] + line_offset)
            if token.type == "myst_target":
                labels.append(token.content.strip())
            elif token.type == "heading_open":
                block = Block(text="", lines=span)
                rendered = _inline(tokens[index + 1], block).strip()
                title = visible(rendered)
                heading = Heading(int(token.tag[1:]), title, "", span[0], rendered, labels)
                heading.blocks.append(Block(text=title, lines=span, links=block.links))
                labels = []
                self.headings.append(heading)
                next(tokens_iter, None)
            elif token.type == "inline":
                block = Block(text="", lines=span)
                block.text = visible(_inline(token, block))
                self._add(block)
            elif token.type == "fence" and token.info.strip().startswith("{"):
                nested = Document(_directive_body(token))
                for inner in [*nested.preamble, *(b for h in nested.headings for b in h.blocks)]:
                    self._add(Block(inner.text, span, inner.links, inner.code))
            elif token.type in ("fence", "code_block"):
                self._add(Block(text=visible(token.content), lines=span))

    def _anchors(self) -> None:
        occurrences: dict[str, int] = {}
        for heading in self.headings:
            original = result = github_slug(heading.rendered)
            while result in occurrences:
                occurrences[original] += 1
                result = f"{original}-{occurrences[original]}"
            occurrences[result] = 0
            heading.anchor = result

    def sections(self) -> Iterator[Section]:
        for index, _ in enumerate(self.headings):
            yield self._section(index)

    def _section(self, index: int) -> Section:
        heading = self.headings[index]
        end = len(self.headings)
        for later in range(index + 1, len(self.headings)):
            if self.headings[later].level <= heading.level:
                end = later
                break
        blocks = tuple(b for h in self.headings[index:end] for b in h.blocks)
        last = max((b.lines[1] for b in blocks), default=heading.line)
        return Section(
            anchor=heading.anchor,
            title=heading.title,
            text=" ".join(b.text for b in blocks if b.text),
            lines=(heading.line, last),
            blocks=blocks,
        )

    def section(self, anchor: str) -> Section | None:
        """The section an anchor names: a GitHub heading slug (as GitHub matches it, lower
        case) or a MyST target label."""
        wanted = unquote(anchor.removeprefix("#"))
        for index, heading in enumerate(self.headings):
            if heading.anchor == wanted.lower() or wanted in heading.labels:
                return self._section(index)
        return None
