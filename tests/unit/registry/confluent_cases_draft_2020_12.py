"""Confluent's corpus, cases of the 2020-12 file only: ``dependentRequired``,
``dependentSchemas``, ``prefixItems``, ``unevaluated*``, ``minContains`` (see
``confluent_cases``).
"""

from __future__ import annotations

from tests.unit.registry.confluent_cases import ACCEPTED, REFUSED, ConfluentCase, case

DRAFT_2020_12_CASES: list[ConfluentCase] = [
    case(
        "unevaluatedProperties false: optional property bar added",
        {"properties": {"foo": {"type": "string"}}, "unevaluatedProperties": False},
        {
            "properties": {"foo": {"type": "string"}, "bar": {"type": "number"}},
            "unevaluatedProperties": False,
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "unevaluatedProperties string: property bar (string) added",
        {"properties": {"foo": {"type": "string"}}, "unevaluatedProperties": {"type": "string"}},
        {
            "properties": {"foo": {"type": "string"}, "bar": {"type": "string"}},
            "unevaluatedProperties": {"type": "string"},
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "unevaluatedProperties string: property bar (number) added",
        {"properties": {"foo": {"type": "string"}}, "unevaluatedProperties": {"type": "string"}},
        {
            "properties": {"foo": {"type": "string"}, "bar": {"type": "number"}},
            "unevaluatedProperties": {"type": "string"},
        },
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "unevaluatedProperties string: required property bar added",
        {"properties": {"foo": {"type": "string"}}, "unevaluatedProperties": {"type": "string"}},
        {
            "properties": {"foo": {"type": "string"}, "bar": {"type": "string"}},
            "required": ["bar"],
            "unevaluatedProperties": {"type": "string"},
        },
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "dependentRequired: foo needs bar replaced by bar needs foo",
        {
            "properties": {"foo": {"type": "number"}, "bar": {"type": "string"}},
            "dependentRequired": {"foo": ["bar"]},
        },
        {
            "properties": {"foo": {"type": "number"}, "bar": {"type": "string"}},
            "dependentRequired": {"bar": ["foo"]},
        },
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "dependentSchemas: schema of bar dropped",
        {"dependentSchemas": {"foo": {"type": "string"}, "bar": {"type": "string"}}},
        {"dependentSchemas": {"foo": {"type": "string"}}},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "dependentSchemas: last schema dropped",
        {"dependentSchemas": {"foo": {"type": "string"}}},
        {"dependentSchemas": {}},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "dependentSchemas: schema of foo retyped from string to number",
        {"dependentSchemas": {"foo": {"type": "string"}}},
        {"dependentSchemas": {"foo": {"type": "number"}}},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "dependentSchemas: schema moved from foo to bar",
        {"dependentSchemas": {"foo": {"type": "string"}}},
        {"dependentSchemas": {"bar": {"type": "string"}}},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "prefixItems (string, number) dropped",
        {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}]},
        {"type": "array"},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "prefixItems with items string: third item string added",
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}],
            "items": {"type": "string"},
        },
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}, {"type": "string"}],
            "items": {"type": "string"},
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "prefixItems with unevaluatedItems string: third item string added",
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}],
            "unevaluatedItems": {"type": "string"},
        },
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}, {"type": "string"}],
            "unevaluatedItems": {"type": "string"},
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "prefixItems with items string: third item number added",
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}],
            "items": {"type": "string"},
        },
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}, {"type": "number"}],
            "items": {"type": "string"},
        },
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "prefixItems with unevaluatedItems string: third item number added",
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}],
            "unevaluatedItems": {"type": "string"},
        },
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}, {"type": "number"}],
            "unevaluatedItems": {"type": "string"},
        },
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "prefixItems with items string: third item string removed",
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}, {"type": "string"}],
            "items": {"type": "string"},
        },
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}],
            "items": {"type": "string"},
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "prefixItems with unevaluatedItems string: third item string removed",
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}, {"type": "string"}],
            "unevaluatedItems": {"type": "string"},
        },
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}],
            "unevaluatedItems": {"type": "string"},
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "prefixItems with items null-or-string: same-schema third item removed",
        {
            "type": "array",
            "prefixItems": [
                {"type": "string"},
                {"type": "number"},
                {"oneOf": [{"type": "null"}, {"type": "string"}]},
            ],
            "items": {"oneOf": [{"type": "null"}, {"type": "string"}]},
        },
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}],
            "items": {"oneOf": [{"type": "null"}, {"type": "string"}]},
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "prefixItems with unevaluatedItems null-or-string: same-schema third item removed",
        {
            "type": "array",
            "prefixItems": [
                {"type": "string"},
                {"type": "number"},
                {"oneOf": [{"type": "null"}, {"type": "string"}]},
            ],
            "unevaluatedItems": {"oneOf": [{"type": "null"}, {"type": "string"}]},
        },
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}],
            "unevaluatedItems": {"oneOf": [{"type": "null"}, {"type": "string"}]},
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "prefixItems with items string: third item number removed",
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}, {"type": "number"}],
            "items": {"type": "string"},
        },
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}],
            "items": {"type": "string"},
        },
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "prefixItems with unevaluatedItems string: third item number removed",
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}, {"type": "number"}],
            "unevaluatedItems": {"type": "string"},
        },
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}],
            "unevaluatedItems": {"type": "string"},
        },
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "one-item prefixItems retyped from string to number",
        {"type": "array", "prefixItems": [{"type": "string"}]},
        {"type": "array", "prefixItems": [{"type": "number"}]},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "minContains 1 dropped",
        {"type": "array", "contains": {"type": "number"}, "minContains": 1},
        {"type": "array", "contains": {"type": "number"}},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "minContains raised from 1 to 2",
        {"type": "array", "contains": {"type": "number"}, "minContains": 1},
        {"type": "array", "contains": {"type": "number"}, "minContains": 2},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "minContains lowered from 2 to 1",
        {"type": "array", "contains": {"type": "number"}, "minContains": 2},
        {"type": "array", "contains": {"type": "number"}, "minContains": 1},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "items true turned false (no type)",
        {"items": True},
        {"items": False},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "items string changed to number (no type)",
        {"items": {"type": "string"}},
        {"items": {"type": "number"}},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "open prefixItems: item accepting anything added",
        {"type": "array", "items": True, "prefixItems": [{"type": "number"}]},
        {"type": "array", "items": True, "prefixItems": [{"type": "number"}, True]},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "open prefixItems: item accepting anything removed",
        {"type": "array", "items": True, "prefixItems": [{"type": "number"}, True]},
        {"type": "array", "items": True, "prefixItems": [{"type": "number"}]},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed prefixItems: item declared false added",
        {"type": "array", "items": False, "prefixItems": [{"type": "number"}]},
        {"type": "array", "items": False, "prefixItems": [{"type": "number"}, False]},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed prefixItems: item declared false removed",
        {"type": "array", "items": False, "prefixItems": [{"type": "number"}, False]},
        {"type": "array", "items": False, "prefixItems": [{"type": "number"}]},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed prefixItems (string, number) given a boolean item and opened",
        {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}], "items": False},
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}],
            "items": True,
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed prefixItems (string, number, boolean) lost its last item and opened",
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}],
            "items": False,
        },
        {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}], "items": True},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "open prefixItems (string, number) lost its last item",
        {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}], "items": True},
        {"type": "array", "prefixItems": [{"type": "string"}], "items": True},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed prefixItems (string) given a number item",
        {"type": "array", "prefixItems": [{"type": "string"}], "items": False},
        {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}], "items": False},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed prefixItems (string, number) lost its last item, items number",
        {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}], "items": False},
        {"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "number"}},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "prefixItems (string) with items number given a number item, opened",
        {"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "number"}},
        {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}], "items": True},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
]
