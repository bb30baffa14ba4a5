"""Gemini function declarations and response schemas (the OpenAPI-subset Schema object)."""

from __future__ import annotations

from typing import Any

import pytest

from registry.providers import Provider, Severity, lint, lint_tool_name
from tests.unit.registry.provider_schemas import GEMINI_WEATHER, WEATHER

CASES: list[tuple[str, Any, set[tuple[str, str]]]] = [
    ("weather function in the Schema subset", GEMINI_WEATHER, set()),
    ("upper-case type names", {"type": "OBJECT", "properties": {"q": {"type": "STRING"}}}, set()),
    (
        "nested objects, arrays and anyOf",
        {
            "type": "object",
            "properties": {
                "lines": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}},
                        "required": ["sku"],
                    },
                },
                "note": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            },
        },
        set(),
    ),
    (
        "OpenAI-style strict schema: additionalProperties and a type list",
        WEATHER | {"properties": {"unit": {"type": ["string", "null"]}}},
        {
            ("GEMINI_UNSUPPORTED_KEYWORD", "#/additionalProperties"),
            ("GEMINI_TYPE_ARRAY", "#/properties/unit/type"),
        },
    ),
    (
        "references and definitions",
        {
            "type": "object",
            "properties": {"a": {"$ref": "#/$defs/a"}},
            "$defs": {"a": {"type": "string"}},
        },
        {
            ("GEMINI_UNSUPPORTED_KEYWORD", "#/$defs"),
            ("GEMINI_UNSUPPORTED_KEYWORD", "#/properties/a/$ref"),
        },
    ),
    (
        "integer enum values",
        {"type": "object", "properties": {"floor": {"type": "integer", "enum": [1, 2]}}},
        {("GEMINI_ENUM_NOT_STRING", "#/properties/floor/enum")},
    ),
    (
        "oneOf, const and $schema",
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {"a": {"oneOf": [{"const": "x"}]}},
        },
        {
            ("GEMINI_UNSUPPORTED_KEYWORD", "#/$schema"),
            ("GEMINI_UNSUPPORTED_KEYWORD", "#/properties/a/oneOf"),
            ("GEMINI_UNSUPPORTED_KEYWORD", "#/properties/a/oneOf/0/const"),
        },
    ),
    (
        "a format outside the Developer API's list, a parameter name with a dash",
        {"type": "object", "properties": {"e-mail": {"type": "string", "format": "email"}}},
        {
            ("GEMINI_UNSUPPORTED_FORMAT", "#/properties/e-mail/format"),
            ("GEMINI_PROPERTY_NAME_INVALID", "#/properties/e-mail"),
        },
    ),
    (
        "a string response schema",
        {"type": "string", "enum": ["yes", "no"]},
        {("GEMINI_ROOT_NOT_OBJECT", "#")},
    ),
]


@pytest.mark.parametrize(("name", "schema", "expected"), CASES, ids=[c[0] for c in CASES])
def test_gemini_profile_finds_exactly_the_rules_each_schema_breaks(
    name: str, schema: Any, expected: set[tuple[str, str]]
) -> None:
    assert {(f.rule_id, f.pointer) for f in lint(schema, Provider.GEMINI)} == expected


def test_a_non_object_root_is_only_a_warning_since_response_schemas_may_be_scalars() -> None:
    (finding,) = lint({"type": "array", "items": {"type": "string"}}, Provider.GEMINI)
    assert finding.severity is Severity.WARNING


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("get_weather", []),
        ("tools.get-weather", []),
        ("ns:get_weather", ["GEMINI_TOOL_NAME_VERTEX"]),
        ("1st", ["GEMINI_TOOL_NAME_VERTEX"]),
        ("get weather", ["GEMINI_TOOL_NAME_INVALID", "GEMINI_TOOL_NAME_VERTEX"]),
        ("x" * 65, ["GEMINI_TOOL_NAME_INVALID", "GEMINI_TOOL_NAME_VERTEX"]),
    ],
)
def test_function_names(name: str, expected: list[str]) -> None:
    assert [f.rule_id for f in lint_tool_name(name, Provider.GEMINI)] == expected
