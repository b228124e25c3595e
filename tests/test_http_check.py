"""``http.status`` against a real HTTP server on loopback."""

from __future__ import annotations

import pytest

from checker.engine.model import Status
from tests.helpers import run_single
from tests.world import World, closed_port

CHECK = """
[[check]]
id = "gke-binder-answers"
type = "http.status"
description = "The BinderHub deployment answers at gke.mybinder.org"
url = "{url}"
{extra}
"""


def check(url: str, extra: str = "") -> str:
    return CHECK.format(url=url, extra=extra)


def test_documented_page_is_ok(world: World) -> None:
    result = run_single(
        check(world.site.url + "/", 'expect.body = { contains = "BinderHub" }'), world.env()
    )
    assert result.status is Status.OK
    assert result.observed is not None and result.observed["status"] == 200
    assert result.evidence[0].source == f"GET {world.site.url}/ -> HTTP 200"
    assert "Powered by BinderHub" in result.evidence[0].raw


def test_missing_page_is_drift(world: World) -> None:
    result = run_single(check(world.site.url + "/gone"), world.env())
    assert result.status is Status.DRIFT
    assert result.message == "expected status to be one of [200], observed 404"


def test_body_text_gone_is_drift(world: World) -> None:
    result = run_single(
        check(world.site.url + "/", 'expect.body = { contains = "JupyterHub" }'), world.env()
    )
    assert result.status is Status.DRIFT
    assert 'expected body to contain "JupyterHub"' in result.message


def test_documented_error_status_is_a_fact(world: World) -> None:
    world.site.inject("status", status=503)
    result = run_single(check(world.site.url + "/", "expected_status = 503"), world.env())
    assert result.status is Status.OK


@pytest.mark.parametrize(
    ("fault", "options", "message"),
    [
        ("status", {"status": 502}, "server error (HTTP 502)"),
        ("rate_limit", {"retry_after": 60}, "rate limited (HTTP 429); asked to retry after 60 s"),
        ("reset", {}, "connection failed"),
        ("hang", {}, "timed out after"),
        ("huge", {}, "byte cap"),
    ],
)
def test_faults_are_errors(
    world: World, fault: str, options: dict[str, object], message: str
) -> None:
    world.site.inject(fault, **options)
    settings = (
        "[settings]\ntimeout = 1\nretries = 0\nconfirm_delay = 0\nmax_response_bytes = 1000000\n"
    )
    result = run_single(check(world.site.url + "/"), world.env(), settings=settings)
    assert result.status is Status.ERROR
    assert message in result.message


def test_refused_connection_is_an_error(world: World) -> None:
    result = run_single(check(f"http://127.0.0.1:{closed_port()}/"), world.env())
    assert result.status is Status.ERROR
    assert "connection refused" in result.message
