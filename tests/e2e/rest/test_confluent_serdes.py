"""Confluent's own serializers and deserializers against this registry, for Avro and
Protobuf: auto-registration, use-latest-version, and schemas that use a named type or
import a file registered as a reference."""

from __future__ import annotations

import importlib
import json
import struct
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from confluent_kafka.schema_registry import Schema, SchemaReference, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
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


def test_the_registry_lists_all_three_schema_types(registry_client: SchemaRegistryClient) -> None:
    assert sorted(registry_client.get_schema_types()) == ["AVRO", "JSON", "PROTOBUF"]
