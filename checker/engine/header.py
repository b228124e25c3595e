"""The keys every check has, whatever its type: one model, one id type, one id pattern.

``CheckHeader`` validates them in ``checks.toml`` and describes them in the JSON Schema; the
remaining keys of a ``[[check]]`` table are its type's parameters (and ``expect``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

# A check's id names its drift issue (the issue marker quotes it): kebab-case, stable.
CHECK_ID_BODY = r"[a-z0-9]+(?:-[a-z0-9]+)*"
CHECK_ID = re.compile(f"^{CHECK_ID_BODY}$")
CHECK_ID_DESCRIPTION = "stable kebab-case id; the identity of the check's drift issue"
# The id is in every marker, comment key and dashboard row, which cannot be shortened to fit
# GitHub's 65,536-character bodies; a name longer than this is a sentence, not an id.
CHECK_ID_MAX = 64
# The errors of an id that is there but not a usable id (the others mean it is missing).
ID_VALUE_ERRORS = ("kebab_case", "too_long")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be blank")
    return value


def _kebab_case(value: str) -> str:
    if len(value) > CHECK_ID_MAX:
        raise PydanticCustomError(
            "too_long",
            "must be at most {limit} characters (it is in every issue marker and dashboard row)",
            {"limit": CHECK_ID_MAX},
        )
    if not CHECK_ID.match(value):
        raise PydanticCustomError(
            "kebab_case",
            "must be kebab-case (lowercase letters, digits, single dashes); "
            "it is the stable identity of the check's drift issue",
        )
    return value


NonBlank = Annotated[str, AfterValidator(_not_blank)]
CheckId = Annotated[
    str,
    AfterValidator(_not_blank),
    AfterValidator(_kebab_case),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": CHECK_ID.pattern,
            "maxLength": CHECK_ID_MAX,
            "description": CHECK_ID_DESCRIPTION,
        }
    ),
]


class CheckHeader(BaseModel):
    """What every ``[[check]]`` says besides its parameters and expectations."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: CheckId
    type: NonBlank = Field(description="the check type, family.what")
    description: NonBlank = Field(description="the documented fact, in one sentence")
    enabled: bool = Field(default=True, description="false: written down, not run")
    doc: str = Field(default="", description="where the fact is documented")
    tags: list[str] = Field(default_factory=list)
    # Checked further by the config loader, which knows today (until: at most 366 days on).
    waive: dict[str, Any] | None = Field(
        default=None,
        description='an accepted deviation, { until = "YYYY-MM-DD", reason = "..." }: '
        "reported, but failing nothing and opening no drift issue through its until day",
        json_schema_extra={
            "additionalProperties": False,
            "required": ["until", "reason"],
            "properties": {
                "until": {"type": "string", "format": "date"},
                "reason": {"type": "string", "minLength": 1},
            },
        },
    )
    quote: str = Field(
        default="",
        description="the text in the doc's section that states the fact (needs a doc #anchor)",
    )


REQUIRED = ("id", "type", "description")
# What a key of the wrong type must be, in the words of checks.toml.
KINDS = {
    "enabled": "must be true or false",
    "doc": "must be a string",
    "tags": "must be a list of strings",
    "waive": 'must be a table { until = "YYYY-MM-DD", reason = "..." }',
    "quote": "must be a string",
}
