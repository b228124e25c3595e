"""Run every check concurrently, each under a hard deadline, and judge what it observed.

Three rules keep verdicts honest when the network is not:
- an ``error`` is retried with backoff (bounded; a service's ``Retry-After`` is honoured up to
  ``max_retry_wait``), so one dropped packet does not fail the night;
- a ``drift`` is confirmed by looking once more after ``confirm_delay``: a fact seen only once
  as different is not reported as drift;
- an attempt still running at ``timeout`` is abandoned as ``error`` and the run goes on: a check
  is never allowed to hold the run hostage (its thread is a daemon and dies with the process).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from checker.engine.config import CheckConfig, Settings
from checker.engine.context import CheckContext, Services
from checker.engine.matchers import show
from checker.engine.model import (
    CheckError,
    Observation,
    Result,
    Status,
    Unverifiable,
    utcnow,
)
from checker.engine.redaction import redact

ProgressCallback = Callable[[Result, int, int], None]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class RunReport:
    started_at: datetime
    duration_s: float
    results: tuple[Result, ...]

    def summary(self) -> dict[str, int]:
        counts = {status.value: 0 for status in Status}
        for result in self.results:
            counts[result.status.value] += 1
        return counts

    def exit_code(self) -> int:
        """0 clean (unverifiable allowed), 1 drift, 3 no drift but errors."""
        statuses = {r.status for r in self.results}
        if Status.DRIFT in statuses:
            return 1
        if Status.ERROR in statuses:
            return 3
        return 0


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


def _attempt_with_deadline(check: CheckConfig, services: Services) -> _Attempt:
    timeout = services.settings.timeout
    ctx = CheckContext(services=services, deadline=time.monotonic() + timeout, check_id=check.id)
    box: list[_Attempt] = []
    worker = threading.Thread(
        target=lambda: box.append(_scrubbed(_observe(check, ctx))),
        name=f"check-{check.id}",
        daemon=True,
    )
    worker.start()
    worker.join(timeout)
    if box:
        return box[0]
    return _Attempt(Status.ERROR, f"timed out after {timeout:g} s", None, ())


def run_one(check: CheckConfig, services: Services, sleep: Sleep = time.sleep) -> Result:
    settings: Settings = services.settings
    started = time.monotonic()
    attempts = 0
    confirming = False
    while True:
        attempts += 1
        attempt = _attempt_with_deadline(check, services)
        if attempt.status is Status.ERROR and attempts <= settings.retries:
            wait = settings.retry_backoff * (2 ** (attempts - 1))
            if attempt.retry_after is not None:
                if attempt.retry_after > settings.max_retry_wait:
                    break
                wait = max(wait, attempt.retry_after)
            sleep(wait)
            continue
        if attempt.status is Status.DRIFT and not confirming:
            confirming = True
            sleep(settings.confirm_delay)
            continue
        break
    return Result(
        id=check.id,
        type=check.type,
        status=attempt.status,
        message=attempt.message,
        description=check.description,
        doc=check.doc,
        expected=check.expected_json(),
        observed=attempt.observed,
        evidence=attempt.evidence,
        duration_s=time.monotonic() - started,
        attempts=attempts,
        tags=check.tags,
    )


def run_checks(
    checks: Sequence[CheckConfig],
    services: Services,
    *,
    on_result: ProgressCallback | None = None,
    sleep: Sleep = time.sleep,
) -> RunReport:
    """Run ``checks`` concurrently; results come back in config order."""
    started_at = utcnow()
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
        for future in [pool.submit(work, i) for i in range(len(checks))]:
            future.result()
    final = tuple(r for r in results if r is not None)
    return RunReport(started_at=started_at, duration_s=time.monotonic() - started, results=final)
