"""The vocabulary of the issue lifecycle, shared by the planner, the renderer and the client."""

from __future__ import annotations

import enum


class Kind(str, enum.Enum):
    """What one planned action does to one issue."""

    CREATE = "create"
    RELABEL = "relabel"  # found by its marker without our label: put the label back
    UPDATE = "update"
    REOPEN = "reopen"
    CLOSE = "close"
    CLOSE_REMOVED = "close-removed"
    CLOSE_DUPLICATE = "close-duplicate"


class IssueState(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class StateReason(str, enum.Enum):
    """GitHub's ``state_reason``: why an issue is in its state (REST "update an issue")."""

    COMPLETED = "completed"
    NOT_PLANNED = "not_planned"
    REOPENED = "reopened"
