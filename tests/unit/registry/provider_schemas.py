"""Tool and output schemas shared by the provider profile tests."""

from __future__ import annotations

from typing import Any


def closed(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


WEATHER = closed(
    {
        "location": {"type": "string", "description": "City and country, e.g. Paris, France"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    }
)
# The optional parameter spelled as OpenAI asks: required, but nullable.
SEARCH = closed(
    {
        "query": {"type": "string"},
        "max_results": {"type": ["integer", "null"]},
        "since": {"type": ["string", "null"], "format": "date"},
    }
)
SEARCH_OPTIONAL = closed(
    {"query": {"type": "string"}, "max_results": {"type": "integer"}}, ["query"]
)
ORDER = closed(
    {
        "customer": closed({"name": {"type": "string"}, "email": {"type": "string"}}),
        "lines": {
            "type": "array",
            "items": closed({"sku": {"type": "string"}, "quantity": {"type": "integer"}}),
        },
        "status": {"type": "string", "enum": ["new", "paid", "shipped"]},
    }
)
TREE = {
    **closed({"root": {"$ref": "#/$defs/node"}}),
    "$defs": {
        "node": closed(
            {
                "label": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
            }
        )
    },
}
SHARED_DEFINITION = {
    **closed({"home": {"$ref": "#/$defs/address"}, "work": {"$ref": "#/$defs/address"}}),
    "$defs": {"address": closed({"street": {"type": "string"}, "city": {"type": "string"}})},
}
GEMINI_WEATHER = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "description": "City and country"},
        "unit": {"type": "string", "format": "enum", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "nullable": True, "minimum": 1, "maximum": 14},
    },
    "required": ["location"],
    "propertyOrdering": ["location", "unit", "days"],
}


def nested_objects(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = closed({"leaf": {"type": "string"}})
    for _ in range(levels - 1):
        schema = closed({"child": schema})
    return schema
