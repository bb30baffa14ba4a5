"""STRICT and LENIENT: what each policy lets through, end to end through the domain."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from registry.compatibility import check_compatibility
from registry.formats.json_schema import JSON_SCHEMA
from registry.formats.json_schema_compat import find_breaking_changes
from registry.formats.json_schema_compat.policy import LENIENT_TOLERATED
from registry.model import CompatibilityLevel, CompatibilityPolicy
from registry.types import Version
from tests.unit.registry.test_json_schema_cases_objects import STRING, obj, strict, typed

OPEN = obj({"a": STRING})
OPEN_PLUS = obj({"a": STRING, "b": typed("integer")})
CLOSED = obj({"a": STRING, "b": typed("integer")}, closed=True)
CLOSED_MINUS = obj({"a": STRING}, closed=True)


def _codes(old: object, new: object, *, lenient: bool) -> tuple[list[str], list[str]]:
    backward = find_breaking_changes(old, new, writer_is_old=True, lenient=lenient)
    forward = find_breaking_changes(new, old, writer_is_old=False, lenient=lenient)
    return [i.code for i in backward], [i.code for i in forward]


def test_strict_refuses_an_optional_property_added_to_an_open_model() -> None:
    assert _codes(OPEN, OPEN_PLUS, lenient=False) == (["PROPERTY_ADDED_TO_OPEN_MODEL"], [])


def test_lenient_accepts_an_optional_property_added_to_an_open_model_both_ways() -> None:
    assert _codes(OPEN, OPEN_PLUS, lenient=True) == ([], [])


def test_lenient_accepts_a_property_removed_from_a_closed_model() -> None:
    assert _codes(CLOSED, CLOSED_MINUS, lenient=False) == (
        ["PROPERTY_REMOVED_FROM_CLOSED_MODEL"],
        [],
    )
    assert _codes(CLOSED, CLOSED_MINUS, lenient=True) == ([], [])


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        (OPEN, obj({"a": STRING, "b": STRING}, required=["b"]), "REQUIRED_PROPERTY_ADDED"),
        (OPEN, obj({"a": typed("integer")}), "TYPE_CHANGED"),
        (strict({"a": STRING}), strict({"a": STRING, "b": STRING}), "REQUIRED_PROPERTY_ADDED"),
        # A partly open model declares what its other keys hold: they are compared.
        (
            obj({"a": STRING}, additionalProperties=STRING),
            obj({"a": STRING}, additionalProperties=typed("integer")),
            "TYPE_CHANGED",
        ),
        # Every document of this writer carries 'x', which the reader's schema constrains.
        (
            {"type": "object", "required": ["x"], "maxProperties": 1},
            {"type": "object", "additionalProperties": typed("integer")},
            "ADDITIONAL_PROPERTIES_NARROWED",
        ),
    ],
)
def test_lenient_still_refuses_what_breaks_declared_data(
    old: object, new: object, code: str
) -> None:
    backward, _ = _codes(old, new, lenient=True)
    assert code in backward


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (OPEN, obj({"a": STRING}, closed=True)),
        (OPEN, obj({"a": STRING}, additionalProperties=typed("integer"))),
        (OPEN, {**OPEN, "unevaluatedProperties": False}),
        (obj({"a": STRING}, additionalProperties=STRING), obj({"a": STRING}, closed=True)),
    ],
    ids=["closed", "narrowed to a schema", "closed by unevaluatedProperties", "partly open closed"],
)
def test_lenient_accepts_additional_properties_closed_or_narrowed_over_undeclared_keys(
    old: object, new: object
) -> None:
    backward, _ = _codes(old, new, lenient=False)
    assert backward == ["ADDITIONAL_PROPERTIES_NARROWED"]
    assert _codes(old, new, lenient=True) == ([], [])


def test_lenient_compares_keys_another_part_of_the_writer_may_declare() -> None:
    # Each allOf part is open, but the writer as a whole declares 'b', so documents carry
    # it: the closed reader's rejection of it is not assumed away.
    writer = {"type": "object", "allOf": [obj({"a": STRING}), obj({"b": STRING})]}
    reader = obj({"a": STRING}, additionalProperties=typed("integer"))
    backward, _ = _codes(writer, reader, lenient=True)
    assert "ADDITIONAL_PROPERTIES_NARROWED" in backward


def test_lenient_tolerates_exactly_the_documented_codes() -> None:
    assert {"PROPERTY_ADDED_TO_OPEN_MODEL", "PROPERTY_REMOVED_FROM_CLOSED_MODEL"} == (
        LENIENT_TOLERATED
    )


def test_the_policy_reaches_the_format_through_check_compatibility() -> None:
    versions = [(Version(1), JSON_SCHEMA.parse(json.dumps(OPEN)))]
    candidate = JSON_SCHEMA.parse(json.dumps(OPEN_PLUS))
    level = CompatibilityLevel.FULL_TRANSITIVE
    strict_found = check_compatibility(JSON_SCHEMA, level, candidate, versions)
    lenient_found = check_compatibility(
        JSON_SCHEMA, level, candidate, versions, CompatibilityPolicy.LENIENT
    )
    assert [(i.code, i.version) for i in strict_found] == [
        ("PROPERTY_ADDED_TO_OPEN_MODEL", Version(1))
    ]
    assert lenient_found == []


def test_lenient_skips_the_proof_inside_combinators_too() -> None:
    old = {"anyOf": [OPEN, typed("null")]}
    new = {"anyOf": [OPEN_PLUS, typed("null")]}
    assert _codes(old, new, lenient=True) == ([], [])
    backward, _ = _codes(old, new, lenient=False)
    assert backward


@pytest.mark.parametrize(
    ("old", "new", "strict_codes"),
    [
        (
            OPEN,
            {**OPEN, "patternProperties": {"^x-": STRING}},
            (["PROPERTY_ADDED_TO_OPEN_MODEL"], []),
        ),
        (
            {
                "type": "object",
                "properties": {"a": STRING, "b": STRING},
                "unevaluatedProperties": False,
            },
            {"type": "object", "properties": {"a": STRING}, "unevaluatedProperties": False},
            (["PROPERTY_REMOVED_FROM_CLOSED_MODEL"], []),
        ),
        (
            obj({"a": STRING}, closed=True, patternProperties={"^x-": STRING}),
            obj({"a": STRING}, closed=True),
            (["PROPERTY_REMOVED_FROM_CLOSED_MODEL"], []),
        ),
    ],
    ids=["pattern added to an open model", "closed by unevaluatedProperties", "pattern dropped"],
)
def test_lenient_treats_patterns_and_unevaluated_models_like_declared_properties(
    old: object, new: object, strict_codes: tuple[list[str], list[str]]
) -> None:
    assert _codes(old, new, lenient=False) == strict_codes
    assert _codes(old, new, lenient=True) == ([], [])


_READER_A_INTEGER = {"type": "object", "properties": {"a": typed("integer")}}


@pytest.mark.parametrize(
    "writer",
    [
        {
            "type": "object",
            "anyOf": [{"properties": {"a": STRING}}, {"properties": {"a": typed("boolean")}}],
        },
        {"$defs": {"X": {"properties": {"a": STRING}}}, "type": "object", "$ref": "#/$defs/X"},
        {
            "$defs": {"X": {"properties": {"a": STRING}}},
            "type": "object",
            "properties": {"b": {}},
            "$ref": "#/$defs/X",
        },
        {"type": "object", "allOf": [{"properties": {"a": STRING}}, {"required": ["a"]}]},
    ],
    ids=["anyOf beside siblings", "$ref beside a type", "$ref beside properties", "allOf"],
)
def test_lenient_never_tolerates_a_property_another_part_of_the_writer_declares(
    writer: object,
) -> None:
    # {"a": "x"} is valid under the writer and rejected by the reader: declared data.
    backward, _ = _codes(writer, _READER_A_INTEGER, lenient=True)
    assert backward
    assert "PROPERTY_ADDED_TO_OPEN_MODEL" not in backward


_D: dict[str, Any] = {"$defs": {"D": {"properties": {"a": {}}}}}
_X_INTEGER = {"properties": {"x": typed("integer")}}
_X_STRING = {"properties": {"x": STRING}}


@pytest.mark.parametrize(
    ("writer", "reader", "document"),
    [
        ({**_D, "allOf": [{"$ref": "#/$defs/D"}, _X_INTEGER]}, _X_STRING, {"x": 1}),
        ({**_D, "anyOf": [{"$ref": "#/$defs/D"}], **_X_INTEGER}, _X_STRING, {"x": 1}),
        (
            {"allOf": [{"properties": {"a": {}}}, {"properties": {"p": _X_INTEGER}}]},
            {"properties": {"p": _X_STRING}},
            {"p": {"x": 1}},
        ),
        (
            {"allOf": [{"type": "array"}, {"items": _X_INTEGER}]},
            {"items": _X_STRING},
            [{"x": 1}],
        ),
        ({"if": {"required": ["a"]}, "then": _X_INTEGER}, _X_STRING, {"a": 1, "x": 1}),
        ({"if": {"required": ["a"]}, "else": _X_INTEGER}, _X_STRING, {"x": 1}),
        ({"dependentSchemas": {"a": _X_INTEGER}}, _X_STRING, {"a": 1, "x": 1}),
    ],
    ids=[
        "allOf of a reference and a declaring part",
        "anyOf of a reference beside declared properties",
        "nested property of an allOf part",
        "items of an allOf part",
        "then declares the key",
        "else declares the key",
        "dependentSchemas declares the key",
    ],
)
def test_lenient_refuses_a_change_to_a_key_some_part_of_the_writer_declares(
    writer: dict[str, Any], reader: dict[str, Any], document: Any
) -> None:
    writer_accepts = jsonschema.validators.validator_for(writer)(writer).is_valid(document)
    reader_accepts = jsonschema.validators.validator_for(reader)(reader).is_valid(document)
    assert (writer_accepts, reader_accepts) == (True, False)  # a real counterexample
    assert find_breaking_changes(writer, reader, writer_is_old=True, lenient=True)
