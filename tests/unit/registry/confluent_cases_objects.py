"""Confluent's corpus, cases in both files: objects, arrays and references (see
``confluent_cases``).
"""

from __future__ import annotations

from tests.unit.registry.confluent_cases import ACCEPTED, LENIENT_ONLY, REFUSED, ConfluentCase, case

OBJECT_CASES: list[ConfluentCase] = [
    case(
        "open model: property foo replaced by property bar",
        {"properties": {"foo": {"type": "string"}}},
        {"properties": {"bar": {"type": "string"}}},
        confluent=LENIENT_ONLY,
        ours=LENIENT_ONLY,
    ),
    case(
        "property foo retyped from string to number",
        {"properties": {"foo": {"type": "string"}}},
        {"properties": {"foo": {"type": "number"}}},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "closed model: optional property bar added",
        {"properties": {"foo": {"type": "string"}}, "additionalProperties": False},
        {
            "properties": {"foo": {"type": "string"}, "bar": {"type": "number"}},
            "additionalProperties": False,
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed model with patterns: property I_123 (number) added where pattern ^I_ asks integer",
        {
            "properties": {"foo": {"type": "string"}},
            "additionalProperties": False,
            "patternProperties": {"^S_": {"type": "string"}, "^I_": {"type": "integer"}},
        },
        {
            "properties": {"foo": {"type": "string"}, "I_123": {"type": "number"}},
            "additionalProperties": False,
            "patternProperties": {"^S_": {"type": "string"}, "^I_": {"type": "integer"}},
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "additionalProperties string: property bar (string) added",
        {"properties": {"foo": {"type": "string"}}, "additionalProperties": {"type": "string"}},
        {
            "properties": {"foo": {"type": "string"}, "bar": {"type": "string"}},
            "additionalProperties": {"type": "string"},
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "additionalProperties string: property bar (number) added",
        {"properties": {"foo": {"type": "string"}}, "additionalProperties": {"type": "string"}},
        {
            "properties": {"foo": {"type": "string"}, "bar": {"type": "number"}},
            "additionalProperties": {"type": "string"},
        },
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "additionalProperties string: required property bar added",
        {"properties": {"foo": {"type": "string"}}, "additionalProperties": {"type": "string"}},
        {
            "properties": {"foo": {"type": "string"}, "bar": {"type": "string"}},
            "required": ["bar"],
            "additionalProperties": {"type": "string"},
        },
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "closed model: property I_123 (integer) removed, patterns ^S_ and ^I_ (number) added",
        {
            "properties": {"foo": {"type": "string"}, "I_123": {"type": "integer"}},
            "additionalProperties": False,
        },
        {
            "properties": {"foo": {"type": "string"}},
            "additionalProperties": False,
            "patternProperties": {"^S_": {"type": "string"}, "^I_": {"type": "number"}},
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed model opened to additionalProperties string: property bar (string) removed",
        {
            "properties": {"foo": {"type": "string"}, "bar": {"type": "string"}},
            "additionalProperties": False,
        },
        {"properties": {"foo": {"type": "string"}}, "additionalProperties": {"type": "string"}},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed model opened to additionalProperties string: property bar (number) removed",
        {
            "properties": {"foo": {"type": "string"}, "bar": {"type": "number"}},
            "additionalProperties": False,
        },
        {"properties": {"foo": {"type": "string"}}, "additionalProperties": {"type": "string"}},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "closed model opened to additionalProperties null-or-string: bar (same schema) removed",
        {
            "properties": {
                "foo": {"type": "string"},
                "bar": {"oneOf": [{"type": "null"}, {"type": "string"}]},
            },
            "additionalProperties": False,
        },
        {
            "properties": {"foo": {"type": "string"}},
            "additionalProperties": {"oneOf": [{"type": "null"}, {"type": "string"}]},
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed model opened to additionalProperties null-or-string: property bar (string) removed",
        {
            "properties": {"foo": {"type": "string"}, "bar": {"type": "string"}},
            "additionalProperties": False,
        },
        {
            "properties": {"foo": {"type": "string"}},
            "additionalProperties": {"oneOf": [{"type": "null"}, {"type": "string"}]},
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "open model: optional property bar (number) added",
        {"properties": {"foo": {"type": "string"}}},
        {"properties": {"foo": {"type": "string"}, "bar": {"type": "number"}}},
        confluent=LENIENT_ONLY,
        ours=LENIENT_ONLY,
    ),
    case(
        "required foo dropped",
        {"properties": {"foo": {"type": "string"}}, "required": ["foo"]},
        {"properties": {"foo": {"type": "string"}}},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "required foo added",
        {"properties": {"foo": {"type": "string"}}},
        {"properties": {"foo": {"type": "string"}}, "required": ["foo"]},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "required foo replaced by required bar (an undeclared name)",
        {"properties": {"foo": {"type": "string"}}, "required": ["foo"]},
        {"properties": {"foo": {"type": "string"}}, "required": ["bar"]},
        confluent=ACCEPTED,
        ours=REFUSED,
        note=(
            'The new schema requires \'bar\', which old documents need not carry ({"foo": "x"} '
            "is rejected); Confluent reports only that 'foo' left required."
        ),
    ),
    case(
        "maxProperties 1 dropped",
        {"properties": {}, "maxProperties": 1},
        {"properties": {}},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "maxProperties raised from 1 to 2",
        {"maxProperties": 1},
        {"maxProperties": 2},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "maxProperties lowered from 2 to 1",
        {"maxProperties": 2},
        {"maxProperties": 1},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "minProperties 2 dropped",
        {"properties": {}, "minProperties": 2},
        {"properties": {}},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "minProperties raised from 1 to 2",
        {"minProperties": 1},
        {"minProperties": 2},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "minProperties lowered from 2 to 1",
        {"minProperties": 2},
        {"minProperties": 1},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "array items string added",
        {"type": "array"},
        {"type": "array", "items": {"type": "string"}},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "array items string dropped",
        {"type": "array", "items": {"type": "string"}},
        {"type": "array"},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "array maxItems lowered from 2 to 1",
        {"type": "array", "maxItems": 2},
        {"type": "array", "maxItems": 1},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "array minItems 1 dropped",
        {"type": "array", "minItems": 1},
        {"type": "array"},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "array minItems raised from 1 to 2",
        {"type": "array", "minItems": 1},
        {"type": "array", "minItems": 2},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "array minItems lowered from 2 to 1",
        {"type": "array", "minItems": 2},
        {"type": "array", "minItems": 1},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "array uniqueItems dropped",
        {"type": "array", "uniqueItems": True},
        {"type": "array"},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "referenced definition of array items retyped from string to number",
        {
            "type": "array",
            "items": {"$ref": "#/definitions/someRef"},
            "definitions": {"someRef": {"type": "string"}},
        },
        {
            "type": "array",
            "items": {"$ref": "#/definitions/someRef"},
            "definitions": {"someRef": {"type": "number"}},
        },
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "type string moved into a referenced definition",
        {"type": "string"},
        {"$ref": "#/definitions/someRef", "definitions": {"someRef": {"type": "string"}}},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "referenced definition string inlined",
        {"$ref": "#/definitions/someRef", "definitions": {"someRef": {"type": "string"}}},
        {"type": "string"},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed empty model opened",
        {"properties": {}, "additionalProperties": False},
        {"properties": {}},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "additionalProperties true turned false (nothing declared)",
        {"additionalProperties": True},
        {"additionalProperties": False},
        confluent=LENIENT_ONLY,
        ours=LENIENT_ONLY,
        note=(
            "Under LENIENT the old model declares no key, so its documents carry none (the "
            "assumption) and closing it rejects nothing; STRICT refuses, as Confluent's "
            "strict set."
        ),
    ),
    case(
        "additionalProperties true narrowed to number (nothing declared)",
        {"additionalProperties": True},
        {"additionalProperties": {"type": "number"}},
        confluent=LENIENT_ONLY,
        ours=LENIENT_ONLY,
        note=(
            "As for additionalProperties turned false: under LENIENT the old documents carry "
            "no undeclared key for the narrowed additionalProperties to reject."
        ),
    ),
    case(
        "open model: property foo accepting anything added",
        {"additionalProperties": True},
        {"additionalProperties": True, "properties": {"foo": True}},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "open model: property foo accepting anything removed",
        {"additionalProperties": True, "properties": {"foo": True}},
        {"additionalProperties": True},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed model: property foo declared false added",
        {"additionalProperties": False},
        {"additionalProperties": False, "properties": {"foo": False}},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed model: property foo declared false removed",
        {"additionalProperties": False, "properties": {"foo": False}},
        {"additionalProperties": False},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "additionalProperties string changed to number",
        {"additionalProperties": {"type": "string"}},
        {"additionalProperties": {"type": "number"}},
        confluent=REFUSED,
        ours=REFUSED,
    ),
]
