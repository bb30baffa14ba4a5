"""OpenAI Structured Outputs / strict function calling: schemas and the rules they break."""

from __future__ import annotations

from typing import Any

import pytest

from registry.providers import Provider, Severity, lint, lint_tool_name
from tests.unit.registry.provider_schemas import (
    ORDER,
    SEARCH,
    SEARCH_OPTIONAL,
    SHARED_DEFINITION,
    TREE,
    WEATHER,
    closed,
    nested_objects,
)

CASES: list[tuple[str, Any, set[tuple[str, str]]]] = [
    ("weather tool", WEATHER, set()),
    ("search tool with nullable optional parameters", SEARCH, set()),
    ("nested objects and arrays of objects", ORDER, set()),
    ("recursion through $defs", TREE, set()),
    ("shared definition", SHARED_DEFINITION, set()),
    (
        "optional parameter left out of required",
        SEARCH_OPTIONAL,
        {("OPENAI_PROPERTY_NOT_REQUIRED", "#/properties/max_results")},
    ),
    (
        "open object",
        {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
        {("OPENAI_ADDITIONAL_PROPERTIES_REQUIRED", "#")},
    ),
    (
        "nested open object",
        closed({"inner": {"type": "object", "properties": {}}}),
        {("OPENAI_ADDITIONAL_PROPERTIES_REQUIRED", "#/properties/inner")},
    ),
    (
        "array at the root",
        {"type": "array", "items": {"type": "string"}},
        {("OPENAI_ROOT_NOT_OBJECT", "#")},
    ),
    (
        "anyOf at the root",
        {"anyOf": [closed({"a": {"type": "string"}}), closed({"b": {"type": "string"}})]},
        {("OPENAI_ROOT_NOT_OBJECT", "#"), ("OPENAI_ROOT_ANY_OF", "#/anyOf")},
    ),
    (
        "allOf, not and if/then/else",
        closed(
            {
                "a": {"allOf": [{"type": "string"}]},
                "b": {"not": {"type": "null"}},
                "c": {"if": {"type": "string"}, "then": {"minLength": 1}, "else": {"type": "null"}},
            }
        ),
        {
            ("OPENAI_UNSUPPORTED_COMPOSITION", "#/properties/a/allOf"),
            ("OPENAI_UNSUPPORTED_COMPOSITION", "#/properties/b/not"),
            ("OPENAI_UNSUPPORTED_COMPOSITION", "#/properties/c/if"),
            ("OPENAI_UNSUPPORTED_COMPOSITION", "#/properties/c/then"),
            ("OPENAI_UNSUPPORTED_COMPOSITION", "#/properties/c/else"),
            ("OPENAI_UNLISTED_KEYWORD", "#/properties/c/then/minLength"),
        },
    ),
    (
        "string length bounds and an unlisted format",
        closed({"code": {"type": "string", "maxLength": 8, "format": "uri"}}),
        {
            ("OPENAI_UNLISTED_KEYWORD", "#/properties/code/maxLength"),
            ("OPENAI_UNSUPPORTED_FORMAT", "#/properties/code/format"),
        },
    ),
    (
        "oneOf",
        closed({"a": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}),
        {("OPENAI_ONE_OF_REFUSED", "#/properties/a/oneOf")},
    ),
    (
        "patternProperties",
        {**closed({}), "patternProperties": {"^x-": {"type": "string"}}},
        {("OPENAI_FINE_TUNED_UNSUPPORTED_KEYWORD", "#/patternProperties")},
    ),
    (
        "supported bounds: pattern, numeric bounds, minItems/maxItems",
        closed(
            {
                "zip": {"type": "string", "pattern": "^[0-9]{5}$", "format": "date-time"},
                "n": {"type": "number", "minimum": 0, "exclusiveMaximum": 10, "multipleOf": 0.5},
                "tags": {
                    "type": "array",
                    "items": {"type": "string"},
                    "minItems": 1,
                    "maxItems": 3,
                },
            }
        ),
        set(),
    ),
    (
        "external and dangling references",
        closed({"a": {"$ref": "https://example.com/a.json"}, "b": {"$ref": "#/$defs/missing"}}),
        {
            ("OPENAI_EXTERNAL_REF", "#/properties/a/$ref"),
            ("OPENAI_UNRESOLVED_REF", "#/properties/b/$ref"),
        },
    ),
    ("ten levels of nesting", nested_objects(10), set()),
    (
        "eleven levels of nesting",
        nested_objects(11),
        {("OPENAI_TOO_DEEP", "#" + "/properties/child" * 10)},
    ),
]


@pytest.mark.parametrize(("name", "schema", "expected"), CASES, ids=[c[0] for c in CASES])
def test_openai_profile_finds_exactly_the_rules_each_schema_breaks(
    name: str, schema: Any, expected: set[tuple[str, str]]
) -> None:
    found = {(finding.rule_id, finding.pointer) for finding in lint(schema, Provider.OPENAI)}
    assert found == expected


def test_more_than_5000_properties_is_refused() -> None:
    groups = {f"g{i}": closed({f"p{j}": {"type": "string"} for j in range(100)}) for i in range(50)}
    schema = closed(groups)  # 50 * 100 + 50 properties
    findings = [
        f for f in lint(schema, Provider.OPENAI) if f.rule_id == "OPENAI_TOO_MANY_PROPERTIES"
    ]
    assert [f.pointer for f in findings] == ["#"]
    assert "5050" in findings[0].message
    assert findings[0].severity is Severity.BLOCKING


def test_enum_value_count_and_large_enum_length_limits() -> None:
    thousand = closed({"a": {"type": "string", "enum": [f"v{i}" for i in range(1000)]}})
    assert lint(thousand, Provider.OPENAI) == []
    over = closed({"a": {"type": "string", "enum": [f"v{i}" for i in range(1001)]}})
    assert {f.rule_id for f in lint(over, Provider.OPENAI)} == {"OPENAI_TOO_MANY_ENUM_VALUES"}
    long_values = closed({"a": {"type": "string", "enum": [f"{i:0>70}" for i in range(251)]}})
    assert {(f.rule_id, f.pointer) for f in lint(long_values, Provider.OPENAI)} == {
        ("OPENAI_LARGE_ENUM_TOO_LONG", "#/properties/a/enum")
    }


def test_total_string_length_of_names_and_values_is_limited() -> None:
    names = {"n" * 1000 + str(i): {"type": "string"} for i in range(121)}
    found = {f.rule_id for f in lint(closed(names), Provider.OPENAI)}
    assert found == {"OPENAI_STRINGS_TOO_LONG"}


@pytest.mark.parametrize(
    ("name", "refused"),
    [
        ("get_weather", False),
        ("web-search", False),
        ("a" * 64, False),
        ("a" * 65, True),
        ("", True),
        ("get weather", True),
        ("tools.search", True),
    ],
)
def test_function_names(name: str, refused: bool) -> None:
    ids = [f.rule_id for f in lint_tool_name(name, Provider.OPENAI)]
    assert ids == (["OPENAI_TOOL_NAME_INVALID"] if refused else [])
