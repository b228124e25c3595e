"""The file backend: the state as pretty JSON beside checks.toml, replaced atomically.

A reader never sees half a file: the new state is written to a temporary file in the same
directory, flushed to disk, then renamed over the old one (one ``rename``, atomic on POSIX and
Windows), so two runs never interleave their writes and a crash leaves the old state whole.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from checker.memory.state import State, StateError, decode, encode


def load(path: Path) -> tuple[State, str | None]:
    """The state in ``path`` and a warning when it could not be used (then: an empty state)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return State(), None
    except (OSError, UnicodeDecodeError) as exc:
        return State(), f"state file {path}: cannot read ({exc}); starting with no history"
    try:
        return decode(json.loads(text)), None
    except StateError as exc:
        reason = str(exc)
    except (ValueError, RecursionError) as exc:
        reason = f"not JSON ({exc})"
    return State(), f"state file {path}: {reason}; starting with no history"


def save(path: Path, state: State) -> None:
    """Write-then-rename; raises OSError (the caller reports it)."""
    text = json.dumps(encode(state), indent=1, sort_keys=True) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
