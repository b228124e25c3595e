"""The catalogue of check types: built-ins listed explicitly, plus third-party entry points.

A check type is declarative: a name (``family.what``), a pydantic model of its parameters, the
fields it observes (which ``expect`` may name), default expectations, and a function that
observes. Built-in modules must stay cheap to import: they load their client libraries inside
the function that observes, so ``validate``, ``list`` and ``schema`` never import them.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

from checker.engine.matchers import Matcher

if TYPE_CHECKING:
    from checker.engine.context import CheckContext
    from checker.engine.model import Observation

ENTRY_POINT_GROUP = "infra_checker.checks"
TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")

BUILTIN_MODULES = (
    "checker.checks.http",
    "checker.checks.dns",
    "checker.checks.whois",
    "checker.checks.quay",
    "checker.checks.dockerhub",
    "checker.checks.github",
    "checker.checks.gcp",
)

P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class CheckType(Generic[P]):
    """Everything the engine needs to validate, run and judge one kind of check."""

    name: str
    summary: str
    params: type[P]
    observe: Callable[[P, CheckContext], Observation]
    fields: Mapping[str, str]
    default_expect: Callable[[P], Mapping[str, Matcher]] = field(default=lambda _params: {})
    # Fields that change with the clock alone ("days_left"), each mapped to the stable field it
    # is computed from ("expires"): a drift issue is rewritten when the fact moves, not nightly.
    clock_fields: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not TYPE_NAME.match(self.name):
            raise ValueError(f"check type name {self.name!r} is not of the form family.what")


class RegistryError(Exception):
    """A plugin or built-in module did not provide valid check types."""


def _types_in(obj: Any, origin: str) -> Iterable[CheckType[Any]]:
    items = obj if isinstance(obj, (list, tuple)) else [obj]
    for item in items:
        if not isinstance(item, CheckType):
            raise RegistryError(f"{origin} provides {item!r}, which is not a CheckType")
        yield item


@cache
def registry() -> Mapping[str, CheckType[Any]]:
    """All known check types by name. A name registered twice (a plugin taking a built-in's
    name, or another plugin's) is an error: a check must not silently change what it runs."""
    found: dict[str, CheckType[Any]] = {}
    origins: dict[str, str] = {}

    def add(types: Iterable[CheckType[Any]], origin: str) -> None:
        for check_type in types:
            if check_type.name in found:
                raise RegistryError(
                    f"{origin} registers check type {check_type.name!r}, which "
                    f"{origins[check_type.name]} already provides; rename one of them"
                )
            found[check_type.name] = check_type
            origins[check_type.name] = origin

    for module_name in BUILTIN_MODULES:
        module = importlib.import_module(module_name)
        add(_types_in(module.CHECK_TYPES, module_name), f"built-in {module_name}")
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = ep.load()
        except Exception as exc:  # a broken plugin must not take the tool down
            raise RegistryError(
                f"check plugin {ep.name!r} ({ep.value}) failed to load: {exc}"
            ) from exc
        add(_types_in(loaded, f"entry point {ep.name!r}"), f"check plugin {ep.name!r}")
    return dict(sorted(found.items()))
