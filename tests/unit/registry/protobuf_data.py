"""Records written with one Protobuf schema and read with another, for the compatibility
proofs: message classes come from each schema's descriptors as a Confluent client builds
them (the ``?format=serialized`` rendering and the imported files, in a pool of their
own), every field of the writer's message is set, and what the reader decodes is
compared field by field on the numbers both declare.
"""

from __future__ import annotations

import base64
from typing import Any, cast

from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.descriptor_pb2 import FileDescriptorProto
from google.protobuf.message import Message

from registry.formats.base import ParsedSchema
from registry.formats.protobuf import PROTOBUF, ProtoDocument

_INTS = frozenset(
    {
        FieldDescriptor.TYPE_INT32,
        FieldDescriptor.TYPE_INT64,
        FieldDescriptor.TYPE_UINT32,
        FieldDescriptor.TYPE_UINT64,
        FieldDescriptor.TYPE_SINT32,
        FieldDescriptor.TYPE_SINT64,
        FieldDescriptor.TYPE_FIXED32,
        FieldDescriptor.TYPE_FIXED64,
        FieldDescriptor.TYPE_SFIXED32,
        FieldDescriptor.TYPE_SFIXED64,
    }
)
_COMPOSITE = (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP)


def pool_of(schema: ParsedSchema) -> descriptor_pool.DescriptorPool:
    """The descriptor pool a client builds: imported files, then the schema's own file
    decoded from its serialized rendering."""
    document = schema.document
    assert isinstance(document, ProtoDocument)
    pool = descriptor_pool.DescriptorPool()
    for imported in document.imports:
        pool.Add(imported)
    rendered = PROTOBUF.render(schema, "serialized")
    assert rendered is not None
    pool.Add(FileDescriptorProto.FromString(base64.b64decode(rendered)))
    return pool


def record_types(schema: ParsedSchema) -> list[str]:
    """Full names of the top-level messages of the schema's own file."""
    document = schema.document
    assert isinstance(document, ProtoDocument)
    prefix = f"{document.file.package}." if document.file.package else ""
    return [prefix + message.name for message in document.file.message_type]


def _enum_value(field: FieldDescriptor) -> int:
    assert field.enum_type is not None
    numbers = [value.number for value in field.enum_type.values]
    return 1 if 1 in numbers else numbers[0]


def _scalar(field: FieldDescriptor, salt: int) -> Any:
    """A sample value. Integers are 1, a value every integer type and bool hold: the
    wire-compatible groups include narrowing changes (int64 to int32, uint64 to bool),
    which keep exactly the values both types hold."""
    if field.type in _INTS or field.type == FieldDescriptor.TYPE_BOOL:
        return True if field.type == FieldDescriptor.TYPE_BOOL else 1
    if field.type in (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE):
        return 1.5 + salt
    if field.type == FieldDescriptor.TYPE_STRING:
        return f"{field.name}-{salt}"
    if field.type == FieldDescriptor.TYPE_BYTES:
        return f"{field.name}-{salt}".encode()
    return _enum_value(field)


def populate(message: Message, depth: int = 0) -> Message:
    """Set every field (the first member of each oneof; nested messages two levels deep;
    two items per repeated field, one entry per map)."""
    descriptor = cast(Descriptor, message.DESCRIPTOR)
    chosen = {oneof.name: min(f.number for f in oneof.fields) for oneof in descriptor.oneofs}
    for field in descriptor.fields:
        oneof = field.containing_oneof
        if oneof is not None and chosen[oneof.name] != field.number:
            continue
        entry = field.message_type
        if field.is_repeated and entry is not None and entry.GetOptions().map_entry:
            key_field, value_field = entry.fields_by_number[1], entry.fields_by_number[2]
            key = _scalar(key_field, 0)
            container = getattr(message, field.name)
            if value_field.type in _COMPOSITE:
                if depth < 2:
                    populate(container[key], depth + 1)
            else:
                container[key] = _scalar(value_field, 0)
        elif field.type in _COMPOSITE:
            if depth >= 2:
                continue
            if field.is_repeated:
                for _ in range(2):
                    populate(getattr(message, field.name).add(), depth + 1)
            else:
                populate(getattr(message, field.name), depth + 1)
        elif field.is_repeated:
            getattr(message, field.name).extend([_scalar(field, 0), _scalar(field, 1)])
        else:
            setattr(message, field.name, _scalar(field, 0))
    return message


def _plain(field: FieldDescriptor, value: Any, declared: bool) -> Any:
    """A value as comparable across compatible types: text as bytes, numbers as numbers,
    messages as their fields by number."""
    if field.type in _COMPOSITE:
        return view(value, declared=declared)
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bool):
        return int(value)
    return value


def view(message: Message, *, declared: bool = False) -> dict[int, Any]:
    """The fields set in ``message``, by number, as comparable values; with ``declared``,
    also every field it declares but does not hold, as None (a reader's view: a field the
    writer set and the reader declares must not read as absent)."""
    out: dict[int, Any] = {}
    if declared:
        out = {field.number: None for field in message.DESCRIPTOR.fields}
    for field, value in message.ListFields():
        entry = field.message_type
        if field.is_repeated and entry is not None and entry.GetOptions().map_entry:
            key_field, value_field = entry.fields_by_number[1], entry.fields_by_number[2]
            out[field.number] = {
                _plain(key_field, k, declared): _plain(value_field, v, declared)
                for k, v in value.items()
            }
        elif field.is_repeated:
            out[field.number] = [_plain(field, item, declared) for item in value]
        else:
            out[field.number] = _plain(field, value, declared)
    return out


def _common(writer: dict[int, Any], reader: dict[int, Any]) -> tuple[dict[int, Any], ...]:
    """The writer's fields the reader declares, and what the reader holds for them,
    recursively through nested messages."""
    left, right = {}, {}
    for number in writer.keys() & reader.keys():
        a, b = writer[number], reader[number]
        if isinstance(a, dict) and isinstance(b, dict) and all(isinstance(k, int) for k in a):
            a, b = _common(a, b)
        left[number], right[number] = a, b
    return left, right


def _classes(
    writer: ParsedSchema, reader: ParsedSchema
) -> list[tuple[type[Message], type[Message]]]:
    writer_pool, reader_pool = pool_of(writer), pool_of(reader)
    pairs = []
    reader_types = set(record_types(reader))
    for name in record_types(writer):
        if name in reader_types:
            pairs.append(
                (
                    message_factory.GetMessageClass(writer_pool.FindMessageTypeByName(name)),
                    message_factory.GetMessageClass(reader_pool.FindMessageTypeByName(name)),
                )
            )
    return pairs


def binary_round_trips(writer: ParsedSchema, reader: ParsedSchema) -> int:
    """Write a populated record of each message both schemas declare and read it back
    with the reader; assert every field both declare keeps its value. Returns how many
    fields were compared (so a proof that compares nothing can be told apart)."""
    compared = 0
    for writer_class, reader_class in _classes(writer, reader):
        written = populate(writer_class())
        read = reader_class.FromString(written.SerializeToString())
        expected, actual = _common(view(written), view(read, declared=True))
        assert actual == expected, (writer_class.DESCRIPTOR.full_name, expected, actual)
        compared += len(expected)
    return compared


def json_round_trips(writer: ParsedSchema, reader: ParsedSchema) -> int:
    """The same through the Protobuf JSON mapping (unknown names ignored, as the mapping
    allows readers to)."""
    compared = 0
    for writer_class, reader_class in _classes(writer, reader):
        written = populate(writer_class())
        text = json_format.MessageToJson(written)
        read = json_format.Parse(text, reader_class(), ignore_unknown_fields=True)
        expected, actual = _common(view(written), view(read, declared=True))
        assert actual == expected, (writer_class.DESCRIPTOR.full_name, text, actual)
        compared += len(expected)
    return compared
