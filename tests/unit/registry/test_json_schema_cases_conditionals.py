"""Compatibility table, conditionals: if/then/else in draft-07, 2019-09 and 2020-12.

A document passes ``if I then T else E`` when it is in I and T, or outside I and in E.
"""

from __future__ import annotations

from typing import Any

from tests.unit.registry.test_json_schema_cases_objects import STRING, Case, obj, strict, typed

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
DRAFT_2019_09 = "https://json-schema.org/draft/2019-09/schema"


def when(name: str, value: object) -> dict[str, Any]:
    """The ``if`` of a discriminated object: property ``name`` is present and is ``value``."""
    return {"properties": {name: {"const": value}}, "required": [name]}


SEARCH_TOOL = obj(
    {
        "mode": typed("string", enum=["search", "fetch"]),
        "query": STRING,
        "url": STRING,
        "limit": typed("integer"),
    },
    required=["mode"],
    closed=True,
)
SEARCH_NEEDS_QUERY = {**SEARCH_TOOL, "if": when("mode", "search"), "then": {"required": ["query"]}}
PAYMENT = obj({"method": STRING, "iban": STRING, "card": STRING}, required=["method"])

CONDITIONAL_CASES = [
    Case(
        "conditional unchanged but for its description",
        SEARCH_NEEDS_QUERY,
        {**SEARCH_NEEDS_QUERY, "description": "Search or fetch."},
    ),
    Case(
        "tool gains: when mode is search then query is required",
        SEARCH_TOOL,
        SEARCH_NEEDS_QUERY,
        (("REQUIRED_PROPERTY_ADDED", "#/properties/query", "#/then"),),
        (),
        mentions="query",
        documents=({"mode": "search"},),
    ),
    Case(
        "then newly requires a property under the same if",
        SEARCH_NEEDS_QUERY,
        {**SEARCH_TOOL, "if": when("mode", "search"), "then": {"required": ["query", "limit"]}},
        (("REQUIRED_PROPERTY_ADDED", "#/properties/limit", "#/then"),),
        (),
        mentions="limit",
        documents=({"mode": "search", "query": "cats"},),
    ),
    Case(
        "then requires what the if already requires",
        {**obj({"a": STRING}), "if": {"required": ["a"]}, "then": {"required": ["b"]}},
        {**obj({"a": STRING}), "if": {"required": ["a"]}, "then": {"required": ["a", "b"]}},
        documents=({"a": "x", "b": 1}, {"b": 1}),
    ),
    Case(
        "else newly requires a property under the same if",
        {**PAYMENT, "if": when("method", "card"), "then": {"required": ["card"]}},
        {
            **PAYMENT,
            "if": when("method", "card"),
            "then": {"required": ["card"]},
            "else": {"required": ["iban"]},
        },
        (("REQUIRED_PROPERTY_ADDED", "#/properties/iban", "#/else"),),
        (),
        documents=({"method": "transfer"}, {"method": "card", "card": "4111"}),
    ),
    Case(
        "if narrowed from two modes to one",
        {
            **SEARCH_TOOL,
            "if": {"properties": {"mode": {"enum": ["search", "fetch"]}}, "required": ["mode"]},
            "then": {"required": ["query"]},
        },
        SEARCH_NEEDS_QUERY,
        (),
        (("REQUIRED_PROPERTY_ADDED", "#/then", "#/properties/query"),),
        documents=({"mode": "fetch"}, {"mode": "search", "query": "q"}),
    ),
    Case(
        "if switched to another discriminator value",
        SEARCH_NEEDS_QUERY,
        {**SEARCH_TOOL, "if": when("mode", "fetch"), "then": {"required": ["query"]}},
        ("REQUIRED_PROPERTY_ADDED",),
        ("REQUIRED_PROPERTY_ADDED",),
        documents=({"mode": "fetch"}, {"mode": "search"}),
    ),
    Case(
        "conditional removed from a tool",
        SEARCH_NEEDS_QUERY,
        SEARCH_TOOL,
        (),
        (("REQUIRED_PROPERTY_ADDED", "#/then", "#/properties/query"),),
        documents=({"mode": "search"},),
    ),
    Case(
        "reader then already met by every writer document",
        obj({"a": STRING, "b": STRING}, required=["b"]),
        {
            **obj({"a": STRING, "b": STRING}, required=["b"]),
            "if": {"required": ["a"]},
            "then": {"required": ["b"]},
        },
        (),
        (),
        documents=({"a": "x", "b": "y"}, {"b": "y"}),
    ),
    Case(
        "writer provably outside the reader's if by its discriminator",
        obj({"kind": {"const": "dog"}, "bark": STRING}, required=["kind"]),
        {
            **obj({"kind": {"const": "dog"}, "bark": STRING}, required=["kind"]),
            "if": when("kind", "cat"),
            "then": {"required": ["meow"]},
        },
        (),
        (),
        documents=({"kind": "dog"}, {"kind": "cat"}),
    ),
    Case(
        "writer provably outside the reader's if by type",
        STRING,
        {"type": ["string", "object"], "if": {"type": "object"}, "then": {"required": ["id"]}},
        (),
        ("TYPE_NARROWED",),
        documents=({"id": 1},),
    ),
    Case(
        "writer inside the reader's if must meet its then",
        obj({"kind": {"const": "cat"}, "meow": STRING}, required=["kind"]),
        {
            **obj({"kind": {"const": "cat"}, "meow": STRING}, required=["kind"]),
            "if": when("kind", "cat"),
            "then": {"required": ["meow"]},
        },
        (("REQUIRED_PROPERTY_ADDED", "#/properties/meow", "#/then"),),
        (),
        documents=({"kind": "cat"},),
    ),
    Case(
        "conditional added inside a nested property",
        obj({"search": SEARCH_TOOL}),
        obj({"search": SEARCH_NEEDS_QUERY}),
        (
            (
                "REQUIRED_PROPERTY_ADDED",
                "#/properties/search/properties/query",
                "#/properties/search/then",
            ),
        ),
        (),
        documents=({"search": {"mode": "search"}},),
    ),
    Case(
        "draft-07 conditional then changed",
        {"$schema": DRAFT_07, **SEARCH_NEEDS_QUERY},
        {
            "$schema": DRAFT_07,
            **SEARCH_TOOL,
            "if": when("mode", "search"),
            "then": {"required": ["query", "limit"]},
        },
        ("REQUIRED_PROPERTY_ADDED",),
        (),
        documents=({"mode": "search", "query": "cats"},),
    ),
    Case(
        "2019-09 conditional identical under a new title",
        {"$schema": DRAFT_2019_09, **SEARCH_NEEDS_QUERY},
        {"$schema": DRAFT_2019_09, **SEARCH_NEEDS_QUERY, "title": "search"},
    ),
    Case(
        "then becomes false for a retired kind",
        obj({"kind": STRING}, required=["kind"]),
        {**obj({"kind": STRING}, required=["kind"]), "if": when("kind", "legacy"), "then": False},
        ("SCHEMA_BECAME_FALSE",),
        (),
        documents=({"kind": "legacy"},),
    ),
    Case(
        "else false becomes else true",
        {**obj({"kind": STRING}), "if": when("kind", "a"), "then": True, "else": False},
        {**obj({"kind": STRING}), "if": when("kind", "a"), "then": True, "else": True},
        (),
        (("SCHEMA_BECAME_FALSE", "#/else", "#"),),
        documents=({"kind": "b"}, {"kind": "a"}, {}),
    ),
    Case(
        "strict output gains a conditional that its enum never triggers",
        strict({"unit": typed("string", enum=["celsius"]), "value": typed("number")}),
        {
            **strict({"unit": typed("string", enum=["celsius"]), "value": typed("number")}),
            "if": when("unit", "kelvin"),
            "then": {"properties": {"value": {"minimum": 0}}},
        },
        (),
        (),
        documents=({"unit": "celsius", "value": -5},),
    ),
    Case(
        "then added under an if on a pattern",
        obj({"email": STRING, "verified": typed("boolean")}),
        {
            **obj({"email": STRING, "verified": typed("boolean")}),
            "if": {"properties": {"email": {"pattern": "@"}}, "required": ["email"]},
            "then": {"required": ["verified"]},
        },
        ("CONDITIONAL_CHANGED",),
        (),
        documents=({"email": "someone@example.com"}, {"email": "x", "verified": True}),
    ),
    Case(
        "numeric if threshold raised",
        typed("number", minimum=0, **{"if": {"minimum": 10}, "then": {"multipleOf": 5}}),
        typed("number", minimum=0, **{"if": {"minimum": 20}, "then": {"multipleOf": 5}}),
        (),
        ("CONDITIONAL_CHANGED",),
        documents=(11, 15, 25, 21),
    ),
]
