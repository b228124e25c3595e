"""The shared HTTP layer against a real loopback server: every fault ends as CheckError, in time."""

from __future__ import annotations

import email.utils
import gzip
import time
from collections.abc import Iterator

import pytest

from checker.engine.model import CheckError, utcnow
from checker.net.http import HttpClient, parse_retry_after
from tests.world import closed_port
from tests.world.httpfake import FakeHTTPService, Reply, Request


@pytest.fixture(scope="module")
def service() -> Iterator[FakeHTTPService]:
    fake = FakeHTTPService("http-layer")

    @fake.route("GET", "/thing")
    def thing(request: Request) -> Reply:
        return Reply.json({"ua": request.headers.get("user-agent"), "q": request.query})

    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(service: FakeHTTPService) -> Iterator[FakeHTTPService]:
    service.reset()
    yield service
    service.reset()


def client(max_bytes: int = 1_000_000) -> HttpClient:
    return HttpClient(user_agent="infra-checker/test", max_bytes=max_bytes)


def test_get_sends_user_agent_and_params(fake: FakeHTTPService) -> None:
    response = client().get(f"{fake.url}/thing", timeout=2, params={"a": "b"})
    assert response.status == 200
    assert response.json_object() == {"ua": "infra-checker/test", "q": {"a": "b"}}


def test_evidence_is_stamped_when_fetched_not_when_rendered(fake: FakeHTTPService) -> None:
    before = utcnow()
    response = client().get(f"{fake.url}/thing", timeout=2)
    after = utcnow()
    time.sleep(0.05)
    evidence = response.evidence()
    assert before <= evidence.fetched_at <= after
    assert evidence.fetched_at == response.fetched_at


def test_not_found_is_returned_for_the_check_to_interpret(fake: FakeHTTPService) -> None:
    response = client().get(f"{fake.url}/missing", timeout=2)
    assert response.status == 404


@pytest.mark.parametrize("status", [500, 502, 503, 520])
def test_server_errors_raise(fake: FakeHTTPService, status: int) -> None:
    fake.inject("status", status=status)
    with pytest.raises(CheckError, match=f"server error \\(HTTP {status}\\)"):
        client().get(f"{fake.url}/thing", timeout=2)


def test_accepted_status_is_returned(fake: FakeHTTPService) -> None:
    fake.inject("status", status=503)
    assert client().get(f"{fake.url}/thing", timeout=2, accept_statuses={503}).status == 503


def test_rate_limit_carries_retry_after(fake: FakeHTTPService) -> None:
    fake.inject("rate_limit", retry_after=7)
    with pytest.raises(CheckError) as info:
        client().get(f"{fake.url}/thing", timeout=2)
    assert info.value.retry_after == 7
    assert "429" in info.value.message


def test_docker_hub_x_retry_after_is_a_unix_time(fake: FakeHTTPService) -> None:
    fake.inject(
        "rate_limit", retry_after=None, headers={"X-Retry-After": str(int(time.time()) + 20)}
    )
    with pytest.raises(CheckError) as info:
        client().get(f"{fake.url}/thing", timeout=2)
    assert info.value.retry_after is not None
    assert 15 <= info.value.retry_after <= 21


def test_parse_retry_after_forms() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after({"retry-after": "12"}, now) == 12
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after({"retry-after": date}, now) == pytest.approx(30, abs=1)
    assert parse_retry_after({"x-retry-after": str(int(now) + 5)}, now) == 5
    assert parse_retry_after({"x-retry-after": str(int(now) - 5)}, now) == 0
    assert parse_retry_after({"retry-after": "soon"}, now) is None
    assert parse_retry_after({}, now) is None


def test_html_where_json_was_expected(fake: FakeHTTPService) -> None:
    fake.inject("html")
    response = client().get(f"{fake.url}/thing", timeout=2)
    with pytest.raises(CheckError, match="an HTML page"):
        response.json()


def test_truncated_json(fake: FakeHTTPService) -> None:
    fake.inject("truncated_json")
    response = client().get(f"{fake.url}/thing", timeout=2)
    with pytest.raises(CheckError, match="not JSON"):
        response.json_object()


def test_json_that_is_not_an_object(fake: FakeHTTPService) -> None:
    @fake.route("GET", "/list")
    def listing(request: Request) -> Reply:
        return Reply.json([1, 2])

    with pytest.raises(CheckError, match="not an object"):
        client().get(f"{fake.url}/list", timeout=2).json_object()


def test_huge_body_is_refused(fake: FakeHTTPService) -> None:
    fake.inject("huge")
    started = time.monotonic()
    with pytest.raises(CheckError, match="cap"):
        client(max_bytes=5_000_000).get(f"{fake.url}/thing", timeout=5)
    assert time.monotonic() - started < 5


def test_compressed_bomb_is_cut_while_reading(fake: FakeHTTPService) -> None:
    # The declared length is small; the cap must hold on the decoded bytes while reading.
    bomb = gzip.compress(b"0" * 2_000_000)

    @fake.route("GET", "/bomb")
    def serve_bomb(request: Request) -> Reply:
        return Reply(200, bomb, {"Content-Type": "application/json", "Content-Encoding": "gzip"})

    with pytest.raises(CheckError, match="response exceeds the 100000-byte cap"):
        client(max_bytes=100_000).get(f"{fake.url}/bomb", timeout=5)


def test_trickling_body_ends_at_the_deadline(fake: FakeHTTPService) -> None:
    fake.inject("trickle")
    started = time.monotonic()
    with pytest.raises(CheckError, match="timed out"):
        client().get(f"{fake.url}/thing", timeout=1.0)
    assert time.monotonic() - started < 3


def test_hang_ends_at_the_deadline(fake: FakeHTTPService) -> None:
    fake.inject("hang")
    started = time.monotonic()
    with pytest.raises(CheckError, match="timed out"):
        client().get(f"{fake.url}/thing", timeout=0.5)
    assert time.monotonic() - started < 3


def test_reset_is_a_connection_failure(fake: FakeHTTPService) -> None:
    fake.inject("reset")
    with pytest.raises(CheckError, match=r"connection (reset|failed)"):
        client().get(f"{fake.url}/thing", timeout=2)


def test_refused_connection() -> None:
    with pytest.raises(CheckError, match="connection refused"):
        client().get(f"http://127.0.0.1:{closed_port()}/", timeout=2)


def test_json_object_with_names_what_is_missing(fake: FakeHTTPService) -> None:
    response = client().get(f"{fake.url}/thing", timeout=2)
    assert response.json_object_with(("ua",), "a thing")["ua"] == "infra-checker/test"
    with pytest.raises(CheckError, match=r"not a widget \(no name, size\)"):
        response.json_object_with(("ua", "name", "size"), "a widget")
    assert "unexpected HTTP 200 from Thing" in response.unexpected("Thing").message


def test_service_error_accepts_only_the_services_error_shape(fake: FakeHTTPService) -> None:
    @fake.route("GET", "/gone")
    def gone(request: Request) -> Reply:
        return Reply.json({"errinfo": None, "message": "not found"}, 404)

    response = client().get(f"{fake.url}/gone", timeout=2)
    assert response.service_error("Hub", ("message",))["message"] == "not found"
    with pytest.raises(CheckError, match="JSON of another shape, not Quay's error body"):
        response.service_error("Quay", ("error_type",))
    fake.inject("status", status=404)
    page = client().get(f"{fake.url}/gone", timeout=2)
    with pytest.raises(CheckError, match="an HTML page, not Hub's error body"):
        page.service_error("Hub", ("message",))
