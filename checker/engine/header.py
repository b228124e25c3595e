"""The keys every check has, whatever its type: one model, one id type, one id pattern.

``CheckHeader`` validates them in ``checks.toml`` and describes them in the JSON Schema; the
remaining keys of a ``[[check]]`` table are its type's parameters (and ``expect``).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

# A check's id names its drift issue (the issue marker quotes it): kebab-case, stable.
CHECK_ID_BODY = r"[a-z0-9]+(?:-[a-z0-9]+)*"
CHECK_ID = re.compile(f"^{CHECK_ID_BODY}$")
CHECK_ID_DESCRIPTION = "stable kebab-case id; the identity of the check's drift issue"


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be blank")
    return value


def _kebab_case(value: str) -> str:
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
        {"type": "string", "pattern": CHECK_ID.pattern, "description": CHECK_ID_DESCRIPTION}
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
    "quote": "must be a string",
}
