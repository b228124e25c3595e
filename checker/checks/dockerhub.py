"""Check types of the `dockerhub` family (not yet implemented)."""

from __future__ import annotations

from typing import Any

from checker.engine.registry import CheckType

CHECK_TYPES: list[CheckType[Any]] = []
