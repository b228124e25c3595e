"""Load ``checks.toml`` into typed, validated models, with environment overrides.

Every problem becomes a :class:`ConfigError` whose message is one readable paragraph naming the
file, the check (by id, or by position when it has none) and the key. The CLI turns it into
exit code 2; nobody ever sees a traceback for bad input.
"""

from __future__ import annotations

import ipaddress
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    field_validator,
)

from checker.engine.matchers import Matcher, coerce
from checker.engine.model import Waiver, utcnow
from checker.engine.registry import CheckType, RegistryError, registry
from checker.outputs.escape import terminal_safe
from checker.outputs.issues.settings import IssueSettings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 in CI
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

CHECK_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
COMMON_KEYS = frozenset({"id", "type", "description", "doc", "tags", "expect", "enabled", "waive"})
# A waiver is a decision with an end, reviewed at least yearly: never "until 9999".
WAIVER_MAX_DAYS = 366
# TOML values are typed already: `retries = false` or `timeout = true` is a mistake to report,
# not a number to coerce (pydantic's lax mode reads them as 0 and 1), and the JSON Schema
# editors use says the same.
STRICT = True


class ConfigError(Exception):
    """Bad input: the message is meant for a person, as is.

    It is kept to one line even when it quotes a key or value from the file that holds line
    breaks or terminal escapes, so the CLI's one-paragraph promise holds for any input.
    """

    def __init__(self, message: str) -> None:
        super().__init__(terminal_safe(message))


def parse_host_port(text: str, default_port: int) -> tuple[str, int]:
    """Split ``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address."""
    text = text.strip()
    if not text:
        raise ValueError("empty address")
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep:
            raise ValueError(f"{text!r}: missing ']'")
        port_text = rest.removeprefix(":") if rest else ""
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host, port_text = text, ""
    if not host:
        raise ValueError(f"{text!r}: missing host")
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"{text!r}: port must be a number from 1 to 65535")
        return host, int(port_text)
    return host, default_port


def _check_url(value: str | None) -> str | None:
    if value is not None and not re.match(r"^https?://[^\s/]+", value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value.rstrip("/") if value is not None else None


class Endpoints(BaseModel):
    """Where each service lives: the public defaults, or a mirror, GitHub Enterprise, a resolver."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    github_api: str = "https://api.github.com"
    quay: str = "https://quay.io"
    dockerhub: str = "https://hub.docker.com"
    gcp: str | None = None
    rdap: str | None = Field(
        default=None, description="RDAP base URL; default: found via the IANA bootstrap file"
    )
    rdap_bootstrap: str = "https://data.iana.org/rdap/dns.json"
    whois_server: str | None = Field(
        default=None, description="host[:port] used for every WHOIS query; default: IANA referral"
    )
    dns_resolvers: list[str] = Field(
        default_factory=list, description="ip[:port] list; default: the system resolver"
    )

    _urls = field_validator("github_api", "quay", "dockerhub", "gcp", "rdap", "rdap_bootstrap")(
        _check_url
    )

    @field_validator("whois_server")
    @classmethod
    def _whois(cls, value: str | None) -> str | None:
        if value is not None:
            parse_host_port(value, 43)
        return value

    @field_validator("dns_resolvers")
    @classmethod
    def _resolvers(cls, values: list[str]) -> list[str]:
        for value in values:
            host, _ = parse_host_port(value, 53)
            try:
                ipaddress.ip_address(host)
            except ValueError:
                raise ValueError(f"{value!r}: a resolver must be an IP address") from None
        return values

    def resolver_addresses(self) -> list[tuple[str, int]]:
        return [parse_host_port(v, 53) for v in self.dns_resolvers]

    def whois_address(self) -> tuple[str, int] | None:
        return parse_host_port(self.whois_server, 43) if self.whois_server else None


class Settings(BaseModel):
    """How checks run."""

    # Upper bounds keep every wait a real number of seconds a nightly job can afford
    # (an infinite confirm_delay would sleep forever; 1e300 overflows the clock).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    timeout: PositiveFloat = Field(
        default=20.0, le=3600, description="hard deadline per check attempt (s)"
    )
    concurrency: PositiveInt = Field(default=8, le=256, description="checks running at once")
    retries: int = Field(default=2, ge=0, le=10, description="retries of an error result")
    retry_backoff: float = Field(
        default=1.0, ge=0, le=600, description="first backoff (s), doubling"
    )
    max_retry_wait: float = Field(
        default=30.0, ge=0, le=3600, description="longest Retry-After honoured before giving up (s)"
    )
    confirm_delay: float = Field(
        default=2.0, ge=0, le=600, description="pause before re-running a drift to confirm it (s)"
    )
    max_response_bytes: PositiveInt = Field(
        default=5_000_000, description="largest response body read from any service"
    )
    endpoints: Endpoints = Field(default_factory=Endpoints)


DURATION = re.compile(r"^(?P<n>[1-9][0-9]{0,5})(?P<unit>[mhd])$")
UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400}


class StateSettings(BaseModel):
    """The ``[state]`` table: where run memory lives and how much of it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: Literal["auto", "file", "github-issue", "none"] = Field(
        default="auto",
        description="auto: github-issue when issue sync is on, else file",
    )
    path: str | None = Field(
        default=None, description="file backend; default .infra-checker/state.json beside it"
    )
    history: int = Field(default=30, ge=1, le=1000, description="runs remembered per check")
    expected_every: str | None = Field(
        default=None, description='how often runs are expected, e.g. "24h" (m, h or d)'
    )

    @field_validator("expected_every")
    @classmethod
    def _every(cls, value: str | None) -> str | None:
        if value is not None and not DURATION.match(value):
            raise ValueError(f'{value!r} is not a duration such as "30m", "24h" or "7d"')
        return value

    def interval(self) -> timedelta | None:
        match = DURATION.match(self.expected_every or "")
        if match is None:
            return None
        return timedelta(seconds=int(match["n"]) * UNIT_SECONDS[match["unit"]])


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

    def expected_json(self) -> dict[str, Any]:
        return {name: m.describe() for name, m in self.expect.items()}


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


ENV_OVERRIDES: Mapping[str, str] = {
    "GITHUB_API_URL": "github_api",
    "CHECKER_DNS_RESOLVERS": "dns_resolvers",
    "CHECKER_WHOIS_SERVER": "whois_server",
    "CHECKER_RDAP_URL": "rdap",
    "CHECKER_QUAY_URL": "quay",
    "CHECKER_DOCKERHUB_URL": "dockerhub",
    "CHECKER_GCP_ENDPOINT": "gcp",
}


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


def _waiver(raw: Any, label: str, today: date) -> Waiver | None:
    """``waive = { until = "YYYY-MM-DD", reason = "..." }``; both keys required."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ConfigError(
            f'{label}: key "waive": must be a table {{ until = "YYYY-MM-DD", reason = "..." }}'
        )
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
    if not isinstance(until, date) or hasattr(until, "hour"):  # TOML datetimes are dates too
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


def _load_check(
    raw: Any, index: int, types: Mapping[str, CheckType[Any]], where: str, today: date
) -> CheckConfig:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: check #{index + 1}: each [[check]] must be a table")
    label = f"{where}: {_check_label(raw, index)}"
    for key in ("id", "type", "description"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ConfigError(f'{label}: missing required key "{key}" (a non-empty string)')
    ident, type_name = raw["id"], raw["type"]
    if not CHECK_ID.match(ident):
        raise ConfigError(
            f'{label}: key "id": must be kebab-case (lowercase letters, digits, single dashes); '
            "it is the stable identity of the check's drift issue"
        )
    if type_name not in types:
        known = ", ".join(types)
        raise ConfigError(f'{label}: key "type": unknown check type "{type_name}" (known: {known})')
    check_type = types[type_name]
    if not isinstance(raw.get("enabled", True), bool):
        raise ConfigError(f'{label}: key "enabled": must be true or false')
    doc = raw.get("doc", "")
    tags = raw.get("tags", [])
    if not isinstance(doc, str):
        raise ConfigError(f'{label}: key "doc": must be a string')
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ConfigError(f'{label}: key "tags": must be a list of strings')
    param_data = {k: v for k, v in raw.items() if k not in COMMON_KEYS}
    try:
        params = check_type.params.model_validate(param_data, strict=STRICT)
    except ValidationError as exc:
        raise ConfigError(f"{label}: {_describe_errors(exc)}") from None
    expect_raw = raw.get("expect", {})
    if not isinstance(expect_raw, dict):
        raise ConfigError(f'{label}: key "expect": must be a table of field = matcher')
    expect: dict[str, Matcher] = {}
    try:
        defaults = {k: coerce(v) for k, v in check_type.default_expect(params).items()}
    except ValidationError as exc:  # a plugin's defaults are its author's bug, still say so
        raise ConfigError(f"{label}: default expectations of {type_name}: {exc}") from None
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
        id=ident,
        type=type_name,
        description=raw["description"].strip(),
        doc=doc,
        tags=tuple(tags),
        params=params,
        expect=merged,
        check_type=check_type,
        waive=_waiver(raw.get("waive"), label, today),
    )


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
    text: str, path: Path, env: Mapping[str, str] | None = None, *, today: date | None = None
) -> Config:
    """Validate the text of a checks.toml. ``path`` is only used to name the file in messages;
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
    unknown = sorted(set(data) - {"settings", "issues", "state", "check"})
    if unknown:
        raise ConfigError(
            f'{where}: unknown key "{unknown[0]}" at top level '
            "(expected [settings], [issues], [state] and [[check]] tables)"
        )
    state_raw = data.get("state", {})
    if not isinstance(state_raw, dict):
        raise ConfigError(f"{where}: [state] must be a table")
    try:
        state = StateSettings.model_validate(state_raw, strict=STRICT)
    except ValidationError as exc:
        raise ConfigError(f"{where}: [state]: {_describe_errors(exc)}") from None
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
            check = _load_check(raw, index, types, where, today)
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
    )


def load_config(
    path: Path, env: Mapping[str, str] | None = None, *, today: date | None = None
) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(text, path, env, today=today)
