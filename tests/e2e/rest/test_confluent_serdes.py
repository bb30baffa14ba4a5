"""Confluent's own serializers and deserializers against this registry, for Avro and
Protobuf: auto-registration, use-latest-version, schemas that use a named type or import
a file registered as a reference, and Protobuf schemas importing the files Confluent's
clients treat as built in (google/type/, confluent/), which they register no reference
for."""

from __future__ import annotations

import importlib
import json
import struct
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from confluent_kafka.schema_registry import Schema, SchemaReference, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.common.protobuf import (
    decimal_to_protobuf,
    protobuf_to_decimal,
)
from confluent_kafka.schema_registry.confluent.type import decimal_pb2
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from grpc_tools import protoc

from tests.e2e.conftest import unique_subject

MONEY = {
    "type": "record",
    "name": "Money",
    "namespace": "shop.common",
    "fields": [
        {"name": "units", "type": "long"},
        {"name": "currency", "type": {"type": "string", "avro.java.string": "String"}},
    ],
}
ORDER_V1 = {
    "type": "record",
    "name": "Order",
    "namespace": "shop",
    "fields": [
        {"name": "id", "type": "string"},
        {"name": "quantity", "type": "int"},
        {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]}},
    ],
}
# Adds a field with a default: BACKWARD compatible.
ORDER_V2 = {
    **ORDER_V1,
    "fields": [*ORDER_V1["fields"], {"name": "note", "type": ["null", "string"], "default": None}],
}
PRICED_ORDER = {
    "type": "record",
    "name": "PricedOrder",
    "namespace": "shop",
    "fields": [{"name": "id", "type": "string"}, {"name": "price", "type": "shop.common.Money"}],
}

MONEY_PROTO = """
syntax = "proto3";
package shop.common;

message Money {
  int64 units = 1;
  string currency = 2;
}
"""
ORDER_PROTO = """
syntax = "proto3";
package shop;

import "shop/common/money.proto";
import "google/protobuf/timestamp.proto";

message ProtoOrder {
  string id = 1;
  repeated string items = 2;
  shop.common.Money total = 3;
  google.protobuf.Timestamp placed_at = 4;
  map<string, int32> counts = 5;
  oneof payment {
    string card = 6;
    string voucher = 7;
  }
}
"""

PRICED_ITEM_PROTO = """
syntax = "proto3";
package catalog;

import "google/type/date.proto";
import "confluent/type/decimal.proto";

message PricedItem {
  string sku = 1;
  confluent.type.Decimal price = 2;
  google.type.Date available_from = 3;
}
"""
# Where protoc finds the built-in files when generating the client's module: Google's
# common types from googleapis-common-protos, Confluent's from the registry's vendored copy.
DATE_MODULE = importlib.import_module("google.type.date_pb2")  # googleapis-common-protos
GOOGLE_TYPE_INCLUDE = Path(str(DATE_MODULE.__file__)).parents[2]
CONFLUENT_INCLUDE = Path(__file__).parents[3] / "registry" / "formats" / "protobuf_confluent"


def _context(topic: str) -> SerializationContext:
    return SerializationContext(topic, MessageField.VALUE)


def _schema_id(frame: bytes) -> int:
    """The id in Confluent's wire format: magic byte 0, then a big-endian int32."""
    assert frame[0] == 0
    schema_id: int = struct.unpack(">I", frame[1:5])[0]
    return schema_id


def test_avro_round_trips_with_auto_registration(registry_client: SchemaRegistryClient) -> None:
    topic = unique_subject("avro-orders")
    serializer = AvroSerializer(registry_client, json.dumps(ORDER_V1))
    deserializer = AvroDeserializer(registry_client)
    order = {"id": "o-1", "quantity": 3, "status": "PAID"}

    frame = serializer(order, _context(topic))

    assert frame is not None
    registered = registry_client.get_latest_version(f"{topic}-value")
    assert registered.schema.schema_type == "AVRO"
    assert _schema_id(frame) == registered.schema_id
    assert deserializer(frame, _context(topic)) == order


def test_avro_use_latest_version_writes_with_the_newest_schema(
    registry_client: SchemaRegistryClient,
) -> None:
    topic = unique_subject("avro-latest")
    subject = f"{topic}-value"
    registry_client.register_schema(subject, Schema(json.dumps(ORDER_V1), "AVRO"))
    newest = registry_client.register_schema(subject, Schema(json.dumps(ORDER_V2), "AVRO"))
    serializer = AvroSerializer(
        registry_client,
        json.dumps(ORDER_V2),
        conf={"auto.register.schemas": False, "use.latest.version": True},
    )
    # An old reader (v1) reads what the newest writer wrote, through the registry.
    old_reader = AvroDeserializer(registry_client, json.dumps(ORDER_V1))

    frame = serializer(
        {"id": "o-2", "quantity": 1, "status": "NEW", "note": "gift"}, _context(topic)
    )

    assert frame is not None
    assert _schema_id(frame) == newest
    assert old_reader(frame, _context(topic)) == {"id": "o-2", "quantity": 1, "status": "NEW"}


def test_an_incompatible_avro_change_is_refused_to_the_serializer(
    registry_client: SchemaRegistryClient,
) -> None:
    topic = unique_subject("avro-refused")
    AvroSerializer(registry_client, json.dumps(ORDER_V1))(
        {"id": "o", "quantity": 1, "status": "NEW"}, _context(topic)
    )
    # A new required field without a default: data written with v1 cannot be read.
    breaking = {**ORDER_V1, "fields": [*ORDER_V1["fields"], {"name": "tax", "type": "int"}]}

    with pytest.raises(Exception, match=r"409|incompatible"):
        AvroSerializer(registry_client, json.dumps(breaking))(
            {"id": "o", "quantity": 1, "status": "NEW", "tax": 2}, _context(topic)
        )


def test_an_avro_record_uses_a_named_type_from_a_referenced_subject(
    registry_client: SchemaRegistryClient,
) -> None:
    money_subject, topic = unique_subject("avro-money"), unique_subject("avro-priced")
    registry_client.register_schema(money_subject, Schema(json.dumps(MONEY), "AVRO"))
    references = [SchemaReference("shop.common.Money", money_subject, 1)]
    schema = Schema(json.dumps(PRICED_ORDER), "AVRO", references=references)
    serializer = AvroSerializer(registry_client, schema)
    deserializer = AvroDeserializer(registry_client)
    order = {"id": "o-3", "price": {"units": 1250, "currency": "EUR"}}

    frame = serializer(order, _context(topic))

    assert frame is not None
    registered = registry_client.get_latest_version(f"{topic}-value")
    assert [(r.name, r.subject, r.version) for r in registered.schema.references or []] == [
        ("shop.common.Money", money_subject, 1)
    ]
    assert deserializer(frame, _context(topic)) == order
    assert registry_client.get_referenced_by(money_subject, 1) == [registered.schema_id]


@pytest.fixture(scope="module")
def proto_modules(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    """Python modules generated by protoc from the two files, importable for the test."""
    root = tmp_path_factory.mktemp("protos")
    sources = root / "src"
    (sources / "shop" / "common").mkdir(parents=True)
    (sources / "shop" / "common" / "money.proto").write_text(MONEY_PROTO)
    (sources / "shop" / "order.proto").write_text(ORDER_PROTO)
    out = root / "out"
    out.mkdir()
    include = Path(protoc.__file__).parent / "_proto"
    status = protoc.main(
        [
            "protoc",
            f"-I{sources}",
            f"-I{include}",
            f"--python_out={out}",
            "shop/common/money.proto",
            "shop/order.proto",
        ]
    )
    assert status == 0
    for directory in (out / "shop", out / "shop" / "common"):
        (directory / "__init__.py").touch()
    sys.path.insert(0, str(out))
    try:
        modules = {
            "money": importlib.import_module("shop.common.money_pb2"),
            "order": importlib.import_module("shop.order_pb2"),
        }
        yield modules
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n == "shop" or n.startswith("shop.")]:
            del sys.modules[name]


def _order(modules: dict[str, ModuleType]) -> Any:
    order = modules["order"].ProtoOrder(id="o-9", items=["a", "b"], card="4242")
    order.total.units = 990
    order.total.currency = "EUR"
    order.placed_at.seconds = 1_790_000_000
    order.counts["a"] = 2
    return order


def test_protobuf_round_trips_with_an_imported_file_registered_as_a_reference(
    registry_client: SchemaRegistryClient, proto_modules: dict[str, ModuleType]
) -> None:
    topic = unique_subject("proto-orders")
    order_type = proto_modules["order"].ProtoOrder
    serializer = ProtobufSerializer(order_type, registry_client, {"use.deprecated.format": False})
    deserializer = ProtobufDeserializer(
        order_type, {"use.deprecated.format": False}, registry_client
    )
    order = _order(proto_modules)

    frame = serializer(order, _context(topic))

    assert frame is not None
    registered = registry_client.get_latest_version(f"{topic}-value")
    assert registered.schema.schema_type == "PROTOBUF"
    assert _schema_id(frame) == registered.schema_id
    # The imported file was registered under its own subject and referenced by name; the
    # well-known Timestamp was not (every registry knows it).
    assert [(r.name, r.subject) for r in registered.schema.references or []] == [
        ("shop/common/money.proto", "shop/common/money.proto")
    ]
    assert "message ProtoOrder" in (registered.schema.schema_str or "")
    decoded = deserializer(frame, _context(topic))
    assert decoded == order


def test_protobuf_use_latest_version_writes_with_the_registered_schema(
    registry_client: SchemaRegistryClient,
    new_registry_client: Callable[[], SchemaRegistryClient],
    proto_modules: dict[str, ModuleType],
) -> None:
    topic = unique_subject("proto-latest")
    order_type = proto_modules["order"].ProtoOrder
    ProtobufSerializer(order_type, registry_client, {"use.deprecated.format": False})(
        _order(proto_modules), _context(topic)
    )
    latest = registry_client.get_latest_version(f"{topic}-value")
    # A client of its own: the client caches the latest version by subject alone, whatever
    # form it was asked in, and the serializer asks for the serialized form.
    serializer = ProtobufSerializer(
        order_type,
        new_registry_client(),
        {
            "use.deprecated.format": False,
            "auto.register.schemas": False,
            "use.latest.version": True,
        },
    )

    frame = serializer(_order(proto_modules), _context(topic))

    assert frame is not None
    assert _schema_id(frame) == latest.schema_id
    decoded = ProtobufDeserializer(order_type, {"use.deprecated.format": False}, registry_client)(
        frame, _context(topic)
    )
    assert decoded == _order(proto_modules)


@pytest.fixture(scope="module")
def priced_item_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The module protoc generates for PricedItem. Its import of confluent/type/decimal.proto
    becomes ``confluent.type.decimal_pb2``, which the client ships as
    ``confluent_kafka.schema_registry.confluent.type.decimal_pb2``: a one-line module
    re-exports it, so that the file is declared once in the process."""
    root = tmp_path_factory.mktemp("builtin-protos")
    sources = root / "src" / "catalog"
    sources.mkdir(parents=True)
    (sources / "priced_item.proto").write_text(PRICED_ITEM_PROTO)
    out = root / "out"
    (out / "confluent" / "type").mkdir(parents=True)
    status = protoc.main(
        [
            "protoc",
            f"-I{root / 'src'}",
            f"-I{Path(protoc.__file__).parent / '_proto'}",
            f"-I{GOOGLE_TYPE_INCLUDE}",
            f"-I{CONFLUENT_INCLUDE}",
            f"--python_out={out}",
            "catalog/priced_item.proto",
        ]
    )
    assert status == 0
    for directory in (out / "catalog", out / "confluent", out / "confluent" / "type"):
        (directory / "__init__.py").touch()
    (out / "confluent" / "type" / "decimal_pb2.py").write_text(
        f"from {decimal_pb2.__name__} import *  # noqa: F403\n"
    )
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("catalog.priced_item_pb2")
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n.split(".")[0] in ("catalog", "confluent")]:
            del sys.modules[name]


def test_protobuf_with_google_type_and_confluent_fields_round_trips_without_references(
    registry_client: SchemaRegistryClient, priced_item_module: ModuleType
) -> None:
    topic = unique_subject("proto-builtins")
    item_type = priced_item_module.PricedItem
    serializer = ProtobufSerializer(item_type, registry_client, {"use.deprecated.format": False})
    deserializer = ProtobufDeserializer(
        item_type, {"use.deprecated.format": False}, registry_client
    )
    item = item_type(sku="tea-250g")
    item.price.CopyFrom(decimal_to_protobuf(Decimal("12.50"), 2))
    item.available_from.year, item.available_from.month, item.available_from.day = 2026, 3, 1

    frame = serializer(item, _context(topic))

    assert frame is not None
    registered = registry_client.get_latest_version(f"{topic}-value")
    assert _schema_id(frame) == registered.schema_id
    # Neither import was registered: the client treats both as built in, and so does the
    # registry.
    assert registered.schema.references in (None, [])
    stored = registered.schema.schema_str or ""
    assert 'import "confluent/type/decimal.proto";' in stored
    assert 'import "google/type/date.proto";' in stored
    assert ".confluent.type.Decimal price = 2;" in stored
    decoded = deserializer(frame, _context(topic))
    assert decoded == item
    assert protobuf_to_decimal(decoded.price) == Decimal("12.50")
    assert (decoded.available_from.year, decoded.available_from.day) == (2026, 1)


def test_the_registry_lists_all_three_schema_types(registry_client: SchemaRegistryClient) -> None:
    assert sorted(registry_client.get_schema_types()) == ["AVRO", "JSON", "PROTOBUF"]
