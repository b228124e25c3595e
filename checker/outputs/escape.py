"""Text from the outside world (WHOIS records, API bodies) is data: make it inert where rendered.

These helpers are shared by every renderer: the terminal table must not obey ANSI escapes from
a WHOIS server, and Markdown must not ping people, link issues or inject HTML.
"""

from __future__ import annotations

import re

# C0/C1 controls except tab and newline, the bidi overrides and isolates (Trojan Source), and
# lone surrogates (a JSON "\\ud800" decodes to one; no encoder accepts it).
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ud800-\udfff]"
)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~])")
ZWSP = "\u200b"


def strip_controls(text: str) -> str:
    """Remove control and bidi characters (keeps tab and newline)."""
    return _CONTROL.sub("", text)


_CONTROL_OR_CRLF = re.compile(r"\r\n|" + _CONTROL.pattern)


def visible_controls(text: str) -> str:
    """Verbatim text made safe to ``cat``: each control or bidi character is shown as an
    escape (``\\x1b``, ``\\u202e``) that no terminal obeys; all else, CRLF included, stays."""

    def show(match: re.Match[str]) -> str:
        char = match.group()
        if char == "\r\n":
            return char
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"

    return _CONTROL_OR_CRLF.sub(show, text)


def terminal_safe(text: str) -> str:
    """One line of plain text for a terminal: no escapes, no newlines."""
    return " ".join(strip_controls(text).split())


def defuse_mentions(text: str) -> str:
    """Stop ``@user``/``@org/team`` pinging and ``#123``/``GH-1`` linking on GitHub."""
    text = re.sub(r"@(?=[A-Za-z0-9_-])", "@" + ZWSP, text)
    # ``owner/repo#1`` links too: whatever comes before ``#``, a digit after it is defused.
    text = re.sub(r"#(?=\d)", "#" + ZWSP, text)
    return re.sub(r"\b(GH\\?-)(?=\d)", "\\1" + ZWSP, text, flags=re.IGNORECASE)


def markdown_inline(text: str) -> str:
    """Outside text as inert inline Markdown (one line; usable inside a table cell)."""
    flat = terminal_safe(text)
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", flat)
    return defuse_mentions(escaped.replace("&", "&amp;"))


def neutralise_comments(text: str) -> str:
    """Break ``<!--`` and ``-->`` so outside text can neither open an HTML comment nor forge
    (or close) the hidden marker that identifies a drift issue."""
    return text.replace("<!--", "<!" + ZWSP + "--").replace("-->", "--" + ZWSP + ">")


def fenced(text: str, info: str = "text") -> str:
    """Outside text as a fenced code block it cannot break out of.

    The fence is one backtick longer than the longest run of backticks inside, so no line of
    the text can close it; inside a code block GitHub renders no HTML, mention or link, and we
    defuse them anyway so the text stays inert if someone copies it out.
    """
    body = defuse_mentions(neutralise_comments(strip_controls(text)))
    runs = [len(run) for run in re.findall(r"`+", body)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}{info}\n{body}\n{fence}"
