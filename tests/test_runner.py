"""The runner: hard deadlines, retries with Retry-After, drift confirmation, concurrency, order."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict

from checker.engine.config import CheckConfig
from checker.engine.context import CheckContext, make_services
from checker.engine.matchers import coerce
from checker.engine.model import CheckError, Evidence, Observation, Status, Unverifiable
from checker.engine.registry import CheckType
from checker.engine.runner import run_checks, run_one
from checker.engine.settings import Settings
from checker.engine.sharing import HostLimits, RequestKey, RequestMemo
from tests.helpers import FAST_SETTINGS, run_single, run_text
from tests.world import World, closed_port


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


def scripted(
    behaviours: list[Callable[[CheckContext], Observation]], check_id: str = "scripted"
) -> tuple[CheckConfig, list[int]]:
    """A check that behaves differently on each attempt (the last behaviour repeats)."""
    calls = [0]

    def observe(_params: NoParams, ctx: CheckContext) -> Observation:
        index = min(calls[0], len(behaviours) - 1)
        calls[0] += 1
        return behaviours[index](ctx)

    check_type: CheckType[Any] = CheckType(
        name="test.scripted",
        summary="scripted",
        params=NoParams,
        observe=observe,
        fields={"value": "a value"},
    )
    check = CheckConfig(
        id=check_id,
        type="test.scripted",
        description="a scripted fact",
        doc="",
        tags=(),
        params=NoParams(),
        expect={"value": coerce({"equals": "documented"})},
        check_type=check_type,
    )
    return check, calls


def saw(value: str) -> Callable[[CheckContext], Observation]:
    return lambda _ctx: Observation({"value": value})


def fail(message: str, retry_after: float | None = None) -> Callable[[CheckContext], Observation]:
    def raise_(_ctx: CheckContext) -> Observation:
        raise CheckError(message, retry_after=retry_after)

    return raise_


def settings(**overrides: Any) -> Settings:
    base: dict[str, Any] = {"timeout": 2, "retries": 2, "retry_backoff": 0, "confirm_delay": 0}
    return Settings.model_validate({**base, **overrides})


def services(**overrides: Any):  # type: ignore[no-untyped-def]
    return make_services(settings(**overrides), {})


def test_ok_when_the_fact_is_seen() -> None:
    check, calls = scripted([saw("documented")])
    result = run_one(check, services())
    assert (result.status, result.attempts, calls[0]) == (Status.OK, 1, 1)
    assert result.message == 'as documented: value "documented"'
    assert result.observed == {"value": "documented"}


def test_drift_is_confirmed_by_a_second_look() -> None:
    check, calls = scripted([saw("moved")])
    result = run_one(check, services())
    assert result.status is Status.DRIFT
    assert result.attempts == 2 and calls[0] == 2
    assert result.message == 'expected value to equal "documented", observed "moved"'


def test_a_drift_seen_once_is_not_reported() -> None:
    check, _ = scripted([saw("glitch"), saw("documented")])
    result = run_one(check, services())
    assert result.status is Status.OK
    assert result.attempts == 2


def test_errors_are_retried_then_reported() -> None:
    check, calls = scripted([fail("HTTP 503")])
    result = run_one(check, services(retries=2))
    assert result.status is Status.ERROR
    assert calls[0] == 3
    assert result.message == "HTTP 503 (3 attempts in 0.0 s)"
    assert [look.message for look in result.looks] == ["HTTP 503"] * 3


def test_error_then_success_is_ok() -> None:
    check, _ = scripted([fail("reset"), saw("documented")])
    result = run_one(check, services())
    assert (result.status, result.attempts) == (Status.OK, 2)


def test_retry_after_is_honoured() -> None:
    sleeps: list[float] = []
    check, _ = scripted([fail("429", retry_after=1.5), saw("documented")])
    result = run_one(check, services(retry_backoff=0.1), sleep=sleeps.append)
    assert result.status is Status.OK
    assert sleeps == [1.5]


def test_backoff_doubles_between_retries() -> None:
    sleeps: list[float] = []
    check, _ = scripted([fail("503")])
    run_one(check, services(retries=3, retry_backoff=0.5), sleep=sleeps.append)
    assert sleeps == [0.5, 1.0, 2.0]


def test_retry_after_beyond_the_cap_gives_up_at_once() -> None:
    sleeps: list[float] = []
    check, calls = scripted([fail("429 retry after 3600 s", retry_after=3600)])
    result = run_one(check, services(max_retry_wait=30), sleep=sleeps.append)
    assert result.status is Status.ERROR
    assert sleeps == [] and calls[0] == 1


def test_unverifiable_is_not_retried_and_keeps_its_reason() -> None:
    def redacted(_ctx: CheckContext) -> Observation:
        raise Unverifiable("contact data is redacted by the registry")

    check, calls = scripted([redacted])
    result = run_one(check, services())
    assert result.status is Status.UNVERIFIABLE
    assert result.message == "contact data is redacted by the registry"
    assert calls[0] == 1


def test_a_bug_in_a_check_is_an_error_not_a_crash() -> None:
    def buggy(_ctx: CheckContext) -> Observation:
        raise KeyError("registrar")

    check, _ = scripted([buggy])
    result = run_one(check, services(retries=0))
    assert result.status is Status.ERROR
    assert result.message == "internal error in test.scripted: KeyError: 'registrar'"


def test_a_check_that_does_not_report_an_expected_field_is_an_error() -> None:
    check, _ = scripted([lambda _ctx: Observation({"other": 1})])
    result = run_one(check, services(retries=0))
    assert result.status is Status.ERROR
    assert "did not report value" in result.message


def test_hard_deadline_abandons_a_hung_check() -> None:
    release = threading.Event()

    def hang(_ctx: CheckContext) -> Observation:
        release.wait(30)
        return Observation({"value": "documented"})

    check, _ = scripted([hang])
    started = time.monotonic()
    try:
        result = run_one(check, services(timeout=0.3, retries=0))
    finally:
        release.set()
    assert result.status is Status.ERROR
    assert result.message == "timed out after 0.3 s"
    assert time.monotonic() - started < 5


def test_checks_run_concurrently_and_report_in_config_order() -> None:
    def slow(delay: float) -> Callable[[CheckContext], Observation]:
        def observe(_ctx: CheckContext) -> Observation:
            time.sleep(delay)
            return Observation({"value": "documented"})

        return observe

    checks = [scripted([slow(0.5 - i * 0.05)], f"check-{i}")[0] for i in range(8)]
    started = time.monotonic()
    report = run_checks(checks, services(concurrency=8))
    elapsed = time.monotonic() - started
    assert [r.id for r in report.results] == [f"check-{i}" for i in range(8)]
    assert all(r.status is Status.OK for r in report.results)
    assert elapsed < 2.0  # sequentially it would take 2.7 s


def test_exit_codes_follow_the_worst_status() -> None:
    def report_of(*behaviours: Callable[[CheckContext], Observation]) -> int:
        checks = [scripted([b], f"c-{i}")[0] for i, b in enumerate(behaviours)]
        return run_checks(checks, services(retries=0)).exit_code()

    def redacted(_ctx: CheckContext) -> Observation:
        raise Unverifiable("redacted")

    assert report_of(saw("documented"), redacted) == 0
    assert report_of(saw("documented"), fail("x"), saw("moved")) == 1
    assert report_of(saw("documented"), fail("x")) == 3


HTTP_CHECK = """
[[check]]
id = "binder-home"
type = "http.status"
description = "mybinder.org answers"
url = "{url}/"
"""


def test_retry_after_from_a_real_429(world: World) -> None:
    world.site.inject("rate_limit", retry_after=1, times=1)
    started = time.monotonic()
    result = run_single(HTTP_CHECK.format(url=world.site.url), world.env())
    assert result.status is Status.OK
    assert result.attempts == 2
    assert time.monotonic() - started >= 1.0


def test_waiting_for_another_checks_shared_download_ends_at_ones_own_deadline() -> None:
    services = make_services(Settings(), {})
    release = threading.Event()
    started = threading.Event()

    def stalled_download() -> str:
        started.set()
        release.wait(5)
        return "table"

    first = threading.Thread(target=lambda: services.shared("bootstrap", stalled_download))
    first.start()
    started.wait(5)
    try:
        begun = time.monotonic()
        try:
            services.shared("bootstrap", lambda: "never", deadline=begun + 0.3)
        except CheckError as exc:
            assert "waiting for another check to fetch bootstrap" in str(exc)
        else:
            raise AssertionError("waited past its deadline")
        assert time.monotonic() - begun < 2
    finally:
        release.set()
        first.join(5)
    assert services.shared("bootstrap", lambda: "again") == "table"  # the first one's result


# --- one deadline per check ---------------------------------------------------------------


def test_a_hung_service_ends_within_check_deadline(world: World) -> None:
    world.site.inject("hang")
    settings_text = """
[settings]
timeout = 1
retries = 5
retry_backoff = 0.2
check_deadline = 3
"""
    result = run_single(HTTP_CHECK.format(url=world.site.url), world.env(), settings_text)
    assert result.status is Status.ERROR
    assert result.duration_s <= 3.0
    assert 1 < result.attempts < 6  # every attempt that fits, and no more
    assert f"({result.attempts} attempts in " in result.message
    assert "no time left for another within check_deadline 3 s" in result.message
    assert len(result.looks) == result.attempts


def test_a_retry_after_longer_than_what_is_left_ends_the_check_at_once(world: World) -> None:
    world.site.inject("rate_limit", retry_after=30)
    settings_text = """
[settings]
timeout = 2
retries = 3
max_retry_wait = 120
check_deadline = 10
"""
    result = run_single(HTTP_CHECK.format(url=world.site.url), world.env(), settings_text)
    assert result.status is Status.ERROR
    assert result.attempts == 1
    assert world.site.count("GET") == 1
    assert "asked to retry after 30 s, more than the " in result.message
    assert "left of check_deadline 10 s" in result.message


def test_an_attempt_gets_only_what_is_left_of_the_check_deadline() -> None:
    budgets: list[float] = []

    def time_out(ctx: CheckContext) -> Observation:
        budgets.append(ctx.remaining())
        time.sleep(max(0.0, ctx.remaining() - 0.05))
        raise CheckError("timed out")

    check, _ = scripted([time_out])
    result = run_one(check, services(timeout=1, retries=3, check_deadline=2, retry_backoff=0))
    # 1 s, then the 0.9 s left (0.1 s is kept for the run's own work); a third cannot start
    assert len(budgets) == 2 and result.attempts == 2
    assert budgets[0] <= 1 and budgets[1] < 0.95
    assert result.duration_s <= 2


def test_a_drift_that_cannot_be_confirmed_in_time_is_an_error() -> None:
    sleeps: list[float] = []
    check, calls = scripted([saw("moved")])
    result = run_one(check, services(confirm_delay=30, check_deadline=10), sleep=sleeps.append)
    assert result.status is Status.ERROR
    assert calls[0] == 1 and sleeps == []
    assert "seen once, not confirmed" in result.message


def test_every_look_keeps_its_evidence() -> None:
    def seen(value: str) -> Callable[[CheckContext], Observation]:
        return lambda _ctx: Observation({"value": value}, (Evidence(source=f"look {value}"),))

    check, _ = scripted([fail("HTTP 503"), seen("moved"), seen("moved")])
    result = run_one(check, services())
    assert result.status is Status.DRIFT
    assert [look.status for look in result.looks] == [Status.ERROR, Status.DRIFT, Status.DRIFT]
    assert [e.source for look in result.looks[1:] for e in look.evidence] == [
        "look moved",
        "look moved",
    ]


# --- each request once per run -------------------------------------------------------------

REGISTRATION_CHECKS = """
[[check]]
id = "registrar"
description = "a registration fact"
type = "whois.registrar"
domain = "mybinder.org"
names = ["Bluehost", "FastDomain"]

[[check]]
id = "owner"
description = "a registration fact"
type = "whois.contact"
domain = "mybinder.org"
name = "Chris Holdgraf"

[[check]]
id = "email"
description = "a registration fact"
type = "whois.contact"
domain = "mybinder.org"
email = ["binder-team@googlegroups.com"]

[[check]]
id = "expiry"
description = "a registration fact"
type = "whois.expiry"
domain = "mybinder.org"
days = 30

[[check]]
id = "delegation"
description = "a registration fact"
type = "whois.nameservers"
domain = "mybinder.org"
expect.nameservers = { all_match = '\\.ns\\.cloudflare\\.com$' }
"""


def test_five_checks_of_one_domain_make_one_rdap_request(world: World) -> None:
    report = run_text(REGISTRATION_CHECKS, world.env())
    assert {r.status for r in report.results} <= {Status.OK, Status.UNVERIFIABLE}
    assert world.rdap.count("GET", "/rdap/domain/mybinder.org") == 1
    assert world.rdap.count("GET", "/registrar/") <= 1  # the contacts' `related` link
    for result in report.results:  # each names the request it used
        assert any("/rdap/domain/mybinder.org" in e.source for e in result.evidence)


def test_with_rdap_down_five_checks_make_one_whois_chain(world: World) -> None:
    env = {**world.env(), "CHECKER_RDAP_URL": f"http://127.0.0.1:{closed_port()}/rdap"}
    report = run_text(REGISTRATION_CHECKS, env)
    assert {r.status for r in report.results} <= {Status.OK, Status.UNVERIFIABLE}
    assert world.whois.count() == 1  # one server answers every query here (whois_server)


def test_sharing_off_asks_every_time(world: World) -> None:
    settings_text = FAST_SETTINGS + "share_requests = false\n"
    run_text(REGISTRATION_CHECKS, world.env(), settings_text)
    assert world.rdap.count("GET", "/rdap/domain/mybinder.org") == 5


def test_a_retry_asks_again_and_shares_nothing_older_than_its_last_look() -> None:
    memo = RequestMemo()
    key = RequestKey("HTTP", "GET", "https://example.org/")
    asked: list[int] = []

    def ask() -> int:
        asked.append(1)
        return len(asked)

    far = time.monotonic() + 5
    assert memo.once(key, ask, fresh_after=float("-inf"), deadline=far) == 1
    assert memo.once(key, ask, fresh_after=float("-inf"), deadline=far) == 1  # shared
    again = time.monotonic()
    assert memo.once(key, ask, fresh_after=again, deadline=far) == 2  # a new look asks again
    assert memo.once(key, ask, fresh_after=again, deadline=far) == 2  # ... shared in turn
    assert (memo.made, memo.shared) == (2, 2)


def test_a_failure_is_shared_too() -> None:
    memo = RequestMemo()
    key = RequestKey("DNS", "NS", "mybinder.org. via 127.0.0.1:53")

    def fail_once() -> str:
        raise CheckError("SERVFAIL")

    far = time.monotonic() + 5
    for _ in range(3):
        try:
            memo.once(key, fail_once, fresh_after=float("-inf"), deadline=far)
        except CheckError as exc:
            assert exc.message == "SERVFAIL"
    assert memo.made == 1


def test_a_key_never_shows_the_credential() -> None:
    memo = RequestMemo()
    key = RequestKey(
        "HTTP", "GET", "https://quay.io/api/v1/repository/x", memo.credential("s3cr3t")
    )
    assert "s3cr3t" not in repr(key) and "s3cr3t" not in str(key)
    assert key != RequestKey("HTTP", "GET", key.target, memo.credential("other"))
    assert key == RequestKey("HTTP", "GET", key.target, memo.credential("s3cr3t"))


# --- concurrency per service ---------------------------------------------------------------


def test_per_host_is_never_exceeded(world: World) -> None:
    world.site.inject("latency", delay=0.2)
    checks = "".join(
        f'\n[[check]]\nid = "page-{n}"\ntype = "http.status"\ndescription = "a page"\n'
        f'url = "{world.site.url}/?page={n}"\n'
        for n in range(12)
    )
    settings_text = FAST_SETTINGS + "concurrency = 12\nper_host = 3\n"
    report = run_text(checks, world.env(), settings_text)
    assert all(r.status is Status.OK for r in report.results)
    assert world.site.count("GET") == 12  # different queries: nothing to share
    assert world.site.peak == 3  # used, and never exceeded


def test_a_services_retry_after_pauses_that_service_only() -> None:
    limits = HostLimits(4)
    limits.pause("quay.io", 30)
    soon = time.monotonic() + 1
    try:
        with limits.slot("quay.io", soon):
            raise AssertionError("asked a paused service")
    except CheckError as exc:
        assert "quay.io asked (Retry-After)" in exc.message
    with limits.slot("hub.docker.com", soon):
        pass  # another service is not paused


HUNG_SETTINGS = """
[settings]
timeout = 1
retries = 5
retry_backoff = 0.1
check_deadline = 2.5
"""


def test_a_hung_dns_resolver_ends_within_check_deadline(world: World) -> None:
    world.dns.inject("drop")
    check = """
[[check]]
id = "gke"
type = "dns.record"
description = "gke.mybinder.org resolves"
name = "gke.mybinder.org"
rdtype = "A"
"""
    result = run_single(check, world.env(), HUNG_SETTINGS)
    assert result.status is Status.ERROR
    assert result.duration_s <= 2.5
    assert "check_deadline 2.5 s" in result.message


def test_a_hung_whois_server_with_rdap_down_ends_within_check_deadline(world: World) -> None:
    world.whois.inject("hang")
    env = {**world.env(), "CHECKER_RDAP_URL": f"http://127.0.0.1:{closed_port()}/rdap"}
    report = run_text(REGISTRATION_CHECKS, env, HUNG_SETTINGS)
    assert {r.status for r in report.results} == {Status.ERROR}
    assert all(r.duration_s <= 2.5 for r in report.results)
    # the five checks look together: about one query per round of attempts, not five
    assert world.whois.count() <= max(r.attempts for r in report.results) + 1


def test_a_request_never_sent_is_not_shared() -> None:
    limits, memo = HostLimits(1), RequestMemo()
    key = RequestKey("HTTP", "GET", "https://quay.io/api/v1/repository/x")
    limits.pause("quay.io", 30)

    def ask() -> str:
        with limits.slot("quay.io", time.monotonic() + 1):
            return "answer"

    try:
        memo.once(key, ask, fresh_after=float("-inf"), deadline=time.monotonic() + 1)
    except CheckError as exc:
        assert "Retry-After" in exc.message
    else:
        raise AssertionError("asked a paused service")
    # the pause over, the next check asks for itself instead of getting "not asked"
    assert memo.once(key, lambda: "answer", fresh_after=float("-inf"), deadline=1e12) == "answer"
    assert memo.made == 2
