"""Compatibility table: unevaluatedProperties and unevaluatedItems.

Where what a schema evaluates is fixed (its own keywords, allOf, $ref), the keyword reads
like additionalProperties (items) over everything the closure declares; where anyOf,
oneOf, if or dependentSchemas decide it per document, only an unchanged one is proved.
Draft-07 does not know either keyword, so there it changes nothing.
"""

from __future__ import annotations

from typing import Any

from tests.unit.registry.test_json_schema_cases_objects import (
    INTEGER,
    STRING,
    Case,
    obj,
    typed,
)

DRAFT_2019_09 = "https://json-schema.org/draft/2019-09/schema"
DRAFT_07 = "http://json-schema.org/draft-07/schema#"


def _extended(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """The 2020-12 extension idiom: a base definition, own properties, closed over both."""
    return {
        "$defs": {"base": obj(base)},
        "type": "object",
        "allOf": [{"$ref": "#/$defs/base"}],
        "properties": own,
        "unevaluatedProperties": False,
    }


def _one_of_kinds(extra: dict[str, Any] | None = None, **keywords: Any) -> dict[str, Any]:
    """An object that is a cat or a dog; unevaluatedProperties depends on which."""
    return {
        "type": "object",
        "anyOf": [
            {"properties": {"a": STRING}, "required": ["a"]},
            {"properties": {"b": STRING, **(extra or {})}, "required": ["b"]},
        ],
        "unevaluatedProperties": False,
        **keywords,
    }


def _triggered(tail: dict[str, Any]) -> dict[str, Any]:
    return obj(
        {"kind": STRING, "c": tail},
        dependentSchemas={"kind": {"properties": {"extra": STRING}}},
        unevaluatedProperties=False,
    )


def _tuple(*, draft: str | None = None, **keywords: Any) -> dict[str, Any]:
    schema = typed("array", **keywords)
    return {"$schema": draft, **schema} if draft else schema


UNEVALUATED_CASES = [
    Case(
        "unevaluatedProperties false removed",
        obj({"a": STRING}, unevaluatedProperties=False),
        obj({"a": STRING}),
        (),
        (("ADDITIONAL_PROPERTIES_NARROWED", "#/unevaluatedProperties", "#"),),
        documents=({"a": "x", "z": 1},),
    ),
    Case(
        "property dropped under unevaluatedProperties false",
        obj({"a": STRING, "b": STRING}, unevaluatedProperties=False),
        obj({"a": STRING}, unevaluatedProperties=False),
        (("PROPERTY_REMOVED_FROM_CLOSED_MODEL", "#/properties/b", "#"),),
        (),
        mentions="'b'",
        documents=({"b": "y"},),
    ),
    Case(
        "property widened under unevaluatedProperties false",
        obj({"a": typed("string", maxLength=3)}, unevaluatedProperties=False),
        obj({"a": typed("string", maxLength=5)}, unevaluatedProperties=False),
        (),
        (("MAX_LENGTH_DECREASED", "#/properties/a", "#/properties/a"),),
        documents=({"a": "abcd"},),
    ),
    Case(
        "unevaluatedProperties false swapped for additionalProperties false",
        obj({"a": STRING}, unevaluatedProperties=False),
        obj({"a": STRING}, additionalProperties=False),
    ),
    Case(
        "property added to the base of an extended object",
        _extended({"a": STRING}, {"c": STRING}),
        _extended({"a": STRING, "b": STRING}, {"c": STRING}),
        (),
        (("PROPERTY_REMOVED_FROM_CLOSED_MODEL", "#", "#/properties/b"),),
        documents=({"b": "y"},),
    ),
    Case(
        "property removed from the base of an extended object",
        _extended({"a": STRING, "b": STRING}, {"c": STRING}),
        _extended({"a": STRING}, {"c": STRING}),
        (("PROPERTY_REMOVED_FROM_CLOSED_MODEL", "#/properties/b", "#"),),
        (),
        documents=({"b": "y"},),
    ),
    Case(
        "property added to the extension of an extended object",
        _extended({"a": STRING}, {"c": STRING}),
        _extended({"a": STRING}, {"c": STRING, "d": INTEGER}),
        (),
        (("PROPERTY_REMOVED_FROM_CLOSED_MODEL", "#", "#/properties/d"),),
        documents=({"d": 1},),
    ),
    Case(
        "closed object refactored into base and extension",
        obj({"a": STRING, "c": STRING}, additionalProperties=False),
        _extended({"a": STRING}, {"c": STRING}),
    ),
    Case(
        "unevaluatedProperties schema added",
        obj({"a": STRING}),
        obj({"a": STRING}, unevaluatedProperties=STRING),
        (("ADDITIONAL_PROPERTIES_NARROWED", "#", "#/unevaluatedProperties"),),
        (),
        documents=({"a": "x", "z": 1},),
    ),
    Case(
        "unevaluatedProperties schema changed type",
        obj({"a": STRING}, unevaluatedProperties=STRING),
        obj({"a": STRING}, unevaluatedProperties=INTEGER),
        (("TYPE_CHANGED", "#/unevaluatedProperties", "#/unevaluatedProperties"),),
        (("TYPE_CHANGED", "#/unevaluatedProperties", "#/unevaluatedProperties"),),
        documents=({"z": "x"}, {"z": 1}),
    ),
    Case(
        "unevaluatedProperties false beside additionalProperties",
        obj({"a": STRING}, additionalProperties=STRING),
        obj({"a": STRING}, additionalProperties=STRING, unevaluatedProperties=False),
        documents=({"a": "x", "z": "y"},),
    ),
    Case(
        "unchanged anyOf under unevaluatedProperties, no-op bound added",
        _one_of_kinds(),
        _one_of_kinds(minProperties=0),
        documents=({"a": "x"}, {"a": "x", "b": "y"}, {"a": "x", "e": "z"}),
    ),
    Case(
        "unchanged anyOf under unevaluatedProperties, maxProperties raised",
        _one_of_kinds(maxProperties=1),
        _one_of_kinds(maxProperties=2),
        (),
        ("MAX_PROPERTIES_DECREASED", "MAX_PROPERTIES_DECREASED"),
        documents=({"a": "x", "b": "y"}, {"a": "x", "e": 1}),
    ),
    Case(
        "anyOf branch gains a property under unevaluatedProperties",
        _one_of_kinds(),
        _one_of_kinds({"e": STRING}),
        ("COMBINED_SCHEMA_CHANGED", "UNDECIDABLE_CHANGE", "UNDECIDABLE_CHANGE"),
        ("UNDECIDABLE_CHANGE", "UNDECIDABLE_CHANGE"),
        mentions="anyOf",
        documents=({"b": "y", "e": "z"},),
    ),
    Case(
        "unevaluatedProperties false added beside anyOf",
        {key: value for key, value in _one_of_kinds().items() if key != "unevaluatedProperties"},
        _one_of_kinds(),
        ("UNDECIDABLE_CHANGE", "UNDECIDABLE_CHANGE"),
        (),
        documents=({"a": "x", "z": 1},),
    ),
    Case(
        "property widened beside dependentSchemas under unevaluatedProperties",
        _triggered(typed("string", maxLength=3)),
        _triggered(typed("string", maxLength=5)),
        (),
        (("MAX_LENGTH_DECREASED", "#/properties/c", "#/properties/c"),),
        documents=({"c": "abcd"}, {"kind": "k", "extra": "x"}),
    ),
    Case(
        "unevaluatedItems false added after prefixItems",
        _tuple(prefixItems=[STRING, INTEGER]),
        _tuple(prefixItems=[STRING, INTEGER], unevaluatedItems=False),
        (("ITEMS_NARROWED", "#", "#/unevaluatedItems"),),
        (),
        documents=(["a", 1, "x"], ["a", 1]),
    ),
    Case(
        "unevaluatedItems false relaxed to strings",
        _tuple(prefixItems=[STRING, INTEGER], unevaluatedItems=False),
        _tuple(prefixItems=[STRING, INTEGER], unevaluatedItems=STRING),
        (),
        (("SCHEMA_BECAME_FALSE", "#/unevaluatedItems", "#/unevaluatedItems"),),
        documents=(["a", 1, "x"], ["a", 1]),
    ),
    Case(
        "tuple position added through allOf under unevaluatedItems false",
        _tuple(allOf=[{"prefixItems": [STRING]}], unevaluatedItems=False),
        _tuple(allOf=[{"prefixItems": [STRING, INTEGER]}], unevaluatedItems=False),
        (),
        ("SCHEMA_BECAME_FALSE",),
        documents=(["a", 1], ["a"]),
    ),
    Case(
        "draft 2019-09 tuple position added under unevaluatedItems false",
        _tuple(draft=DRAFT_2019_09, items=[STRING, INTEGER], unevaluatedItems=False),
        _tuple(draft=DRAFT_2019_09, items=[STRING, INTEGER, STRING], unevaluatedItems=False),
        (),
        (("SCHEMA_BECAME_FALSE", "#/unevaluatedItems", "#/items/2"),),
        documents=(["a", 1, "x"], ["a", 1]),
    ),
    Case(
        "draft 2019-09 property added under unevaluatedProperties false",
        {"$schema": DRAFT_2019_09, **obj({"a": STRING}, unevaluatedProperties=False)},
        {"$schema": DRAFT_2019_09, **obj({"a": STRING, "b": INTEGER}, unevaluatedProperties=False)},
        (),
        (("PROPERTY_REMOVED_FROM_CLOSED_MODEL", "#", "#/properties/b"),),
        documents=({"b": 1},),
    ),
    Case(
        "draft-07 ignores unevaluatedProperties false",
        {"$schema": DRAFT_07, **obj({"a": STRING})},
        {"$schema": DRAFT_07, **obj({"a": STRING}, unevaluatedProperties=False)},
        documents=({"a": "x", "z": 1},),
    ),
    Case(
        "draft-07 ignores unevaluatedItems false",
        _tuple(draft=DRAFT_07, items=[STRING], unevaluatedItems=False),
        _tuple(draft=DRAFT_07, items=[STRING]),
        documents=(["a", 1],),
    ),
]
