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
from checker.engine.model import CheckError, Observation, Status, Unverifiable
from checker.engine.registry import CheckType
from checker.engine.runner import run_checks, run_one
from checker.engine.settings import Settings
from tests.helpers import run_single
from tests.world import World


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
    assert result.message == "HTTP 503"


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
