"""Compatibility table, part 7: a reader's not, overlapping oneOf branches, maxContains."""

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

BOOLEAN = typed("boolean")
DRAFT_07 = "http://json-schema.org/draft-07/schema#"


def action(kind: str, **fields: Any) -> dict[str, Any]:
    """A tool-call action object, discriminated by its ``type`` const."""
    return strict({"type": {"const": kind}, **fields})


def part(name: str, **extra: Any) -> dict[str, Any]:
    """A message content part without discriminator: recognised by its required key."""
    return obj({name: STRING, **extra}, required=[name])


SEARCH = action("search", query=STRING)
OPEN = action("open", url=STRING)
TEXT, IMAGE = part("text"), part("image_url")


NOT_CASES = [
    Case(
        "not excluding values the writer's minLength already rejects",
        typed("string", minLength=2),
        typed("string", minLength=2, **{"not": {"enum": ["", "x"]}}),
        documents=("", "x", "ab"),
    ),
    Case(
        "not const added to a nested string property",
        obj({"mode": STRING}),
        obj({"mode": typed("string", **{"not": {"const": "auto"}})}),
        (("VALUE_EXCLUDED", "#/properties/mode", "#/properties/mode"),),
        (),
        mentions="mode",
        documents=({"mode": "auto"}, {"mode": "manual"}),
    ),
    Case(
        "not null added to a nullable property",
        obj({"note": typed(["string", "null"])}),
        obj({"note": typed(["string", "null"], **{"not": typed("null")})}),
        ("VALUE_EXCLUDED",),
        (),
        documents=({"note": None}, {"note": "x"}),
    ),
    Case(
        "not required added on a closed model that never writes the key",
        strict({"query": STRING}),
        strict({"query": STRING}) | {"not": {"required": ["debug"]}},
        documents=({"query": "x"}, {"query": "x", "debug": True}),
    ),
    Case(
        "not required added on an open model",
        obj({"query": STRING}),
        obj({"query": STRING}) | {"not": {"required": ["debug"]}},
        ("COMBINED_SCHEMA_CHANGED",),
        (),
        documents=({"query": "x", "debug": True},),
    ),
    Case(
        "not required on a property the writer forbids",
        obj({"query": STRING, "debug": False}),
        obj({"query": STRING, "debug": False}) | {"not": typed("object", required=["debug"])},
        documents=({"query": "x"}, {"debug": 1}),
    ),
    Case(
        "not narrowed inside the writer's own not (both directions)",
        typed("string", **{"not": typed("string", maxLength=3)}),
        typed("string", **{"not": typed("string", maxLength=2)}),
        (),
        ("COMBINED_SCHEMA_CHANGED",),
        documents=("abc", "abcd", "ab"),
    ),
    Case(
        "tool-call union excludes an action type it never had",
        {"oneOf": [SEARCH, OPEN]},
        {
            "oneOf": [SEARCH, OPEN],
            "not": {"properties": {"type": {"const": "delete"}}, "required": ["type"]},
        },
        documents=(
            {"type": "search", "query": "x"},
            {"type": "open", "url": "x"},
            {"type": "delete"},
        ),
    ),
    Case(
        "tool-call union excludes one of its own actions",
        {"oneOf": [SEARCH, OPEN]},
        {
            "oneOf": [SEARCH, OPEN],
            "not": {"properties": {"type": {"const": "open"}}, "required": ["type"]},
        },
        ("COMBINED_SCHEMA_CHANGED",),
        (),
        documents=({"type": "open", "url": "x"}, {"type": "search", "query": "x"}),
    ),
]

ONE_OF_CASES = [
    Case(
        "closed source fits one of two overlapping oneOf branches",
        strict({"url": STRING}),
        {"oneOf": [part("url"), part("path")]},
        (),
        (
            "ADDITIONAL_PROPERTIES_NARROWED",
            "ADDITIONAL_PROPERTIES_NARROWED",
            "PROPERTY_ADDED_TO_OPEN_MODEL",
            "PROPERTY_REMOVED_FROM_CLOSED_MODEL",
            "REQUIRED_PROPERTY_ADDED",
        ),
        documents=({"url": "x"}, {"path": "x"}, {"url": "x", "path": "y"}, {"url": "x", "n": 1}),
    ),
    Case(
        "overlapping oneOf branches reordered",
        {"oneOf": [STRING, {"maxLength": 3}, INTEGER]},
        {"oneOf": [INTEGER, STRING, {"maxLength": 3}]},
        documents=("abcd", "ab", 1, None, 2.5),
    ),
    Case(
        "overlapping content parts gain a null branch",
        {"oneOf": [TEXT, IMAGE]},
        {"oneOf": [TEXT, IMAGE, typed("null")]},
        (),
        ("COMBINED_SCHEMA_CHANGED",),
        documents=({"text": "a"}, {"image_url": "x"}, {"text": "a", "image_url": "x"}, None),
    ),
    Case(
        "nested overlapping content parts reordered and gain a branch",
        obj({"content": {"oneOf": [TEXT, IMAGE]}}),
        obj({"content": {"oneOf": [IMAGE, typed("string"), TEXT]}}),
        (),
        ("COMBINED_SCHEMA_CHANGED",),
        documents=({"content": {"text": "a"}}, {"content": "a"}, {"content": {"image_url": "x"}}),
    ),
    Case(
        "overlapping content parts gain a branch overlapping text",
        {"oneOf": [TEXT, IMAGE]},
        {"oneOf": [TEXT, IMAGE, part("text", lang=STRING) | {"required": ["text", "lang"]}]},
        (("COMBINED_SCHEMA_CHANGED", "#/oneOf/0", "#"),),
        (),
        documents=({"text": "a", "lang": "en"}, {"text": "a"}, {"image_url": "x"}),
    ),
    Case(
        "integer fits one branch of an overlapping oneOf",
        INTEGER,
        {"oneOf": [NUMBER, typed(["string", "null"]), typed(["string", "boolean"])]},
        (),
        ("TYPE_NARROWED", "TYPE_CHANGED", "TYPE_CHANGED"),
        documents=(1, 2.5, None, True, "x"),
    ),
    Case(
        "computer-use action union gains an action with an optional type",
        {"oneOf": [action("click", x=INTEGER, y=INTEGER), action("type", text=STRING)]},
        {
            "oneOf": [
                action("click", x=INTEGER, y=INTEGER),
                action("type", text=STRING),
                obj({"type": {"const": "scroll"}, "dy": INTEGER}, required=["dy"]),
            ]
        },
        (),
        ("COMBINED_SCHEMA_CHANGED",),
        documents=(
            {"type": "click", "x": 1, "y": 2},
            {"type": "type", "text": "hi"},
            {"dy": 3},
            {"type": "scroll", "dy": 3},
        ),
    ),
    Case(
        "action union gains a catch-all action",
        {"oneOf": [SEARCH, OPEN]},
        {"oneOf": [SEARCH, OPEN, obj({"type": STRING}, required=["type"])]},
        ("COMBINED_SCHEMA_CHANGED", "COMBINED_SCHEMA_CHANGED"),
        ("COMBINED_SCHEMA_CHANGED",),
        documents=({"type": "search", "query": "x"}, {"type": "other"}),
    ),
]

CONTAINS_CASES = [
    Case(
        "maxContains added within the writer's maxItems",
        typed("array", items=STRING, maxItems=2),
        typed("array", items=STRING, maxItems=2, contains=STRING, minContains=0, maxContains=2),
        documents=(["a", "b"], []),
    ),
    Case(
        "maxContains zero on items the writer never writes",
        typed("array", items=INTEGER),
        typed("array", items=INTEGER, contains=STRING, minContains=0, maxContains=0),
        documents=([1, 2], []),
    ),
    Case(
        "coordinate pair gains a label and a cap on flags its positions never hold",
        typed("array", prefixItems=[NUMBER, NUMBER], maxItems=2),
        typed(
            "array",
            prefixItems=[NUMBER, NUMBER, STRING],
            maxItems=3,
            contains=BOOLEAN,
            minContains=0,
            maxContains=0,
        ),
        (),
        ("MAX_ITEMS_DECREASED",),
        documents=([1, 2], [1], [1, 2, "a"]),
    ),
    Case(
        "maxContains lowered (both directions)",
        typed("array", contains=STRING, maxContains=3),
        typed("array", contains=STRING, maxContains=1),
        ("MAX_CONTAINS_DECREASED",),
        (),
        documents=(["a", "a"], ["a"]),
    ),
    Case(
        "maxContains kept while contains narrows",
        typed("array", contains=STRING, maxContains=1),
        typed("array", contains=typed("string", minLength=1), maxContains=1),
        ("CONTAINS_NARROWED",),
        ("MAX_CONTAINS_DECREASED",),
        documents=([""], ["a", ""], ["a"]),
    ),
    Case(
        "nested tags allow at most one primary",
        obj({"tags": typed("array", items=STRING, contains={"const": "primary"})}),
        obj({"tags": typed("array", items=STRING, contains={"const": "primary"}, maxContains=1)}),
        (("MAX_CONTAINS_DECREASED", "#/properties/tags", "#/properties/tags"),),
        (),
        mentions="tags",
        documents=({"tags": ["primary", "primary"]}, {"tags": ["primary", "x"]}),
    ),
    Case(
        "calendar tool allows at most one organizer",
        strict(
            {"attendees": typed("array", items=strict({"email": STRING, "organizer": BOOLEAN}))}
        ),
        strict(
            {
                "attendees": typed(
                    "array",
                    items=strict({"email": STRING, "organizer": BOOLEAN}),
                    contains={"properties": {"organizer": {"const": True}}},
                    minContains=0,
                    maxContains=1,
                )
            }
        ),
        ("MAX_CONTAINS_DECREASED",),
        (),
        documents=(
            {
                "attendees": [
                    {"email": "a", "organizer": True},
                    {"email": "b", "organizer": True},
                ]
            },
            {"attendees": [{"email": "a", "organizer": True}]},
        ),
    ),
    Case(
        "maxContains without contains is ignored",
        typed("array", items=STRING),
        typed("array", items=STRING, maxContains=1),
        documents=(["a", "b"],),
    ),
    Case(
        "draft-07 ignores maxContains",
        {"$schema": DRAFT_07, "type": "array", "contains": STRING},
        {"$schema": DRAFT_07, "type": "array", "contains": STRING, "maxContains": 1},
        documents=(["a", "b"],),
    ),
    Case(
        "maxContains bounded only by unique listed items stays undecided",
        typed("array", items={"enum": ["a", "b"]}, uniqueItems=True),
        typed(
            "array",
            items={"enum": ["a", "b"]},
            uniqueItems=True,
            contains={"enum": ["a", "b"]},
            minContains=0,
            maxContains=2,
        ),
        ("UNDECIDABLE_CHANGE",),
        (),
        documents=(["a", "b"],),
    ),
]
