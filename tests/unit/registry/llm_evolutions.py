"""Tool-calling and structured-output schema evolutions, judged under the three policies.

Each row: the old and new schema, then the codes BACKWARD (old documents read with the
new schema) and FORWARD (new documents read with the old one) report under STRICT,
LENIENT and LLM. Where LLM refuses a direction, ``breaks_backward`` (a document of the old
schema) or ``breaks_forward`` (of the new one) carries no undeclared key and still fails
the reader once read as ``llm_reading.read`` reads it.

Most schemas are in OpenAI strict mode (``strict``: closed, every property required, an
optional one spelled as a nullable union); ``obj`` models are open, as Anthropic tool
``input_schema`` usually is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.unit.registry.test_json_schema_cases_objects import (
    INTEGER,
    NUMBER,
    STRING,
    obj,
    strict,
    typed,
)

Codes = tuple[str, ...]
Pair = tuple[Codes, Codes]  # (BACKWARD, FORWARD)

RPA = "REQUIRED_PROPERTY_ADDED"
REMOVED_CLOSED = "PROPERTY_REMOVED_FROM_CLOSED_MODEL"
ADDED_OPEN = "PROPERTY_ADDED_TO_OPEN_MODEL"
NARROWED = "ADDITIONAL_PROPERTIES_NARROWED"
COMBINED = "COMBINED_SCHEMA_CHANGED"


@dataclass(frozen=True)
class Evolution:
    name: str
    old: dict[str, Any]
    new: dict[str, Any]
    strict: Pair
    lenient: Pair
    llm: Pair
    breaks_backward: dict[str, Any] | None = None
    breaks_forward: dict[str, Any] | None = None


def nullable(name: str, **keywords: Any) -> dict[str, Any]:
    return {"type": [name, "null"], **keywords}


UNIT = typed("string", enum=["celsius", "fahrenheit"])
WEATHER = strict({"location": STRING, "unit": UNIT})
WEATHER_NULLABLE_UNITS = strict({"location": STRING, "units": nullable("string")})
SEARCH = strict({"query": typed("string", maxLength=200), "limit": INTEGER})
RESULT = strict({"title": STRING, "url": STRING})
RESULTS = strict({"results": typed("array", items=RESULT, maxItems=10)})
ADDRESS = strict({"street": STRING, "city": STRING, "zip": STRING})
ORDER = {
    "$defs": {"Address": ADDRESS},
    **strict({"shipping": {"$ref": "#/$defs/Address"}, "billing": {"$ref": "#/$defs/Address"}}),
}
SEARCH_ACTION = strict({"type": typed("string", const="search"), "query": STRING})
OPEN_ACTION = strict({"type": typed("string", const="open"), "url": STRING})
CLICK_ACTION = strict({"type": typed("string", const="click"), "id": INTEGER})
AGENT_STEP = strict({"action": {"anyOf": [SEARCH_ACTION, OPEN_ACTION]}})
FORECAST = strict({"location": STRING, "days": typed("integer", minimum=1, maximum=10)})


def _order(address: dict[str, Any]) -> dict[str, Any]:
    return {**ORDER, "$defs": {"Address": address}}


_PARIS = {"location": "Paris", "unit": "celsius"}
_ADDRESS = {"street": "1 rue de Rivoli", "city": "Paris", "zip": "75001"}
_ZIP_NUMBER = {**_ADDRESS, "zip": 75001}

EVOLUTIONS = [
    Evolution(
        "get_weather adds an optional-as-nullable units",
        WEATHER,
        strict({"location": STRING, "unit": UNIT, "units": nullable("string")}),
        strict=((RPA,), (REMOVED_CLOSED,)),
        lenient=((RPA,), ()),
        llm=((), ()),
    ),
    Evolution(
        "get_weather adds a nullable enum units",
        WEATHER,
        strict(
            {
                "location": STRING,
                "unit": UNIT,
                "units": nullable("string", enum=["metric", "imperial", None]),
            }
        ),
        strict=((RPA,), (REMOVED_CLOSED,)),
        lenient=((RPA,), ()),
        llm=((), ()),
    ),
    Evolution(
        "get_weather removes a non-nullable field",
        WEATHER,
        strict({"location": STRING}),
        strict=((REMOVED_CLOSED,), (RPA,)),
        lenient=((), (RPA,)),
        llm=((), (RPA,)),
        breaks_forward={"location": "Paris"},
    ),
    Evolution(
        "get_weather removes a nullable field",
        WEATHER_NULLABLE_UNITS,
        strict({"location": STRING}),
        strict=((REMOVED_CLOSED,), (RPA,)),
        lenient=((), (RPA,)),
        llm=((), ()),
    ),
    Evolution(
        "get_weather renames location to city",
        WEATHER,
        strict({"city": STRING, "unit": UNIT}),
        strict=((REMOVED_CLOSED, RPA), (REMOVED_CLOSED, RPA)),
        lenient=((RPA,), (RPA,)),
        llm=((RPA,), (RPA,)),
        breaks_backward=_PARIS,
        breaks_forward={"city": "Paris", "unit": "celsius"},
    ),
    Evolution(
        # Valid both ways, and the value is lost: the reader always reads null.
        "get_weather renames a nullable units to unit_system",
        WEATHER_NULLABLE_UNITS,
        strict({"location": STRING, "unit_system": nullable("string")}),
        strict=((REMOVED_CLOSED, RPA), (REMOVED_CLOSED, RPA)),
        lenient=((RPA,), (RPA,)),
        llm=((), ()),
    ),
    Evolution(
        "get_weather adds an enum value",
        WEATHER,
        strict({"location": STRING, "unit": typed("string", enum=[*UNIT["enum"], "kelvin"])}),
        strict=((), ("ENUM_VALUE_REMOVED",)),
        lenient=((), ("ENUM_VALUE_REMOVED",)),
        llm=((), ("ENUM_VALUE_REMOVED",)),
        breaks_forward={"location": "Paris", "unit": "kelvin"},
    ),
    Evolution(
        "get_weather removes an enum value",
        WEATHER,
        strict({"location": STRING, "unit": typed("string", enum=["celsius"])}),
        strict=(("ENUM_VALUE_REMOVED",), ()),
        lenient=(("ENUM_VALUE_REMOVED",), ()),
        llm=(("ENUM_VALUE_REMOVED",), ()),
        breaks_backward={"location": "Paris", "unit": "fahrenheit"},
    ),
    Evolution(
        "get_forecast days changes from integer to string",
        FORECAST,
        strict({"location": STRING, "days": STRING}),
        strict=(("TYPE_CHANGED",), ("TYPE_CHANGED",)),
        lenient=(("TYPE_CHANGED",), ("TYPE_CHANGED",)),
        llm=(("TYPE_CHANGED",), ("TYPE_CHANGED",)),
        breaks_backward={"location": "Paris", "days": 3},
        breaks_forward={"location": "Paris", "days": "3"},
    ),
    Evolution(
        "search tightens maxLength of query",
        SEARCH,
        strict({"query": typed("string", maxLength=100), "limit": INTEGER}),
        strict=(("MAX_LENGTH_DECREASED",), ()),
        lenient=(("MAX_LENGTH_DECREASED",), ()),
        llm=(("MAX_LENGTH_DECREASED",), ()),
        breaks_backward={"query": "q" * 150, "limit": 5},
    ),
    Evolution(
        "get_forecast loosens the minimum of days",
        FORECAST,
        strict({"location": STRING, "days": typed("integer", minimum=0, maximum=10)}),
        strict=((), ("MINIMUM_INCREASED",)),
        lenient=((), ("MINIMUM_INCREASED",)),
        llm=((), ("MINIMUM_INCREASED",)),
        breaks_forward={"location": "Paris", "days": 0},
    ),
    Evolution(
        "get_forecast tightens the maximum of days",
        FORECAST,
        strict({"location": STRING, "days": typed("integer", minimum=1, maximum=7)}),
        strict=(("MAXIMUM_DECREASED",), ()),
        lenient=(("MAXIMUM_DECREASED",), ()),
        llm=(("MAXIMUM_DECREASED",), ()),
        breaks_backward={"location": "Paris", "days": 9},
    ),
    Evolution(
        "get_forecast adds a date pattern",
        strict({"location": STRING, "date": STRING}),
        strict(
            {"location": STRING, "date": typed("string", pattern="^[0-9]{4}-[0-9]{2}-[0-9]{2}$")}
        ),
        strict=(("PATTERN_CHANGED",), ()),
        lenient=(("PATTERN_CHANGED",), ()),
        llm=(("PATTERN_CHANGED",), ()),
        breaks_backward={"location": "Paris", "date": "tomorrow"},
    ),
    Evolution(
        "get_weather adds a required nested coordinates object",
        WEATHER,
        strict({"location": STRING, "unit": UNIT, "at": strict({"lat": NUMBER, "lon": NUMBER})}),
        strict=((RPA,), (REMOVED_CLOSED,)),
        lenient=((RPA,), ()),
        llm=((RPA,), ()),
        breaks_backward=_PARIS,
    ),
    Evolution(
        "get_weather adds a nullable nested coordinates object",
        WEATHER,
        strict(
            {
                "location": STRING,
                "unit": UNIT,
                "at": {"anyOf": [strict({"lat": NUMBER, "lon": NUMBER}), typed("null")]},
            }
        ),
        strict=((RPA,), (REMOVED_CLOSED,)),
        lenient=((RPA,), ()),
        llm=((), ()),
    ),
    Evolution(
        "nested coordinates object gains a nullable altitude",
        strict({"location": STRING, "at": strict({"lat": NUMBER, "lon": NUMBER})}),
        strict(
            {
                "location": STRING,
                "at": strict({"lat": NUMBER, "lon": NUMBER, "alt": nullable("number")}),
            }
        ),
        strict=((RPA,), (REMOVED_CLOSED,)),
        lenient=((RPA,), ()),
        llm=((), ()),
    ),
    Evolution(
        "get_weather makes nullable units non-nullable",
        WEATHER_NULLABLE_UNITS,
        strict({"location": STRING, "units": STRING}),
        strict=(("TYPE_NARROWED",), ()),
        lenient=(("TYPE_NARROWED",), ()),
        llm=(("TYPE_NARROWED",), ()),
        breaks_backward={"location": "Paris", "units": None},
    ),
    Evolution(
        "get_weather makes units nullable",
        strict({"location": STRING, "units": STRING}),
        WEATHER_NULLABLE_UNITS,
        strict=((), ("TYPE_NARROWED",)),
        lenient=((), ("TYPE_NARROWED",)),
        llm=((), ("TYPE_NARROWED",)),
        breaks_forward={"location": "Paris", "units": None},
    ),
    Evolution(
        "get_weather adds a required non-nullable country",
        WEATHER,
        strict({"location": STRING, "unit": UNIT, "country": STRING}),
        strict=((RPA,), (REMOVED_CLOSED,)),
        lenient=((RPA,), ()),
        llm=((RPA,), ()),
        breaks_backward=_PARIS,
    ),
    Evolution(
        "structured output: result items gain a nullable snippet",
        RESULTS,
        strict(
            {
                "results": typed(
                    "array",
                    items=strict({"title": STRING, "url": STRING, "snippet": nullable("string")}),
                    maxItems=10,
                )
            }
        ),
        strict=((RPA,), (REMOVED_CLOSED,)),
        lenient=((RPA,), ()),
        llm=((), ()),
    ),
    Evolution(
        "structured output: result items lose url",
        RESULTS,
        strict({"results": typed("array", items=strict({"title": STRING}), maxItems=10)}),
        strict=((REMOVED_CLOSED,), (RPA,)),
        lenient=((), (RPA,)),
        llm=((), (RPA,)),
        breaks_forward={"results": [{"title": "Paris"}]},
    ),
    Evolution(
        "structured output: results capped at 5",
        RESULTS,
        strict({"results": typed("array", items=RESULT, maxItems=5)}),
        strict=(("MAX_ITEMS_DECREASED",), ()),
        lenient=(("MAX_ITEMS_DECREASED",), ()),
        llm=(("MAX_ITEMS_DECREASED",), ()),
        breaks_backward={"results": [{"title": "t", "url": "u"}] * 6},
    ),
    Evolution(
        "structured output: at least one result",
        RESULTS,
        strict({"results": typed("array", items=RESULT, maxItems=10, minItems=1)}),
        strict=(("MIN_ITEMS_INCREASED",), ()),
        lenient=(("MIN_ITEMS_INCREASED",), ()),
        llm=(("MIN_ITEMS_INCREASED",), ()),
        breaks_backward={"results": []},
    ),
    Evolution(
        "$defs Address gains a nullable unit number",
        ORDER,
        _order(
            strict({"street": STRING, "city": STRING, "zip": STRING, "unit": nullable("string")})
        ),
        strict=((RPA,), (REMOVED_CLOSED,)),
        lenient=((RPA,), ()),
        llm=((), ()),
    ),
    Evolution(
        "$defs Address zip changes from string to integer",
        ORDER,
        _order(strict({"street": STRING, "city": STRING, "zip": INTEGER})),
        strict=(("TYPE_CHANGED",), ("TYPE_CHANGED",)),
        lenient=(("TYPE_CHANGED",), ("TYPE_CHANGED",)),
        llm=(("TYPE_CHANGED",), ("TYPE_CHANGED",)),
        breaks_backward={"shipping": _ADDRESS, "billing": _ADDRESS},
        breaks_forward={"shipping": _ZIP_NUMBER, "billing": _ZIP_NUMBER},
    ),
    Evolution(
        "agent step gains a click action",
        AGENT_STEP,
        strict({"action": {"anyOf": [SEARCH_ACTION, OPEN_ACTION, CLICK_ACTION]}}),
        strict=((), (COMBINED,)),
        lenient=((), (COMBINED,)),
        llm=((), (COMBINED,)),
        breaks_forward={"action": {"type": "click", "id": 3}},
    ),
    Evolution(
        "agent step actions gain a nullable reason",
        AGENT_STEP,
        strict(
            {
                "action": {
                    "anyOf": [
                        strict({**SEARCH_ACTION["properties"], "reason": nullable("string")}),
                        strict({**OPEN_ACTION["properties"], "reason": nullable("string")}),
                    ]
                }
            }
        ),
        # One finding per writer branch: neither fits a reader branch.
        strict=((COMBINED, COMBINED), (COMBINED, COMBINED)),
        lenient=((COMBINED, COMBINED), ()),
        llm=((), ()),
    ),
    Evolution(
        "open tool input adds an optional units",
        obj({"location": STRING}, required=["location"]),
        obj({"location": STRING, "units": STRING}, required=["location"]),
        strict=((ADDED_OPEN,), ()),
        lenient=((), ()),
        llm=((), ()),
    ),
    Evolution(
        "open tool input makes units required",
        obj({"location": STRING, "units": STRING}, required=["location"]),
        obj({"location": STRING, "units": STRING}, required=["location", "units"]),
        strict=((RPA,), ()),
        lenient=((RPA,), ()),
        llm=((RPA,), ()),
        breaks_backward={"location": "Paris"},
    ),
    Evolution(
        # Filling 'units' would make three properties where the reader allows two.
        "reader caps the number of properties",
        obj({"location": STRING, "note": STRING}, required=["location"], closed=True),
        obj(
            {"location": STRING, "note": STRING, "units": nullable("string")},
            required=["location", "units"],
            closed=True,
            maxProperties=2,
        ),
        strict=((RPA,), (REMOVED_CLOSED,)),
        lenient=((RPA,), ()),
        llm=((RPA,), ()),
        breaks_backward={"location": "Paris", "note": "rain"},
    ),
    Evolution(
        "descriptions reworded",
        WEATHER,
        {**WEATHER, "description": "Current weather for a city"},
        strict=((), ()),
        lenient=((), ()),
        llm=((), ()),
    ),
]
