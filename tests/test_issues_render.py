"""Issue bodies and comments, judged by what GitHub shows: rendered by cmark-gfm (tests/gfm.py)
and asserted on the HTML. Outside text stays inert and verbatim; links are exactly ours; every
body and comment fits GitHub's 65,536-character limit whatever checks.toml holds."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.engine.model import DocumentBinding, DocumentState, Evidence, Result, Status
from checker.engine.redaction import register_secret
from checker.outputs.issues.kinds import Kind
from checker.outputs.issues.render import (
    Marker,
    RunInfo,
    body_for,
    comment_for,
    fingerprint,
    observed_in,
    parse_marker,
    title_for,
)
from checker.outputs.markdown import DocBase
from tests.gfm import assert_inert, render
from tests.hostile import HOSTILE, HUGE

WHEN = datetime(2026, 11, 25, 22, 0, tzinfo=timezone.utc)
RUN_URL = "https://github.com/jupyterhub/infra-checks/actions/runs/42"
BLOB = "https://github.com/jupyterhub/infra-checks/blob/0123456789abcdef0123456789abcdef01234567"
RUN = RunInfo(WHEN, RUN_URL, DocBase(BLOB))
MARKER = Marker("deploy-repo", "0123456789abcdef", "2026-11-25T22:00:00Z")
DOC_URL = f"{BLOB}/docs/shared-infrastructure.md#github"
TEAM_COMPASS = (
    "https://github.com/jupyterhub/team-compass/blob/main/docs/team/shared-infrastructure.md#github"
)
RDAP = (
    '{"ldhName": "MYBINDER.ORG", "entities": [{"vcardArray": ["vcard", [["email", {}, "text", '
    '"binder-team@googlegroups.com"]]]}], "notes": "#1 \x1b[31m"}'
)


def drift(text: str, *, doc: str = "docs/shared-infrastructure.md#github", **changes) -> Result:  # type: ignore[no-untyped-def]
    result = Result(
        id="deploy-repo",
        type="github.repository",
        status=Status.DRIFT,
        message=f'expected default_branch to equal "main", observed {text!r}',
        description="The repository jupyterhub/mybinder.org-deploy exists",
        doc=doc,
        expected={"default_branch": {"equals": "main"}},
        observed={"exists": True, "default_branch": text},
        evidence=(
            Evidence(source=f"GET https://api.github.com/x {text[:50]}", excerpt=text, raw=text),
        ),
    )
    return replace(result, **changes)


def test_hostile_body_is_inert_links_only_ours_and_keeps_its_one_marker() -> None:
    body = body_for(drift(HOSTILE, description=HOSTILE), MARKER, RUN)
    shown = assert_inert(body, hrefs={RUN_URL, DOC_URL}, comments=2)
    assert sorted(set(shown.hrefs)) == sorted({RUN_URL, DOC_URL})
    assert parse_marker(body) == MARKER
    assert body.startswith(MARKER.render())


def test_trusted_links_render_to_exactly_their_url() -> None:
    body = body_for(drift("master", doc=TEAM_COMPASS), MARKER, RUN)
    assert set(render(body).hrefs) == {TEAM_COMPASS, RUN_URL}
    local = body_for(drift("master"), MARKER, RunInfo(WHEN))  # no run, no repository known
    assert render(local).hrefs == []
    assert "docs/shared-infrastructure.md#github" in "".join(render(local).code)


def test_evidence_is_verbatim_and_collapsed() -> None:
    result = drift("master", evidence=(Evidence(source="GET https://rdap.example/x", raw=RDAP),))
    shown = assert_inert(body_for(result, MARKER, RUN), comments=2)
    code = "".join(shown.code)
    assert '"binder-team@googlegroups.com"' in code
    assert '"notes": "#1 \\x1b[31m"' in code  # the control shown as an escape, not dropped
    assert "\u200b" not in code
    assert shown.tags.count("details") == 2  # observed values, then the evidence
    assert "https://rdap.example/x" not in shown.hrefs


def test_verdict_comes_first_and_expectations_read_as_written() -> None:
    result = drift(
        "x",
        message='expected ns to match /\\.ns\\.cloudflare\\.com$/, observed ["a.example"]',
        expected={"ns": {"all_match": "\\.ns\\.cloudflare\\.com$"}},
        observed={"ns": ["a.example"]},
    )
    body = body_for(result, MARKER, RUN)
    shown = [line for line in body.splitlines() if not line.startswith("<!--")]
    assert shown[0].startswith("**Drift:**")  # the first thing GitHub shows
    assert "every item matches `\\.ns\\.cloudflare\\.com$`" in body
    assert '"\\\\.ns' not in body  # never JSON-escaped


def test_huge_evidence_is_cut_with_a_notice_where_it_is_cut() -> None:
    body = body_for(drift(HOSTILE + HUGE), MARKER, RUN)
    assert_inert(body, comments=1)
    assert "Cut here:" in body and "to keep this under GitHub's 65,536-character" in body
    assert parse_marker(body) == MARKER


def test_long_expectations_and_descriptions_fit() -> None:
    names = [f"name-{i:04d}.example.org" for i in range(1500)]
    result = drift(
        "master",
        description=HUGE,
        doc=HUGE,
        message="expected x to be one of " + repr(names) * 3,
        expected={"default_branch": {"one_of": names}, "description": {"equals": HUGE}},
        observed={"default_branch": HUGE, "description": names},
    )
    body = body_for(result, MARKER, RUN)
    assert_inert(body, comments=1)
    assert "more*" in body and parse_marker(body) == MARKER
    for kind in (Kind.REOPEN, Kind.UPDATE, Kind.CLOSE):
        assert_inert(comment_for(kind, result, RUN, "deploy-repo"))


def test_a_huge_document_section_is_cut_with_a_notice_and_the_body_fits() -> None:
    section = HOSTILE + "y" * 70_000
    moved = DocumentBinding(DocumentState.CHANGED, "github", "x" * 70_000, section)
    body = body_for(drift("master", document=moved), MARKER, RUN)
    shown = assert_inert(body, comments=2)
    assert "Cut here: " in body and "The document changed" in shown.html


def test_the_observed_block_is_json_with_controls_as_escapes_that_reads_back() -> None:
    observed = {"default_branch": "a\x9b31m\u202eb\x7f", "when": "2026"}
    shown = render(body_for(drift("x", observed=observed), MARKER, RUN))
    [block] = [code for code in shown.code if '"when"' in code]
    assert "\\u009b31m\\u202eb\\u007f" in block and json.loads(block) == observed


def test_comments_say_what_happened_without_repeating_the_evidence() -> None:
    result = drift("master", evidence=(Evidence(source="GET x", raw=RDAP),))
    update = comment_for(
        Kind.UPDATE, result, RUN, "deploy-repo", previous={"default_branch": "main"}
    )
    shown = assert_inert(update, hrefs={RUN_URL})
    assert "Observed before" in update and "`main`" in update and "`master`" in update
    assert "googlegroups" not in update
    closing = replace(result, status=Status.OK, observed={"default_branch": "main"})
    close = comment_for(Kind.CLOSE, closing, RUN, "deploy-repo")
    assert_inert(close, hrefs={RUN_URL})
    assert "holds again" in close and "googlegroups" not in close
    assert RUN_URL in render(close).hrefs and shown.hrefs == [RUN_URL]


def test_the_body_records_what_it_saw_so_the_next_update_can_say_what_moved() -> None:
    before = drift("master", observed={"default_branch": "master", "archived": False})
    body = body_for(before, MARKER, RUN)
    assert observed_in(body) == {"default_branch": "master"}  # the judged fields only
    after = drift(HOSTILE, observed={"default_branch": HOSTILE, "archived": True})
    update = comment_for(Kind.UPDATE, after, RUN, "deploy-repo", observed_in(body))
    shown = assert_inert(update, hrefs={RUN_URL})
    assert "<td><code>master</code></td>" in shown.html
    assert "@octocat" in "".join(shown.code)  # the new value is there, as code


def test_a_snapshot_that_is_missing_or_edited_is_said_so_not_guessed() -> None:
    body = body_for(drift("master"), MARKER, RUN)
    garbled = body.replace("observed=", "observed=!!", 1)
    assert observed_in(garbled) is None
    assert observed_in(body.replace("observed=", "observed=W10=", 1)) is None  # a list, not {}
    deep = base64.b64encode(('{"a": ' + "[" * 900 + "]" * 900 + "}").encode()).decode()
    assert observed_in(f"<!-- infra-checker:observed={deep} -->") is None  # edited, 900 deep
    update = comment_for(Kind.UPDATE, drift("trunk"), RUN, "deploy-repo", observed_in(garbled))
    assert "did not record what was observed before" in update
    assert "<td><code>trunk</code></td>" in assert_inert(update).html


def test_a_snapshot_too_large_is_left_out_and_a_secret_never_enters_it() -> None:
    assert observed_in(body_for(drift(HUGE), MARKER, RUN)) is None
    register_secret("ghp_snapshotSecret0123456789abcdef")
    body = body_for(drift("x ghp_snapshotSecret0123456789abcdef"), MARKER, RUN)
    assert observed_in(body) == {"default_branch": "x ***"}


def test_an_update_where_only_the_expectation_moved_shows_what_is_judged_now() -> None:
    update = comment_for(
        Kind.UPDATE, drift("master"), RUN, "deploy-repo", {"default_branch": "master"}
    )
    assert "nothing observed moved" in update
    assert "equals <code>main</code>" in assert_inert(update, hrefs={RUN_URL}).html


def test_a_clock_field_moves_only_when_the_date_behind_it_does() -> None:
    def expiring(days_left: int, expires: str) -> Result:
        return Result(
            id="mybinder-org-expiry",
            type="whois.expiry",
            status=Status.DRIFT,
            message=f"expected days_left to be at least 30, observed {days_left}",
            description="mybinder.org is renewed",
            expected={"days_left": {"at_least": 30}},
            observed={"days_left": days_left, "expires": expires},
        )

    recorded = observed_in(body_for(expiring(20, "2026-12-21"), MARKER, RUN))
    assert recorded == {"days_left": 20, "expires": "2026-12-21"}
    aged = comment_for(Kind.UPDATE, expiring(15, "2026-12-21"), RUN, "x", recorded)
    assert "nothing observed moved" in aged and "Observed before" not in aged
    renewed = comment_for(Kind.UPDATE, expiring(25, "2026-12-26"), RUN, "x", recorded)
    shown = assert_inert(renewed, hrefs={RUN_URL})
    assert "<td><code>20</code></td>\n<td><code>25</code></td>" in shown.html


def test_a_field_the_snapshot_did_not_record_is_not_claimed_to_have_moved() -> None:
    result = drift("master", expected={"default_branch": {"equals": "main"}, "archived": False})
    result = replace(result, observed={"default_branch": "trunk", "archived": True})
    update = comment_for(Kind.UPDATE, result, RUN, "x", {"default_branch": "master"})
    html = assert_inert(update, hrefs={RUN_URL}).html
    assert "<code>master</code>" in html and "<code>archived</code>" not in html


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
        st.sampled_from(["@", "#", "`", "<", ">", "!", "-", "\\", "\n", "\t", " ", "a", "1", "|"])
        | st.sampled_from(["\u202e", "\x00", "\u200b", "<!--", "-->", "```", "</details>"])
        | st.sampled_from(["https://", "www.", ".example", "%2E", "。", "@b.c", "GH-", "[x](y)"])
        | st.characters(),
        max_size=600,
    ).map("".join),
    repeat=st.sampled_from([1, 40]),
)
def test_any_outside_text_renders_inert(text: str, repeat: int) -> None:
    result = drift(text * repeat, description=text)
    body = body_for(result, MARKER, RUN)
    # The marker, and the snapshot unless the observed values are too large to record.
    assert_inert(body, hrefs={RUN_URL, DOC_URL}, comments=1 + (observed_in(body) is not None))
    assert parse_marker(body) == MARKER
    for kind in (Kind.REOPEN, Kind.UPDATE, Kind.CLOSE):
        assert_inert(comment_for(kind, result, RUN, "deploy-repo"), hrefs={RUN_URL})
