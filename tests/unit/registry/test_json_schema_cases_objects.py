"""Compatibility table, part 1: the case model, types, annotations, objects.

Each row reads: old schema, new schema, what BACKWARD reports (old documents read with the
new schema), what FORWARD reports (new documents read with the old schema). An expected
finding is a code, or (code, old_path, new_path) when the paths are asserted too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Schema = dict[str, Any] | bool
Expect = str | tuple[str, str, str]


@dataclass(frozen=True)
class Case:
    name: str
    old: Schema
    new: Schema
    backward: tuple[Expect, ...] = ()
    forward: tuple[Expect, ...] = ()
    mentions: str | None = None  # every message of the row names this
    documents: tuple[object, ...] = ()  # hand-picked examples beyond the shared pool


def obj(
    properties: dict[str, Any] | None = None,
    *,
    required: Sequence[str] = (),
    closed: bool = False,
    **keywords: Any,
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties or {}}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    schema.update(keywords)
    return schema


def strict(properties: dict[str, Any], **keywords: Any) -> dict[str, Any]:
    """An OpenAI strict-mode object: closed, and every property required."""
    return obj(properties, required=list(properties), closed=True, **keywords)


def typed(name: str | list[str], **keywords: Any) -> dict[str, Any]:
    return {"type": name, **keywords}


STRING, INTEGER, NUMBER = typed("string"), typed("integer"), typed("number")

TYPE_AND_ANNOTATION_CASES = [
    Case(
        "integer widened to number",
        INTEGER,
        NUMBER,
        (),
        (("TYPE_NARROWED", "#", "#"),),
        documents=(2.5,),
    ),
    Case("string changed to integer", STRING, INTEGER, ("TYPE_CHANGED",), ("TYPE_CHANGED",)),
    Case("null added to a type list", STRING, typed(["string", "null"]), (), ("TYPE_NARROWED",)),
    Case("type added where any type was allowed", {}, STRING, ("TYPE_NARROWED",), ()),
    Case(
        "integer member of a type list widened to number",
        typed(["string", "integer"]),
        typed(["string", "number"]),
        (),
        ("TYPE_NARROWED",),
    ),
    Case("number narrowed to integer", NUMBER, INTEGER, ("TYPE_NARROWED",), ()),
    Case("type list reordered", typed(["null", "string"]), typed(["string", "null"])),
    Case("object changed to array", obj(), typed("array"), ("TYPE_CHANGED",), ("TYPE_CHANGED",)),
    Case(
        "annotations changed everywhere",
        obj({"a": typed("string", title="A", description="old", examples=["x"])}),
        obj(
            {
                "a": typed(
                    "string",
                    title="B",
                    description="new",
                    examples=["y"],
                    default="z",
                    deprecated=True,
                    readOnly=True,
                    writeOnly=False,
                    **{"$comment": "why"},
                )
            },
            title="Root",
        ),
    ),
    Case("unknown vendor keyword added", STRING, typed("string", **{"x-display": "wide"})),
    Case(
        "identical schemas", obj({"a": STRING}, required=["a"]), obj({"a": STRING}, required=["a"])
    ),
    Case("string keywords ignored for integers", INTEGER, typed("integer", maxLength=3)),
    Case("numeric keywords ignored for strings", STRING, typed("string", minimum=5)),
    Case("array keywords ignored for strings", STRING, typed("string", minItems=3)),
]

OBJECT_CASES = [
    Case(
        "optional property constrained on an open model",
        obj({"a": STRING}),
        obj({"a": STRING, "b": STRING}),
        (("PROPERTY_ADDED_TO_OPEN_MODEL", "#", "#/properties/b"),),
        (),
        mentions="b",
        documents=({"a": "x", "b": 1},),
    ),
    Case("optional property accepting anything added to an open model", obj(), obj({"b": {}})),
    Case(
        "optional property added to a closed model",
        obj({"a": STRING}, closed=True),
        obj({"a": STRING, "b": STRING}, closed=True),
        (),
        (("PROPERTY_REMOVED_FROM_CLOSED_MODEL", "#", "#/properties/b"),),
        mentions="b",
    ),
    Case(
        "required property added to a closed model",
        obj({"a": STRING}, required=["a"], closed=True),
        obj({"a": STRING, "b": STRING}, required=["a", "b"], closed=True),
        (("REQUIRED_PROPERTY_ADDED", "#", "#/properties/b"),),
        ("PROPERTY_REMOVED_FROM_CLOSED_MODEL",),
        mentions="b",
    ),
    Case(
        "optional property removed from a closed model",
        obj({"a": STRING, "b": STRING}, closed=True),
        obj({"a": STRING}, closed=True),
        (("PROPERTY_REMOVED_FROM_CLOSED_MODEL", "#/properties/b", "#"),),
        (),
        mentions="b",
    ),
    Case(
        "optional property removed from an open model",
        obj({"a": STRING, "b": STRING}),
        obj({"a": STRING}),
        (),
        (("PROPERTY_ADDED_TO_OPEN_MODEL", "#/properties/b", "#"),),
        mentions="b",
        documents=({"a": "x", "b": 1},),
    ),
    Case(
        "optional property made required",
        obj({"a": STRING, "b": STRING}, required=["a"]),
        obj({"a": STRING, "b": STRING}, required=["a", "b"]),
        (("REQUIRED_PROPERTY_ADDED", "#/properties/b", "#/properties/b"),),
        (),
        mentions="b",
    ),
    Case(
        "required property made optional",
        obj({"a": STRING}, required=["a"]),
        obj({"a": STRING}),
        (),
        (("REQUIRED_PROPERTY_ADDED", "#/properties/a", "#/properties/a"),),
        mentions="a",
    ),
    Case(
        "open model closed",
        obj({"a": STRING}),
        obj({"a": STRING}, closed=True),
        (("ADDITIONAL_PROPERTIES_NARROWED", "#", "#/additionalProperties"),),
        (),
    ),
    Case(
        "closed model opened",
        obj({"a": STRING}, closed=True),
        obj({"a": STRING}),
        (),
        ("ADDITIONAL_PROPERTIES_NARROWED",),
    ),
    Case(
        "open model given an additionalProperties schema",
        obj({"a": STRING}),
        obj({"a": STRING}, additionalProperties=STRING),
        ("ADDITIONAL_PROPERTIES_NARROWED",),
        (),
        documents=({"a": "x", "z": 1},),
    ),
    Case(
        "additionalProperties schema widened with null",
        obj(additionalProperties=STRING),
        obj(additionalProperties=typed(["string", "null"])),
        (),
        (("TYPE_NARROWED", "#/additionalProperties", "#/additionalProperties"),),
        documents=({"z": None}, {"z": "s"}),
    ),
    Case(
        "declared property dropped into an additionalProperties schema of another type",
        obj({"n": INTEGER}, additionalProperties=STRING),
        obj(additionalProperties=STRING),
        (("TYPE_CHANGED", "#/properties/n", "#/additionalProperties"),),
        (("TYPE_CHANGED", "#/properties/n", "#/additionalProperties"),),
        documents=({"n": 1}, {"n": "s"}),
    ),
    Case(
        "property type changed three levels deep",
        obj({"a": obj({"b": obj({"c": INTEGER})})}),
        obj({"a": obj({"b": obj({"c": STRING})})}),
        (
            (
                "TYPE_CHANGED",
                "#/properties/a/properties/b/properties/c",
                "#/properties/a/properties/b/properties/c",
            ),
        ),
        (
            (
                "TYPE_CHANGED",
                "#/properties/a/properties/b/properties/c",
                "#/properties/a/properties/b/properties/c",
            ),
        ),
        mentions="a.b.c",
        documents=({"a": {"b": {"c": 1}}}, {"a": {"b": {"c": "x"}}}),
    ),
    Case(
        "nested property widened with null",
        obj({"user": obj({"age": INTEGER})}),
        obj({"user": obj({"age": typed(["integer", "null"])})}),
        (),
        (
            (
                "TYPE_NARROWED",
                "#/properties/user/properties/age",
                "#/properties/user/properties/age",
            ),
        ),
        mentions="user.age",
        documents=({"user": {"age": 3}}, {"user": {"age": None}}),
    ),
    Case(
        "nested property made required",
        obj({"user": obj({"age": INTEGER})}),
        obj({"user": obj({"age": INTEGER}, required=["age"])}),
        (
            (
                "REQUIRED_PROPERTY_ADDED",
                "#/properties/user/properties/age",
                "#/properties/user/properties/age",
            ),
        ),
        (),
        mentions="user.age",
        documents=({"user": {}},),
    ),
    Case(
        "patternProperties added",
        obj(),
        obj(patternProperties={"^x-": STRING}),
        (("PROPERTY_ADDED_TO_OPEN_MODEL", "#", "#/patternProperties/^x-"),),
        (),
        documents=({"x-a": 1},),
    ),
    Case(
        "identical patternProperties with a declared property widened",
        obj({"a": typed("string", maxLength=3)}, patternProperties={"^x-": STRING}),
        obj({"a": STRING}, patternProperties={"^x-": STRING}),
        (),
        ("MAX_LENGTH_DECREASED",),
        documents=({"a": "abcd", "x-y": "s"}, {"x-y": 1}),
    ),
    Case(
        "minProperties raised",
        obj(minProperties=1),
        obj(minProperties=2),
        ("MIN_PROPERTIES_INCREASED",),
        (),
    ),
    Case(
        "minProperties covered by required properties",
        obj({"a": STRING, "b": STRING}, required=["a", "b"]),
        obj({"a": STRING, "b": STRING}, required=["a", "b"], minProperties=2),
    ),
    Case(
        "maxProperties lowered",
        obj(maxProperties=3),
        obj(maxProperties=2),
        ("MAX_PROPERTIES_DECREASED",),
        (),
        documents=({"a": 1, "b": 2, "c": 3},),
    ),
    Case(
        "propertyNames limited on an open model",
        obj(),
        obj(propertyNames={"maxLength": 3}),
        ("PROPERTY_NAMES_NARROWED",),
        (),
        documents=({"abcd": 1},),
    ),
    Case(
        "propertyNames that every declared name of a closed model satisfies",
        obj({"ab": STRING}, closed=True),
        obj({"ab": STRING}, closed=True, propertyNames={"maxLength": 3}),
    ),
    Case(
        "dependentRequired added",
        obj({"card": STRING, "cvc": STRING}),
        obj({"card": STRING, "cvc": STRING}, dependentRequired={"card": ["cvc"]}),
        ("DEPENDENT_REQUIRED_ADDED",),
        (),
        mentions="cvc",
        documents=({"card": "x"},),
    ),
    Case(
        "draft-07 dependencies added",
        {"$schema": "http://json-schema.org/draft-07/schema#", **obj({"card": STRING})},
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            **obj({"card": STRING}, dependencies={"card": ["cvc"]}),
        },
        ("DEPENDENT_REQUIRED_ADDED",),
        (),
        documents=({"card": "x"},),
    ),
]
