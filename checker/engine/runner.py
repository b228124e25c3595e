"""Run every check concurrently, each within one deadline, and judge what it observed.

Three rules keep verdicts honest when the network is not:
- an ``error`` is retried with backoff (bounded; a service's ``Retry-After`` is honoured up to
  ``max_retry_wait``), so one dropped packet does not fail the night;
- a ``drift`` is confirmed by looking once more after ``confirm_delay``: a fact seen only once
  as different is not reported as drift;
- everything one check does (every attempt, each at most ``timeout``, the backoff and
  ``Retry-After`` waits, the second look) ends within ``check_deadline``: an attempt still
  running at its end is abandoned as ``error`` (its thread is a daemon and dies with the
  process), and a retry or a second look that cannot start in time is not started.

A retry and a second look ask every request again (shared with the checks looking again at
the same time, see :mod:`checker.engine.sharing`); a result keeps the evidence of every look.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from checker.engine.config import CheckConfig
from checker.engine.context import CheckContext, Services
from checker.engine.matchers import show
from checker.engine.model import (
    CheckError,
    DocumentSummary,
    Look,
    Observation,
    Result,
    Status,
    Unverifiable,
    utcnow,
)
from checker.engine.redaction import redact
from checker.engine.settings import Settings
from checker.errors import ExitCode

# An attempt needs at least this long to be worth starting (a retry that cannot start in time
# is not started).
MIN_LOOK_S = 0.5
ProgressCallback = Callable[[Result, int, int], None]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class RunReport:
    started_at: datetime
    duration_s: float
    results: tuple[Result, ...]
    document: DocumentSummary | None = None

    def summary(self) -> dict[str, int]:
        counts = {status.value: 0 for status in Status}
        for result in self.results:
            counts[result.status.value] += 1
        return counts

    def exit_code(self) -> ExitCode:
        """OK clean (unverifiable and waived drift allowed), DRIFT, ERRORS when no drift but
        errors."""
        if any(r.counts_as_drift for r in self.results):
            return ExitCode.DRIFT
        if any(r.status is Status.ERROR for r in self.results):
            return ExitCode.ERRORS
        return ExitCode.OK


def judge(check: CheckConfig, observation: Observation) -> tuple[Status, str]:
    """Apply the check's matchers to what it observed."""
    values = observation.values
    missing = [name for name in check.expect if name not in values]
    if missing:
        return Status.ERROR, f"{check.type} did not report {', '.join(missing)}: a bug in the check"
    exists = check.expect.get("exists")
    if exists is not None and exists.failures("exists", values["exists"]):
        # Absence explains every other mismatch; listing them would only bury it.
        return Status.DRIFT, exists.failures("exists", values["exists"])[0]
    failures = [
        sentence
        for name, matcher in check.expect.items()
        for sentence in matcher.failures(name, values[name])
    ]
    if failures:
        return Status.DRIFT, "; ".join(failures)
    seen = ", ".join(f"{name} {show(values[name])}" for name in check.expect if name != "exists")
    return Status.OK, f"as documented: {seen}" if seen else "as documented"


@dataclass(frozen=True)
class _Attempt:
    status: Status
    message: str
    observed: dict[str, Any] | None
    evidence: tuple[Any, ...]
    retry_after: float | None = None


def _observe(check: CheckConfig, ctx: CheckContext) -> _Attempt:
    try:
        observation = check.check_type.observe(check.params, ctx)
    except CheckError as exc:
        return _Attempt(Status.ERROR, exc.message, None, exc.evidence, exc.retry_after)
    except Unverifiable as exc:
        return _Attempt(Status.UNVERIFIABLE, exc.reason, None, exc.evidence)
    except Exception as exc:  # a bug in a check is an error for that check, not a crash
        return _Attempt(
            Status.ERROR, f"internal error in {check.type}: {type(exc).__name__}: {exc}", None, ()
        )
    if _not_finite(observation.values):
        # No fact is NaN or Infinity: they come from JSON that only Python accepts (PyGithub
        # and others parse it), and a report holding them is not JSON. Could not look.
        return _Attempt(
            Status.ERROR,
            f"{check.type}: the answer held NaN or Infinity, which is not JSON",
            None,
            observation.evidence,
        )
    status, message = judge(check, observation)
    return _Attempt(status, message, dict(observation.values), observation.evidence)


def _not_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return any(_not_finite(item) for item in value)
    if isinstance(value, Mapping):
        return any(_not_finite(item) for item in value.values())
    return False


_SURROGATE = re.compile("[\ud800-\udfff]")


def _scrub(value: Any) -> Any:
    """JSON may escape a lone UTF-16 surrogate (``"\\ud800"``), which Python decodes into a
    string no UTF-8 stream can write: one from a service would crash every report. Outside
    text keeps everything else; the surrogate becomes U+FFFD. A known secret (a service may
    echo the token it was sent) becomes ``***``."""
    if isinstance(value, str):
        return redact(_SURROGATE.sub("\ufffd", value))
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    if isinstance(value, dict):
        return {_scrub(key): _scrub(item) for key, item in value.items()}
    return value


def _scrubbed(attempt: _Attempt) -> _Attempt:
    evidence = tuple(
        replace(e, source=_scrub(e.source), excerpt=_scrub(e.excerpt), raw=_scrub(e.raw))
        for e in attempt.evidence
    )
    observed = None if attempt.observed is None else _scrub(attempt.observed)
    return replace(attempt, message=_scrub(attempt.message), observed=observed, evidence=evidence)


def _attempt_with_deadline(
    check: CheckConfig, services: Services, budget: float, fresh_after: float
) -> _Attempt:
    ctx = CheckContext(
        services=services,
        deadline=time.monotonic() + budget,
        fresh_after=fresh_after,
    )
    box: list[_Attempt] = []
    worker = threading.Thread(
        target=lambda: box.append(_scrubbed(_observe(check, ctx))),
        name=f"check-{check.id}",
        daemon=True,
    )
    worker.start()
    worker.join(budget)
    if box:
        return box[0]
    return _Attempt(Status.ERROR, f"timed out after {budget:.3g} s", None, ())


def _end_margin(settings: Settings) -> float:
    """Time kept back from ``check_deadline`` for the run's own work (start-up, judging, the
    report), so a run whose checks all start at once is over within ``check_deadline``."""
    return min(2.0, 0.05 * settings.check_deadline)


def run_one(check: CheckConfig, services: Services, sleep: Sleep = time.sleep) -> Result:
    """Look, retry errors, confirm drift: everything within ``settings.check_deadline``."""
    settings: Settings = services.settings
    started = time.monotonic()
    deadline = started + settings.check_deadline - _end_margin(settings)
    looks: list[Look] = []
    fresh_after = float("-inf")  # the first look may use any answer already got this run
    stopped = ""
    while True:
        look_started, look_at = time.monotonic(), utcnow()
        budget = max(0.05, min(settings.timeout, deadline - look_started))
        attempt = _attempt_with_deadline(check, services, budget, fresh_after)
        looks.append(
            Look(
                attempt.status,
                attempt.message,
                attempt.evidence,
                time.monotonic() - look_started,
                look_at,
            )
        )
        fresh_after = time.monotonic()  # the next look asks again
        left = deadline - fresh_after
        if attempt.status is Status.ERROR and len(looks) <= settings.retries:
            wait = settings.retry_backoff * (2 ** (len(looks) - 1))
            if attempt.retry_after is not None:
                asked = f"the service asked to retry after {attempt.retry_after:.0f} s"
                if attempt.retry_after > settings.max_retry_wait:
                    stopped = f"{asked}, more than max_retry_wait {settings.max_retry_wait:g} s"
                    break
                if attempt.retry_after + MIN_LOOK_S > left:
                    stopped = f"{asked}, more than the {max(0.0, left):.0f} s left of " + (
                        f"check_deadline {settings.check_deadline:g} s"
                    )
                    break
                wait = max(wait, attempt.retry_after)
            if wait + MIN_LOOK_S > left:
                stopped = (
                    f"no time left for another within check_deadline {settings.check_deadline:g} s"
                )
                break
            sleep(wait)
            continue
        if _unconfirmed(looks):
            if settings.confirm_delay + MIN_LOOK_S > left:
                attempt = replace(
                    attempt,
                    status=Status.ERROR,
                    message=f"{attempt.message}; seen once, not confirmed: no time left for a "
                    f"second look within check_deadline {settings.check_deadline:g} s",
                )
                break
            sleep(settings.confirm_delay)
            continue
        break
    took = time.monotonic() - started
    message = attempt.message
    if attempt.status is Status.ERROR and (len(looks) > 1 or stopped):
        tally = f"{len(looks)} attempt{'s' if len(looks) > 1 else ''} in {took:.1f} s"
        message = f"{message} ({tally}{'; ' + stopped if stopped else ''})"
    return Result(
        id=check.id,
        type=check.type,
        status=attempt.status,
        message=message,
        description=check.description,
        doc=check.doc,
        expected=check.expected_json(),
        observed=attempt.observed,
        evidence=attempt.evidence,
        duration_s=took,
        attempts=len(looks),
        tags=check.tags,
        looks=tuple(looks),
        waiver=check.waive,
    )


def _unconfirmed(looks: list[Look]) -> bool:
    """A drift seen for the first time (not a second look already): it needs confirming."""
    return looks[-1].status is Status.DRIFT and all(
        look.status is not Status.DRIFT for look in looks[:-1]
    )


def _interleaved(checks: Sequence[CheckConfig]) -> list[int]:
    """Start order: one check of each type in turn, so a run's first workers do not all wait
    for the same service's ``per_host`` slots while the others sit idle."""
    queues: dict[str, list[int]] = {}
    for index, check in enumerate(checks):
        queues.setdefault(check.type, []).append(index)
    order: list[int] = []
    while queues:
        for name in list(queues):
            order.append(queues[name].pop(0))
            if not queues[name]:
                del queues[name]
    return order


def run_checks(
    checks: Sequence[CheckConfig],
    services: Services,
    *,
    on_result: ProgressCallback | None = None,
    sleep: Sleep = time.sleep,
    now: datetime | None = None,
) -> RunReport:
    """Run ``checks`` concurrently; results come back in config order.

    ``now`` is when the run counts as started (the clock of simulated nights in tests); a
    waiver holds if that day (UTC) is on or before its ``until``.
    """
    started_at = now or utcnow()
    started = time.monotonic()
    results: list[Result | None] = [None] * len(checks)
    done = 0
    lock = threading.Lock()

    def work(index: int) -> None:
        nonlocal done
        result = run_one(checks[index], services, sleep)
        with lock:
            results[index] = result
            done += 1
            if on_result is not None:
                on_result(result, done, len(checks))

    with ThreadPoolExecutor(max_workers=services.settings.concurrency) as pool:
        for future in [pool.submit(work, i) for i in _interleaved(checks)]:
            future.result()
    today = started_at.astimezone(timezone.utc).date()
    final = tuple(
        replace(r, waived=r.waiver is not None and r.waiver.holds_on(today))
        for r in results
        if r is not None
    )
    return RunReport(started_at=started_at, duration_s=time.monotonic() - started, results=final)
