"""JSON payloads checked against JSON Schemas: each error's pointer into the payload and
into the schema, its keyword, in the dialect the schema was read in, references bundled."""

from __future__ import annotations

import json

import pytest

from registry.checks import SchemaSource, SourceReference, parse_source
from registry.errors import BadUserInputError, InvalidSchemaError
from registry.formats import handler_for, parse_schema
from registry.formats.json_schema import DRAFT_07
from registry.model import SchemaFormat
from registry.payloads import PayloadError, PayloadValidator

JSON = SchemaFormat.JSON

TOOL_ARGUMENTS = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "minLength": 1},
        "days": {"type": "integer", "minimum": 1, "maximum": 14},
        "units": {"enum": ["C", "F"]},
        "stops": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{3}$"}},
    },
    "required": ["city", "days"],
    "additionalProperties": False,
}


def validator_for(schema: object, dialect: str | None = None) -> PayloadValidator:
    parsed = parse_source(SchemaSource(JSON, json.dumps(schema), (), dialect))
    return handler_for(JSON).validator(parsed)


def where(errors: list[PayloadError]) -> list[tuple[str, str, str]]:
    return sorted((e.instance_path, e.schema_path, e.keyword) for e in errors)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"city": "Oslo", "days": 3}, []),
        ({"city": "Oslo", "days": 3, "units": "C", "stops": ["OSL", "CPH"]}, []),
        ({"days": 3}, [("", "/required", "required")]),
        ({"city": "", "days": 3}, [("/city", "/properties/city/minLength", "minLength")]),
        ({"city": "Oslo", "days": 15}, [("/days", "/properties/days/maximum", "maximum")]),
        ({"city": "Oslo", "days": "3"}, [("/days", "/properties/days/type", "type")]),
        ({"city": "Oslo", "days": 3, "units": "K"}, [("/units", "/properties/units/enum", "enum")]),
        (
            {"city": "Oslo", "days": 3, "stops": ["OSL", "cph", 7]},
            [
                ("/stops/1", "/properties/stops/items/pattern", "pattern"),
                ("/stops/2", "/properties/stops/items/type", "type"),
            ],
        ),
        (
            {"city": "Oslo", "days": 3, "extra": True},
            [("", "/additionalProperties", "additionalProperties")],
        ),
        ([], [("", "/type", "type")]),
    ],
)
def test_a_tool_call_is_checked_with_exact_pointers(
    payload: object, expected: list[tuple[str, str, str]]
) -> None:
    errors = validator_for(TOOL_ARGUMENTS).validate(payload)

    assert where(errors) == expected
    assert all(e.message for e in errors)


def test_a_message_names_the_value_and_the_rule() -> None:
    (error,) = validator_for(TOOL_ARGUMENTS).validate({"city": "Oslo", "days": "3"})

    assert error.message == '"3" is not of type "integer"'


def test_pointer_tokens_are_escaped_as_rfc_6901_says() -> None:
    schema = {"properties": {"a/b~c": {"type": "integer"}}}

    (error,) = validator_for(schema).validate({"a/b~c": "x"})

    assert error.instance_path == "/a~1b~0c"
    assert error.schema_path == "/properties/a~1b~0c/type"


def test_a_false_schema_is_reported_under_the_keyword_holding_it_or_as_false() -> None:
    closed = validator_for({"prefixItems": [{"type": "string"}], "items": False})
    forbidden = validator_for({"properties": {"secret": False}})

    assert where(closed.validate(["a", 1])) == [("/1", "/items", "items")]
    assert where(forbidden.validate({"secret": 1})) == [("/secret", "/properties/secret", "false")]


def test_the_dialect_a_schema_was_read_in_decides_what_items_means() -> None:
    # draft-07: an array of schemas in items is a tuple; 2020-12 refuses that form, so
    # the same text read in 2020-12 is a different schema: prefixItems.
    tuple_07 = validator_for({"items": [{"type": "string"}, {"type": "integer"}]}, DRAFT_07)
    tuple_2020 = validator_for({"prefixItems": [{"type": "string"}, {"type": "integer"}]})

    assert tuple_07.validate(["a", 1]) == []
    assert where(tuple_07.validate(["a", "b"])) == [("/1", "/items/1/type", "type")]
    assert where(tuple_2020.validate(["a", "b"])) == [("/1", "/prefixItems/1/type", "type")]


def test_draft_04_exclusive_maximum_is_a_boolean_beside_maximum() -> None:
    schema = {"$schema": "http://json-schema.org/draft-04/schema#", "maximum": 3}
    exclusive = validator_for({**schema, "exclusiveMaximum": True})

    assert validator_for(schema).validate(3) == []
    assert [e.instance_path for e in exclusive.validate(3)] == [""]


def test_a_referenced_schema_is_bundled_and_its_errors_point_into_the_bundle() -> None:
    address = SchemaSource(
        JSON,
        json.dumps(
            {
                "type": "object",
                "properties": {"zip": {"type": "string", "pattern": "^[0-9]{4}$"}},
                "required": ["zip"],
            }
        ),
    )
    order = SchemaSource(
        JSON,
        json.dumps({"properties": {"to": {"$ref": "address.json"}}, "required": ["to"]}),
        (SourceReference("address.json", "addresses", 1, address),),
    )
    validator = handler_for(JSON).validator(parse_source(order))

    errors = validator.validate({"to": {"zip": "12a4"}})

    assert validator.validate({"to": {"zip": "0150"}}) == []
    assert [(e.instance_path, e.keyword) for e in errors] == [("/to/zip", "pattern")]
    assert errors[0].schema_path == "/$defs/address.json/properties/zip/pattern"


def test_patterns_run_in_linear_time_and_still_decide() -> None:
    # Catastrophic for a backtracking engine on this input; linear in the Rust engine.
    validator = validator_for({"type": "string", "pattern": "^(a+)+$"})

    assert validator.validate("a" * 5000) == []
    assert [e.keyword for e in validator.validate("a" * 5000 + "!")] == ["pattern"]


def test_errors_stop_at_the_limit() -> None:
    validator = validator_for({"type": "array", "items": {"type": "string"}})

    assert len(validator.validate(list(range(500)), limit=7)) == 7
    assert len(validator.validate(list(range(500)))) == 100


def test_a_stored_schema_with_a_refused_pattern_cannot_validate() -> None:
    text = json.dumps({"type": "string", "pattern": "^(?=a)b$"})
    stored = parse_schema(JSON, text, stored=True)

    assert stored.refusal is not None
    with pytest.raises(InvalidSchemaError, match="cannot validate payloads"):
        handler_for(JSON).validator(stored)


def test_a_message_name_is_refused_for_a_json_schema() -> None:
    parsed = parse_schema(JSON, '{"type": "object"}')

    with pytest.raises(BadUserInputError, match="Protobuf"):
        handler_for(JSON).validator(parsed, "Order")
