"""The files Confluent's clients import without a reference (google/type/*.proto from
googleapis-common-protos, confluent/*.proto vendored): served to every parse, never
shadowing a reference, nothing else of their packages served, and the vendored texts
stating what confluent-kafka-python's own modules declare."""

from __future__ import annotations

import base64
import importlib
import pkgutil
from pathlib import Path

import pytest
from confluent_kafka.schema_registry import confluent as confluent_modules
from google.protobuf import descriptor_pool
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.descriptor_pb2 import FileDescriptorProto

from registry.compatibility import Direction
from registry.errors import InvalidSchemaError
from registry.formats.base import ParseContext, ParsedSchema, ResolvedReference, fingerprint_of
from registry.formats.protobuf import PROTOBUF, ProtoDocument
from registry.formats.protobuf_builtins import builtin_directories, builtin_files, is_builtin
from registry.formats.protobuf_normal import normal_form
from registry.formats.protobuf_options import OptionsReader
from registry.formats.protobuf_protoc import compile_file
from registry.formats.protobuf_text import canonical_text
from registry.model import SchemaFormat

# What Confluent's server bundles (ProtobufSchema's known dependencies besides
# google/protobuf/), and the path confluent-kafka-python keeps for confluent.type.Decimal.
CONFLUENT_SERVER_BUILTINS = (
    "confluent/meta.proto",
    "confluent/type/decimal.proto",
    "confluent/type/variant.proto",
    "google/type/calendar_period.proto",
    "google/type/color.proto",
    "google/type/date.proto",
    "google/type/datetime.proto",
    "google/type/dayofweek.proto",
    "google/type/decimal.proto",
    "google/type/expr.proto",
    "google/type/fraction.proto",
    "google/type/interval.proto",
    "google/type/latlng.proto",
    "google/type/money.proto",
    "google/type/month.proto",
    "google/type/phone_number.proto",
    "google/type/postal_address.proto",
    "google/type/quaternion.proto",
    "google/type/timeofday.proto",
)
LEGACY_DECIMAL = "confluent/types/decimal.proto"
VENDORED = Path(__file__).parents[3] / "registry" / "formats" / "protobuf_confluent"

INVOICE = """\
syntax = "proto3";
package billing.v1;

import "google/type/date.proto";
import "confluent/type/decimal.proto";

message Invoice {
  string id = 1;
  confluent.type.Decimal amount = 2;
  google.type.Date due = 3;
}
"""
INVOICE_CANONICAL = """\
syntax = "proto3";

package billing.v1;

import "confluent/type/decimal.proto";
import "google/type/date.proto";

message Invoice {
  string id = 1;
  .confluent.type.Decimal amount = 2;
  .google.type.Date due = 3;
}
"""


def parse(text: str, *refs: ResolvedReference) -> ParsedSchema:
    return PROTOBUF.parse(text, context=ParseContext(references=refs))


def document(schema: ParsedSchema) -> ProtoDocument:
    assert isinstance(schema.document, ProtoDocument)
    return schema.document


def pool(schema: ParsedSchema) -> descriptor_pool.DescriptorPool:
    built = descriptor_pool.DescriptorPool()
    for imported in document(schema).imports:
        built.Add(imported)
    built.Add(document(schema).file)
    return built


def message_type(field: FieldDescriptor) -> Descriptor:
    assert field.message_type is not None
    return field.message_type


def codes(old: str, new: str, direction: Direction = Direction.BACKWARD) -> list[str]:
    found = PROTOBUF.find_incompatibilities(parse(old), parse(new), direction)
    return sorted(record.code for record in found)


# Parsing without references ---------------------------------------------------------------


def test_a_schema_importing_google_type_and_confluent_files_parses_without_references() -> None:
    schema = parse(INVOICE)
    invoice = pool(schema).FindMessageTypeByName("billing.v1.Invoice")

    assert schema.canonical == INVOICE_CANONICAL
    assert message_type(invoice.fields_by_name["amount"]).full_name == "confluent.type.Decimal"
    assert message_type(invoice.fields_by_name["due"]).full_name == "google.type.Date"
    assert {f.name for f in document(schema).imports} == {
        "confluent/type/decimal.proto",
        "google/type/date.proto",
    }
    # Served files are no sources: a schema importing this one gets them the same way.
    assert document(schema).sources == {}


def test_the_canonical_text_and_fingerprint_do_not_depend_on_how_the_schema_is_written() -> None:
    rewritten = """
        // The same invoice: imports reordered, names relative, a comment.
        syntax = "proto3"; package billing.v1;
        import "confluent/type/decimal.proto"; import "google/type/date.proto";
        message Invoice {
          .google.type.Date due = 3; string id = 1; .confluent.type.Decimal amount = 2;
        }
    """
    schema = parse(INVOICE)

    assert parse(rewritten).canonical == schema.canonical
    assert parse(rewritten).fingerprint == schema.fingerprint
    assert parse(schema.canonical).fingerprint == schema.fingerprint
    assert schema.fingerprint == fingerprint_of(SchemaFormat.PROTOBUF, schema.canonical, ())


def test_the_serialized_descriptor_confluent_registers_reads_as_the_same_schema() -> None:
    schema = parse(INVOICE)
    serialized = base64.b64encode(document(schema).file.SerializeToString()).decode()

    assert parse(serialized).canonical == schema.canonical
    assert parse(serialized).fingerprint == schema.fingerprint


@pytest.mark.parametrize("name", [*CONFLUENT_SERVER_BUILTINS, LEGACY_DECIMAL])
def test_each_file_confluent_treats_as_built_in_imports_without_a_reference(name: str) -> None:
    schema = parse(f'syntax = "proto3";\nimport "{name}";\nmessage M {{}}\n')

    assert name in [f.name for f in document(schema).imports]
    assert is_builtin(name)


def test_only_google_type_and_confluent_files_are_built_in() -> None:
    assert set(CONFLUENT_SERVER_BUILTINS) <= builtin_files()
    assert all(name.startswith(("google/type/", "confluent/")) for name in builtin_files())
    assert set(builtin_directories()) == {"google/type", "confluent"}


@pytest.mark.parametrize(
    "name",
    [
        # Other files of googleapis-common-protos, beside google/type/ in the same package.
        "google/api/annotations.proto",
        "google/rpc/status.proto",
        # What the vendored directory holds besides the .proto files.
        "LICENSE",
        "README.md",
        "confluent/README.md",
    ],
)
def test_nothing_else_of_those_packages_is_served(name: str) -> None:
    with pytest.raises(InvalidSchemaError, match=f'Import "{name}" was not found'):
        parse(f'syntax = "proto3";\nimport "{name}";\n')


def test_the_google_type_files_are_those_of_googleapis_common_protos() -> None:
    served = next(f for f in document(parse(INVOICE)).imports if f.name == "google/type/date.proto")
    date_pb2 = importlib.import_module("google.type.date_pb2")  # googleapis-common-protos
    shipped = FileDescriptorProto.FromString(date_pb2.DESCRIPTOR.serialized_pb)

    assert served.message_type == shipped.message_type
    assert served.options == shipped.options


def test_a_public_import_of_the_legacy_decimal_path_reaches_confluents_decimal() -> None:
    schema = parse(
        'syntax = "proto3";\nimport "confluent/types/decimal.proto";\n'
        "message Price { confluent.type.Decimal value = 1; }\n"
    )

    price = pool(schema).FindMessageTypeByName("Price")
    assert message_type(price.fields_by_name["value"]).full_name == "confluent.type.Decimal"


def test_confluents_field_meta_option_is_kept_in_the_canonical_text() -> None:
    schema = parse(
        'syntax = "proto3";\nimport "confluent/meta.proto";\n'
        'message Customer { string email = 1 [(confluent.field_meta) = { tags: "PII" }]; }\n'
    )

    assert '[(.confluent.field_meta) = { tags: "PII" }]' in schema.canonical
    assert parse(schema.canonical).canonical == schema.canonical


def test_an_import_spelled_as_adjacent_string_literals_is_served_too() -> None:
    # protoc joins adjacent literals, so no substring of the text names the path.
    schema = parse('syntax = "proto3";\nimport "google/" "type/" "date.proto";\n')

    assert [f.name for f in document(schema).imports] == ["google/type/date.proto"]


# References -------------------------------------------------------------------------------


def test_a_reference_named_like_a_built_in_file_wins_as_in_confluents_server() -> None:
    own_date = 'syntax = "proto3";\npackage google.type;\nmessage Date { string iso = 1; }\n'
    reference = ResolvedReference("google/type/date.proto", "own-date", 1, parse(own_date))

    schema = parse(INVOICE, reference)

    date = pool(schema).FindMessageTypeByName("google.type.Date")
    assert [f.name for f in date.fields] == ["iso"]
    assert document(schema).sources == {"google/type/date.proto": parse(own_date).canonical}
    assert schema.canonical == parse(INVOICE).canonical
    assert schema.fingerprint != parse(INVOICE).fingerprint


def test_a_reference_named_like_a_confluent_file_wins_too() -> None:
    own = 'syntax = "proto3";\npackage confluent.type;\nmessage Decimal { string text = 1; }\n'
    reference = ResolvedReference("confluent/type/decimal.proto", "own-decimal", 1, parse(own))

    schema = parse(INVOICE, reference)

    decimal = pool(schema).FindMessageTypeByName("confluent.type.Decimal")
    assert [f.name for f in decimal.fields] == ["text"]


def test_a_schema_importing_one_that_uses_built_in_files_needs_no_more_references() -> None:
    invoice = ResolvedReference("billing/invoice.proto", "invoice", 1, parse(INVOICE))
    ledger = (
        'syntax = "proto3";\nimport "billing/invoice.proto";\nimport "google/type/money.proto";\n'
        "message Ledger { billing.v1.Invoice first = 1; google.type.Money balance = 2; }\n"
    )

    schema = parse(ledger, invoice)

    first = pool(schema).FindMessageTypeByName("Ledger").fields_by_name["first"]
    assert message_type(message_type(first).fields_by_name["due"]).full_name == "google.type.Date"
    assert set(document(schema).sources) == {"billing/invoice.proto"}


# Compatibility ----------------------------------------------------------------------------


def invoice_with(old: str, new: str, *imports: str) -> str:
    """INVOICE with ``old`` replaced by ``new`` and further imports."""
    added = "".join(f'import "{name}";\n' for name in imports)
    return INVOICE.replace(old, new).replace("\nmessage Invoice", f"{added}\nmessage Invoice")


def test_adding_fields_of_built_in_types_is_compatible_both_ways() -> None:
    due = "google.type.Date due = 3;"
    more = f"{due}\n  google.type.Money tax = 4;\n  confluent.type.Decimal rate = 5;"
    new = invoice_with(due, more, "google/type/money.proto")

    assert codes(INVOICE, new, Direction.BACKWARD) == []
    assert codes(INVOICE, new, Direction.FORWARD) == []


@pytest.mark.parametrize(
    ("old", "new", "imports"),
    [
        ("google.type.Date due", "google.type.DateTime due", ["google/type/datetime.proto"]),
        ("confluent.type.Decimal amount", "google.type.Decimal amount",
         ["google/type/decimal.proto"]),
        ("confluent.type.Decimal amount", "string amount", []),
        ("google.type.Date due", "google.type.Money due", ["google/type/money.proto"]),
    ],
)  # fmt: skip
def test_changing_the_type_of_a_field_of_a_built_in_type_is_found(
    old: str, new: str, imports: list[str]
) -> None:
    changed = invoice_with(old, new, *imports)

    assert codes(INVOICE, changed, Direction.BACKWARD) == ["FIELD_TYPE_CHANGED"]
    assert codes(INVOICE, changed, Direction.FORWARD) == ["FIELD_TYPE_CHANGED"]


# The vendored Confluent files ---------------------------------------------------------------


def _confluent_pb2_modules() -> dict[str, FileDescriptorProto]:
    """Every generated module confluent-kafka-python ships under its confluent package,
    as the FileDescriptorProto it carries, by file name."""
    files: dict[str, FileDescriptorProto] = {}
    prefix = confluent_modules.__name__ + "."
    for info in pkgutil.walk_packages(confluent_modules.__path__, prefix):
        if info.name.endswith("_pb2"):
            module = importlib.import_module(info.name)
            proto = FileDescriptorProto.FromString(module.DESCRIPTOR.serialized_pb)
            files[proto.name] = proto
    return files


CLIENT_FILES = _confluent_pb2_modules()


def _body(vendored: str) -> str:
    """The vendored text less the comment naming its origin."""
    lines = vendored.splitlines(keepends=True)
    header = 0
    while lines[header].startswith("//"):
        header += 1
    assert lines[header] == "\n"
    return "".join(lines[header + 1 :])


def test_every_confluent_file_the_python_client_ships_is_vendored() -> None:
    vendored = {
        path.relative_to(VENDORED).as_posix() for path in (VENDORED / "confluent").rglob("*")
    }

    assert {n for n in builtin_files() if n.startswith("confluent/")} == set(CLIENT_FILES)
    assert vendored == set(CLIENT_FILES) | {"confluent/type", "confluent/types"}
    assert set(CONFLUENT_SERVER_BUILTINS) & set(CLIENT_FILES) == {
        n for n in CONFLUENT_SERVER_BUILTINS if n.startswith("confluent/")
    }


@pytest.mark.parametrize("name", sorted(CLIENT_FILES))
def test_each_vendored_file_states_the_descriptor_of_the_clients_module(name: str) -> None:
    client = CLIENT_FILES[name]
    text = (VENDORED / name).read_text()
    imports = {
        other: _body((VENDORED / other).read_text())
        for other in client.dependency
        if other.startswith("confluent/")
    }

    files = compile_file(name, _body(text), imports)
    compiled = files.pop(name)
    dependencies = list(files.values())

    assert "Apache License, Version 2.0" in text
    assert "from the descriptor its generated module" in text
    assert _body(text) == canonical_text(client, lambda: dependencies)
    assert normal_form(compiled, OptionsReader(compiled, lambda: dependencies)) == normal_form(
        client, OptionsReader(client, lambda: dependencies)
    )


def test_the_vendored_directory_carries_the_licence() -> None:
    licence = (VENDORED / "LICENSE").read_text()
    readme = (VENDORED / "README.md").read_text()

    assert "Apache License" in licence
    assert "Version 2.0, January 2004" in licence
    assert "confluent-kafka-python" in licence
    assert "confluentinc/confluent-kafka-python" in readme
