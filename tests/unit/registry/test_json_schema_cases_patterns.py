"""Compatibility table, part 7: patternProperties against declared and undeclared names,
and writers whose documents can only carry known names (maxProperties and required)."""

from __future__ import annotations

from tests.unit.registry.test_json_schema_cases_objects import (
    INTEGER,
    NUMBER,
    STRING,
    Case,
    obj,
    typed,
)

X_STRINGS = {"^x-": STRING}

PATTERN_CASES = [
    Case(
        "pattern property widened",
        obj(patternProperties={"^x-": typed("string", maxLength=3)}),
        obj(patternProperties=X_STRINGS),
        (),
        (("MAX_LENGTH_DECREASED", "#/patternProperties/^x-", "#/patternProperties/^x-"),),
        documents=({"x-a": "abcd"},),
    ),
    Case(
        "pattern added to a closed model",
        obj({"a": STRING}, closed=True),
        obj({"a": STRING}, closed=True, patternProperties=X_STRINGS),
        (),
        (("PROPERTY_REMOVED_FROM_CLOSED_MODEL", "#", "#/patternProperties/^x-"),),
        documents=({"a": "s", "x-b": "s"},),
    ),
    Case(
        "pattern property narrowed on a closed model",
        obj(closed=True, patternProperties={"^x-": NUMBER}),
        obj(closed=True, patternProperties={"^x-": INTEGER}),
        (("TYPE_NARROWED", "#/patternProperties/^x-", "#/patternProperties/^x-"),),
        (),
        documents=({"x-a": 2.5},),
    ),
    Case(
        "declared property newly matched by a pattern",
        obj({"x-id": STRING}),
        obj({"x-id": STRING}, patternProperties={"^x-": {"maxLength": 3}}),
        (
            ("MAX_LENGTH_DECREASED", "#/properties/x-id", "#/patternProperties/^x-"),
            "PROPERTY_ADDED_TO_OPEN_MODEL",
        ),
        (),
        documents=({"x-id": "abcd"}, {"x-other": "abcd"}),
    ),
    Case(
        "pattern renamed on an open model (both directions)",
        obj(patternProperties=X_STRINGS),
        obj(patternProperties={"^ext-": STRING}),
        ("PROPERTY_ADDED_TO_OPEN_MODEL",),
        ("PROPERTY_ADDED_TO_OPEN_MODEL",),
        documents=({"ext-a": 1}, {"x-a": 1}),
    ),
    Case(
        "pattern renamed on a closed model (both directions)",
        obj(closed=True, patternProperties=X_STRINGS),
        obj(closed=True, patternProperties={"^ext-": STRING}),
        (("PROPERTY_REMOVED_FROM_CLOSED_MODEL", "#/patternProperties/^x-", "#"),),
        (("PROPERTY_REMOVED_FROM_CLOSED_MODEL", "#", "#/patternProperties/^ext-"),),
        documents=({"x-a": "s"}, {"ext-a": "s"}),
    ),
    Case(
        "pattern added beside an additionalProperties schema it agrees with",
        obj({"name": STRING}, additionalProperties=STRING),
        obj({"name": STRING}, additionalProperties=STRING, patternProperties={"^meta_": STRING}),
    ),
    Case(
        "pattern narrower than the additionalProperties schema it joins",
        obj({"name": STRING}, additionalProperties=STRING),
        obj(
            {"name": STRING},
            additionalProperties=STRING,
            patternProperties={"^meta_": typed("string", maxLength=2)},
        ),
        (("MAX_LENGTH_DECREASED", "#/additionalProperties", "#/patternProperties/^meta_"),),
        (),
        documents=({"name": "n", "meta_a": "abc"},),
    ),
    Case(
        "label map values limited",
        obj(
            {"labels": obj(closed=True, patternProperties={"^[a-z]+$": STRING})},
            required=["labels"],
        ),
        obj(
            {
                "labels": obj(
                    closed=True, patternProperties={"^[a-z]+$": typed("string", maxLength=10)}
                )
            },
            required=["labels"],
        ),
        (
            (
                "MAX_LENGTH_DECREASED",
                "#/properties/labels/patternProperties/^[a-z]+$",
                "#/properties/labels/patternProperties/^[a-z]+$",
            ),
        ),
        (),
        documents=({"labels": {"ab": "abcdefghijkl"}},),
    ),
    Case(
        "pattern map gains a second pattern on a closed model",
        obj(closed=True, patternProperties={"^[a-z]+$": STRING}),
        obj(closed=True, patternProperties={"^[a-z]+$": STRING, "^[0-9]+$": INTEGER}),
        (),
        (("PROPERTY_REMOVED_FROM_CLOSED_MODEL", "#", "#/patternProperties/^[0-9]+$"),),
        documents=({"1": 1},),
    ),
    Case(
        "pattern property forbidden",
        obj(patternProperties=X_STRINGS),
        obj(patternProperties={"^x-": False}),
        (("SCHEMA_BECAME_FALSE", "#/patternProperties/^x-", "#/patternProperties/^x-"),),
        (),
        documents=({"x-a": "s"},),
    ),
]

LOWER = typed("string", pattern="^[a-z]+$")
LOWER_OR_DIGITS = typed("string", pattern="^[a-z0-9]+$")

PATTERN_DECISION_CASES = [
    Case(
        "pattern widened by a character class",
        LOWER,
        LOWER_OR_DIGITS,
        (),
        (("PATTERN_CHANGED", "#", "#"),),
        mentions='"0"',
        documents=("0",),
    ),
    Case(
        "pattern anchored at the start only is wider than the anchored one",
        typed("string", pattern="^id-[0-9]+$"),
        typed("string", pattern="^id-"),
        (),
        ("PATTERN_CHANGED",),
        documents=("id-",),
    ),
    Case(
        "pattern rewritten as an equal expression",
        typed("string", pattern="^[0-9]{3}-[0-9]{4}$"),
        typed("string", pattern="^\\d{3}-\\d{4}$"),
    ),
    Case(
        "pattern narrowed but the writer's maxLength keeps strings inside",
        typed("string", pattern="^[a-z]+$", maxLength=3),
        typed("string", pattern="^[a-z]{1,3}$", maxLength=3),
    ),
    Case(
        "pattern with a word boundary",
        typed("string", pattern="^[a-z]+$"),
        typed("string", pattern="\\b[a-z]+"),
        ("UNDECIDABLE_PATTERN_CHANGE",),
        ("UNDECIDABLE_PATTERN_CHANGE",),
    ),
    Case(
        "propertyNames pattern widened",
        obj(propertyNames={"pattern": "^[a-z]+$"}),
        obj(propertyNames={"pattern": "^[a-z_]+$"}),
        (),
        (("PROPERTY_NAMES_NARROWED", "#/propertyNames", "#"),),
        documents=({"_": 1},),
    ),
    Case(
        "propertyNames pattern added to an open model",
        obj(),
        obj(propertyNames={"pattern": "^[a-z]+$"}),
        ("PROPERTY_NAMES_NARROWED",),
        (),
        documents=({"A": 1},),
    ),
    Case(
        "pattern property narrowed to a subset of names on an open model",
        obj(patternProperties={"^x-": STRING}),
        obj(patternProperties={"^x-a": STRING}),
        (),
        (("PROPERTY_ADDED_TO_OPEN_MODEL", "#/patternProperties/^x-", "#"),),
        mentions="'x-'",
        documents=({"x-": 1},),
    ),
    Case(
        "overlapping pattern added to a closed model",
        obj(closed=True, patternProperties={"^a": STRING}),
        obj(closed=True, patternProperties={"^a": STRING, "b$": typed("string", maxLength=2)}),
        (("MAX_LENGTH_DECREASED", "#/patternProperties/^a", "#/patternProperties/b$"),),
        (("PROPERTY_REMOVED_FROM_CLOSED_MODEL", "#", "#/patternProperties/b$"),),
        documents=({"ab": "abc"}, {"b": "s"}),
    ),
    Case(
        "pattern property split in two covering the same names",
        obj(closed=True, patternProperties={"^[ab]": STRING}),
        obj(closed=True, patternProperties={"^a": STRING, "^b": STRING}),
    ),
    Case(
        "pattern property with a Unicode property escape renamed",
        obj(closed=True, patternProperties={"^\\p{Lu}": STRING}),
        obj(closed=True, patternProperties={"^[A-Z]": STRING}),
        ("UNDECIDABLE_PATTERN_CHANGE",),
        ("UNDECIDABLE_PATTERN_CHANGE",),
    ),
]

KNOWN_NAMES_CASES = [
    Case(
        "required names with a matching maxProperties act as a closed model",
        obj({"a": STRING, "b": STRING}, required=["a", "b"], maxProperties=2),
        obj({"a": STRING, "b": STRING}, required=["a", "b"], closed=True),
        (),
        (),
    ),
    Case(
        "maxProperties 0 writer against a constrained property",
        obj(maxProperties=0),
        obj({"a": INTEGER}),
        (),
        ("MAX_PROPERTIES_DECREASED",),
        documents=({"a": 1},),
    ),
    Case(
        "property narrowed under maxProperties and required",
        obj({"a": NUMBER}, required=["a"], maxProperties=1),
        obj({"a": INTEGER}, required=["a"], closed=True),
        (("TYPE_NARROWED", "#/properties/a", "#/properties/a"),),
        (),
        documents=({"a": 2.5},),
    ),
    Case(
        "undeclared required name kept by a closed reader",
        obj(required=["a"], maxProperties=1),
        obj({"b": STRING}, closed=True),
        ("ADDITIONAL_PROPERTIES_NARROWED",),
        ("REQUIRED_PROPERTY_ADDED",),
        documents=({"a": 1}, {}),
    ),
]
