"""Export of a parsed JSON Schema to each provider's request object: the exact shapes,
what is stripped and respelled, and the refusals with their blocking findings."""

from __future__ import annotations

import contextlib
import copy
import json
from typing import Any

import jsonschema
import pytest

from registry.errors import BadUserInputError, ProviderLintFailedError
from registry.formats import parse_schema
from registry.formats.base import ParseContext
from registry.model import SchemaFormat
from registry.providers import Provider
from registry.providers.export import ExportTarget, default_name, export_schema
from tests.unit.registry.export_schemas import (
    ADDRESS,
    ANNOTATED,
    CLOSED_TOOLS,
    DRAFT_04,
    DRAFT_07,
    OPEN_SHARED,
    OPEN_TREE,
    OPEN_WEATHER,
    PYDANTIC_STYLE,
    SHIPMENT,
    doubling,
    parsed,
    reference,
)
from tests.unit.registry.provider_schemas import SEARCH_OPTIONAL, TREE, WEATHER

T = ExportTarget
SUBJECT = "tools.get_weather"


def export(document: object, target: ExportTarget, **kwargs: Any) -> Any:
    return export_schema(parsed(document), target, SUBJECT, **kwargs).document


def refusal(document: object, target: ExportTarget, **kwargs: Any) -> ProviderLintFailedError:
    with pytest.raises(ProviderLintFailedError) as caught:
        export(document, target, **kwargs)
    assert caught.value.code == "PROVIDER_LINT_FAILED"
    assert caught.value.findings
    assert all(f.severity.value == "BLOCKING" for _, f in caught.value.findings)
    return caught.value


def rule_ids(error: ProviderLintFailedError) -> set[str]:
    return {finding.rule_id for _, finding in error.findings}


def test_openai_tool_is_a_strict_chat_completions_function() -> None:
    assert export(WEATHER, T.OPENAI_TOOL, description="Current weather") == {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather",
            "parameters": WEATHER,
            "strict": True,
        },
    }


def test_openai_response_format_is_a_strict_json_schema_format() -> None:
    assert export(WEATHER, T.OPENAI_RESPONSE_FORMAT, name="weather_report") == {
        "type": "json_schema",
        "json_schema": {"name": "weather_report", "schema": WEATHER, "strict": True},
    }


def test_anthropic_tool_is_strict_when_the_schema_is_in_the_strict_subset() -> None:
    assert export(WEATHER, T.ANTHROPIC_TOOL) == {
        "name": "get_weather",
        "input_schema": WEATHER,
        "strict": True,
    }


def test_anthropic_tool_without_strict_when_the_strict_subset_refuses_the_schema() -> None:
    # Recursion and an open object: outside strict tool use, fine for plain tool use.
    assert export(TREE, T.ANTHROPIC_TOOL) == {"name": "get_weather", "input_schema": TREE}
    assert export(OPEN_WEATHER, T.ANTHROPIC_TOOL) == {
        "name": "get_weather",
        "description": "Current weather",
        "input_schema": OPEN_WEATHER,
    }


def test_gemini_function_takes_the_schema_object_spelling() -> None:
    assert export(OPEN_WEATHER, T.GEMINI_FUNCTION) == {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": {
            "type": "OBJECT",
            "description": "Current weather",
            "properties": {
                "location": {"type": "STRING"},
                "unit": {"type": "STRING", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "INTEGER", "minimum": 1, "maximum": 14, "nullable": True},
            },
            "required": ["location"],
        },
    }


def test_gemini_inlines_shared_definitions_and_pydantic_optionals() -> None:
    address = {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}}
    assert export(OPEN_SHARED, T.GEMINI_FUNCTION)["parameters"] == {
        "type": "OBJECT",
        "properties": {"home": address, "work": address},
    }
    assert export(PYDANTIC_STYLE, T.GEMINI_FUNCTION)["parameters"] == {
        "type": "OBJECT",
        "title": "Booking",
        "properties": {
            "guest": {"type": "STRING", "title": "Guest"},
            "room": {
                "type": "OBJECT",
                "properties": {
                    "kind": {"enum": ["suite"]},
                    "floor": {"type": "INTEGER", "nullable": True},
                },
                "required": ["kind"],
                "description": "The room, if chosen",
                "nullable": True,
            },
            "nights": {"type": "INTEGER", "default": 1},
        },
        "required": ["guest"],
    }


def test_gemini_refuses_recursion_and_closed_objects_with_the_profile_findings() -> None:
    recursive = refusal(OPEN_TREE, T.GEMINI_FUNCTION)
    closed = refusal(WEATHER, T.GEMINI_FUNCTION)

    assert {p for p, _ in recursive.findings} == {Provider.GEMINI}
    assert any(
        f.rule_id == "GEMINI_UNSUPPORTED_KEYWORD" and f.pointer.endswith("/$ref")
        for _, f in recursive.findings
    ), recursive.records()
    assert any(f.pointer == "#/additionalProperties" for _, f in closed.findings)


def test_gemini_function_parameters_must_be_an_object() -> None:
    error = refusal({"type": "string"}, T.GEMINI_FUNCTION)
    assert "GEMINI_ROOT_NOT_OBJECT" in rule_ids(error)


def test_openai_keeps_local_definitions_and_recursion() -> None:
    assert export(TREE, T.OPENAI_TOOL)["function"]["parameters"] == TREE


def test_registered_references_are_inlined_as_local_definitions() -> None:
    schema = parsed(SHIPMENT, (reference("address.json", "types.address", ADDRESS),))

    tool = export_schema(schema, T.OPENAI_TOOL, SUBJECT).document
    standalone = export_schema(schema, T.JSON_SCHEMA, SUBJECT).document

    parameters: Any = tool["function"]["parameters"]  # type: ignore[index]
    assert parameters["properties"]["to"] == {"$ref": "#/$defs/address.json"}
    assert parameters["properties"]["from"] == {
        "$ref": "#/$defs/address.json",
        "description": "Where it leaves from",
    }
    assert parameters["$defs"] == {"address.json": ADDRESS}
    assert "$schema" not in json.dumps(parameters)
    assert standalone["$defs"]["address.json"]["properties"] == ADDRESS["properties"]  # type: ignore[index]
    assert standalone["$schema"] == "https://json-schema.org/draft/2020-12/schema"  # type: ignore[index]


def test_annotations_a_provider_ignores_are_stripped_per_target() -> None:
    openai = export(ANNOTATED, T.OPENAI_TOOL)["function"]["parameters"]
    anthropic = export(ANNOTATED, T.ANTHROPIC_TOOL)["input_schema"]

    for schema in (openai, anthropic):
        text = json.dumps(schema)
        for keyword in ("$schema", "$id", "$comment", "examples", "deprecated", "readOnly"):
            assert f'"{keyword}"' not in text
        assert schema["title"] == "Lookup"
    assert "default" not in openai["properties"]["limit"]
    assert anthropic["properties"]["limit"]["default"] is None
    # The standalone schema keeps every annotation.
    assert export(ANNOTATED, T.JSON_SCHEMA) == ANNOTATED


def test_older_drafts_are_spelled_the_2020_12_way() -> None:
    tool = export(DRAFT_07, T.ANTHROPIC_TOOL)["input_schema"]
    ratio = export(DRAFT_04, T.ANTHROPIC_TOOL)["input_schema"]["properties"]["ratio"]

    assert tool["properties"]["point"] == {
        "type": "array",
        "prefixItems": [{"type": "number"}, {"type": "number"}],
    }
    # Draft-07 ignores a $ref's siblings, so "type" beside it goes.
    assert tool["properties"]["place"] == {"$ref": "#/definitions/place"}
    assert tool["dependentRequired"] == {"card": ["billing"]}
    assert "dependencies" not in tool and "$schema" not in tool
    assert ratio == {"type": "number", "exclusiveMinimum": 0}


def test_default_name_is_the_last_segment_and_description_the_schema_s() -> None:
    assert default_name("tools.get_weather") == "get_weather"
    assert default_name("get_weather") == "get_weather"
    described = export(WEATHER, T.OPENAI_RESPONSE_FORMAT, name="w", description="")
    assert "description" not in described["json_schema"]
    given = export(OPEN_WEATHER, T.GEMINI_FUNCTION, description="Forecast")
    assert given["description"] == "Forecast"


@pytest.mark.parametrize(
    ("target", "rule"),
    [
        (T.OPENAI_TOOL, "OPENAI_TOOL_NAME_INVALID"),
        (T.OPENAI_RESPONSE_FORMAT, "OPENAI_TOOL_NAME_INVALID"),
        (T.ANTHROPIC_TOOL, "ANTHROPIC_STRICT_TOOL_NAME_INVALID"),
        (T.GEMINI_FUNCTION, "GEMINI_TOOL_NAME_INVALID"),
    ],
)
def test_a_name_the_provider_refuses_refuses_the_export(target: ExportTarget, rule: str) -> None:
    schema = WEATHER if target is not T.GEMINI_FUNCTION else OPEN_WEATHER
    error = refusal(schema, target, name="get weather!")
    assert rule in rule_ids(error)
    assert any(f.pointer == "" for _, f in error.findings)


def test_the_standalone_schema_takes_any_name() -> None:
    found = export_schema(parsed(WEATHER), T.JSON_SCHEMA, SUBJECT, name="get weather!")
    assert found.name == "get weather!"


def test_openai_refuses_what_strict_mode_cannot_take_with_its_findings() -> None:
    error = refusal(SEARCH_OPTIONAL, T.OPENAI_TOOL)
    assert rule_ids(error) == {"OPENAI_PROPERTY_NOT_REQUIRED"}
    assert [f.pointer for _, f in error.findings] == ["#/properties/max_results"]
    loose = refusal({"type": "object", "properties": {"a": {"oneOf": [{}, {}]}}}, T.OPENAI_TOOL)
    assert {"OPENAI_ADDITIONAL_PROPERTIES_REQUIRED", "OPENAI_ONE_OF_REFUSED"} <= rule_ids(loose)


@pytest.mark.parametrize(
    ("document", "rule"),
    [
        (
            {
                "type": "object",
                "properties": {"a": {"$ref": "#here"}},
                "$defs": {"x": {"$anchor": "here", "type": "string"}},
            },
            "EXPORT_UNRESOLVED_REF",
        ),
        (
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$dynamicAnchor": "node",
                "type": "object",
                "properties": {"next": {"$dynamicRef": "#node"}},
            },
            "EXPORT_DYNAMIC_REF",
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"$ref": "item.json"}},
                "$defs": {"item": {"$id": "item.json", "type": "string"}},
            },
            "EXPORT_EXTERNAL_REF",
        ),
        (doubling(16), "EXPORT_TOO_LARGE"),
    ],
)
def test_what_no_provider_rule_sees_is_refused_by_the_export(document: object, rule: str) -> None:
    # Plain Anthropic tool use has almost no rules; the export's own checks still hold.
    target = T.GEMINI_FUNCTION if rule == "EXPORT_TOO_LARGE" else T.ANTHROPIC_TOOL
    assert rule in rule_ids(refusal(document, target))


def test_a_schema_that_is_not_json_schema_is_bad_input() -> None:
    avro = parse_schema(
        SchemaFormat.AVRO,
        '{"type": "record", "name": "R", "fields": []}',
        context=ParseContext(()),
    )
    with pytest.raises(BadUserInputError, match="AVRO"):
        export_schema(avro, T.OPENAI_TOOL, SUBJECT)


def test_export_leaves_the_parsed_schema_as_it_was() -> None:
    schema = parsed(PYDANTIC_STYLE)
    before = copy.deepcopy(schema.document)
    for target in T:
        with contextlib.suppress(ProviderLintFailedError):
            export_schema(schema, target, SUBJECT)
    assert schema.document == before


PAYLOADS: dict[str, list[object]] = {
    "weather": [{"location": "Oslo", "unit": "celsius"}, {"location": "Oslo"}, {"unit": "K"}],
    "search": [{"query": "q", "max_results": None, "since": None}, {"query": 1}],
    "order": [
        {"customer": {"name": "a", "email": "b"}, "lines": [], "status": "new"},
        {"customer": {"name": "a"}, "lines": [{"sku": "x"}], "status": "lost"},
    ],
    "tree": [
        {"root": {"label": "a", "children": [{"label": "b", "children": []}]}},
        {"root": {"label": "a", "children": [{"label": 2, "children": []}]}},
    ],
    "shared": [
        {"home": {"street": "s", "city": "c"}, "work": {"street": "s", "city": "c"}},
        {"home": {"street": "s"}, "work": {}},
    ],
    "annotated": [{"word": "w", "limit": 3}, {"word": "w", "limit": "3"}, {"word": "w"}],
}


@pytest.mark.parametrize("tool", sorted(CLOSED_TOOLS))
@pytest.mark.parametrize("target", [T.OPENAI_TOOL, T.ANTHROPIC_TOOL, T.JSON_SCHEMA])
def test_an_export_accepts_exactly_what_the_registered_schema_accepts(
    tool: str, target: ExportTarget
) -> None:
    original = CLOSED_TOOLS[tool]
    document = export(original, target)
    exported = {
        T.OPENAI_TOOL: lambda: document["function"]["parameters"],
        T.ANTHROPIC_TOOL: lambda: document["input_schema"],
        T.JSON_SCHEMA: lambda: document,
    }[target]()
    for payload in PAYLOADS[tool]:
        expected = jsonschema.Draft202012Validator(original).is_valid(payload)
        assert jsonschema.Draft202012Validator(exported).is_valid(payload) is expected, payload
