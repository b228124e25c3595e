"""One matcher vocabulary for every check, so ``expect`` reads the same everywhere.

A :class:`Matcher` is a table of one or more operators; every operator must hold. String
comparisons are normalised (case-folded, surrounding whitespace and a trailing dot removed) so
that ``NS1.Example.COM.`` and ``ns1.example.com`` are the same fact. Evaluation never raises:
a value of the wrong shape is a failed expectation with a sentence saying so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

Scalar = StrictBool | StrictInt | StrictFloat | StrictStr
Number = StrictInt | StrictFloat


def normalise(value: Any) -> Any:
    """Canonical form for comparing documented and observed strings."""
    if isinstance(value, str):
        return value.strip().rstrip(".").casefold()
    return value


def show(value: Any) -> str:
    """Render a value for a sentence, the way JSON would (quotes, brackets)."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:  # an int past Python's 4300-digit str limit: repr would raise too
        text = f"<{type(value).__name__} too large to print>"
    return text if len(text) <= 300 else text[:300] + "…"


class Matcher(BaseModel):
    """Expectations about one observed field. Every operator given must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    equals: Scalar | list[Scalar] | None = None
    one_of: list[Scalar] | None = None
    contains: StrictStr | list[StrictStr] | None = None
    matches: StrictStr | None = None
    all_match: StrictStr | None = None
    set_equals: list[StrictStr] | None = None
    includes: list[StrictStr] | None = None
    at_least: Number | None = None
    at_most: Number | None = None

    @field_validator("matches", "all_match")
    @classmethod
    def _valid_regex(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
        return pattern

    @model_validator(mode="after")
    def _not_empty(self) -> Matcher:
        if not self.model_fields_set:
            raise ValueError("a matcher needs at least one of: " + ", ".join(Matcher.model_fields))
        return self

    def describe(self) -> dict[str, Any]:
        """The operators that were given, for reports."""
        return self.model_dump(exclude_unset=True)

    def failures(self, name: str, observed: Any) -> list[str]:
        """Sentences for every operator that does not hold; empty when the value matches."""
        out: list[str] = []
        for op in self.model_fields_set:
            arg = getattr(self, op)
            sentence = _OPERATORS[op](name, arg, observed)
            if sentence is not None:
                out.append(sentence)
        return sorted(out)


def must_exist() -> dict[str, Matcher]:
    """The default expectation of most check types: the thing is there (a fresh dict, to add
    the type's other defaults to)."""
    return {"exists": Matcher(equals=True)}


def coerce(value: Any) -> Matcher:
    """Accept ``expect.field = <scalar>`` as shorthand for ``{ equals = <scalar> }``."""
    if isinstance(value, Matcher):
        return value
    if isinstance(value, Mapping):
        return Matcher.model_validate(value)
    return Matcher.model_validate({"equals": value})


def _fail(name: str, expectation: str, observed: Any) -> str:
    return f"expected {name} to {expectation}, observed {show(observed)}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same(observed: Any, documented: Any) -> bool:
    """Equal after normalisation; numbers compare by value, never a bool with a number."""
    if _is_number(observed) and _is_number(documented):
        return bool(observed == documented)
    return type(observed) is type(documented) and normalise(observed) == normalise(documented)


def _op_equals(name: str, arg: Any, observed: Any) -> str | None:
    if isinstance(arg, list):
        same_length = isinstance(observed, list) and len(observed) == len(arg)
        if same_length and all(_same(o, a) for o, a in zip(observed, arg, strict=True)):
            return None
    elif _same(observed, arg):
        return None
    return _fail(name, f"equal {show(arg)}", observed)


def _op_one_of(name: str, arg: list[Any], observed: Any) -> str | None:
    if any(_same(observed, a) for a in arg):
        return None
    return _fail(name, f"be one of {show(arg)}", observed)


def _op_contains(name: str, arg: str | list[str], observed: Any) -> str | None:
    needles = [arg] if isinstance(arg, str) else arg
    haystack = observed if isinstance(observed, list) else [observed]
    texts = [h.casefold() for h in haystack if isinstance(h, str)]
    if any(n.casefold() in t for n in needles for t in texts):
        return None
    wording = f"contain {show(arg)}" if isinstance(arg, str) else f"contain one of {show(arg)}"
    return _fail(name, wording, observed)


def _search(pattern: str, value: Any) -> bool:
    return isinstance(value, str) and re.search(pattern, value) is not None


def _op_matches(name: str, arg: str, observed: Any) -> str | None:
    if _search(arg, observed):
        return None
    return _fail(name, f"match /{arg}/", observed)


def _op_all_match(name: str, arg: str, observed: Any) -> str | None:
    if not isinstance(observed, list):
        return _fail(name, f"be a list whose every item matches /{arg}/", observed)
    if not observed:
        return _fail(name, f"be a non-empty list whose every item matches /{arg}/", observed)
    misfits = [item for item in observed if not _search(arg, item)]
    if not misfits:
        return None
    # The misfits are what the reader needs; the whole list only when it is more than them.
    expectation = f"only have items matching /{arg}/"
    if len(misfits) == len(observed):
        return _fail(name, expectation, observed) + " (no item matches)"
    among = f"{show(misfits)} of the {len(observed)} observed do not"
    return f"expected {name} to {expectation}, but {among}"


def _normal_set(values: Any) -> set[Any] | None:
    if not isinstance(values, list):
        return None
    try:
        return {normalise(v) for v in values}
    except TypeError:  # unhashable items (dicts, lists)
        return None


def _op_set_equals(name: str, arg: list[str], observed: Any) -> str | None:
    seen = _normal_set(observed)
    want = {normalise(a) for a in arg}
    if seen == want:
        return None
    if seen is None:
        return _fail(name, f"be the set {show(sorted(arg))}", observed)
    missing = sorted(want - seen)
    extra = sorted(seen - want, key=show)  # observed lists may mix types (null, numbers)
    detail = "; ".join(
        part
        for part in (
            f"missing {show(missing)}" if missing else "",
            f"unexpected {show(extra)}" if extra else "",
        )
        if part
    )
    return _fail(name, f"be the set {show(sorted(arg))} ({detail})", observed)


def _op_includes(name: str, arg: list[str], observed: Any) -> str | None:
    seen = _normal_set(observed)
    missing = sorted({normalise(a) for a in arg} - (seen or set()))
    if seen is not None and not missing:
        return None
    return _fail(name, f"include {show(arg)} (missing {show(missing)})", observed)


def _op_at_least(name: str, arg: float, observed: Any) -> str | None:
    if _is_number(observed) and observed >= arg:
        return None
    return _fail(name, f"be at least {show(arg)}", observed)


def _op_at_most(name: str, arg: float, observed: Any) -> str | None:
    if _is_number(observed) and observed <= arg:
        return None
    return _fail(name, f"be at most {show(arg)}", observed)


_OPERATORS = {
    "equals": _op_equals,
    "one_of": _op_one_of,
    "contains": _op_contains,
    "matches": _op_matches,
    "all_match": _op_all_match,
    "set_equals": _op_set_equals,
    "includes": _op_includes,
    "at_least": _op_at_least,
    "at_most": _op_at_most,
}
