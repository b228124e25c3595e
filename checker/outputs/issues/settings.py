"""The ``[issues]`` table of checks.toml."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class IssueSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(default=False, description="sync drift issues on every run")
    repository: str | None = Field(
        default=None, description="owner/name; default: $GITHUB_REPOSITORY"
    )
    labels: list[str] = Field(
        default_factory=lambda: ["infra-drift"],
        description="the first label identifies managed issues; the others are added to them",
    )
    max_new: int = Field(default=10, ge=0, description="cap on issues created per run")

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str | None) -> str | None:
        if value is not None and not REPOSITORY.match(value):
            raise ValueError(f"{value!r} is not of the form owner/name")
        return value

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: list[str]) -> list[str]:
        if not value or not all(label.strip() for label in value):
            raise ValueError("needs at least one non-empty label")
        return value
