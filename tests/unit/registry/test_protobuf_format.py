"""Protobuf schemas: parsing (.proto text of every syntax, or Confluent's base64
descriptor), refusals with protoc's positions, the canonical text as identity,
references as imports, and the serialized rendering."""

from __future__ import annotations

import base64
import concurrent.futures
from pathlib import Path

import pytest
from confluent_kafka.schema_registry.common.protobuf import _schema_to_str, _str_to_proto
from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.descriptor_pb2 import FileDescriptorProto, FileDescriptorSet
from grpc_tools import protoc

from registry.errors import InvalidSchemaError
from registry.formats import parse_schema
from registry.formats.base import ParseContext, ParsedSchema, ResolvedReference, fingerprint_of
from registry.formats.protobuf import PROTOBUF, ProtoDocument
from registry.formats.protobuf_protoc import is_well_known
from registry.model import SchemaFormat

WELL_KNOWN = (
    "any",
    "api",
    "descriptor",
    "duration",
    "empty",
    "field_mask",
    "source_context",
    "struct",
    "timestamp",
    "type",
    "wrappers",
)

ORDER = """\
// Orders placed in the shop.
syntax = "proto3";

package shop.v1;

import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";

option java_package = "com.example.shop";
option go_package = "example.com/shop/v1";

message Order {
  reserved 9, 10 to 12;
  reserved "legacy";

  int64 id = 1;
  Status status = 2;
  repeated Item items = 3;
  map<string, int32> counts = 4;
  oneof payment {
    string card = 5;
    string iban = 6;
  }
  optional string note = 7 [deprecated = true, json_name = "memo"];
  google.protobuf.Timestamp placed_at = 8;
  google.protobuf.StringValue coupon = 13;

  message Item {
    string sku = 1;
    int32 quantity = 2;
  }

  enum Status {
    STATUS_UNSPECIFIED = 0;
    STATUS_PAID = 2;
    STATUS_NEW = 1;
  }
}
"""

PROTO2 = """\
syntax = "proto2";
package legacy;

import "google/protobuf/descriptor.proto";

extend google.protobuf.FieldOptions {
  optional string column = 50000;
  repeated int32 tags = 50001;
}

message Row {
  option message_set_wire_format = false;
  extensions 100 to 199;
  required int64 id = 1 [(column) = "row_id", (tags) = 1, (tags) = 2];
  optional string name = 2 [default = "unnamed"];
  optional bytes blob = 3 [default = "\\001\\377"];
  optional double ratio = 4 [default = -inf];
  optional group Extra = 5 {
    optional int32 level = 1;
  }
  repeated Row children = 6;
}

extend Row {
  optional bool archived = 100;
}
"""

EDITIONS = """\
edition = "2023";
package modern;

option features.field_presence = IMPLICIT;

message Reading {
  int32 value = 1 [features.field_presence = EXPLICIT];
  Sensor sensor = 2 [features.message_encoding = DELIMITED];
  string unit = 3 [features.utf8_validation = NONE];
  message Sensor {
    string id = 1;
  }
}
"""


def parse(text: str, *refs: ResolvedReference) -> ParsedSchema:
    return PROTOBUF.parse(text, context=ParseContext(references=refs))


def document(schema: ParsedSchema) -> ProtoDocument:
    assert isinstance(schema.document, ProtoDocument)
    return schema.document


def message_type(field: FieldDescriptor) -> Descriptor:
    assert field.message_type is not None
    return field.message_type


def pool(schema: ParsedSchema) -> descriptor_pool.DescriptorPool:
    built = descriptor_pool.DescriptorPool()
    for imported in document(schema).imports:
        built.Add(imported)
    built.Add(document(schema).file)
    return built


def ref(name: str, text: str, *refs: ResolvedReference, version: int = 1) -> ResolvedReference:
    return ResolvedReference(name, name.removesuffix(".proto"), version, parse(text, *refs))


# Parsing ----------------------------------------------------------------------------------


def test_proto3_with_nested_types_oneof_map_options_reserved_and_well_known_imports() -> None:
    schema = parse(ORDER)
    order = pool(schema).FindMessageTypeByName("shop.v1.Order")

    assert schema.format is SchemaFormat.PROTOBUF
    assert [f.name for f in sorted(order.fields, key=lambda f: f.number)] == [
        "id", "status", "items", "counts", "card", "iban", "note", "placed_at", "coupon",
    ]  # fmt: skip
    assert message_type(order.fields_by_name["counts"]).GetOptions().map_entry
    assert [f.name for f in order.oneofs_by_name["payment"].fields] == ["card", "iban"]
    assert order.fields_by_name["note"].json_name == "memo"
    assert order.fields_by_name["note"].has_presence
    placed_at = message_type(order.fields_by_name["placed_at"])
    assert placed_at.full_name == "google.protobuf.Timestamp"
    assert [(r.start, r.end) for r in document(schema).file.message_type[0].reserved_range] == [
        (9, 13)
    ]
    assert document(schema).file.options.java_package == "com.example.shop"
    assert schema.fingerprint == fingerprint_of(SchemaFormat.PROTOBUF, schema.canonical)


def test_the_document_is_the_descriptor_set_protoc_writes_with_its_imports(
    tmp_path: Path,
) -> None:
    files = document(parse(ORDER)).descriptor_set().file
    built = compiled(tmp_path, {"order.proto": ORDER})

    assert [f.name for f in files[:-1]] == [
        "google/protobuf/timestamp.proto",
        "google/protobuf/wrappers.proto",
    ]
    for imported in files[:-1]:
        expected = built.FindFileByName(imported.name).message_types_by_name
        assert [m.name for m in imported.message_type] == list(expected)
    order = built.FindMessageTypeByName("shop.v1.Order")
    parsed = descriptor_pool.DescriptorPool()
    for file in files:
        parsed.Add(file)
    assert {(f.number, f.name, f.type) for f in order.fields} == {
        (f.number, f.name, f.type) for f in parsed.FindMessageTypeByName("shop.v1.Order").fields
    }


def test_proto2_with_required_defaults_groups_extensions_and_custom_options() -> None:
    schema = parse(PROTO2)
    row = pool(schema).FindMessageTypeByName("legacy.Row")

    assert row.fields_by_name["id"].is_required
    assert row.fields_by_name["name"].default_value == "unnamed"
    assert row.fields_by_name["blob"].default_value == b"\x01\xff"
    assert row.fields_by_name["extra"].type == row.fields_by_name["extra"].TYPE_GROUP
    file = pool(schema).FindFileByName(document(schema).file.name)
    assert list(file.extensions_by_name) == ["column", "tags", "archived"]
    assert '(.legacy.column) = "row_id"' in schema.canonical
    assert "(.legacy.tags) = 1, (.legacy.tags) = 2" in schema.canonical


def test_editions_with_features_at_file_and_field_level() -> None:
    schema = parse(EDITIONS)
    reading = pool(schema).FindMessageTypeByName("modern.Reading")

    assert reading.fields_by_name["value"].has_presence
    assert not reading.fields_by_name["unit"].has_presence
    assert reading.fields_by_name["sensor"].type == reading.fields_by_name["sensor"].TYPE_GROUP
    assert schema.canonical.startswith('edition = "2023";')


def test_edition_2024_symbol_visibility_is_kept() -> None:
    schema = parse('edition = "2024";\nlocal message Hidden { int32 a = 1; }\nmessage Open {}\n')

    assert "local message Hidden {" in schema.canonical


@pytest.mark.parametrize("name", WELL_KNOWN)
def test_each_well_known_type_can_be_imported_without_a_reference(name: str) -> None:
    schema = parse(f'syntax = "proto3";\nimport "google/protobuf/{name}.proto";\nmessage M {{}}\n')

    assert f"google/protobuf/{name}.proto" in [f.name for f in document(schema).imports]
    assert is_well_known(f"google/protobuf/{name}.proto")


def test_a_file_without_syntax_is_proto2_as_protoc_assumes() -> None:
    schema = parse("message Legacy { optional int32 id = 1; }")

    assert (
        schema.canonical == 'syntax = "proto2";\n\nmessage Legacy {\n  optional int32 id = 1;\n}\n'
    )


# Refusals --------------------------------------------------------------------------------

REFUSALS = [
    (
        'syntax = "proto3";\npackage shop;\nmessage Order {\n  Foo item = 1;\n}\n',
        'line 4, column 3: "Foo" is not defined.',
    ),
    ('syntax = "proto3";\nmessage Order {\n  int32 id = 1\n}\n', 'line 4, column 1: Expected ";".'),
    (
        'syntax = "proto3";\nmessage Order {\n  int32 id = 1;\n  string note = 1;\n}\n',
        'line 4, column 17: Field number 1 has already been used in "Order" by field "id".',
    ),
    (
        'syntax = "proto3";\nmessage Order { required int32 id = 1; }\n',
        "line 2, column 26: Required fields are not allowed in proto3.",
    ),
    (
        'syntax = "proto3";\nmessage Order { reserved 2; int32 id = 2; }\n',
        'line 2, column 26: Field "id" uses reserved number 2.',
    ),
    (
        'syntax = "proto3"; message A { oneof o { map<string,int32> m = 1; } }',
        "line 1, column 45: Map fields are not allowed in oneofs.",
    ),
    (
        'syntax = "proto4";',
        'line 1, column 10: Unrecognized syntax identifier "proto4".',
    ),
    ('edition = "2099";', 'line 1, column 11: Unknown edition "2099".'),
    # No syntax statement: positions still count from the text as written.
    (
        "message Order { int32 id = 1 }",
        'line 1, column 17: Expected "required", "optional", or "repeated".',
    ),
    ("message A {}\n\ud800", "line 2, column 1: Text is not valid Unicode (a lone surrogate)."),
    ("\x00", "line 1, column 1: Invalid control characters encountered in text."),
]


@pytest.mark.parametrize(("text", "expected"), REFUSALS)
def test_refusals_carry_protocs_line_column_and_message(text: str, expected: str) -> None:
    with pytest.raises(InvalidSchemaError) as refused:
        parse(text)

    assert refused.value.message.startswith(f"Schema is not valid Protobuf: {expected}")


def test_an_import_nothing_provides_is_refused_naming_it() -> None:
    with pytest.raises(InvalidSchemaError) as refused:
        parse('syntax = "proto3";\nimport "billing/money.proto";\nmessage Order {}\n')

    assert 'line 2, column 1: Import "billing/money.proto" was not found' in refused.value.message


@pytest.mark.parametrize(
    "text",
    [
        '// a comment with a NUL\x00\nsyntax = "proto3";',
        '/* a NUL\x00 in a block comment */ syntax = "proto3";',
        '/* never closed syntax = "proto3";',
        "\ufeffmessage A {}",
        '\x01syntax = "proto3";',
        "syntaxx = 1;",
    ],
)
def test_texts_protoc_reads_without_a_syntax_statement_print_nothing(
    text: str, capfd: pytest.CaptureFixture[str]
) -> None:
    """protoc logs a warning straight to stderr for a file it finds no syntax in; such
    texts get protoc's assumed syntax in front instead."""
    try:
        parse(text)
    except InvalidSchemaError as refused:
        assert refused.message.startswith("Schema is not valid Protobuf: line 1, column ")

    assert capfd.readouterr() == ("", "")


def test_a_proto2_warning_is_neither_raised_nor_printed(capfd: pytest.CaptureFixture[str]) -> None:
    # protoc warns (not errs) on proto2 fields whose JSON names collide.
    schema = parse(
        'syntax = "proto2"; message A { optional int32 foo_bar = 1; optional int32 fooBar = 2; }'
    )

    assert "fooBar = 2" in schema.canonical
    assert capfd.readouterr() == ("", "")


# Identity --------------------------------------------------------------------------------

SAME_AS_ORDER = """\
syntax="proto3";package shop.v1;
import "google/protobuf/wrappers.proto";/* reordered */import "google/protobuf/timestamp.proto";
option go_package = "example.com/shop/v1"; option java_package = "com.example.shop";
message Order {
  enum Status { STATUS_UNSPECIFIED = 0; STATUS_NEW = 1; STATUS_PAID = 2; }
  map<string, int32> counts = 4;
  message Item { int32 quantity = 2; string sku = 1; }
  google.protobuf.StringValue coupon = 13;
  oneof payment { string iban = 6; string card = 5; }
  optional string note = 7 [json_name = "memo", deprecated = true];
  .google.protobuf.Timestamp placed_at = 8;
  repeated .shop.v1.Order.Item items = 3;
  Status status = 2;
  int64 id = 1;
  reserved "legacy"; reserved 12, 9 to 11;
}
"""


def test_comments_whitespace_declaration_and_option_order_do_not_change_the_identity() -> None:
    first, second = parse(ORDER), parse(SAME_AS_ORDER)

    assert second.canonical == first.canonical
    assert second.fingerprint == first.fingerprint


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (  # enums, services, methods and extensions print sorted
            'syntax = "proto3"; enum B { B0 = 0; } enum A { A0 = 0; } message M {}'
            " service T { rpc Y(M) returns (M); rpc X(M) returns (M); } service S {}",
            'syntax = "proto3"; enum A { A0 = 0; } message M {} service S {}'
            " service T { rpc X(M) returns (M); rpc Y(M) returns (M); } enum B { B0 = 0; }",
        ),
        (  # options inside brackets, reserved ranges however they are split
            'syntax = "proto2"; message M '
            "{ optional int32 a = 1 [deprecated = true, packed = false];"
            " reserved 2, 3, 4; }",
            'syntax = "proto2"; message M { reserved 2 to 4;'
            " optional int32 a = 1 [packed = false, deprecated = true]; }",
        ),
        (  # a JSON name equal to the default is no JSON name
            'syntax = "proto3"; message M { int32 unit_price = 1 [json_name = "unitPrice"]; }',
            'syntax = "proto3"; message M { int32 unit_price = 1; }',
        ),
        (  # relative and fully qualified type names
            'syntax = "proto3"; package a.b; message M { N n = 1; } message N {}',
            'syntax = "proto3"; package a.b; message M { .a.b.N n = 1; } message N {}',
        ),
        (  # an enum's values after the first (its default) in any order
            'syntax = "proto3"; enum E { E0 = 0; E2 = 2; E1 = 1; }',
            'syntax = "proto3"; enum E { E0 = 0; E1 = 1; E2 = 2; }',
        ),
    ],
)
def test_equivalent_texts_have_one_canonical_form(one: str, other: str) -> None:
    assert parse(one).canonical == parse(other).canonical
    assert parse(one).fingerprint == parse(other).fingerprint


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (  # Confluent's records name their message by position: message order is kept
            'syntax = "proto3"; message A {} message B {}',
            'syntax = "proto3"; message B {} message A {}',
        ),
        (  # and so is nested message order, map entries included
            'syntax = "proto3"; message A { map<string, int32> m = 1; message N {} }',
            'syntax = "proto3"; message A { message N {} map<string, int32> m = 1; }',
        ),
        (  # the first enum value is the default of proto2 fields
            'syntax = "proto2"; enum E { E1 = 1; E0 = 0; }',
            'syntax = "proto2"; enum E { E0 = 0; E1 = 1; }',
        ),
    ],
)
def test_orders_that_carry_meaning_change_the_identity(one: str, other: str) -> None:
    assert parse(one).fingerprint != parse(other).fingerprint


@pytest.mark.parametrize("text", [ORDER, PROTO2, EDITIONS])
def test_the_canonical_text_parses_back_to_itself(text: str) -> None:
    schema = parse(text)

    again = parse(schema.canonical)

    assert again.canonical == schema.canonical
    assert again.document == schema.document


def test_the_memo_serves_the_canonical_text_and_the_submitted_one() -> None:
    submitted = parse_schema(SchemaFormat.PROTOBUF, SAME_AS_ORDER)

    assert parse_schema(SchemaFormat.PROTOBUF, submitted.canonical) is submitted


# Confluent's serialized descriptors ---------------------------------------------------------


def compiled(tmp_path: Path, files: dict[str, str]) -> descriptor_pool.DescriptorPool:
    """What a client build has: protoc's descriptors of its .proto files, in a pool."""
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    out = tmp_path / "set.pb"
    include = str(Path(protoc.__file__).parent / "_proto")
    args = ["protoc", f"-I{tmp_path}", f"-I{include}", "--include_imports"]
    assert protoc.main([*args, f"--descriptor_set_out={out}", *files]) == 0
    built = descriptor_pool.DescriptorPool()
    for file in FileDescriptorSet.FromString(out.read_bytes()).file:
        built.Add(file)
    return built


def test_confluents_base64_descriptor_is_the_same_schema_as_its_proto_text(
    tmp_path: Path,
) -> None:
    client = compiled(tmp_path, {"shop/order.proto": ORDER})
    registered = _schema_to_str(client.FindFileByName("shop/order.proto"))

    from_descriptor, from_text = parse(registered), parse(ORDER)

    assert from_descriptor.canonical == from_text.canonical
    assert from_descriptor.fingerprint == from_text.fingerprint


@pytest.mark.parametrize("text", [PROTO2, EDITIONS])
def test_base64_descriptors_of_every_syntax_match_their_text(tmp_path: Path, text: str) -> None:
    client = compiled(tmp_path, {"schema.proto": text})

    assert parse(_schema_to_str(client.FindFileByName("schema.proto"))).canonical == (
        parse(text).canonical
    )


def test_confluents_references_resolve_base64_imports(tmp_path: Path) -> None:
    money = 'syntax = "proto3";\npackage billing;\nmessage Money { int64 units = 1; }\n'
    invoice = (
        'syntax = "proto3";\npackage billing;\nimport "billing/money.proto";\n'
        "message Invoice { Money total = 1; }\n"
    )
    client = compiled(tmp_path, {"billing/money.proto": money, "billing/invoice.proto": invoice})
    # The serializer registers each import under its file name, then the schema.
    dependency = ref(
        "billing/money.proto", _schema_to_str(client.FindFileByName("billing/money.proto"))
    )

    registered = parse(_schema_to_str(client.FindFileByName("billing/invoice.proto")), dependency)

    assert registered.canonical == parse(invoice, ref("billing/money.proto", money)).canonical


def test_a_base64_descriptor_wrapped_over_lines_is_read(tmp_path: Path) -> None:
    registered = _schema_to_str(compiled(tmp_path, {"o.proto": ORDER}).FindFileByName("o.proto"))
    wrapped = "\n".join(registered[i : i + 76] for i in range(0, len(registered), 76))

    assert parse(wrapped).canonical == parse(ORDER).canonical


def test_nesting_deeper_than_protoc_allows_is_refused_cleanly() -> None:
    text = 'syntax = "proto3";\n' + "message A { " * 200 + "int32 x = 1; " + "} " * 200

    with pytest.raises(InvalidSchemaError, match="maximum recursion limit"):
        parse(text)


def test_a_base64_descriptor_that_protoc_refuses_is_refused() -> None:
    file = FileDescriptorProto(name="x.proto", syntax="proto3")
    message = file.message_type.add(name="M")
    message.field.add(name="a", number=1, type=11, type_name=".nowhere.Type", label=1)

    with pytest.raises(InvalidSchemaError) as refused:
        parse(base64.b64encode(file.SerializeToString()).decode())

    assert "Serialized FileDescriptorProto is not valid Protobuf" in refused.value.message
    assert '".nowhere.Type" is not defined.' in refused.value.message


@pytest.mark.parametrize("name", ["a = 1; int32 b", "a b", "", "1a"])
def test_a_base64_descriptor_cannot_smuggle_text_through_a_name(name: str) -> None:
    file = FileDescriptorProto(name="x.proto", syntax="proto3")
    file.message_type.add(name="M").field.add(name=name, number=1, type=5, label=1)

    with pytest.raises(InvalidSchemaError) as refused:
        parse(base64.b64encode(file.SerializeToString()).decode())

    assert "is not a valid name" in refused.value.message


# Rendering --------------------------------------------------------------------------------


def test_the_serialized_form_is_the_descriptor_a_confluent_deserializer_loads() -> None:
    schema = parse(ORDER)
    rendered = PROTOBUF.render(schema, "serialized")
    assert rendered is not None

    # As the deserializer does: well-known types in the pool, then the schema as "default".
    client_pool = descriptor_pool.DescriptorPool()
    for imported in document(schema).imports:
        client_pool.Add(imported)
    client_pool.Add(_str_to_proto("default", rendered))
    order_class = message_factory.GetMessageClass(
        client_pool.FindMessageTypeByName("shop.v1.Order")
    )

    written = json_format.ParseDict({"id": "7", "card": "visa"}, order_class())
    record = order_class.FromString(written.SerializeToString())
    assert json_format.MessageToDict(record) == {"id": "7", "card": "visa"}
    assert FileDescriptorProto.FromString(base64.b64decode(rendered)) == document(schema).file
    assert parse(rendered).canonical == schema.canonical


def test_other_forms_are_not_rendered() -> None:
    assert PROTOBUF.render(parse(ORDER), "resolved") is None


# References -------------------------------------------------------------------------------

MONEY = """syntax = "proto3";
package billing;
message Money { int64 units = 1; string currency = 2; }
"""
INVOICE = """syntax = "proto3";
package billing;
import "money.proto";
message Invoice { Money total = 1; }
"""


def test_an_import_resolves_to_the_reference_named_by_its_path() -> None:
    schema = parse(INVOICE, ref("money.proto", MONEY))
    invoice = pool(schema).FindMessageTypeByName("billing.Invoice")

    assert message_type(invoice.fields_by_name["total"]).full_name == "billing.Money"
    assert document(schema).sources == {"money.proto": parse(MONEY).canonical}


def test_imports_resolve_transitively_through_a_references_own_references() -> None:
    invoice = ref("invoice.proto", INVOICE, ref("money.proto", MONEY))
    ledger = (
        'syntax = "proto3"; import "invoice.proto"; message Ledger { billing.Invoice first = 1; }'
    )

    schema = parse(ledger, invoice)

    first = message_type(pool(schema).FindMessageTypeByName("Ledger").fields_by_name["first"])
    assert message_type(first.fields_by_name["total"]).full_name == "billing.Money"


def test_the_fingerprint_covers_the_references() -> None:
    one = parse(INVOICE, ref("money.proto", MONEY, version=1))
    two = parse(INVOICE, ref("money.proto", MONEY, version=2))

    assert one.canonical == two.canonical
    assert one.fingerprint != two.fingerprint
    assert one.fingerprint == fingerprint_of(
        SchemaFormat.PROTOBUF, one.canonical, (ref("money.proto", MONEY, version=1),)
    )


def test_a_reference_named_like_a_well_known_type_uses_the_bundled_file() -> None:
    fake = ref("google/protobuf/timestamp.proto", 'syntax = "proto3"; message Fake {}')

    schema = parse(
        'syntax = "proto3"; import "google/protobuf/timestamp.proto";'
        " message M { google.protobuf.Timestamp at = 1; }",
        fake,
    )

    assert pool(schema).FindMessageTypeByName("google.protobuf.Timestamp").fields_by_name["seconds"]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../money.proto", "not an import path"),
        ("/etc/money.proto", "not an import path"),
        ("a//b.proto", "not an import path"),
        ("a\\b.proto", "not an import path"),
    ],
)
def test_a_reference_name_that_is_not_an_import_path_is_refused(name: str, problem: str) -> None:
    with pytest.raises(InvalidSchemaError, match=problem):
        parse(INVOICE, ResolvedReference(name, "money", 1, parse(MONEY)))


def test_two_references_giving_one_path_different_contents_are_refused() -> None:
    other_money = MONEY.replace("currency", "code")
    invoice = ref("invoice.proto", INVOICE, ref("money.proto", MONEY))

    with pytest.raises(InvalidSchemaError, match=r'"money\.proto" is provided twice'):
        parse(
            'syntax = "proto3"; import "invoice.proto";', invoice, ref("money.proto", other_money)
        )


def test_a_reference_of_another_format_is_refused() -> None:
    json_schema = parse_schema(SchemaFormat.JSON, '{"type": "object"}')

    with pytest.raises(InvalidSchemaError, match="imports only Protobuf schemas"):
        parse(INVOICE, ResolvedReference("money.proto", "money", 1, json_schema))


# Options of every kind, and constructs rarely written -------------------------------------

OPTIONS = """syntax = "proto2";
package o;
import "google/protobuf/descriptor.proto";
message Rule {
  optional string expr = 1;
  repeated string tags = 2;
  optional Rule nested = 3;
  map<string, int32> m = 4;
}
extend google.protobuf.FieldOptions {
  optional Rule rule = 51000;
  repeated Rule rules = 51001;
  optional int64 big = 51002;
  optional float f = 51003;
  optional bytes b = 51004;
  optional Color c = 51005;
}
extend google.protobuf.MessageOptions { optional string table = 51000; }
extend google.protobuf.EnumValueOptions { optional string label = 51000; }
extend google.protobuf.OneofOptions { optional bool exclusive = 51000; }
extend google.protobuf.ServiceOptions { optional string owner = 51000; }
extend google.protobuf.MethodOptions { optional int32 cost = 51000; }
extend google.protobuf.EnumOptions { optional bool flags = 51000; }
extend google.protobuf.FileOptions { optional string team = 51000; }
enum Color { RED = 0; GREEN = 1; }
"""
EXOTIC = {
    "proto3-custom": """syntax = "proto3";
package p;
import "opts.proto";
option (o.team) = "core";
message M {
  option (o.table) = "m";
  int32 a = 1 [
    (o.rule) = { expr: "a > 0" tags: "x" tags: "y" nested { expr: "n" } m { key: "k" value: 1 } },
    (o.rules) = { expr: "1" },
    (o.rules) = { expr: "2" },
    (o.big) = -9223372036854775808,
    (o.f) = 0.1,
    (o.b) = "\\000\\xff",
    (o.c) = GREEN
  ];
  oneof choice { option (o.exclusive) = true; string s = 2; int32 i = 3; }
  enum E { option (o.flags) = true; E_A = 0 [(o.label) = "a"]; E_B = -1; E_C = 2147483647; }
}
service S {
  option (o.owner) = "me";
  rpc Get(M) returns (M) { option (o.cost) = 3; option deprecated = true; }
}
""",
    "proto2-exotic": """syntax = "proto2";
package q;
import public "opts.proto";
message A {
  extensions 100 to max;
  extensions 10 to 20 [verification = UNVERIFIED];
  optional group G = 1 { optional group H = 1 { optional int32 x = 1; } }
  optional o.Color c = 2 [default = GREEN];
  optional int32 neg = 3 [default = -5];
  optional uint64 u = 4 [default = 18446744073709551615];
  optional float nanf = 5 [default = nan];
  optional string s = 6 [default = "tab\\there \\"quoted\\" \\u00e9"];
  message B { extend A { optional int32 b_ext = 150; } }
  reserved 30 to 50;
}
message Set { option message_set_wire_format = true; extensions 4 to max; }
""",
    "proto3-ext": """syntax = "proto3";
package r;
import "google/protobuf/descriptor.proto";
extend google.protobuf.FieldOptions { string note = 52000; repeated int32 ids = 52001; }
message M { int32 a = 1 [(note) = "x", (ids) = 1]; }
""",
    "editions-ext": """edition = "2023";
package e;
import "google/protobuf/descriptor.proto";
import "google/protobuf/cpp_features.proto";
extend google.protobuf.FieldOptions { string note = 52000; }
message M {
  extensions 1000 to 2000 [declaration = { number: 1000, full_name: ".e.x", type: "int32" }];
  string a = 1 [(note) = "x", features.(pb.cpp).string_type = VIEW];
  reserved foo, bar;
  reserved 5;
}
extend M { int32 x = 1000; }
enum Open {
  option features.enum_type = CLOSED;
  O_A = 0;
  O_B = 1 [features.(pb.cpp).legacy_closed_enum = true];
}
""",
    "groups-among-nested-messages": """syntax = "proto2";
message A {
  message First { optional int32 a = 1; }
  oneof o {
    group G1 = 5 { optional int32 x = 1; }
    int32 plain = 6;
    group G2 = 7 { optional int32 y = 1; }
  }
  message Middle { optional int32 b = 1; }
  map<string, First> m = 2;
  optional group Tail = 9 { optional int32 z = 1; }
  message Last {}
}""",
    "weak": """syntax = "proto2";
import weak "google/protobuf/empty.proto";
message M { optional int32 a = 1; }""",
    "json-names": """syntax = "proto3";
message M { int32 foo_bar = 1 [json_name = "fB"]; int32 x = 2 [json_name = "x"]; }""",
    "edition-2024": """edition = "2024";
package n;
import option "google/protobuf/cpp_features.proto";
export message M {
  local enum E { E_A = 0; }
  E e = 1;
  int32 v = 2 [features.(pb.cpp).string_type = VIEW];
}
""",
}


@pytest.mark.parametrize("name", sorted(EXOTIC))
def test_custom_options_and_rare_constructs_read_back_to_the_same_schema(name: str) -> None:
    options = ref("opts.proto", OPTIONS)

    schema = parse(EXOTIC[name], options)

    assert parse(schema.canonical, options).canonical == schema.canonical


def test_custom_options_print_under_their_full_names_with_their_values() -> None:
    schema = parse(EXOTIC["proto3-custom"], ref("opts.proto", OPTIONS))

    assert 'option (.o.team) = "core";' in schema.canonical
    assert '(.o.rules) = { expr: "1" }, (.o.rules) = { expr: "2" }' in schema.canonical
    assert "(.o.big) = -9223372036854775808" in schema.canonical
    assert 'E_A = 0 [(.o.label) = "a"];' in schema.canonical


# Robustness -----------------------------------------------------------------------------


def test_parsing_from_many_threads_at_once_gives_one_answer(
    capfd: pytest.CaptureFixture[str],
) -> None:
    texts = [ORDER, SAME_AS_ORDER, PROTO2, EDITIONS, "message Order { int32 id = 1 }"] * 8

    def attempt(text: str) -> str:
        try:
            return parse(text).canonical
        except InvalidSchemaError as exc:
            return exc.message

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool_:
        answers = list(pool_.map(attempt, texts))

    assert answers == [attempt(text) for text in texts]
    assert capfd.readouterr() == ("", "")


def test_a_one_megabyte_schema_parses_to_a_stable_canonical_form() -> None:
    fields = "\n".join(f"  string field_{i} = {i};" for i in range(1, 51))
    messages = "".join(f"message M{j} {{\n{fields}\n}}\n" for j in range(850))
    text = f'syntax = "proto3";\npackage big;\n{messages}'
    assert len(text) > 1_000_000

    schema = parse(text)

    assert parse(schema.canonical).canonical == schema.canonical
    assert len(document(schema).file.message_type) == 850
