"""A JSON Schema of checks.toml, generated from the same models that validate it."""

from __future__ import annotations

import json
from typing import Any

from checker.engine.header import REQUIRED, CheckHeader
from checker.engine.matchers import Matcher
from checker.engine.registry import registry
from checker.engine.settings import DocumentSettings, IssueSettings, Settings

# The keys every check has, from the model that validates them.
COMMON_PROPERTIES: dict[str, Any] = CheckHeader.model_json_schema()["properties"]


def _check_schema(name: str) -> dict[str, Any]:
    check_type = registry()[name]
    params = check_type.params.model_json_schema(ref_template="#/$defs/{model}")
    defs = params.pop("$defs", {})
    matcher = {"anyOf": [{"$ref": "#/$defs/Matcher"}, {"type": ["string", "number", "boolean"]}]}
    expect = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            field: {**matcher, "description": text} for field, text in check_type.fields.items()
        },
    }
    return {
        "type": "object",
        "title": name,
        "description": check_type.summary,
        "additionalProperties": False,
        "required": [*REQUIRED, *params.get("required", [])],
        "properties": {
            **COMMON_PROPERTIES,
            "type": {"const": name},
            **params.get("properties", {}),
            "expect": expect,
        },
        "$defs": defs,
    }


def _document_schema() -> dict[str, Any]:
    """[document] needs exactly one of path and url: say so, as the model's validator does."""
    schema = DocumentSettings.model_json_schema()
    schema["oneOf"] = [{"required": ["path"]}, {"required": ["url"]}]
    return schema


def config_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {"Matcher": Matcher.model_json_schema()}
    variants = []
    for name in registry():
        schema = _check_schema(name)
        defs.update(schema.pop("$defs"))
        variants.append(schema)
    settings = Settings.model_json_schema(ref_template="#/$defs/{model}")
    defs.update(settings.pop("$defs", {}))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "infra-checker checks.toml",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "settings": settings,
            "issues": IssueSettings.model_json_schema(),
            "document": _document_schema(),
            "check": {"type": "array", "items": {"oneOf": variants}},
        },
        "$defs": defs,
    }


def config_schema_json() -> str:
    return json.dumps(config_schema(), indent=2) + "\n"
