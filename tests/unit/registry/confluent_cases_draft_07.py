"""Confluent's corpus, cases of the draft-07 file only: ``dependencies``, tuple ``items``
with ``additionalItems`` (see ``confluent_cases``).
"""

from __future__ import annotations

from tests.unit.registry.confluent_cases import ACCEPTED, REFUSED, ConfluentCase, case

DRAFT_07_CASES: list[ConfluentCase] = [
    case(
        "enum red dropped from a string",
        {"type": "string", "enum": ["red"]},
        {"type": "string"},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "const of property foo changed from red to blue",
        {"properties": {"foo": {"const": "red"}}},
        {"properties": {"foo": {"const": "blue"}}},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "dependencies: foo needs bar replaced by bar needs foo",
        {
            "properties": {"foo": {"type": "number"}, "bar": {"type": "string"}},
            "dependencies": {"foo": ["bar"]},
        },
        {
            "properties": {"foo": {"type": "number"}, "bar": {"type": "string"}},
            "dependencies": {"bar": ["foo"]},
        },
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "dependencies: schema dependency of bar dropped",
        {"dependencies": {"foo": {"type": "string"}, "bar": {"type": "string"}}},
        {"dependencies": {"foo": {"type": "string"}}},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "dependencies: last schema dependency dropped",
        {"dependencies": {"foo": {"type": "string"}}},
        {"dependencies": {}},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "dependencies: schema dependency of foo retyped from string to number",
        {"dependencies": {"foo": {"type": "string"}}},
        {"dependencies": {"foo": {"type": "number"}}},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "dependencies: schema dependency moved from foo to bar",
        {"dependencies": {"foo": {"type": "string"}}},
        {"dependencies": {"bar": {"type": "string"}}},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "tuple items (string, number) dropped",
        {"type": "array", "items": [{"type": "string"}, {"type": "number"}]},
        {"type": "array"},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "tuple with additionalItems string: third item string added",
        {
            "type": "array",
            "items": [{"type": "string"}, {"type": "number"}],
            "additionalItems": {"type": "string"},
        },
        {
            "type": "array",
            "items": [{"type": "string"}, {"type": "number"}, {"type": "string"}],
            "additionalItems": {"type": "string"},
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "tuple with additionalItems string: third item number added",
        {
            "type": "array",
            "items": [{"type": "string"}, {"type": "number"}],
            "additionalItems": {"type": "string"},
        },
        {
            "type": "array",
            "items": [{"type": "string"}, {"type": "number"}, {"type": "number"}],
            "additionalItems": {"type": "string"},
        },
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "tuple with additionalItems string: third item string removed",
        {
            "type": "array",
            "items": [{"type": "string"}, {"type": "number"}, {"type": "string"}],
            "additionalItems": {"type": "string"},
        },
        {
            "type": "array",
            "items": [{"type": "string"}, {"type": "number"}],
            "additionalItems": {"type": "string"},
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "tuple with additionalItems null-or-string: same-schema third item removed",
        {
            "type": "array",
            "items": [
                {"type": "string"},
                {"type": "number"},
                {"oneOf": [{"type": "null"}, {"type": "string"}]},
            ],
            "additionalItems": {"oneOf": [{"type": "null"}, {"type": "string"}]},
        },
        {
            "type": "array",
            "items": [{"type": "string"}, {"type": "number"}],
            "additionalItems": {"oneOf": [{"type": "null"}, {"type": "string"}]},
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "tuple with additionalItems string: third item number removed",
        {
            "type": "array",
            "items": [{"type": "string"}, {"type": "number"}, {"type": "number"}],
            "additionalItems": {"type": "string"},
        },
        {
            "type": "array",
            "items": [{"type": "string"}, {"type": "number"}],
            "additionalItems": {"type": "string"},
        },
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "one-item tuple retyped from string to number",
        {"type": "array", "items": [{"type": "string"}]},
        {"type": "array", "items": [{"type": "number"}]},
        confluent=REFUSED,
        ours=REFUSED,
    ),
    case(
        "additionalItems true turned false without a tuple",
        {"additionalItems": True},
        {"additionalItems": False},
        confluent=REFUSED,
        ours=ACCEPTED,
        note=(
            "Without an items array, additionalItems has no effect (draft-07 9.3.1.2), so "
            "both schemas accept every document; Confluent compares the keyword as written."
        ),
    ),
    case(
        "additionalItems string changed to number without a tuple",
        {"additionalItems": {"type": "string"}},
        {"additionalItems": {"type": "number"}},
        confluent=REFUSED,
        ours=ACCEPTED,
        note=(
            "Without an items array, additionalItems has no effect (draft-07 9.3.1.2), so "
            "both schemas accept every document; Confluent compares the keyword as written."
        ),
    ),
    case(
        "open tuple: item accepting anything added",
        {"type": "array", "additionalItems": True, "items": [{"type": "number"}]},
        {"type": "array", "additionalItems": True, "items": [{"type": "number"}, True]},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "open tuple: item accepting anything removed",
        {"type": "array", "additionalItems": True, "items": [{"type": "number"}, True]},
        {"type": "array", "additionalItems": True, "items": [{"type": "number"}]},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed tuple: item declared false added",
        {"type": "array", "additionalItems": False, "items": [{"type": "number"}]},
        {"type": "array", "additionalItems": False, "items": [{"type": "number"}, False]},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed tuple: item declared false removed",
        {"type": "array", "additionalItems": False, "items": [{"type": "number"}, False]},
        {"type": "array", "additionalItems": False, "items": [{"type": "number"}]},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed tuple (string, number) given a boolean item and opened",
        {
            "type": "array",
            "items": [{"type": "string"}, {"type": "number"}],
            "additionalItems": False,
        },
        {
            "type": "array",
            "items": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}],
            "additionalItems": True,
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed tuple (string, number, boolean) lost its last item and opened",
        {
            "type": "array",
            "items": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}],
            "additionalItems": False,
        },
        {
            "type": "array",
            "items": [{"type": "string"}, {"type": "number"}],
            "additionalItems": True,
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "open tuple (string, number) lost its last item",
        {
            "type": "array",
            "items": [{"type": "string"}, {"type": "number"}],
            "additionalItems": True,
        },
        {"type": "array", "items": [{"type": "string"}], "additionalItems": True},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed tuple (string) given a number item",
        {"type": "array", "items": [{"type": "string"}], "additionalItems": False},
        {
            "type": "array",
            "items": [{"type": "string"}, {"type": "number"}],
            "additionalItems": False,
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed tuple (string, number) lost its last item, additionalItems number",
        {
            "type": "array",
            "items": [{"type": "string"}, {"type": "number"}],
            "additionalItems": False,
        },
        {"type": "array", "items": [{"type": "string"}], "additionalItems": {"type": "number"}},
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "tuple (string) with additionalItems number given a number item, opened",
        {"type": "array", "items": [{"type": "string"}], "additionalItems": {"type": "number"}},
        {
            "type": "array",
            "items": [{"type": "string"}, {"type": "number"}],
            "additionalItems": True,
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
    case(
        "closed model: optional property bar (string) added, metadata on both versions",
        {"properties": {"foo": {"type": "string"}}, "additionalProperties": False},
        {
            "properties": {"foo": {"type": "string"}, "bar": {"type": "string"}},
            "additionalProperties": False,
        },
        confluent=ACCEPTED,
        ours=ACCEPTED,
    ),
]
