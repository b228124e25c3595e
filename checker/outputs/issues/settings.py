"""The ``[issues]`` table of checks.toml."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
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
