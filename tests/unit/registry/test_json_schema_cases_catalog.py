"""Compatibility table, part 5: every keyword family once more in both directions, deeply
nested pairs, the applicators (contains, dependentSchemas) and more LLM tool schemas."""

from __future__ import annotations

from typing import Any

from tests.unit.registry.test_json_schema_cases_objects import (
    INTEGER,
    NUMBER,
    STRING,
    Case,
    obj,
    strict,
    typed,
)

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
DRAFT_2019 = "https://json-schema.org/draft/2019-09/schema"
NULLABLE_STRING = typed(["string", "null"])


def nest(leaf: dict[str, Any], depth: int = 4) -> dict[str, Any]:
    """``leaf`` at #/properties/l1/properties/l2/... ``depth`` objects down."""
    schema = leaf
    for level in range(depth, 0, -1):
        schema = obj({f"l{level}": schema})
    return schema


def deep(depth: int = 4) -> str:
    return "#" + "".join(f"/properties/l{level}" for level in range(1, depth + 1))


def in_array(items: dict[str, Any]) -> dict[str, Any]:
    return obj({"rows": typed("array", items=obj({"cells": typed("array", items=items)}))})


def tool(params: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI strict-mode function: closed, every property required, nested the same."""
    return strict(params)


DEEP_CASES = [
    Case(
        "deep maxLength decreased",
        nest(typed("string", maxLength=10)),
        nest(typed("string", maxLength=5)),
        (("MAX_LENGTH_DECREASED", deep(), deep()),),
        (),
        documents=({"l1": {"l2": {"l3": {"l4": "abcdefg"}}}},),
    ),
    Case(
        "deep type widened",
        nest(INTEGER, 5),
        nest(NUMBER, 5),
        (),
        (("TYPE_NARROWED", deep(5), deep(5)),),
        documents=({"l1": {"l2": {"l3": {"l4": {"l5": 2.5}}}}},),
    ),
    Case(
        "deep required property added",
        nest(obj({"a": STRING})),
        nest(obj({"a": STRING}, required=["a"])),
        ("REQUIRED_PROPERTY_ADDED",),
        (),
        documents=({"l1": {"l2": {"l3": {"l4": {}}}}},),
    ),
    Case(
        "deep enum value added",
        nest(typed("string", enum=["a", "b"]), 3),
        nest(typed("string", enum=["a", "b", "c"]), 3),
        (),
        (("ENUM_VALUE_REMOVED", deep(3), deep(3)),),
        documents=({"l1": {"l2": {"l3": "c"}}},),
    ),
    Case(
        "deep annotation changed",
        nest(typed("string", description="x"), 6),
        nest(typed("string", description="y", examples=["z"]), 6),
    ),
    Case(
        "deep minimum raised inside arrays",
        in_array(typed("integer", minimum=0)),
        in_array(typed("integer", minimum=1)),
        ("MINIMUM_INCREASED",),
        (),
        documents=({"rows": [{"cells": [0]}]},),
    ),
    Case(
        "deep nullable added inside arrays",
        in_array(STRING),
        in_array(NULLABLE_STRING),
        (),
        ("TYPE_NARROWED",),
        documents=({"rows": [{"cells": [None]}]},),
    ),
    Case(
        "deep property added to a closed model",
        nest(obj({"a": STRING}, closed=True), 3),
        nest(obj({"a": STRING, "b": STRING}, closed=True), 3),
        (),
        ("PROPERTY_REMOVED_FROM_CLOSED_MODEL",),
        documents=({"l1": {"l2": {"l3": {"b": "x"}}}},),
    ),
    Case(
        "deep property added to an open model",
        nest(obj({"a": STRING}), 3),
        nest(obj({"a": STRING, "b": INTEGER}), 3),
        ("PROPERTY_ADDED_TO_OPEN_MODEL",),
        (),
        documents=({"l1": {"l2": {"l3": {"b": "x"}}}},),
    ),
    Case(
        "deep format added",
        nest(STRING, 2),
        nest(typed("string", format="email"), 2),
        ("FORMAT_ADDED",),
        (),
        documents=({"l1": {"l2": "not an email"}},),
    ),
]

TYPE_CASES = [
    Case("null removed from a type list", NULLABLE_STRING, STRING, ("TYPE_NARROWED",), ()),
    Case(
        "boolean added to a type list", STRING, typed(["string", "boolean"]), (), ("TYPE_NARROWED",)
    ),
    Case("type removed entirely", STRING, {}, (), ("TYPE_NARROWED",)),
    Case(
        "integer and number both listed",
        typed(["integer", "number"]),
        NUMBER,
    ),
    Case(
        "null changed to boolean",
        typed("null"),
        typed("boolean"),
        ("TYPE_CHANGED",),
        ("TYPE_CHANGED",),
    ),
    Case(
        "array changed to object or array",
        typed("array"),
        typed(["array", "object"]),
        (),
        ("TYPE_NARROWED",),
    ),
]

OBJECT_MORE_CASES = [
    Case(
        "required property dropped",
        obj({"a": STRING}, required=["a"]),
        obj({"a": STRING}),
        (),
        ("REQUIRED_PROPERTY_ADDED",),
        documents=({},),
    ),
    Case(
        "model closed",
        obj({"a": STRING}),
        obj({"a": STRING}, closed=True),
        ("ADDITIONAL_PROPERTIES_NARROWED",),
        (),
    ),
    Case(
        "model opened",
        obj({"a": STRING}, closed=True),
        obj({"a": STRING}),
        (),
        ("ADDITIONAL_PROPERTIES_NARROWED",),
    ),
    Case(
        "partially open model narrowed",
        obj({"a": STRING}, additionalProperties=typed(["string", "integer"])),
        obj({"a": STRING}, additionalProperties=STRING),
        ("TYPE_NARROWED",),
        (),
        documents=({"z": 1},),
    ),
    Case(
        "property moved from declared to partially open model",
        obj({"a": STRING, "b": INTEGER}, additionalProperties=INTEGER),
        obj({"a": STRING}, additionalProperties=INTEGER),
    ),
    Case(
        "property removed from a partially open model with another type",
        obj({"a": STRING, "b": STRING}, additionalProperties=INTEGER),
        obj({"a": STRING}, additionalProperties=INTEGER),
        ("TYPE_CHANGED",),
        ("TYPE_CHANGED",),
        documents=({"b": "x"}, {"b": 1}),
    ),
    Case(
        "minProperties raised (both directions)",
        obj(minProperties=1),
        obj(minProperties=2),
        ("MIN_PROPERTIES_INCREASED",),
        (),
        documents=({"a": "x"},),
    ),
    Case(
        "maxProperties lowered (both directions)",
        obj(maxProperties=3),
        obj(maxProperties=2),
        ("MAX_PROPERTIES_DECREASED",),
        (),
        documents=({"a": 1, "b": 1, "c": 1},),
    ),
    Case(
        "maxProperties covered by a closed model",
        obj({"a": STRING, "b": STRING}, closed=True),
        obj({"a": STRING, "b": STRING}, closed=True, maxProperties=2),
    ),
    Case(
        "propertyNames added",
        obj(),
        obj(propertyNames={"maxLength": 3}),
        ("PROPERTY_NAMES_NARROWED",),
        (),
        documents=({"abcd": 1},),
    ),
    Case(
        "propertyNames removed",
        obj(propertyNames={"maxLength": 3}),
        obj(),
        (),
        ("PROPERTY_NAMES_NARROWED",),
    ),
    Case(
        "propertyNames checked against a closed writer",
        obj({"ab": STRING}, closed=True),
        obj({"ab": STRING}, closed=True, propertyNames={"maxLength": 3}),
    ),
    Case(
        "dependentRequired added (both directions)",
        obj({"a": STRING, "b": STRING}),
        obj({"a": STRING, "b": STRING}, dependentRequired={"a": ["b"]}),
        ("DEPENDENT_REQUIRED_ADDED",),
        (),
        documents=({"a": "x"},),
    ),
    Case(
        "dependentRequired covered by required",
        obj({"a": STRING, "b": STRING}, required=["b"]),
        obj({"a": STRING, "b": STRING}, required=["b"], dependentRequired={"a": ["b"]}),
    ),
    Case(
        "draft-07 property dependencies added",
        {"$schema": DRAFT_07, **obj({"a": STRING, "b": STRING})},
        {"$schema": DRAFT_07, **obj({"a": STRING, "b": STRING}, dependencies={"a": ["b"]})},
        ("DEPENDENT_REQUIRED_ADDED",),
        (),
        documents=({"a": "x"},),
    ),
    Case(
        "patternProperties unchanged",
        obj(patternProperties={"^x-": STRING}),
        obj(patternProperties={"^x-": STRING}, title="t"),
    ),
    Case(
        "patternProperties changed",
        obj(patternProperties={"^x-": STRING}),
        obj(patternProperties={"^x-": INTEGER}),
        (("TYPE_CHANGED", "#/patternProperties/^x-", "#/patternProperties/^x-"),),
        (("TYPE_CHANGED", "#/patternProperties/^x-", "#/patternProperties/^x-"),),
        documents=({"x-a": "s"}, {"x-a": 1}),
    ),
]

APPLICATOR_CASES = [
    Case(
        "contains added",
        typed("array"),
        typed("array", contains=STRING),
        ("CONTAINS_NARROWED",),
        (),
        documents=([1],),
    ),
    Case(
        "contains widened",
        typed("array", contains=typed("string", minLength=2)),
        typed("array", contains=STRING),
        (),
        ("CONTAINS_NARROWED",),
        documents=(["a"],),
    ),
    Case(
        "minContains raised",
        typed("array", contains=STRING),
        typed("array", contains=STRING, minContains=2),
        ("CONTAINS_NARROWED",),
        (),
        documents=(["a"],),
    ),
    Case(
        "contains implied by items and minItems",
        typed("array", items=STRING, minItems=1),
        typed("array", items=STRING, minItems=1, contains=STRING),
    ),
    Case(
        "maxContains added",
        typed("array", contains=STRING),
        typed("array", contains=STRING, maxContains=1),
        ("MAX_CONTAINS_DECREASED",),
        (),
        documents=(["a", "a"],),
    ),
    Case(
        "minContains zero makes contains vacuous",
        typed("array"),
        typed("array", contains=STRING, minContains=0),
        (),
        (),
    ),
    Case(
        "dependentSchemas added",
        obj({"a": STRING, "b": {}}),
        obj({"a": STRING, "b": {}}, dependentSchemas={"a": {"properties": {"b": INTEGER}}}),
        ("DEPENDENT_SCHEMA_NARROWED",),
        (),
        documents=({"a": "x", "b": "y"},),
    ),
    Case(
        "dependentSchemas removed",
        obj({"a": STRING, "b": {}}, dependentSchemas={"a": {"required": ["b"]}}),
        obj({"a": STRING, "b": {}}),
        (),
        ("DEPENDENT_SCHEMA_NARROWED",),
        documents=({"a": "x"},),
    ),
    Case(
        "dependentSchemas widened",
        obj({"a": STRING}, dependentSchemas={"a": {"required": ["b", "c"]}}),
        obj({"a": STRING}, dependentSchemas={"a": {"required": ["b"]}}),
        (),
        ("DEPENDENT_SCHEMA_NARROWED",),
        documents=({"a": "x", "b": 1},),
    ),
    Case(
        "dependentSchemas already met by the writer",
        obj({"a": STRING, "b": STRING}, required=["b"]),
        obj(
            {"a": STRING, "b": STRING}, required=["b"], dependentSchemas={"a": {"required": ["b"]}}
        ),
    ),
    Case(
        "dependentSchemas on a trigger a closed writer never writes",
        obj({"b": STRING}, closed=True),
        obj({"b": STRING}, closed=True, dependentSchemas={"a": {"required": ["c"]}}),
    ),
    Case(
        "draft-07 schema dependencies added",
        {"$schema": DRAFT_07, **obj({"a": STRING})},
        {"$schema": DRAFT_07, **obj({"a": STRING}, dependencies={"a": {"required": ["b"]}})},
        ("DEPENDENT_SCHEMA_NARROWED",),
        (),
        documents=({"a": "x"},),
    ),
]
