"""Compatibility table, drafts 04 and 06: their own spellings (draft-04's boolean exclusive
bounds, ``id``, keywords they do not have yet) and pairs across drafts."""

from __future__ import annotations

from typing import Any

from tests.unit.registry.test_json_schema_cases_objects import (
    INTEGER,
    NUMBER,
    STRING,
    Case,
    obj,
    typed,
)

DRAFT_04 = "http://json-schema.org/draft-04/schema#"
DRAFT_06 = "http://json-schema.org/draft-06/schema#"
DRAFT_07 = "http://json-schema.org/draft-07/schema#"
DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema"


def d4(schema: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": DRAFT_04, **schema}


def d6(schema: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": DRAFT_06, **schema}


def d7(schema: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": DRAFT_07, **schema}


def d2020(schema: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": DRAFT_2020, **schema}


CONDITIONAL: dict[str, Any] = {"if": {"required": ["a"]}, "then": {"required": ["b"]}}


def below(maximum: int, *, exclusive: bool | None = None, kind: str = "number") -> dict[str, Any]:
    """A draft-04 upper bound: ``maximum`` with its boolean flag when given."""
    schema = typed(kind, maximum=maximum)
    if exclusive is not None:
        schema["exclusiveMaximum"] = exclusive
    return schema


DRAFT_04_CASES = [
    Case(
        "draft-04 maximum made exclusive",
        d4(below(5)),
        d4(below(5, exclusive=True)),
        (("EXCLUSIVE_MAXIMUM_DECREASED", "#", "#"),),
        (),
        documents=(5,),
    ),
    Case(
        "draft-04 maximum made inclusive again",
        d4(below(5, exclusive=True)),
        d4(below(5)),
        (),
        ("EXCLUSIVE_MAXIMUM_DECREASED",),
        documents=(5,),
    ),
    Case(
        "draft-04 minimum made exclusive",
        d4(typed("number", minimum=0)),
        d4(typed("number", minimum=0, exclusiveMinimum=True)),
        ("EXCLUSIVE_MINIMUM_INCREASED",),
        (),
        documents=(0,),
    ),
    Case(
        "draft-04 exclusiveMaximum false adds nothing", d4(below(5)), d4(below(5, exclusive=False))
    ),
    Case(
        "draft-04 exclusive maximum raised past the old inclusive one",
        d4(below(5)),
        d4(below(6, exclusive=True)),
        (),
        ("MAXIMUM_DECREASED",),
        documents=(5.5,),
    ),
    Case(
        "draft-04 exclusive bound on integers is the next integer in",
        d4(below(5, exclusive=True, kind="integer")),
        d4(below(4, kind="integer")),
    ),
    Case(
        "draft-04 enum value rejected by an exclusive maximum",
        d4({"enum": [1, 5]}),
        d4(below(5, exclusive=True)),
        ("EXCLUSIVE_MAXIMUM_DECREASED",),
        ("ENUM_ADDED",),
    ),
    Case(
        "draft-04 flag and bound kept together when conjuncts merge",
        d4({"allOf": [below(3, exclusive=True), {"maximum": 5}]}),
        d4(below(3)),
        (),
        ("EXCLUSIVE_MAXIMUM_DECREASED",),
        documents=(3,),
    ),
    Case("draft-04 ignores const", d4(STRING), d4(typed("string", const="a"))),
    Case("draft-04 ignores contains", d4(typed("array")), d4(typed("array", contains=STRING))),
    Case(
        "draft-04 ignores propertyNames",
        d4(obj()),
        d4(obj(propertyNames={"maxLength": 1})),
    ),
    Case(
        "draft-04 ignores if and then",
        d4(obj({"a": STRING})),
        d4({**obj({"a": STRING}), **CONDITIONAL}),
    ),
    Case(
        "draft-04 tuple gains additionalItems false",
        d4(typed("array", items=[STRING])),
        d4(typed("array", items=[STRING], additionalItems=False)),
        (("ITEMS_NARROWED", "#", "#/additionalItems"),),
        (),
        documents=(["a", 1],),
    ),
    Case(
        "draft-04 tuple position narrowed",
        d4(typed("array", items=[NUMBER])),
        d4(typed("array", items=[INTEGER])),
        (("TYPE_NARROWED", "#/items/0", "#/items/0"),),
        (),
        documents=([2.5],),
    ),
    Case(
        "draft-04 property dependency added",
        d4(obj({"a": STRING, "b": STRING})),
        d4(obj({"a": STRING, "b": STRING}, dependencies={"a": ["b"]})),
        ("DEPENDENT_REQUIRED_ADDED",),
        (),
        documents=({"a": "x"},),
    ),
    Case(
        "draft-04 schema dependency added",
        d4(obj({"a": STRING})),
        d4(obj({"a": STRING}, dependencies={"a": {"required": ["b"]}})),
        ("DEPENDENT_SCHEMA_NARROWED",),
        (),
        documents=({"a": "x"},),
    ),
    Case(
        "draft-04 ignores keywords beside a reference",
        d4({"definitions": {"s": STRING}, "$ref": "#/definitions/s"}),
        d4({"definitions": {"s": STRING}, "$ref": "#/definitions/s", "maxLength": 1}),
    ),
    Case(
        "draft-04 anchor spelled id followed",
        d4({"definitions": {"s": {"id": "#s", **STRING}}, **obj({"a": {"$ref": "#s"}})}),
        d4(
            {
                "definitions": {"s": {"id": "#s", **typed("string", maxLength=2)}},
                **obj({"a": {"$ref": "#s"}}),
            }
        ),
        ("MAX_LENGTH_DECREASED",),
        (),
        documents=({"a": "abc"},),
    ),
]

DRAFT_06_CASES = [
    Case(
        "draft-06 const added",
        d6(STRING),
        d6(typed("string", const="a")),
        ("CONST_ADDED",),
        (),
    ),
    Case(
        "draft-06 numeric exclusiveMinimum raised",
        d6(typed("number", exclusiveMinimum=0)),
        d6(typed("number", exclusiveMinimum=1)),
        ("EXCLUSIVE_MINIMUM_INCREASED",),
        (),
        documents=(0.5,),
    ),
    Case(
        "draft-06 contains added",
        d6(typed("array")),
        d6(typed("array", contains=STRING)),
        ("CONTAINS_NARROWED",),
        (),
    ),
    Case(
        "draft-06 propertyNames narrowed",
        d6(obj()),
        d6(obj(propertyNames={"maxLength": 1})),
        ("PROPERTY_NAMES_NARROWED",),
        (),
        documents=({"abcd": 1},),
    ),
    Case(
        "draft-06 property schema became false",
        d6(obj({"a": STRING})),
        d6(obj({"a": False})),
        ("SCHEMA_BECAME_FALSE",),
        (),
    ),
    Case(
        "draft-06 ignores if and then",
        d6(obj({"a": STRING})),
        d6({**obj({"a": STRING}), **CONDITIONAL}),
    ),
    Case(
        "draft-06 schema dependency added",
        d6(obj({"a": STRING})),
        d6(obj({"a": STRING}, dependencies={"a": {"required": ["b"]}})),
        ("DEPENDENT_SCHEMA_NARROWED",),
        (),
        documents=({"a": "x"},),
    ),
]

CROSS_DRAFT_CASES = [
    Case(
        "draft-04 exclusive maximum is draft-07 numeric exclusiveMaximum",
        d4(below(5, exclusive=True)),
        d7(typed("number", exclusiveMaximum=5)),
    ),
    Case(
        "draft-04 exclusive maximum to draft-07 inclusive maximum",
        d4(below(5, exclusive=True)),
        d7(typed("number", maximum=5)),
        (),
        ("EXCLUSIVE_MAXIMUM_DECREASED",),
        documents=(5,),
    ),
    Case(
        "draft-07 exclusiveMaximum to draft-04 inclusive maximum lowered",
        d7(typed("number", exclusiveMaximum=5)),
        d4(below(4)),
        ("MAXIMUM_DECREASED",),
        (),
        documents=(4.5,),
    ),
    Case(
        "draft-06 exclusiveMinimum is a draft-04 flagged minimum on integers",
        d6(typed("integer", exclusiveMinimum=0)),
        d4(typed("integer", minimum=1)),
    ),
    Case(
        "draft-04 exclusive bound to 2020-12 inclusive one on integers",
        d4(below(5, exclusive=True, kind="integer")),
        d2020(typed("integer", maximum=4)),
    ),
    Case(
        "draft-04 const ignored where 2020-12 asserts it",
        d4(typed("string", const="a")),
        d2020(typed("string", const="a")),
        ("CONST_ADDED",),
        (),
        documents=("b",),
    ),
    Case(
        "draft-04 tuple is a 2020-12 prefixItems",
        d4(typed("array", items=[STRING], additionalItems=False)),
        d2020(typed("array", prefixItems=[STRING], items=False)),
    ),
    Case(
        "draft-06 false property is a draft-04 not-anything",
        d6(obj({"a": False})),
        d4(obj({"a": {"not": {}}})),
    ),
    Case(
        "draft-04 dependencies are 2019-09 dependentRequired",
        d4(obj({"a": STRING, "b": STRING}, dependencies={"a": ["b"]})),
        {
            "$schema": "https://json-schema.org/draft/2019-09/schema",
            **obj({"a": STRING, "b": STRING}, dependentRequired={"a": ["b"]}),
        },
    ),
    Case(
        "draft-06 propertyNames dropped for draft-04",
        d6(obj(propertyNames={"maxLength": 1})),
        d4(obj(propertyNames={"maxLength": 1})),
        (),
        ("PROPERTY_NAMES_NARROWED",),
        documents=({"abcd": 1},),
    ),
]
