"""Compatibility table, part 2: realistic LLM tool and structured-output schemas.

OpenAI strict mode closes every object and requires every property, so "optional" is
spelled as a required nullable property.
"""

from __future__ import annotations

from tests.unit.registry.test_json_schema_cases_objects import (
    INTEGER,
    NUMBER,
    STRING,
    Case,
    obj,
    strict,
    typed,
)

WEATHER_OLD = strict(
    {
        "location": typed("string", description="City and country, e.g. Paris, France"),
        "unit": typed("string", enum=["celsius", "fahrenheit"]),
    }
)
WEATHER_NEW = strict(
    {
        "location": typed("string", description="City and country, e.g. Bogotá, Colombia"),
        "unit": typed("string", enum=["celsius", "fahrenheit", "kelvin"]),
    }
)


LLM_TOOL_CASES = [
    Case(
        "strict tool gains a nullable parameter",
        strict({"city": STRING}),
        strict({"city": STRING, "country": typed(["string", "null"])}),
        (("REQUIRED_PROPERTY_ADDED", "#", "#/properties/country"),),
        (("PROPERTY_REMOVED_FROM_CLOSED_MODEL", "#", "#/properties/country"),),
        mentions="country",
        documents=({"city": "Paris"}, {"city": "Paris", "country": None}),
    ),
    Case(
        "strict tool loses a parameter",
        strict({"city": STRING, "days": INTEGER}),
        strict({"city": STRING}),
        (("PROPERTY_REMOVED_FROM_CLOSED_MODEL", "#/properties/days", "#"),),
        (("REQUIRED_PROPERTY_ADDED", "#/properties/days", "#"),),
        mentions="days",
        documents=({"city": "Paris", "days": 3}, {"city": "Paris"}),
    ),
    Case(
        "strict tool descriptions reworded", WEATHER_OLD, {**WEATHER_OLD, "description": "Weather"}
    ),
    Case(
        "strict tool enum gains a unit",
        WEATHER_OLD,
        WEATHER_NEW,
        (),
        (("ENUM_VALUE_REMOVED", "#/properties/unit", "#/properties/unit"),),
        mentions="unit",
        documents=(
            {"location": "Paris", "unit": "kelvin"},
            {"location": "Paris", "unit": "celsius"},
        ),
    ),
    Case(
        "strict tool nested coordinate changes type",
        strict({"at": strict({"lat": NUMBER, "lon": NUMBER})}),
        strict({"at": strict({"lat": STRING, "lon": NUMBER})}),
        (("TYPE_CHANGED", "#/properties/at/properties/lat", "#/properties/at/properties/lat"),),
        (("TYPE_CHANGED", "#/properties/at/properties/lat", "#/properties/at/properties/lat"),),
        mentions="at.lat",
        documents=({"at": {"lat": 1.5, "lon": 2}}, {"at": {"lat": "1.5", "lon": 2}}),
    ),
    Case(
        "nullable anyOf parameter loses null",
        obj({"note": {"anyOf": [STRING, typed("null")]}}),
        obj({"note": STRING}),
        (("TYPE_CHANGED", "#/properties/note/anyOf/1", "#/properties/note"),),
        (),
        documents=({"note": None}, {"note": "x"}),
    ),
    Case(
        "open tool schema gains an optional unit parameter",
        obj({"city": STRING}, required=["city"]),
        obj({"city": STRING, "unit": typed("string", enum=["c", "f"])}, required=["city"]),
        ("PROPERTY_ADDED_TO_OPEN_MODEL",),
        (),
        mentions="unit",
        documents=({"city": "x", "unit": "k"},),
    ),
    Case(
        "structured output list items lose a field",
        strict({"results": typed("array", items=strict({"title": STRING, "score": NUMBER}))}),
        strict({"results": typed("array", items=strict({"title": STRING}))}),
        (
            (
                "PROPERTY_REMOVED_FROM_CLOSED_MODEL",
                "#/properties/results/items/properties/score",
                "#/properties/results/items",
            ),
        ),
        ("REQUIRED_PROPERTY_ADDED",),
        mentions="score",
        documents=({"results": [{"title": "a", "score": 1}]}, {"results": [{"title": "a"}]}),
    ),
    Case(
        "tool output gains an optional field with a default",
        strict({"answer": STRING}),
        obj(
            {"answer": STRING, "sources": typed("array", items=STRING, default=[])},
            required=["answer"],
            closed=True,
        ),
        (),
        ("PROPERTY_REMOVED_FROM_CLOSED_MODEL",),
        documents=({"answer": "x", "sources": ["s"]},),
    ),
]
