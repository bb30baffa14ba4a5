"""Compatibility table, part 8: pairs where a wider stand-in for a schema once led to a
wrong "compatible": a ``$ref`` with siblings on the wider side of a containment, a
``$ref`` into ``examples``, a writer limited to known names against dependentSchemas."""

from __future__ import annotations

from tests.unit.registry.test_json_schema_cases_objects import STRING, Case, typed

_DEFS = {"$defs": {"S": STRING}}

REGRESSION_CASES = [
    Case(
        "writer not of a reference with a sibling, reader not of its target",
        {**_DEFS, "not": {"$ref": "#/$defs/S", "minLength": 5}},
        {"not": STRING},
        ("COMBINED_SCHEMA_CHANGED",),
        (),
        documents=("ab",),
    ),
    Case(
        "oneOf branch loses the sibling of its reference",
        {
            **_DEFS,
            "oneOf": [typed("string", maxLength=2), {"$ref": "#/$defs/S", "minLength": 3}],
        },
        {**_DEFS, "oneOf": [typed("string", maxLength=2), {"$ref": "#/$defs/S"}]},
        ("COMBINED_SCHEMA_CHANGED",),
        ("COMBINED_SCHEMA_CHANGED",),
        documents=("a",),
    ),
    Case(
        "maxContains against a writer contains that is a reference with a sibling",
        {
            **_DEFS,
            "type": "array",
            "contains": {"$ref": "#/$defs/S", "minLength": 3},
            "maxContains": 1,
        },
        typed("array", contains=STRING, maxContains=1),
        ("UNDECIDABLE_CHANGE",),
        ("CONTAINS_NARROWED",),
        documents=(["abc", "a", "b"], ["a"]),
    ),
    Case(
        "reference into examples retargeted",
        {"examples": [STRING], "$ref": "#/examples/0"},
        {"examples": [typed("integer")], "$ref": "#/examples/0"},
        ("TYPE_CHANGED",),
        ("TYPE_CHANGED",),
        documents=("a", 1),
    ),
    Case(
        "dependentSchemas on a name a writer limited to its required names never writes",
        {"type": "object", "required": ["b"], "maxProperties": 1},
        {"type": "object", "required": ["b"], "dependentSchemas": {"a": False}},
        (),
        ("MAX_PROPERTIES_DECREASED",),
        documents=({"b": 1, "c": 2},),
    ),
]

UNIQUE_BOUND_CASES = [
    Case(
        "maxItems added that unique booleans never exceed",
        typed("array", items=typed("boolean"), uniqueItems=True),
        typed("array", items=typed("boolean"), uniqueItems=True, maxItems=2),
        (),
        (),
        documents=([True, False], [True, True, True]),
    ),
    Case(
        "maxItems added below the number of unique enum values",
        typed("array", items={"enum": ["a", "b", "c"]}, uniqueItems=True),
        typed("array", items={"enum": ["a", "b", "c"]}, uniqueItems=True, maxItems=2),
        ("MAX_ITEMS_DECREASED",),
        (),
        documents=(["a", "b", "c"],),
    ),
    Case(
        "unique nullable flags capped at their three values",
        typed("array", items=typed(["boolean", "null"]), uniqueItems=True),
        typed("array", items=typed(["boolean", "null"]), uniqueItems=True, maxItems=3),
        (),
        (),
        documents=([None, True, False], [None, None]),
    ),
]

_D07 = "http://json-schema.org/draft-07/schema#"
_D2019 = "https://json-schema.org/draft/2019-09/schema"
_NOT_123 = {"not": {"const": [1, 2, 3]}}

ANCHOR_AND_TUPLE_CASES = [
    Case(
        "draft-07 anchor spelled $anchor is not an anchor there",
        {"$schema": _D07, "type": "string"},
        {
            "$schema": _D07,
            "definitions": {
                "X": {"$anchor": "A", "type": "string"},
                "Y": {"$id": "#A", "type": "integer"},
            },
            "$ref": "#A",
        },
        ("TYPE_CHANGED",),
        ("TYPE_CHANGED",),
        documents=("s", 1),
    ),
    Case(
        "2019-09 $dynamicAnchor beside an $anchor of the same name",
        {"$schema": _D2019, "type": "string"},
        {
            "$schema": _D2019,
            "$defs": {
                "X": {"$dynamicAnchor": "A", "type": "string"},
                "Y": {"$anchor": "A", "type": "integer"},
            },
            "$ref": "#A",
        },
        ("TYPE_CHANGED",),
        ("TYPE_CHANGED",),
        documents=("s", 1),
    ),
    Case(
        "anchor declared twice is not followed",
        STRING,
        {
            "$defs": {"X": {"$anchor": "A", "type": "string"}},
            "items": {"$anchor": "A", "type": "integer"},
            "$ref": "#A",
        },
        ("UNDECIDABLE_CHANGE",),
        ("TYPE_NARROWED",),
        documents=(1, "s"),
    ),
    Case(
        "draft-07 additionalItems in another conjunct stays ignored",
        {"$schema": _D07, "allOf": [{"items": [{}, {}]}, {"additionalItems": False}]},
        {"$schema": _D07, **_NOT_123},
        ("VALUE_EXCLUDED",),
        (),
        documents=([1, 2, 3],),
    ),
    Case(
        "2019-09 additionalItems behind a reference stays ignored",
        {
            "$schema": _D2019,
            "$defs": {"X": {"additionalItems": False}},
            "items": [{}, {}],
            "$ref": "#/$defs/X",
        },
        {"$schema": _D2019, **_NOT_123},
        ("COMBINED_SCHEMA_CHANGED",),
        (),
        documents=([1, 2, 3],),
    ),
]

DEPENDENCY_CASES = [
    Case(
        "dependentRequired on the trigger itself",
        {},
        {"dependentRequired": {"a": ["a"]}},
        (),
        (),
    ),
    Case(
        "dependentSchemas with keywords for numbers only",
        {},
        {"dependentSchemas": {"b": {"minimum": -1, "format": "email"}}},
        (),
        (),
    ),
    Case(
        "dependentSchemas with an object keyword",
        {},
        {"dependentSchemas": {"b": {"required": ["c"]}}},
        ("DEPENDENT_SCHEMA_NARROWED",),
        (),
        documents=({"b": 1},),
    ),
]

EMPTY_WRITER_CASES = [
    Case(
        "array bounds that exclude each other",
        typed("array", minItems=3, maxItems=2),
        typed("integer"),
        (),
        ("TYPE_CHANGED",),
        documents=(1,),
    ),
    Case(
        "not of a schema that accepts everything",
        {"not": {}},
        typed("integer"),
        (),
        ("COMBINED_SCHEMA_CHANGED",),
        documents=(1,),
    ),
    Case(
        "numeric bounds that exclude each other for both numeric types",
        typed(["integer", "number"], minimum=5, maximum=1),
        STRING,
        (),
        ("TYPE_CHANGED",),
        documents=("a",),
    ),
]
