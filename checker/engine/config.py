"""Load ``checks.toml`` into typed, validated models, with environment overrides.

Every problem becomes a :class:`ConfigError` whose message is one readable paragraph naming the
file, the check (by id, or by position when it has none) and the key. The CLI turns it into
exit code 2; nobody ever sees a traceback for bad input.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from checker.engine.header import CHECK_ID, ID_VALUE_ERRORS, KINDS, REQUIRED, CheckHeader
from checker.engine.matchers import Matcher, coerce
from checker.engine.model import Waiver, utcnow
from checker.engine.registry import CheckType, RegistryError, registry
from checker.engine.settings import (
    ENV_OVERRIDES,
    BlobUrl,
    DocumentSettings,
    IssueSettings,
    Settings,
    StateSettings,
    parse_blob_url,
)
from checker.errors import ConfigError, UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 in CI
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

COMMON_KEYS = frozenset({*CheckHeader.model_fields, "expect"})
# A waiver is a decision with an end, reviewed at least yearly: never "until 9999".
WAIVER_MAX_DAYS = 366
# TOML values are typed already: `retries = false` or `timeout = true` is a mistake to report,
# not a number to coerce (pydantic's lax mode reads them as 0 and 1), and the JSON Schema
# editors use says the same.
STRICT = True


@dataclass(frozen=True)
class CheckConfig:
    """One documented fact, validated against its check type."""

    id: str
    type: str
    description: str
    doc: str
    tags: tuple[str, ...]
    params: BaseModel
    expect: Mapping[str, Matcher]
    check_type: CheckType[Any]
    waive: Waiver | None = None
    # The sentence of the document this check verifies, and the anchor of its section; both
    # empty when the check is not bound to the document.
    quote: str = ""
    anchor: str = ""

    def expected_json(self) -> dict[str, Any]:
        return {name: m.describe() for name, m in self.expect.items()}


@dataclass(frozen=True)
class DocumentSource:
    """Where the document is: a local file, or a file on GitHub read through the contents API."""

    path: Path | None = None
    blob: BlobUrl | None = None
    ignore: tuple[str, ...] = ()

    def describe(self) -> str:
        return self.blob.url if self.blob is not None else str(self.path)


@dataclass(frozen=True)
class Config:
    path: Path
    settings: Settings
    issues: IssueSettings
    checks: tuple[CheckConfig, ...]
    raw_text: str
    state: StateSettings = field(default_factory=StateSettings)
    # Checks written down but switched off (enabled = false): not run, and their drift issues
    # are left as they are (only a check removed from the file has its issue closed).
    disabled_ids: tuple[str, ...] = ()
    document: DocumentSource | None = None


def _describe_errors(exc: ValidationError, prefix: Sequence[str | int] = ()) -> str:
    parts = []
    for err in exc.errors():
        loc = [*prefix, *err["loc"]]
        key = ".".join(str(p) for p in loc)
        if err["type"] == "extra_forbidden":
            parts.append(f'unknown key "{key}"')
        elif err["type"] == "missing":
            parts.append(f'missing required key "{key}"')
        else:
            msg = err["msg"].removeprefix("Value error, ")
            parts.append(f'key "{key}": {msg}' if key else msg)
    return "; ".join(parts)


def _apply_env(settings_data: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    endpoints = dict(settings_data.get("endpoints") or {})
    for var, key in ENV_OVERRIDES.items():
        value = env.get(var)
        if value:
            endpoints[key] = (
                [v.strip() for v in value.split(",") if v.strip()]
                if key == "dns_resolvers"
                else value
            )
    return {**settings_data, "endpoints": endpoints}


def _check_label(raw: Mapping[str, Any], index: int) -> str:
    ident = raw.get("id")
    return f'check "{ident}"' if isinstance(ident, str) and ident else f"check #{index + 1}"


def _check_type(type_name: str, types: Mapping[str, CheckType[Any]], label: str) -> CheckType[Any]:
    if type_name not in types:
        known = ", ".join(types)
        raise ConfigError(f'{label}: key "type": unknown check type "{type_name}" (known: {known})')
    return types[type_name]


def _header(raw: dict[str, Any], label: str, types: Mapping[str, CheckType[Any]]) -> CheckHeader:
    """The keys every check has. The first problem is reported: a required key, the id, the
    type, then the others."""
    try:
        return CheckHeader.model_validate(raw, strict=STRICT)
    except ValidationError as exc:
        errors = {str(err["loc"][0]): err for err in exc.errors()}
    for key in REQUIRED:
        if key in errors and errors[key]["type"] not in ID_VALUE_ERRORS:
            raise ConfigError(f'{label}: missing required key "{key}" (a non-empty string)')
    if "id" in errors:
        raise ConfigError(f'{label}: key "id": {errors["id"]["msg"]}')
    _check_type(raw["type"], types, label)
    key, err = next(iter(errors.items()))
    raise ConfigError(f'{label}: key "{key}": {KINDS.get(key, err["msg"])}')


def _waiver(raw: dict[str, Any] | None, label: str, today: date) -> Waiver | None:
    """``waive = { until = "YYYY-MM-DD", reason = "..." }``; both keys required."""
    if raw is None:
        return None
    unknown = sorted(set(raw) - {"until", "reason"})
    if unknown:
        raise ConfigError(f'{label}: unknown key "waive.{unknown[0]}" (waive has until, reason)')
    until, reason = raw.get("until"), raw.get("reason")
    if until is None:
        raise ConfigError(f'{label}: missing required key "waive.until" (a date, YYYY-MM-DD)')
    if isinstance(until, str):
        try:
            until = date.fromisoformat(until)
        except ValueError:
            until = None
    if not isinstance(until, date) or isinstance(until, datetime):
        raise ConfigError(f'{label}: key "waive.until": must be a date written YYYY-MM-DD')
    latest = today + timedelta(days=WAIVER_MAX_DAYS)
    if until > latest:
        raise ConfigError(
            f'{label}: key "waive.until": {until.isoformat()} is more than {WAIVER_MAX_DAYS} '
            f"days after today ({today.isoformat()}); a waiver must end by {latest.isoformat()}"
        )
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(
            f'{label}: missing required key "waive.reason" (why the deviation is accepted)'
        )
    return Waiver(until, " ".join(reason.split()))


def _binding(
    header: CheckHeader, label: str, document: DocumentSource | None, configured_url: str | None
) -> tuple[str, str]:
    """The check's quote and the anchor of its section (both empty when it has no quote)."""
    if not header.quote.strip():
        return "", ""
    if not header.doc:
        raise ConfigError(f'{label}: key "quote": needs a "doc" naming its section ("#anchor")')
    page, _, anchor = header.doc.partition("#")
    if not anchor:
        raise ConfigError(
            f'{label}: key "doc": must name the section of its quote ("#anchor", or the '
            "[document] url followed by #anchor)"
        )
    if page and page != configured_url:
        raise ConfigError(
            f'{label}: key "doc": a quote binds to the [document]: write "#{anchor}" or the '
            "[document] url followed by #anchor"
        )
    if document is None:
        raise ConfigError(
            f'{label}: key "quote": no document to find it in (add a [document] table with '
            "path or url, or pass --document)"
        )
    return " ".join(header.quote.split()), anchor


def _load_check(
    raw: Any,
    index: int,
    types: Mapping[str, CheckType[Any]],
    where: str,
    document: DocumentSource | None = None,
    configured_url: str | None = None,
    today: date | None = None,
) -> CheckConfig:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: check #{index + 1}: each [[check]] must be a table")
    label = f"{where}: {_check_label(raw, index)}"
    header = _header(raw, label, types)
    quote, anchor = _binding(header, label, document, configured_url)
    type_name = header.type
    check_type = _check_type(type_name, types, label)
    param_data = {k: v for k, v in raw.items() if k not in COMMON_KEYS}
    try:
        params = check_type.params.model_validate(param_data, strict=STRICT)
    except ValidationError as exc:
        raise ConfigError(f"{label}: {_describe_errors(exc)}") from None
    expect_raw = raw.get("expect", {})
    if not isinstance(expect_raw, dict):
        raise ConfigError(f'{label}: key "expect": must be a table of field = matcher')
    expect: dict[str, Matcher] = {}
    defaults = dict(check_type.default_expect(params))
    if not all(isinstance(m, Matcher) for m in defaults.values()):  # a plugin's bug: say so
        raise ConfigError(f"{label}: default expectations of {type_name} are not Matchers")
    for name, value in expect_raw.items():
        if name not in check_type.fields:
            fields = ", ".join(check_type.fields)
            raise ConfigError(
                f'{label}: unknown key "expect.{name}" ({type_name} observes: {fields})'
            )
        try:
            expect[name] = coerce(value)
        except ValidationError as exc:
            raise ConfigError(f"{label}: {_describe_errors(exc, ['expect', name])}") from None
    merged = {**defaults, **expect}
    if not merged:
        raise ConfigError(
            f'{label}: key "expect": {type_name} needs at least one expectation '
            f"(fields: {', '.join(check_type.fields)})"
        )
    return CheckConfig(
        id=header.id,
        type=type_name,
        description=header.description.strip(),
        doc=header.doc,
        tags=tuple(header.tags),
        params=params,
        expect=merged,
        check_type=check_type,
        waive=_waiver(header.waive, label, today or utcnow().date()),
        quote=quote,
        anchor=anchor,
    )


def document_source(
    raw: Any, config_path: Path, where: str, override: str | None
) -> tuple[DocumentSource | None, str | None]:
    """The ``[document]`` table (and ``--document``, which replaces where it is read from):
    the source, and the url the file names (a check's ``doc`` may start with it)."""
    if raw is None:
        settings = None
    elif not isinstance(raw, dict):
        raise ConfigError(f"{where}: [document] must be a table")
    else:
        try:
            settings = DocumentSettings.model_validate(raw, strict=STRICT)
        except ValidationError as exc:
            raise ConfigError(f"{where}: [document]: {_describe_errors(exc)}") from None
    ignore = tuple(settings.ignore) if settings is not None else ()
    configured_url = settings.url if settings is not None else None
    if override is not None:
        if override.startswith(("https://", "http://")):
            try:
                blob = parse_blob_url(override)
            except ValueError as exc:
                raise UsageError(f"--document: {exc}") from None
            return DocumentSource(blob=blob, ignore=ignore), configured_url
        return DocumentSource(path=Path(override), ignore=ignore), configured_url
    if settings is None:
        return None, None
    if settings.url is not None:
        return DocumentSource(blob=parse_blob_url(settings.url), ignore=ignore), configured_url
    assert settings.path is not None
    return DocumentSource(path=config_path.parent / settings.path, ignore=ignore), configured_url


INT64 = range(-(2**63), 2**63)


def _check_integers(value: Any, where: str, key: tuple[str, ...]) -> None:
    """TOML integers are 64-bit: the spec says a larger one must be an error, tomllib allows it
    (and a 6000-digit int would later crash every report that prints it)."""
    if isinstance(value, dict):
        for name, item in value.items():
            _check_integers(item, where, (*key, name))
    elif isinstance(value, list):
        for item in value:
            _check_integers(item, where, key)
    elif isinstance(value, int) and not isinstance(value, bool) and value not in INT64:
        raise ConfigError(f'{where}: key "{".".join(key)}": integer out of 64-bit range')


def parse_config(
    text: str,
    path: Path,
    env: Mapping[str, str] | None = None,
    document: str | None = None,
    *,
    today: date | None = None,
) -> Config:
    """Validate the text of a checks.toml. ``path`` names the file in messages (and a relative
    [document] path is relative to it); ``document`` is ``--document``, a path or a URL;
    ``today`` (UTC) bounds waivers."""
    env = os.environ if env is None else env
    today = today or utcnow().date()
    where = path.name
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per level of nested arrays/inline tables
        raise ConfigError(f"{where}: invalid TOML: arrays or tables nested too deeply") from None
    except ValueError as exc:  # tomllib lets int()'s 4300-digit limit escape undecorated
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    _check_integers(data, where, ())
    unknown = sorted(set(data) - {"settings", "issues", "state", "document", "check"})
    if unknown:
        raise ConfigError(
            f'{where}: unknown key "{unknown[0]}" at top level '
            "(expected [settings], [issues], [state], [document] and [[check]] tables)"
        )
    state_raw = data.get("state", {})
    if not isinstance(state_raw, dict):
        raise ConfigError(f"{where}: [state] must be a table")
    try:
        state = StateSettings.model_validate(state_raw, strict=STRICT)
    except ValidationError as exc:
        raise ConfigError(f"{where}: [state]: {_describe_errors(exc)}") from None
    source, configured_url = document_source(data.get("document"), path, where, document)
    settings_raw = data.get("settings", {})
    issues_raw = data.get("issues", {})
    checks_raw = data.get("check", [])
    if not isinstance(settings_raw, dict) or not isinstance(issues_raw, dict):
        raise ConfigError(f"{where}: [settings] and [issues] must be tables")
    try:
        settings = Settings.model_validate(_apply_env(settings_raw, env), strict=STRICT)
    except ValidationError as exc:
        overridden = [v for v in ENV_OVERRIDES if env.get(v)]
        hint = f" (environment overrides in effect: {', '.join(overridden)})" if overridden else ""
        raise ConfigError(f"{where}: [settings]: {_describe_errors(exc)}{hint}") from None
    try:
        issues = IssueSettings.model_validate(issues_raw, strict=STRICT)
    except ValidationError as exc:
        raise ConfigError(f"{where}: [issues]: {_describe_errors(exc)}") from None
    if not isinstance(checks_raw, list):
        raise ConfigError(f"{where}: checks must be written as [[check]] tables")
    try:
        types = registry()
    except RegistryError as exc:
        raise ConfigError(str(exc)) from None
    checks: list[CheckConfig] = []
    disabled: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(checks_raw):
        if isinstance(raw, dict) and raw.get("enabled", True) is False:
            ident = raw.get("id")
            if not isinstance(ident, str) or not CHECK_ID.match(ident):
                raise ConfigError(
                    f"{where}: {_check_label(raw, index)}: a disabled check still needs its "
                    "kebab-case id (it names the check's drift issue)"
                )
            disabled.append(ident)
        else:
            check = _load_check(raw, index, types, where, source, configured_url, today)
            ident = check.id
            checks.append(check)
        if ident in seen:
            raise ConfigError(f'{where}: check "{ident}": duplicate id (ids must be unique)')
        seen.add(ident)
    return Config(
        path=path,
        settings=settings,
        issues=issues,
        checks=tuple(checks),
        raw_text=text,
        state=state,
        disabled_ids=tuple(disabled),
        document=source,
    )


def load_config(
    path: Path,
    env: Mapping[str, str] | None = None,
    document: str | None = None,
    *,
    today: date | None = None,
) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(text, path, env, document, today=today)
