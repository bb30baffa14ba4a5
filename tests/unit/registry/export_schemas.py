"""Tool schemas for the export tests, parsed as the registry parses a stored version."""

from __future__ import annotations

import json
from typing import Any

from registry.formats import parse_schema
from registry.formats.base import ParseContext, ParsedSchema, ResolvedReference
from registry.model import SchemaFormat
from registry.types import SubjectName, Version
from tests.unit.registry.provider_schemas import (
    ORDER,
    SEARCH,
    SHARED_DEFINITION,
    TREE,
    WEATHER,
    closed,
)


def parsed(document: object, references: tuple[ResolvedReference, ...] = ()) -> ParsedSchema:
    text = json.dumps(document)
    return parse_schema(SchemaFormat.JSON, text, stored=True, context=ParseContext(references))


def reference(name: str, subject: str, document: object) -> ResolvedReference:
    return ResolvedReference(name, SubjectName(subject), Version(1), parsed(document))


ADDRESS = closed({"street": {"type": "string"}, "city": {"type": "string"}})
# Refers to a registered address schema by name, twice.
SHIPMENT = closed(
    {
        "to": {"$ref": "address.json"},
        "from": {"$ref": "address.json", "description": "Where it leaves from"},
        "weight_kg": {"type": "number", "minimum": 0},
    }
)
# What pydantic writes for Optional[Address] with a default: anyOf with null, a $defs entry.
PYDANTIC_STYLE: dict[str, Any] = {
    "type": "object",
    "title": "Booking",
    "properties": {
        "guest": {"type": "string", "title": "Guest"},
        "room": {
            "anyOf": [{"$ref": "#/$defs/Room"}, {"type": "null"}],
            "description": "The room, if chosen",
        },
        "nights": {"type": "integer", "default": 1, "examples": [1, 2]},
    },
    "required": ["guest"],
    "$defs": {
        "Room": {
            "type": "object",
            "properties": {"kind": {"const": "suite"}, "floor": {"type": ["integer", "null"]}},
            "required": ["kind"],
        }
    },
}
ANNOTATED = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.com/tools/lookup.json",
    "$comment": "internal note",
    "title": "Lookup",
    "description": "Look a word up",
    "type": "object",
    "properties": {
        "word": {"type": "string", "examples": ["apple"], "deprecated": False},
        "limit": {"type": ["integer", "null"], "default": None, "readOnly": False},
    },
    "required": ["word", "limit"],
    "additionalProperties": False,
}
DRAFT_07 = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "point": {"type": "array", "items": [{"type": "number"}, {"type": "number"}]},
        "place": {"$ref": "#/definitions/place", "type": "string"},
        "card": {"type": "string"},
    },
    "dependencies": {"card": ["billing"]},
    "definitions": {"place": {"type": "string", "minLength": 1}},
}
DRAFT_04 = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "properties": {"ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": True}},
}
# An open variant of the same tools, for Gemini's Schema object (no additionalProperties).
OPEN_WEATHER = {
    "type": "object",
    "description": "Current weather",
    "properties": {
        "location": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": ["integer", "null"], "minimum": 1, "maximum": 14},
    },
    "required": ["location"],
}
OPEN_SHARED = {
    "type": "object",
    "properties": {"home": {"$ref": "#/$defs/address"}, "work": {"$ref": "#/$defs/address"}},
    "$defs": {"address": {"type": "object", "properties": {"city": {"type": "string"}}}},
}
OPEN_TREE = {
    "type": "object",
    "properties": {"root": {"$ref": "#/$defs/node"}},
    "$defs": {
        "node": {
            "type": "object",
            "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
        }
    },
}
CLOSED_TOOLS = {
    "weather": WEATHER,
    "search": SEARCH,
    "order": ORDER,
    "tree": TREE,
    "shared": SHARED_DEFINITION,
    "annotated": ANNOTATED,
}


def doubling(levels: int) -> dict[str, Any]:
    """Each definition refers to the next twice: inlined, 2**levels copies."""
    defs: dict[str, Any] = {f"d{levels}": {"type": "string"}}
    for level in range(levels):
        nxt = {"$ref": f"#/$defs/d{level + 1}"}
        defs[f"d{level}"] = {"type": "object", "properties": {"a": nxt, "b": nxt}}
    return {"type": "object", "properties": {"x": {"$ref": "#/$defs/d0"}}, "$defs": defs}
