"""Compatibility table, part 4: arrays, boolean schemas, combinators, references, others."""

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


def tree(value: dict[str, Any]) -> dict[str, Any]:
    """A recursive tree: each node has a value and child nodes."""
    node = obj({"value": value, "children": typed("array", items={"$ref": "#/$defs/node"})})
    return {"$defs": {"node": node}, "$ref": "#/$defs/node"}


def cat(kind: str, **extra: Any) -> dict[str, Any]:
    return strict({"kind": {"const": kind}, **extra})


ARRAY_CASES = [
    Case(
        "array items lose null",
        typed("array", items=typed(["string", "null"])),
        typed("array", items=STRING),
        (("TYPE_NARROWED", "#/items", "#/items"),),
        (),
    ),
    Case(
        "items schema added",
        typed("array"),
        typed("array", items=STRING),
        (("ITEMS_NARROWED", "#", "#/items"),),
        (),
    ),
    Case(
        "minItems raised",
        typed("array", minItems=1),
        typed("array", minItems=2),
        ("MIN_ITEMS_INCREASED",),
        (),
    ),
    Case(
        "maxItems lowered",
        typed("array", maxItems=5),
        typed("array", maxItems=2),
        ("MAX_ITEMS_DECREASED",),
        (),
    ),
    Case(
        "uniqueItems added",
        typed("array"),
        typed("array", uniqueItems=True),
        ("UNIQUE_ITEMS_ADDED",),
        (),
    ),
    Case(
        "uniqueItems added to arrays of at most one item",
        typed("array", maxItems=1),
        typed("array", maxItems=1, uniqueItems=True),
    ),
    Case(
        "tuple position changes type",
        typed("array", prefixItems=[STRING, INTEGER]),
        typed("array", prefixItems=[STRING, STRING]),
        (("TYPE_CHANGED", "#/prefixItems/1", "#/prefixItems/1"),),
        (("TYPE_CHANGED", "#/prefixItems/1", "#/prefixItems/1"),),
    ),
    Case(
        "closed tuple extended",
        typed("array", prefixItems=[STRING], items=False),
        typed("array", prefixItems=[STRING, INTEGER], items=False),
        (),
        (("SCHEMA_BECAME_FALSE", "#/items", "#/prefixItems/1"),),
        documents=(["a"], ["a", 1]),
    ),
    Case(
        "draft-07 item tuple rewritten as 2020-12 prefixItems",
        {"$schema": DRAFT_07, "type": "array", "items": [STRING], "additionalItems": False},
        {"type": "array", "prefixItems": [STRING], "items": False},
        documents=(["a"], ["a", "b"]),
    ),
    Case(
        "draft-07 item tuple replaced by one items schema",
        {"$schema": DRAFT_07, "type": "array", "items": [STRING, INTEGER]},
        {"$schema": DRAFT_07, "type": "array", "items": STRING},
        (("TYPE_CHANGED", "#/items/1", "#/items"), ("ITEMS_NARROWED", "#", "#/items")),
        (("TYPE_CHANGED", "#/items/1", "#/items"),),
        documents=(["a", 1], ["a", "b"], ["a", 1, None]),
    ),
    Case(
        "items of a nested list narrowed",
        obj({"tags": typed("array", items=typed("string", maxLength=20))}),
        obj({"tags": typed("array", items=typed("string", maxLength=10))}),
        (("MAX_LENGTH_DECREASED", "#/properties/tags/items", "#/properties/tags/items"),),
        (),
        mentions="tags[]",
        documents=({"tags": ["abcdefghijkl"]},),
    ),
]

BOOLEAN_CASES = [
    Case("true schema became false", True, False, (("SCHEMA_BECAME_FALSE", "#", "#"),), ()),
    Case("false schema became a string schema", False, STRING, (), ("SCHEMA_BECAME_FALSE",)),
    Case(
        "property schema became false",
        obj({"a": {}}),
        obj({"a": False}),
        (("SCHEMA_BECAME_FALSE", "#/properties/a", "#/properties/a"),),
        (),
    ),
    Case("true schema rewritten as the empty schema", True, {}),
    Case("empty schema given a type", {}, STRING, ("TYPE_NARROWED",), ()),
]

COMBINATOR_CASES = [
    Case(
        "identical allOf kept while a title changes",
        {"allOf": [STRING, {"maxLength": 3}]},
        {"allOf": [STRING, {"maxLength": 3}], "title": "t"},
    ),
    Case(
        "anyOf gains a branch",
        {"anyOf": [STRING, typed("null")]},
        {"anyOf": [STRING, typed("null"), INTEGER]},
        (),
        (("COMBINED_SCHEMA_CHANGED", "#", "#/anyOf/2"),),
        documents=(1, "a", None),
    ),
    Case(
        "anyOf loses a branch",
        {"anyOf": [STRING, INTEGER]},
        {"anyOf": [STRING]},
        ("COMBINED_SCHEMA_CHANGED",),
        (),
    ),
    Case(
        "anyOf branch narrowed",
        {"anyOf": [STRING, INTEGER]},
        {"anyOf": [typed("string", maxLength=5), INTEGER]},
        ("COMBINED_SCHEMA_CHANGED",),
        (),
    ),
    Case(
        "string widened to an anyOf with null",
        STRING,
        {"anyOf": [STRING, typed("null")]},
        (),
        ("TYPE_CHANGED",),
    ),
    Case(
        "oneOf of disjoint types gains a branch",
        {"oneOf": [STRING, INTEGER]},
        {"oneOf": [STRING, INTEGER, typed("null")]},
        (),
        ("COMBINED_SCHEMA_CHANGED",),
        documents=("a", 1, None),
    ),
    Case(
        "oneOf with overlapping branches changed",
        {"oneOf": [STRING, {"maxLength": 3}]},
        {"oneOf": [STRING, {"maxLength": 3}, typed("null")]},
        ("COMBINED_SCHEMA_CHANGED",),
        (),
        documents=(None, "abcd", "ab", 1),
    ),
    Case(
        "discriminated tool-call union gains a variant",
        {"oneOf": [cat("search", q=STRING), cat("open", url=STRING)]},
        {"oneOf": [cat("search", q=STRING), cat("open", url=STRING), cat("close")]},
        (),
        ("COMBINED_SCHEMA_CHANGED",),
        documents=({"kind": "search", "q": "x"}, {"kind": "close"}),
    ),
    Case(
        "not added",
        STRING,
        typed("string", **{"not": {"const": ""}}),
        ("VALUE_EXCLUDED",),
        (),
        documents=("",),
    ),
    Case(
        "not removed",
        typed("string", **{"not": {"const": ""}}),
        STRING,
        (),
        ("VALUE_EXCLUDED",),
        documents=("",),
    ),
    Case(
        "required property added through allOf",
        obj(),
        obj(allOf=[{"required": ["a"]}]),
        ("REQUIRED_PROPERTY_ADDED",),
        (),
        documents=({}, {"a": 1}),
    ),
    Case(
        "allOf merged into one schema",
        {"allOf": [obj({"a": STRING}), {"required": ["a"]}]},
        obj({"a": STRING}, required=["a"]),
        documents=({"a": "x"}, {}),
    ),
    Case(
        "reference with a sibling maxLength tightened",
        {"$defs": {"s": STRING}, "$ref": "#/$defs/s", "maxLength": 5},
        {"$defs": {"s": STRING}, "$ref": "#/$defs/s", "maxLength": 3},
        ("MAX_LENGTH_DECREASED",),
        (),
        documents=("abcd", "ab"),
    ),
]

REFERENCE_CASES = [
    Case(
        "shared definition changes type",
        {**obj({"a": {"$ref": "#/$defs/id"}}), "$defs": {"id": INTEGER}},
        {**obj({"a": {"$ref": "#/$defs/id"}}), "$defs": {"id": STRING}},
        (("TYPE_CHANGED", "#/$defs/id", "#/$defs/id"),),
        (("TYPE_CHANGED", "#/$defs/id", "#/$defs/id"),),
        mentions="id",
    ),
    Case(
        "definition renamed",
        {**obj({"a": {"$ref": "#/$defs/old"}}), "$defs": {"old": STRING}},
        {**obj({"a": {"$ref": "#/$defs/new"}}), "$defs": {"new": STRING}},
    ),
    Case(
        "inline schema moved into a definition",
        obj({"a": STRING}),
        {**obj({"a": {"$ref": "#/$defs/s"}}), "$defs": {"s": STRING}},
    ),
    Case(
        "draft-07 definition tightened",
        {
            "$schema": DRAFT_07,
            "definitions": {"name": STRING},
            **obj({"n": {"$ref": "#/definitions/name"}}),
        },
        {
            "$schema": DRAFT_07,
            "definitions": {"name": typed("string", maxLength=3)},
            **obj({"n": {"$ref": "#/definitions/name"}}),
        },
        (("MAX_LENGTH_DECREASED", "#/definitions/name", "#/definitions/name"),),
        (),
        documents=({"n": "abcd"},),
    ),
    Case(
        "draft-07 ignores keywords beside a reference",
        {
            "$schema": DRAFT_07,
            "definitions": {"s": STRING},
            **obj({"a": {"$ref": "#/definitions/s"}}),
        },
        {
            "$schema": DRAFT_07,
            "definitions": {"s": STRING},
            **obj({"a": {"$ref": "#/definitions/s", "maxLength": 2}}),
        },
        documents=({"a": "abc"},),
    ),
    Case("recursive tree annotated", tree(STRING), tree(typed("string", description="label"))),
    Case(
        "recursive tree value narrowed",
        tree(STRING),
        tree(typed("string", maxLength=5)),
        (
            (
                "MAX_LENGTH_DECREASED",
                "#/$defs/node/properties/value",
                "#/$defs/node/properties/value",
            ),
        ),
        (),
        mentions="value",
        documents=({"value": "a", "children": [{"value": "abcdefg", "children": []}]},),
    ),
    Case(
        "root recursion widened",
        obj({"v": INTEGER, "next": {"$ref": "#"}}),
        obj({"v": NUMBER, "next": {"$ref": "#"}}),
        (),
        (("TYPE_NARROWED", "#/properties/v", "#/properties/v"),),
        documents=({"v": 1, "next": {"v": 2.5}}, {"v": 1, "next": {"v": 2}}),
    ),
]

OTHER_KEYWORD_CASES = [
    Case(
        "if-then added",
        obj(),
        {**obj(), "if": {"required": ["a"]}, "then": {"required": ["b"]}},
        (("REQUIRED_PROPERTY_ADDED", "#", "#/then"),),
        (),
    ),
    Case(
        "identical contains kept",
        typed("array", contains=STRING),
        typed("array", contains=STRING, title="t"),
    ),
    Case(
        "unevaluatedProperties false added",
        obj({"a": STRING}),
        obj({"a": STRING}, unevaluatedProperties=False),
        (("ADDITIONAL_PROPERTIES_NARROWED", "#", "#/unevaluatedProperties"),),
        (),
        documents=({"a": "x", "z": 1},),
    ),
]
