"""Payloads in Protobuf's JSON mapping checked with the runtime's own parser: the verdict
is the parser's, each failing value found with an exact pointer; the message is the
file's first unless named."""

from __future__ import annotations

import pytest
from google.protobuf import descriptor_pool, json_format, message_factory

from registry.checks import SchemaSource, SourceReference, parse_source
from registry.errors import BadUserInputError
from registry.formats import handler_for, parse_schema
from registry.model import SchemaFormat
from registry.payloads import PayloadError, PayloadValidator

PROTOBUF = SchemaFormat.PROTOBUF

SHOP = """
syntax = "proto3";
package shop;

import "google/protobuf/timestamp.proto";

message Order {
  string id = 1;
  repeated Item items = 2;
  map<string, int32> counts = 3;
  Kind kind = 4;
  optional int64 total_cents = 5;
  oneof payment {
    string card = 6;
    string cash = 7;
  }
  map<string, Item> by_sku = 8;
  google.protobuf.Timestamp placed = 9;
  repeated int32 sizes = 10;

  message Item {
    string sku = 1;
    int32 qty = 2;
  }
}

enum Kind {
  KIND_UNSPECIFIED = 0;
  BIG = 1;
}

message Refund {
  string order_id = 1;
}
"""


def validator_for(text: str, message: str | None = None) -> PayloadValidator:
    return handler_for(PROTOBUF).validator(parse_schema(PROTOBUF, text), message)


def where(errors: list[PayloadError]) -> list[tuple[str, str, str]]:
    return sorted((e.instance_path, e.schema_path, e.keyword) for e in errors)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, []),
        (
            {
                "id": "o-1",
                "items": [{"sku": "a", "qty": 2}],
                "counts": {"a": 1},
                "kind": "BIG",
                "totalCents": "1250",
                "card": "visa",
                "bySku": {"a": {"qty": 1}},
                "placed": "2024-05-01T10:00:00Z",
                "sizes": [1, 2],
            },
            [],
        ),
        ({"total_cents": 5, "by_sku": {}}, []),
        ({"id": 5}, [("/id", "shop.Order.id", "type")]),
        (
            {"items": [{"sku": "a"}, {"qty": "many"}]},
            [("/items/1/qty", "shop.Order.Item.qty", "type")],
        ),
        (
            {"items": [{"sku": "a", "colour": "red"}]},
            [("/items/0/colour", "shop.Order.Item", "field")],
        ),
        ({"items": {"sku": "a"}}, [("/items", "shop.Order.items", "type")]),
        ({"counts": {"a": 1, "b": "x"}}, [("/counts/b", "shop.Order.counts", "type")]),
        ({"counts": [1]}, [("/counts", "shop.Order.counts", "type")]),
        ({"bySku": {"a": 5}}, [("/bySku/a", "shop.Order.by_sku", "type")]),
        ({"bySku": {"a": {"qty": 1.5}}}, [("/bySku/a/qty", "shop.Order.Item.qty", "type")]),
        ({"kind": "SMALL"}, [("/kind", "shop.Order.kind", "type")]),
        ({"totalCents": 1.5}, [("/totalCents", "shop.Order.total_cents", "type")]),
        ({"placed": "yesterday"}, [("/placed", "shop.Order.placed", "type")]),
        (
            {"sizes": [1, "two", 3, 4.5]},
            [
                ("/sizes/1", "shop.Order.sizes", "type"),
                ("/sizes/3", "shop.Order.sizes", "type"),
            ],
        ),
        ({"card": "visa", "cash": "eur"}, [("", "shop.Order", "oneof")]),
        (
            {"colour": "red", "id": 1},
            [
                ("/colour", "shop.Order", "field"),
                ("/id", "shop.Order.id", "type"),
            ],
        ),
        ([], [("", "shop.Order", "type")]),
        ("o-1", [("", "shop.Order", "type")]),
    ],
)
def test_an_order_in_protojson_is_checked_with_exact_pointers(
    payload: object, expected: list[tuple[str, str, str]]
) -> None:
    errors = validator_for(SHOP).validate(payload)

    assert where(errors) == expected
    assert all(e.message and "\n" not in e.message for e in errors)


def test_the_verdict_is_the_runtimes_parser() -> None:
    # What ParseDict itself says of the same payload, message for message.
    parsed = parse_schema(PROTOBUF, SHOP)
    (error,) = handler_for(PROTOBUF).validator(parsed).validate({"kind": "SMALL"})

    assert "Invalid enum value SMALL" in error.message
    pool = descriptor_pool.DescriptorPool()
    for file in [*parsed.document.imports, parsed.document.file]:  # type: ignore[attr-defined]
        pool.Add(file)
    order = message_factory.GetMessageClass(pool.FindMessageTypeByName("shop.Order"))
    with pytest.raises(json_format.ParseError, match="Invalid enum value SMALL"):
        json_format.ParseDict({"kind": "SMALL"}, order())


@pytest.mark.parametrize("name", ["Refund", "shop.Refund", ".shop.Refund"])
def test_a_message_is_named_relative_to_the_package_or_in_full(name: str) -> None:
    validator = validator_for(SHOP, name)

    assert validator.validate({"orderId": "o-1"}) == []
    assert where(validator.validate({"id": "o-1"})) == [("/id", "shop.Refund", "field")]


def test_a_nested_message_can_be_named() -> None:
    validator = validator_for(SHOP, "Order.Item")

    assert validator.validate({"sku": "a", "qty": 3}) == []
    assert where(validator.validate({"qty": "x"})) == [("/qty", "shop.Order.Item.qty", "type")]


def test_an_unknown_message_name_lists_the_messages_declared() -> None:
    with pytest.raises(BadUserInputError, match=r"no message named 'Invoice'.*shop\.Refund"):
        validator_for(SHOP, "Invoice")


def test_a_schema_without_messages_has_nothing_to_validate_with() -> None:
    with pytest.raises(BadUserInputError, match="declares no message"):
        validator_for('syntax = "proto3";\nenum Kind {\n  KIND_UNSPECIFIED = 0;\n}\n')


def test_a_message_from_a_reference_is_checked_through_the_import() -> None:
    money = SchemaSource(
        PROTOBUF, 'syntax = "proto3";\npackage fin;\nmessage Money {\n  int64 cents = 1;\n}\n'
    )
    invoice = SchemaSource(
        PROTOBUF,
        'syntax = "proto3";\nimport "money.proto";\nmessage Invoice {\n  fin.Money total = 1;\n}\n',
        (SourceReference("money.proto", "money", 1, money),),
    )
    validator = handler_for(PROTOBUF).validator(parse_source(invoice))

    assert validator.validate({"total": {"cents": "5"}}) == []
    assert where(validator.validate({"total": {"cents": "five"}})) == [
        ("/total/cents", "fin.Money.cents", "type")
    ]


def test_errors_stop_at_the_limit() -> None:
    validator = validator_for(SHOP)

    assert len(validator.validate({"sizes": ["x"] * 300}, limit=4)) == 4
    assert len(validator.validate({"sizes": ["x"] * 300})) == 100


NODE = 'syntax = "proto3";\nmessage Node {\n  Node child = 1;\n  repeated int32 v = 2;\n}\n'


def nested(depth: int, leaf: dict[str, object]) -> dict[str, object]:
    node = leaf
    for _ in range(depth):
        node = {"child": node}
    return node


def test_a_value_nested_deep_is_found_exactly() -> None:
    (error,) = validator_for(NODE).validate(nested(40, {"v": [1, "x"]}))

    assert error.instance_path == "/child" * 40 + "/v/1"
    assert (error.schema_path, error.keyword) == ("Node.v", "type")


def test_narrowing_a_large_value_nested_deep_stops_at_its_budget_inside_the_path() -> None:
    # Re-reading 30,000 values at each of 60 levels is past the budget: the innermost
    # value found refused is reported, on the way to the failing one.
    exact = "/child" * 60 + "/v/30000"

    errors = validator_for(NODE).validate(nested(60, {"v": [*range(30_000), "x"]}))

    assert len(errors) == 1
    assert exact.startswith(errors[0].instance_path + "/")
    assert errors[0].instance_path.startswith("/child/child")
    assert "Failed to parse" in errors[0].message
