"""A FileDescriptorProto with every order the canonical text does not keep sorted away:
two descriptors with equal normal forms state the same schema. Parsing checks that the
canonical text reads back (through protoc) to the descriptor it was printed from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from google.protobuf import text_encoding
from google.protobuf.descriptor_pb2 import (
    DescriptorProto,
    EnumDescriptorProto,
    FieldDescriptorProto,
    FileDescriptorProto,
)
from google.protobuf.internal.containers import RepeatedCompositeFieldContainer
from google.protobuf.message import Message

from registry.formats.protobuf_options import OptionsReader
from registry.formats.protobuf_syntax import default_json_name, enum_value_order, merged, syntax_of

F = FieldDescriptorProto
M = TypeVar("M", bound=Message)


def normal_form(file: FileDescriptorProto, reader: OptionsReader) -> bytes:
    """The serialization of ``file`` normalized (see the module docstring); ``reader``
    reads its options, custom ones included."""
    copy = FileDescriptorProto()
    copy.CopyFrom(file)
    copy.ClearField("name")
    copy.ClearField("source_code_info")
    syntax = syntax_of(copy)
    if syntax == "proto2":
        copy.ClearField("syntax")
    if syntax != "editions":
        copy.ClearField("edition")
    kinds: dict[str, int] = {}
    for index, path in enumerate(file.dependency):
        kind = 1 if index in file.public_dependency else 2 if index in file.weak_dependency else 0
        kinds[path] = max(kinds.get(path, 0), kind)
    options_only = sorted(set(file.option_dependency) - set(kinds))
    for field in ("dependency", "public_dependency", "weak_dependency", "option_dependency"):
        copy.ClearField(field)
    for index, path in enumerate(sorted(kinds)):
        copy.dependency.append(path)
        if kinds[path] == 1:
            copy.public_dependency.append(index)
        elif kinds[path] == 2:
            copy.weak_dependency.append(index)
    copy.option_dependency.extend(options_only)
    normalizer = _Normalizer(reader, syntax)
    normalizer.options(copy)
    for message in copy.message_type:
        normalizer.message(message)
    _sort(copy.enum_type, lambda e: e.name)
    for enum in copy.enum_type:
        normalizer.enum(enum)
    _sort(copy.service, lambda s: s.name)
    for service in copy.service:
        normalizer.options(service)
        _sort(service.method, lambda m: m.name)
        for method in service.method:
            normalizer.options(method)
            for flag in ("client_streaming", "server_streaming"):
                if not getattr(method, flag):
                    method.ClearField(flag)
    _sort(copy.extension, lambda f: (f.extendee, f.number))
    for extension in copy.extension:
        normalizer.field(extension)
    return copy.SerializeToString(deterministic=True)


def _sort(items: RepeatedCompositeFieldContainer[M], key: Callable[[M], Any]) -> None:
    """Sort a repeated message field in place (its container has no ``sort``)."""
    ordered = []
    for item in sorted(items, key=key):
        clone = type(item)()
        clone.CopyFrom(item)
        ordered.append(clone)
    del items[:]
    items.extend(ordered)


class _Normalizer:
    def __init__(self, reader: OptionsReader, syntax: str) -> None:
        self.reader = reader
        self.syntax = syntax

    def options(self, holder: Any) -> None:
        """Custom options in field-number order, whatever order they were written in."""
        if not holder.HasField("options"):
            return
        options: Message = holder.options
        canonical = self.reader.canonical_bytes(options)
        if canonical:
            options.Clear()
            options.MergeFromString(canonical)
        else:
            holder.ClearField("options")

    def field(self, field: FieldDescriptorProto) -> None:
        if field.HasField("json_name") and field.json_name == default_json_name(field.name):
            field.ClearField("json_name")
        if field.type == F.TYPE_BYTES and field.HasField("default_value"):
            try:
                raw = text_encoding.CUnescape(field.default_value)
            except Exception:
                raw = field.default_value.encode()
            field.default_value = text_encoding.CEscape(raw, as_utf8=False)
        if self.syntax == "editions" and field.type == F.TYPE_GROUP:
            field.type = F.TYPE_MESSAGE
        if not field.proto3_optional:
            field.ClearField("proto3_optional")
        self.options(field)

    def message(self, message: DescriptorProto) -> None:
        self.options(message)
        synthetic = {f.oneof_index for f in message.field if f.proto3_optional}
        order = sorted(
            range(len(message.oneof_decl)),
            key=lambda i: (i in synthetic, message.oneof_decl[i].name),
        )
        renumber = {old: new for new, old in enumerate(order)}
        oneofs = [message.oneof_decl[i] for i in order]
        for oneof in oneofs:
            self.options(oneof)
        copies = []
        for oneof in oneofs:
            clone = type(oneof)()
            clone.CopyFrom(oneof)
            copies.append(clone)
        del message.oneof_decl[:]
        message.oneof_decl.extend(copies)
        for field in message.field:
            if field.HasField("oneof_index") and field.oneof_index in renumber:
                field.oneof_index = renumber[field.oneof_index]
            self.field(field)
        _sort(message.field, lambda f: f.number)
        for nested in message.nested_type:
            self.message(nested)
        _sort(message.enum_type, lambda e: e.name)
        for enum in message.enum_type:
            self.enum(enum)
        _sort(message.extension, lambda f: (f.extendee, f.number))
        for extension in message.extension:
            self.field(extension)
        _sort(message.extension_range, lambda r: (r.start, r.end))
        for extension_range in message.extension_range:
            self.options(extension_range)
        ranges = merged((r.start, r.end) for r in message.reserved_range)
        del message.reserved_range[:]
        for start, end in ranges:
            message.reserved_range.add(start=start, end=end)
        names = sorted(set(message.reserved_name))
        del message.reserved_name[:]
        message.reserved_name.extend(names)

    def enum(self, enum: EnumDescriptorProto) -> None:
        self.options(enum)
        values = enum_value_order(enum.value)
        copies = []
        for value in values:
            clone = type(value)()
            clone.CopyFrom(value)
            self.options(clone)
            copies.append(clone)
        del enum.value[:]
        enum.value.extend(copies)
        ranges = merged((r.start, r.end + 1) for r in enum.reserved_range)
        del enum.reserved_range[:]
        for start, end in ranges:
            enum.reserved_range.add(start=start, end=end - 1)
        names = sorted(set(enum.reserved_name))
        del enum.reserved_name[:]
        enum.reserved_name.extend(names)
