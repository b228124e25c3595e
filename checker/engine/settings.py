"""How a run is configured: the ``[settings]`` and ``[issues]`` tables of checks.toml.

A leaf: it imports nothing of infra-checker, so every layer (engine, net, checks, outputs) can
read the settings without importing each other.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    PositiveInt,
    field_validator,
    model_validator,
)


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
        default=20.0, le=3600, description="longest one attempt of a check may take (s)"
    )
    check_deadline: PositiveFloat = Field(
        default=60.0,
        le=3600,
        description="everything one check does (every attempt, backoff, Retry-After wait and "
        "the look that confirms a drift) ends within this (s)",
    )
    concurrency: PositiveInt = Field(default=32, le=256, description="checks running at once")
    per_host: PositiveInt = Field(
        default=4, le=256, description="requests of one run in flight to one host at once"
    )
    share_requests: bool = Field(
        default=True,
        description="ask each identical request once per run and share the answer "
        "(false only to compare)",
    )
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


ENV_OVERRIDES: Mapping[str, str] = {
    "GITHUB_API_URL": "github_api",
    "CHECKER_DNS_RESOLVERS": "dns_resolvers",
    "CHECKER_WHOIS_SERVER": "whois_server",
    "CHECKER_RDAP_URL": "rdap",
    "CHECKER_QUAY_URL": "quay",
    "CHECKER_DOCKERHUB_URL": "dockerhub",
    "CHECKER_GCP_ENDPOINT": "gcp",
}


REPOSITORY = re.compile(r"\A[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\Z")  # \Z: "o/r\n" is no name
LABEL_MAX = 50


class IssueSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    enabled: bool = Field(default=False, description="sync drift issues on every run")
    repository: str | None = Field(
        default=None, description="owner/name; default: $GITHUB_REPOSITORY"
    )
    labels: list[str] = Field(
        default_factory=lambda: ["infra-drift"],
        description="the first label identifies managed issues; the others are added to them",
    )
    max_new: int = Field(default=10, ge=0, description="cap on issues created per run")
    label_color: str = Field(
        default="d93f0b", description="colour of the identifying label when it is created (hex)"
    )
    label_description: str = Field(
        default="A documented infrastructure fact no longer holds (infra-checker)",
        max_length=100,
        description="description of the identifying label when it is created",
    )
    write_interval: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description="seconds between write calls (GitHub asks for about 1 s)",
    )
    unverified_after: int = Field(
        default=7,
        ge=1,
        le=3650,
        description="days without an ok or drift before a check gets a Cannot verify issue",
    )
    max_rate_limit_wait: float = Field(
        default=60.0,
        ge=0,
        le=900,
        description="longest total wait for GitHub rate limits during one sync (s); "
        "beyond it the sync stops and the next run finishes the job",
    )

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str | None) -> str | None:
        if value is not None and not REPOSITORY.match(value):
            raise ValueError(f"{value!r} is not of the form owner/name")
        return value

    @field_validator("label_color")
    @classmethod
    def _colour(cls, value: str) -> str:
        value = value.removeprefix("#").lower()
        if not re.fullmatch(r"[0-9a-f]{6}", value):
            raise ValueError(f"{value!r} is not a 6-digit hex colour")
        return value

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: list[str]) -> list[str]:
        if not value or not all(label.strip() for label in value):
            raise ValueError("needs at least one non-empty label")
        for label in value:
            # GitHub refuses longer names, and a comma would split the label filter we list by.
            if len(label) > LABEL_MAX or "," in label:
                raise ValueError(f"{label!r}: a label has at most {LABEL_MAX} characters, no comma")
        return value


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
class BlobUrl:
    """``https://HOST/OWNER/REPO/blob/REF/PATH``: a file on GitHub (or GitHub Enterprise).

    The ref is the first segment after ``blob``: a branch whose name holds a slash cannot be
    told apart from a directory in this form, so name it by commit or tag instead.
    """

    url: str
    owner: str
    repo: str
    ref: str
    path: str


def parse_blob_url(url: str) -> BlobUrl:
    """The parts of a GitHub blob URL, or ValueError saying what a blob URL looks like."""
    expected = "must be a GitHub blob URL, https://github.com/OWNER/REPO/blob/REF/PATH"
    parts = urlsplit(url)
    segments = [unquote(s) for s in parts.path.split("/")[1:]]
    if (
        parts.scheme not in ("https", "http")
        or not parts.hostname
        or len(segments) < 5
        or segments[2] != "blob"
        or not all(segments)
        or parts.query
    ):
        raise ValueError(f"{url!r} {expected}")
    owner, repo, _, ref, *path = segments
    return BlobUrl(url=url.split("#")[0], owner=owner, repo=repo, ref=ref, path="/".join(path))


class DocumentSettings(BaseModel):
    """``[document]``: the page whose sentences the checks verify, and mentions left out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str | None = Field(default=None, description="a Markdown file, relative to checks.toml")
    url: str | None = Field(
        default=None,
        description="https://github.com/OWNER/REPO/blob/REF/PATH, read through the contents API "
        "at endpoints.github_api",
    )
    ignore: list[str] = Field(
        default_factory=list,
        description="mentions left out of checking on purpose (coverage does not report them)",
    )

    @field_validator("url")
    @classmethod
    def _blob(cls, value: str | None) -> str | None:
        if value is not None:
            parse_blob_url(value)
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> DocumentSettings:
        if (self.path is None) == (self.url is None):
            raise ValueError('needs exactly one of "path" or "url"')
        return self
