"""The part of an issue body the tool owns, and the hidden keys that make its comments idempotent.

An issue body looks like this; infra-checker rewrites only the region between its two marker
lines, so whatever a person writes above or below it survives every update::

    (a person's text, kept)
    <!-- infra-checker:check-id=... fingerprint=... first-seen=... -->
    ... the tool's description of the drift ...
    <!-- infra-checker:end -->
    (a person's text, kept)

An issue written before the end line existed has no end line: everything from the first marker
line on is the tool's. Deleting the first marker line detaches the issue from the tool for good;
a marker line a person only garbled (the fingerprint or the date cut or mistyped) still names
its check, and is simply rewritten whole at the next change.

Each comment the tool posts starts with a hidden key (what kind of step, for which check, about
which observation). Before commenting, the tool compares the key of the issue's last comment,
so a run killed between its comment and its close does not say the same thing twice.
"""

from __future__ import annotations

import re

from checker.engine.header import CHECK_ID_BODY
from checker.outputs.issues.kinds import Kind
from checker.outputs.issues.render import BUDGET, MARKER, Marker, parse_marker, size

END = "<!-- infra-checker:end -->"
# A fingerprint no observation has: written when the tool stops tracking an issue (its check was
# removed), so that the check's next observation, whatever it is, counts as news.
NO_OBSERVATION = "0" * 16
# The first marker line as a person may have left it: the check id is what identifies.
BEGIN = re.compile(rf"<!-- infra-checker:check-id=(?P<id>{CHECK_ID_BODY})[^>\n]*-->")
COMMENT_KEY = re.compile(
    rf"\A<!-- infra-checker:comment kind=(?P<kind>[a-z-]+) check-id=(?P<id>{CHECK_ID_BODY})"
    r" about=(?P<about>[a-z0-9-]+) -->"
)


def compose(region: str, old_body: str | None) -> str:
    """``region`` (a body rendered by :func:`render.body_for`) in place of the tool's region of
    ``old_body``, keeping everything outside it. When a person's text leaves too little room
    for the region, the region shrinks to its marker and a notice: their text is never cut."""
    body = _compose(region, old_body)
    if size(body) <= BUDGET:
        return body
    marker = MARKER.search(region)
    notice = (
        "*infra-checker's description of this drift does not fit next to the text around it "
        "(GitHub allows 65,536 characters in a body): the run's report has it.*\n"
    )
    return _compose(f"{marker.group(0)}\n{notice}" if marker else notice, old_body)


def _compose(region: str, old_body: str | None) -> str:
    ours = region.rstrip("\n") + "\n" + END
    if not old_body:
        return ours + "\n"
    begin = BEGIN.search(old_body)
    if begin is None:
        return ours + "\n"
    before = old_body[: begin.start()]
    end = old_body.find(END, begin.end())
    after = old_body[end + len(END) :] if end >= 0 else "\n"
    return before + ours + after


def tool_region(body: str | None) -> str:
    """The part of ``body`` the tool wrote (from its first marker line to its end line); what
    a person wrote around it, quoting an older body perhaps, is not the tool's record."""
    begin = BEGIN.search(body or "")
    if begin is None or body is None:
        return ""
    end = body.find(END, begin.end())
    return body[begin.start() : end if end >= 0 else len(body)]


def with_marker(body: str, marker: Marker) -> str:
    """``body`` with its marker line replaced by ``marker`` (nothing else changes)."""
    return BEGIN.sub(lambda _: marker.render(), body, count=1)


def identity(body: str | None) -> Marker | None:
    """The marker of an issue body: exact, or garbled by a person (then with no fingerprint,
    so that what is observed next counts as news, and no first-seen date)."""
    exact = parse_marker(body)
    if exact is not None:
        return exact
    begin = BEGIN.search(body or "")
    return Marker(begin["id"], "", "") if begin else None


def comment_key(kind: Kind, check_id: str, about: str) -> str:
    return f"<!-- infra-checker:comment kind={kind.value} check-id={check_id} about={about} -->"


def keyed(kind: Kind, check_id: str, about: str, text: str) -> str:
    """A comment's text with its hidden key first."""
    return f"{comment_key(kind, check_id, about)}\n{text}"


def key_of(comment: str | None) -> str | None:
    """The hidden key a comment starts with, if the tool wrote it."""
    match = COMMENT_KEY.match(comment or "")
    return match.group(0) if match else None
