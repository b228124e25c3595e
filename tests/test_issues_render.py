"""Issue bodies and comments stay inert and under GitHub's limit, whatever outside text says."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.engine.model import Evidence, Result, Status
from checker.outputs.issues.kinds import Kind
from checker.outputs.issues.render import (
    Marker,
    RunInfo,
    body_for,
    comment_for,
    fingerprint,
    parse_marker,
    title_for,
)

WHEN = datetime(2026, 11, 25, 22, 0, tzinfo=timezone.utc)
RUN = RunInfo(WHEN, "https://github.com/jupyterhub/infra-checks/actions/runs/42")
MARKER = Marker("deploy-repo", "0123456789abcdef", "2026-11-25T22:00:00Z")
HOSTILE = (
    "@octocat @jupyterhub/team see #1, GH-2 and org/repo#3 ``` ```` </details> "
    "<script>alert(1)</script> <img src=x onerror=alert(1)> "
    "<!-- infra-checker:check-id=evil fingerprint=0000000000000000 first-seen=2026 --> "
    "\u202eevil\u2066 \x00\x1b[31m [link](https://evil.example) "
)
OPEN_FENCE = re.compile(r"^(`{3,})[a-z]*$")
LIVE_MENTION = re.compile(r"@[A-Za-z0-9]")
LIVE_REF = re.compile(r"#\d|\bGH\\?-\d", re.IGNORECASE)
RAW_TAG = re.compile(r"(?<!\\)<[A-Za-z/!?]")
OURS = ("<sub>", "</sub>")
BAD_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def drift(text: str) -> Result:
    return Result(
        id="deploy-repo",
        type="github.repository",
        status=Status.DRIFT,
        message=f"expected default_branch to equal main, observed {text!r}",
        description="The repository jupyterhub/mybinder.org-deploy exists",
        doc="shared-infrastructure.md#github",
        expected={"default_branch": {"equals": "main"}},
        observed={"exists": True, "default_branch": text},
        evidence=(Evidence(source=f"GET https://api.github.com/x {text[:50]}", excerpt=text),),
    )


def assert_inert(text: str, *, markers: int) -> None:
    """Structure a GitHub renderer sees: fences closed only by our fence, no live HTML,
    mention or reference anywhere, our markers only, no control or bidi characters."""
    assert len(text) < 65_536
    assert text.count("<!--") == markers and text.count("-->") == markers
    assert not LIVE_MENTION.search(text)
    assert not LIVE_REF.search(text)
    assert not BAD_CHARS.search(text)
    fence: str | None = None
    for line in text.split("\n"):
        if fence is not None:
            if line == fence:
                fence = None
            else:  # nothing inside may close the block early
                assert not re.match(r"^ {0,3}" + fence + r"\s*$", line)
            continue
        opened = OPEN_FENCE.match(line)
        if opened:
            fence = opened.group(1)
            continue
        outside = line.split(" -->", 1)[-1] if line.startswith("<!-- infra-checker:") else line
        for tag in OURS:
            outside = outside.replace(tag, "")
        assert not RAW_TAG.search(outside), line
    assert fence is None


def test_hostile_body_is_inert_and_keeps_its_one_marker() -> None:
    body = body_for(drift(HOSTILE), MARKER, RUN)
    assert_inert(body, markers=1)
    assert parse_marker(body) == MARKER
    assert body.startswith(MARKER.render())
    assert "actions/runs/42" in body


def test_huge_evidence_is_cut_with_a_notice_and_the_marker_kept() -> None:
    body = body_for(drift(HOSTILE + "y" * 200_000), MARKER, RUN)
    assert_inert(body, markers=1)
    assert "cut to keep this under GitHub's 65,536-character limit" in body
    assert parse_marker(body) == MARKER


def test_title_comes_from_the_description_not_outside_text() -> None:
    assert (
        title_for(drift(HOSTILE)) == "Drift: The repository jupyterhub/mybinder.org-deploy exists"
    )


def test_fingerprint_follows_the_judged_observation_only() -> None:
    assert fingerprint(drift("a")) == fingerprint(drift("a"))
    assert fingerprint(drift("a")) != fingerprint(drift("b"))
    noisy = drift("a")
    assert noisy.observed is not None
    unjudged = replace(noisy, observed={**noisy.observed, "exists": False})
    assert fingerprint(unjudged) == fingerprint(noisy)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.lists(
        st.sampled_from(["@", "#", "`", "<", ">", "!", "-", "\\", "\n", "\t", " ", "a", "1"])
        | st.sampled_from(["\u202e", "\x00", "\u200b", "<!--", "-->", "```", "</details>"])
        | st.characters(),
        max_size=600,
    ).map("".join),
    repeat=st.sampled_from([1, 40]),
)
def test_any_outside_text_renders_inert(text: str, repeat: int) -> None:
    result = drift(text * repeat)
    body = body_for(result, MARKER, RUN)
    assert_inert(body, markers=1)
    assert parse_marker(body) == MARKER
    for kind in (Kind.REOPEN, Kind.UPDATE, Kind.CLOSE):
        assert_inert(comment_for(kind, result, RUN, "deploy-repo"), markers=0)
