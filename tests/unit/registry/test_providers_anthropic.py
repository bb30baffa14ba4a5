"""Anthropic tool use and strict tool use: schemas and the rules they break."""

from __future__ import annotations

from typing import Any

import pytest

from registry.providers import Provider, lint, lint_tool_name
from tests.unit.registry.provider_schemas import (
    ORDER,
    SEARCH,
    SEARCH_OPTIONAL,
    SHARED_DEFINITION,
    TREE,
    WEATHER,
    closed,
)

STRICT: list[tuple[str, Any, set[tuple[str, str]]]] = [
    ("weather tool", WEATHER, set()),
    ("search tool with nullable parameters", SEARCH, set()),
    ("optional parameter (allowed in strict mode)", SEARCH_OPTIONAL, set()),
    ("nested objects and arrays of objects", ORDER, set()),
    ("shared definition", SHARED_DEFINITION, set()),
    ("recursion through $defs", TREE, {("ANTHROPIC_STRICT_RECURSION", "#/$defs/node")}),
    (
        "recursion to the root",
        closed({"next": {"anyOf": [{"$ref": "#"}, {"type": "null"}]}}),
        {("ANTHROPIC_STRICT_RECURSION", "#")},
    ),
    (
        "open object",
        {"type": "object", "properties": {"a": {"type": "string"}}},
        {("ANTHROPIC_STRICT_ADDITIONAL_PROPERTIES_REQUIRED", "#")},
    ),
    (
        "numeric and length bounds",
        closed({"n": {"type": "integer", "minimum": 1}, "s": {"type": "string", "maxLength": 5}}),
        {
            ("ANTHROPIC_STRICT_UNSUPPORTED_KEYWORD", "#/properties/n/minimum"),
            ("ANTHROPIC_STRICT_UNSUPPORTED_KEYWORD", "#/properties/s/maxLength"),
        },
    ),
    (
        "minItems 1 accepted, 2 refused",
        closed(
            {
                "a": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "b": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            }
        ),
        {("ANTHROPIC_STRICT_MIN_ITEMS", "#/properties/b/minItems")},
    ),
    (
        "formats",
        closed(
            {"a": {"type": "string", "format": "uri"}, "b": {"type": "string", "format": "iri"}}
        ),
        {("ANTHROPIC_STRICT_UNSUPPORTED_FORMAT", "#/properties/b/format")},
    ),
    (
        "patterns with lookahead, backreference, word boundary; a class is fine",
        closed(
            {
                "a": {"type": "string", "pattern": "^(?=x)"},
                "b": {"type": "string", "pattern": "(a)\\1"},
                "c": {"type": "string", "pattern": "\\bword"},
                "d": {"type": "string", "pattern": "^[\\b\\d-]+(?:x)$"},
            }
        ),
        {
            ("ANTHROPIC_STRICT_PATTERN_UNSUPPORTED", "#/properties/a/pattern"),
            ("ANTHROPIC_STRICT_PATTERN_UNSUPPORTED", "#/properties/b/pattern"),
            ("ANTHROPIC_STRICT_PATTERN_UNSUPPORTED", "#/properties/c/pattern"),
        },
    ),
    (
        "enum of objects",
        closed({"a": {"enum": ["x", {"k": 1}]}}),
        {("ANTHROPIC_STRICT_ENUM_COMPLEX_VALUE", "#/properties/a/enum")},
    ),
    (
        "external reference",
        closed({"a": {"$ref": "other.json#/a"}}),
        {("ANTHROPIC_STRICT_EXTERNAL_REF", "#/properties/a/$ref")},
    ),
]


@pytest.mark.parametrize(("name", "schema", "expected"), STRICT, ids=[c[0] for c in STRICT])
def test_strict_profile_finds_exactly_the_rules_each_schema_breaks(
    name: str, schema: Any, expected: set[tuple[str, str]]
) -> None:
    found = {(f.rule_id, f.pointer) for f in lint(schema, Provider.ANTHROPIC_STRICT)}
    assert found == expected


def test_strict_counts_optional_and_union_properties_per_schema() -> None:
    optional = closed({f"p{i}": {"type": "string"} for i in range(25)}, required=[])
    assert {f.rule_id for f in lint(optional, Provider.ANTHROPIC_STRICT)} == {
        "ANTHROPIC_STRICT_TOO_MANY_OPTIONAL"
    }
    unions = closed({f"p{i}": {"type": ["string", "null"]} for i in range(17)})
    assert {f.rule_id for f in lint(unions, Provider.ANTHROPIC_STRICT)} == {
        "ANTHROPIC_STRICT_TOO_MANY_UNIONS"
    }
    assert (
        lint(
            closed({f"p{i}": {"type": ["string", "null"]} for i in range(16)}),
            Provider.ANTHROPIC_STRICT,
        )
        == []
    )


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (WEATHER, set()),
        (SEARCH_OPTIONAL, set()),
        (TREE, set()),
        ({"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}}, set()),
        ({"type": "string"}, {("ANTHROPIC_ROOT_NOT_OBJECT", "#")}),
        (
            closed({"a": {"$ref": "https://example.com/a"}}),
            {("ANTHROPIC_EXTERNAL_REF", "#/properties/a/$ref")},
        ),
    ],
)
def test_tool_use_without_strict_accepts_any_object_schema(
    schema: Any, expected: set[tuple[str, str]]
) -> None:
    assert {(f.rule_id, f.pointer) for f in lint(schema, Provider.ANTHROPIC)} == expected


@pytest.mark.parametrize("provider", [Provider.ANTHROPIC, Provider.ANTHROPIC_STRICT])
def test_tool_names(provider: Provider) -> None:
    assert lint_tool_name("get_weather", provider) == []
    assert [f.rule_id for f in lint_tool_name("get.weather", provider)] == [
        f"{provider.value}_TOOL_NAME_INVALID"
    ]
