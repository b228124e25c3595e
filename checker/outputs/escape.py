"""Text from the outside world (WHOIS records, API bodies, checks.toml) is data: inert wherever
it is rendered, and shown as it was received.

Markdown (issues, comments, the job summary): outside text only ever appears inside a code span
(:func:`code_span`) or a fenced code block (:func:`fenced`), with a backtick delimiter longer
than any run inside. GitHub renders nothing inside code: no link or autolink (whatever dot or
``%2E`` a host is spelt with), no image, no HTML, no mention, no issue or commit reference. That
is one rule instead of breaking every trigger one by one (``://``, ``www.``, emails, non-ASCII
dots, ``@``, ``#1``, ``GH-1``...), which always misses one and mangles the text it touches; and
a copied value is exactly what the service sent. Links are only ever ours (:func:`link`).

Terminal and CI log (:func:`terminal_safe`): one line, secrets redacted, control characters
shown as escapes, and no workflow command can form (:func:`command_safe`).
"""

from __future__ import annotations

import html
import re
import sys
from urllib.parse import quote

from checker.engine.redaction import redact

# C0/C1 controls except tab and newline, the bidi overrides and isolates (Trojan Source), and
# lone surrogates (a JSON "\\ud800" decodes to one; no encoder accepts it).
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ud800-\udfff]"
)
_CONTROL_OR_CRLF = re.compile(r"\r\n|" + _CONTROL.pattern)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# The runner's legacy syntax ``##[name]`` is honoured anywhere in a line, ``::name::`` at the
# start of one (after spaces): see tests/actions_runner.py, an emulation of its parser.
_LEGACY_COMMAND = "##["
_LINE_START_COMMAND = re.compile(r"^(\s*):(?=:)", re.MULTILINE)
# A forged copy of the hidden marker that identifies a drift issue (see issues/render.py).
_MARKER_FORGERY = re.compile(r"<!--(?=\s*infra-checker)", re.IGNORECASE)
ZWSP = "\u200b"
EMPTY = "*(empty)*"


def strip_controls(text: str) -> str:
    """Remove control and bidi characters (keeps tab and newline)."""
    return _CONTROL.sub("", text)


def _escape(char: str) -> str:
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def visible_controls(text: str) -> str:
    """Verbatim text made safe to ``cat``: each control or bidi character is shown as an
    escape (``\\x1b``, ``\\u202e``) that no terminal obeys; all else, CRLF included, stays."""

    def show(match: re.Match[str]) -> str:
        char = match.group()
        return char if char == "\r\n" else _escape(char)

    return _CONTROL_OR_CRLF.sub(show, text)


def one_line(text: str) -> str:
    """Visible escapes for controls and line breaks (``\\n``, ``\\r``): one line, nothing lost."""
    flat = _LINE_BREAK.sub(lambda m: m.group().replace("\r", "\\r").replace("\n", "\\n"), text)
    return _CONTROL.sub(lambda m: _escape(m.group()), flat)


def command_safe(text: str) -> str:
    """No workflow command can form in ``text`` (a zero-width space splits ``##[`` anywhere
    and ``::`` at a line's start; the runner matches both literally)."""
    text = text.replace(_LEGACY_COMMAND, "##" + ZWSP + "[")
    return _LINE_START_COMMAND.sub(lambda m: m.group(1) + ":" + ZWSP, text)


def terminal_safe(text: str) -> str:
    """One line of plain text for a terminal or CI log: known secrets redacted (first, so no
    escaped form can slip past), no escape sequence a terminal obeys, no workflow command,
    whitespace runs collapsed."""
    shown = _CONTROL.sub(lambda m: " " if m.group() == "\r" else _escape(m.group()), redact(text))
    return command_safe(" ".join(shown.split()))


def warn(text: str) -> None:
    """A warning on stderr: one terminal-safe line, whatever outside text it quotes."""
    print(f"infra-checker: warning: {terminal_safe(text)}", file=sys.stderr)


def _defang_marker(text: str) -> str:
    return _MARKER_FORGERY.sub("<!" + ZWSP + "--", text)


def _delimiter(text: str, minimum: int) -> str:
    runs = [len(run) for run in re.findall(r"`+", text)]
    return "`" * max(minimum, max(runs, default=0) + 1)


def code_span(text: str, *, in_table: bool = False) -> str:
    """Outside text as an inline code span: shown verbatim, rendered as nothing but text.

    Line breaks and controls become visible escapes (a span is one line); inside a table
    cell ``|`` is written ``\\|``, which GFM turns back into ``|`` even inside code."""
    body = _defang_marker(one_line(text))
    if not body:
        return EMPTY
    if in_table:
        body = body.replace("|", "\\|")
    fence = _delimiter(body, 1)
    # GFM strips one space from each end when both ends have one: pad so none is lost, and
    # so a backtick at either end is not read as part of the delimiter.
    if body[0] in "` " or body[-1] in "` ":
        body = f" {body} "
    return f"{fence}{body}{fence}"


def clipped_span(text: str, limit: int, *, in_table: bool = False) -> str:
    """:func:`code_span` of at most ``limit`` characters of ``text``; a cut says so, and by
    how much, right where it is."""
    if len(text) <= limit:
        return code_span(text, in_table=in_table)
    shown = code_span(text[:limit], in_table=in_table) + " " if limit else ""
    return f"{shown}*(cut: {limit:,} of {len(text):,} characters shown)*"


def fenced(text: str, info: str = "text") -> str:
    """Outside text as a fenced code block it cannot close: the fence is longer than any run
    of backticks inside. Kept verbatim but for controls and bidi characters, shown as escapes
    (``\\x1b``, ``\\u202e``) rather than dropped, so the block shows what was really sent."""
    body = _defang_marker(visible_controls(text)).replace("\r\n", "\n")
    fence = _delimiter(body, 3)
    return f"{fence}{info}\n{body}\n{fence}"


# The characters cmark-gfm leaves as they are in a link destination; it percent-encodes the
# others, so encoding them first makes the rendered href exactly the URL we give.
_HREF_SAFE = ":/?#@!$&'()*+,;=%~-._"
URL_LIMIT = 2048  # longer is no address a person follows (and browsers cut them)


def safe_url(url: str) -> str | None:
    """``url`` normalised for an href, or None when it is not an http(s) URL we would link."""
    url = url.strip()
    if len(url) > URL_LIMIT or not re.match(r"(?i)https?://[^\s/?#]+", url) or _CONTROL.search(url):
        return None
    return quote(url, safe=_HREF_SAFE)


def link(label: str, url: str) -> str:
    """A link the tool builds: ``label`` (our own words, or outside text shown as code) and
    an href that is exactly ``url`` (an angle-bracket destination, already percent-encoded)."""
    href = safe_url(url)
    if href is None:
        return code_span(label)
    # cmark decodes entity references in a destination (``&amp;`` would become ``&``); an
    # escaped ampersand decodes back to the one the URL has.
    return f"[{label}](<{href.replace('&', '&amp;')}>)"


def html_text(text: str) -> str:
    """Our own words inside raw HTML (a ``<summary>``), escaped for HTML."""
    return html.escape(strip_controls(one_line(text)), quote=False)
