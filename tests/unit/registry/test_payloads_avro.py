"""Payloads in Avro's JSON encoding checked against Avro schemas: unions as objects naming
their branch (null as null), bytes and fixed as strings of code points 0-255, records
with every field and nothing else, with exact pointers."""

from __future__ import annotations

import io
import json

import fastavro
import pytest

from registry.checks import SchemaSource, SourceReference, parse_source
from registry.errors import BadUserInputError
from registry.formats import handler_for, parse_schema
from registry.model import SchemaFormat
from registry.payloads import PayloadError, PayloadValidator

AVRO = SchemaFormat.AVRO

ORDER = {
    "type": "record",
    "name": "Order",
    "namespace": "shop",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "count", "type": "int", "default": 1},
        {"name": "price", "type": "double"},
        {"name": "paid", "type": "boolean"},
        {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]}},
        {"name": "digest", "type": {"type": "fixed", "name": "Digest", "size": 4}},
        {"name": "blob", "type": "bytes"},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "extras", "type": {"type": "map", "values": "int"}},
        {"name": "note", "type": ["null", "string", "Status", {"type": "array", "items": "int"}]},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
    ],
}
VALID = {
    "id": 2**40,
    "count": 2,
    "price": 9.5,
    "paid": True,
    "status": "NEW",
    "digest": "\u0000\u00ff\u0010a",
    "blob": "",
    "tags": ["a", "b"],
    "extras": {"x": 1},
    "note": None,
    "day": 19000,
}


def validator_for(schema: object) -> PayloadValidator:
    return handler_for(AVRO).validator(parse_schema(AVRO, json.dumps(schema)))


def where(errors: list[PayloadError]) -> list[tuple[str, str, str]]:
    return sorted((e.instance_path, e.schema_path, e.keyword) for e in errors)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, []),
        ({"note": {"string": "hi"}}, []),
        ({"note": {"shop.Status": "PAID"}}, []),
        ({"note": {"array": [1, 2]}}, []),
        ({"price": 3}, []),
        ({"id": 2**63}, [("/id", "/fields/0/type", "type")]),
        ({"count": 2**31}, [("/count", "/fields/1/type", "type")]),
        ({"count": 1.5}, [("/count", "/fields/1/type", "type")]),
        ({"count": True}, [("/count", "/fields/1/type", "type")]),
        ({"price": "9.5"}, [("/price", "/fields/2/type", "type")]),
        ({"paid": 1}, [("/paid", "/fields/3/type", "type")]),
        ({"status": "LOST"}, [("/status", "/fields/4/type", "symbols")]),
        ({"digest": "abc"}, [("/digest", "/fields/5/type", "size")]),
        ({"blob": "caf\u00e9\u20ac"}, [("/blob", "/fields/6/type", "type")]),
        ({"tags": ["a", 2]}, [("/tags/1", "/fields/7/type/items", "type")]),
        ({"extras": {"x": "1"}}, [("/extras/x", "/fields/8/type/values", "type")]),
        ({"note": "hi"}, [("/note", "/fields/9/type", "union")]),
        ({"note": {"string": "a", "int": 1}}, [("/note", "/fields/9/type", "union")]),
        ({"note": {"int": 1}}, [("/note/int", "/fields/9/type", "union")]),
        ({"note": {"null": None}}, [("/note/null", "/fields/9/type", "union")]),
        ({"note": {"Status": "NEW"}}, [("/note/Status", "/fields/9/type", "union")]),
        ({"note": {"string": 5}}, [("/note/string", "/fields/9/type/1", "type")]),
        ({"note": {"array": [1, "x"]}}, [("/note/array/1", "/fields/9/type/3/items", "type")]),
        ({"day": "2024-01-01"}, [("/day", "/fields/10/type", "type")]),
        ({"extra": 1}, [("/extra", "/fields", "fields")]),
    ],
)
def test_an_order_in_avro_json_encoding_is_checked_with_exact_pointers(
    change: dict[str, object], expected: list[tuple[str, str, str]]
) -> None:
    errors = validator_for(ORDER).validate({**VALID, **change})

    assert where(errors) == expected
    assert all(e.message for e in errors)


def test_every_field_is_written_even_one_with_a_default() -> None:
    payload = {k: v for k, v in VALID.items() if k != "count"}

    (error,) = validator_for(ORDER).validate(payload)

    assert (error.instance_path, error.schema_path, error.keyword) == ("", "/fields/1", "fields")
    assert error.message == "Field 'count' of record 'shop.Order' is missing."


def test_a_union_without_null_refuses_null_and_messages_name_the_branches() -> None:
    validator = validator_for(["string", "long"])

    (error,) = validator.validate(None)
    (unknown,) = validator.validate({"int": 1})

    assert error.keyword == "type" and "union [string, long]" in error.message
    assert unknown.message == "'int' is not a branch of union [string, long]."
    assert validator.validate({"long": 1}) == []


def test_a_recursive_record_is_followed_where_it_is_used() -> None:
    node = {
        "type": "record",
        "name": "Node",
        "fields": [
            {"name": "value", "type": "int"},
            {"name": "next", "type": ["null", "Node"]},
        ],
    }
    payload = {"value": 1, "next": {"Node": {"value": 2, "next": {"Node": {"value": "3"}}}}}

    errors = validator_for(node).validate(payload)

    assert where(errors) == [
        ("/next/Node/next/Node", "/fields/1/type/1/fields/1/type/1/fields/1", "fields"),
        ("/next/Node/next/Node/value", "/fields/1/type/1/fields/1/type/1/fields/0/type", "type"),
    ]


def test_a_type_defined_by_a_reference_is_checked_by_its_full_name() -> None:
    money = SchemaSource(
        AVRO,
        json.dumps(
            {
                "type": "record",
                "name": "Money",
                "namespace": "fin",
                "fields": [{"name": "cents", "type": "long"}],
            }
        ),
    )
    invoice = SchemaSource(
        AVRO,
        json.dumps(
            {
                "type": "record",
                "name": "Invoice",
                "fields": [{"name": "total", "type": ["null", "fin.Money"]}],
            }
        ),
        (SourceReference("fin.Money", "money", 1, money),),
    )
    validator = handler_for(AVRO).validator(parse_source(invoice))

    assert validator.validate({"total": {"fin.Money": {"cents": 5}}}) == []
    assert where(validator.validate({"total": {"fin.Money": {"cents": "5"}}})) == [
        ("/total/fin.Money/cents", "/fields/0/type/1/fields/0/type", "type")
    ]


def test_a_primitive_schema_checks_the_payload_itself() -> None:
    assert validator_for("string").validate("x") == []
    assert where(validator_for("string").validate(1)) == [("", "", "type")]
    assert validator_for("null").validate(None) == []


def test_errors_stop_at_the_limit() -> None:
    validator = validator_for({"type": "array", "items": "string"})

    assert len(validator.validate(list(range(300)), limit=5)) == 5
    assert len(validator.validate(list(range(300)))) == 100


def test_a_message_name_is_refused_for_an_avro_schema() -> None:
    with pytest.raises(BadUserInputError):
        handler_for(AVRO).validator(parse_schema(AVRO, '"string"'), "Order")


def test_what_an_avro_json_encoder_writes_is_accepted() -> None:
    # fastavro's encoder writes the specification's JSON encoding; each record it writes
    # from these datums must read as valid here, union branches and bytes included.
    datums = [
        {**VALID, "digest": b"\x00\xff\x10a", "blob": b"\x00\x80\xff", "day": 3},
        {
            **VALID,
            "digest": b"abcd",
            "blob": b"",
            "note": "text",
            "tags": [],
            "extras": {},
            "day": 0,
        },
        {**VALID, "digest": b"abcd", "blob": b"x", "note": [1, 2, 3], "day": -1},
        {**VALID, "digest": b"abcd", "blob": b"x", "note": "PAID", "day": 1, "id": -(2**63)},
    ]
    written = io.StringIO()
    fastavro.json_writer(written, fastavro.parse_schema(ORDER), datums)
    validator = validator_for(ORDER)

    lines = written.getvalue().splitlines()
    payloads = [json.loads(line) for line in lines]

    assert len(payloads) == len(datums)
    assert [validator.validate(p) for p in payloads] == [[] for _ in payloads]
    assert {next(iter(p["note"])) for p in payloads if p["note"] is not None} == {
        "string",
        "array",
    }
