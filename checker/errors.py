"""What can go wrong for a person to fix, grouped by meaning, and the one map of exit codes.

A :class:`UserError` is bad input or a refused invocation: its message is one paragraph meant
for a person, as is (the CLI makes it terminal-safe where it prints it), and the exit code is
``ExitCode.USAGE``. Which subclass is raised says what the person has to change; it never
chooses the exit code.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """The exit codes of ``infra-checker``; scripts and the GitHub Action rely on them."""

    OK = 0  # nothing drifted or errored (``unverifiable`` allowed)
    DRIFT = 1
    USAGE = 2  # usage or config error, or a bug: nothing was judged from it
    ERRORS = 3  # no drift, but some checks (or the issue sync) could not look this time
    INTERRUPTED = 130  # the shell's convention for SIGINT


class FailOn(str, enum.Enum):
    """What fails the run (a non-zero exit): ``error`` fails on drift or errors, ``drift`` on
    drift only (a flaky night is reported, not failed), ``never`` only on usage or config
    errors."""

    DRIFT = "drift"
    ERROR = "error"
    NEVER = "never"

    def __str__(self) -> str:
        return self.value

    def exit_code(self, code: ExitCode) -> ExitCode:
        """The exit code of a run whose verdicts gave ``code``."""
        if self is FailOn.NEVER or (self is FailOn.DRIFT and code is ExitCode.ERRORS):
            return ExitCode.OK
        return code


class UserError(Exception):
    """Bad input or invocation: the message says what is wrong and where, for a person."""


class ConfigError(UserError):
    """checks.toml (or an environment override of it) is not valid: names the file, the check
    and the key."""


class UsageError(UserError):
    """The command line asks for something that cannot be done: names the option."""


class SyncError(UserError):
    """A call of the issue sync failed; the message says why (in GitHub's words) and what to do.

    ``transient`` failures (rate limits beyond the budget, 5xx, network, an issue deleted under
    our feet) are GitHub's passing trouble, judged like a check's ``error`` (exit 3, subject to
    --fail-on); the others (no permission, no such repository, issues disabled, archived, a
    request GitHub refused as invalid) need a person, like a config error (exit 2).
    ``stops_sync``: every later call would fail the same way, so the sync stops trying.
    """

    def __init__(self, message: str, *, transient: bool = False, stops_sync: bool = False) -> None:
        super().__init__(message)
        self.transient = transient
        self.stops_sync = stops_sync
