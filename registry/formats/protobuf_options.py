"""Options of a Protobuf descriptor as .proto text, and literals of the .proto language.

An options message (FileOptions, FieldOptions, ...) holds the standard options as fields
and custom options as extensions declared in imported files. Parsed with descriptor.proto
alone the custom ones are unknown fields; ``OptionsReader`` re-reads such a message with
a descriptor pool of the schema's own files, where every extension is known, so that each
option prints under its name and compares by value whatever order it was written in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from google.protobuf import (
    descriptor_pb2,
    descriptor_pool,
    message_factory,
    text_format,
    unknown_fields,
)
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from registry.formats.protobuf_syntax import (
    UnrepresentableError,
    float_literal,
    quoted,
    quoted_bytes,
)

ImportsLoader = Callable[[], Sequence[descriptor_pb2.FileDescriptorProto]]


def _scalar(field: FieldDescriptor, value: object) -> str:
    if field.type == FieldDescriptor.TYPE_BOOL:
        return "true" if value else "false"
    if field.type == FieldDescriptor.TYPE_ENUM:
        enum = field.enum_type
        number = int(value)  # type: ignore[call-overload]
        known = enum.values_by_number.get(number) if enum is not None else None
        return known.name if known is not None else str(number)
    if field.type == FieldDescriptor.TYPE_STRING:
        return quoted(str(value))
    if field.type == FieldDescriptor.TYPE_BYTES:
        return quoted_bytes(bytes(value))  # type: ignore[call-overload]
    if field.type in (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE):
        return float_literal(
            float(value),  # type: ignore[arg-type]
            single=field.type == FieldDescriptor.TYPE_FLOAT,
        )
    return str(int(value))  # type: ignore[call-overload]


def _name(field: FieldDescriptor) -> str:
    return f"(.{field.full_name})" if field.is_extension else field.name


def _is_flat(message: Message) -> bool:
    """Whether every option set in ``message`` is singular, down to the leaves: such a
    message prints as dotted names (``features.field_presence = IMPLICIT``)."""
    for field, value in message.ListFields():
        if field.is_repeated:
            return False
        if field.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP) and not (
            value.ListFields() and _is_flat(value)
        ):
            return False
    return True


def _entries(message: Message, prefix: str = "") -> Iterator[tuple[str, str]]:
    for field, value in message.ListFields():
        name = prefix + _name(field)
        is_message = field.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP)
        if field.is_repeated:
            for item in value:
                yield name, _aggregate(item) if is_message else _scalar(field, item)
        elif is_message and value.ListFields() and _is_flat(value):
            yield from _entries(value, name + ".")
        elif is_message:
            yield name, _aggregate(value)
        else:
            yield name, _scalar(field, value)


def _aggregate(message: Message) -> str:
    body = text_format.MessageToString(message, as_one_line=True)
    return "{ " + body + " }" if body else "{}"


def _has_unknown(message: Message) -> bool:
    if len(unknown_fields.UnknownFieldSet(message)):
        return True
    for field, value in message.ListFields():
        if field.type not in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
            continue
        entry = field.message_type
        if entry is not None and entry.GetOptions().map_entry:
            items = list(value.values()) if entry.fields_by_number[2].message_type else []
        else:
            items = value if field.is_repeated else [value]
        if any(_has_unknown(item) for item in items):
            return True
    return False


class OptionsReader:
    """Reads the options messages of one file, whose custom options are declared in the
    file itself or in ``imports()`` (called only if some option needs them)."""

    def __init__(self, file: descriptor_pb2.FileDescriptorProto, imports: ImportsLoader) -> None:
        self._file = file
        self._imports = imports
        self._pool: descriptor_pool.DescriptorPool | None = None

    def entries(self, options: Message) -> list[tuple[str, str]]:
        """(name, value) for each option set, sorted by name (a repeated option keeps the
        order of its values): ``name = value`` is how .proto text states it."""
        return sorted(_entries(self.resolved(options)), key=lambda entry: entry[0])

    def canonical_bytes(self, options: Message) -> bytes:
        """The options' serialization, custom ones included, independent of the order
        they were written in."""
        return self.resolved(options).SerializeToString(deterministic=True)

    def resolved(self, options: Message) -> Message:
        if not _has_unknown(options):
            return options
        full_name = options.DESCRIPTOR.full_name
        try:
            descriptor = self._schema_pool().FindMessageTypeByName(full_name)
            resolved = message_factory.GetMessageClass(descriptor).FromString(
                options.SerializeToString()
            )
        except Exception as exc:  # an inconsistent descriptor set, from a serialized input
            raise UnrepresentableError(f"its {full_name} cannot be read: {exc}") from None
        if _has_unknown(resolved):
            raise UnrepresentableError(
                f"its {full_name} carry fields that no imported file declares"
            )
        return resolved

    def _schema_pool(self) -> descriptor_pool.DescriptorPool:
        if self._pool is None:
            pool = descriptor_pool.DescriptorPool()
            files = [*self._imports(), self._file]
            if all(file.name != "google/protobuf/descriptor.proto" for file in files):
                pool.AddSerializedFile(descriptor_pb2.DESCRIPTOR.serialized_pb)
            for file in files:
                pool.Add(file)
            self._pool = pool
        return self._pool
