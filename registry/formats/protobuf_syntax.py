"""Facts of the .proto language the Protobuf modules share: scalar type names,
editions, literals and names as protoc reads them, JSON names, ranges, enum value order."""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable

from google.protobuf import descriptor_pb2, text_encoding
from google.protobuf.descriptor_pb2 import FieldDescriptorProto, FileDescriptorProto


class UnrepresentableError(Exception):
    """A descriptor the .proto language cannot state (or not faithfully)."""


def quoted(text: str) -> str:
    """A .proto string literal for ``text`` (UTF-8 kept, controls escaped)."""
    return '"' + text_encoding.CEscape(text.encode(), as_utf8=True) + '"'


def quoted_bytes(data: bytes) -> str:
    return '"' + text_encoding.CEscape(data, as_utf8=False) + '"'


def is_identifier(name: str) -> bool:
    """A .proto identifier: an ASCII letter or underscore, then letters, digits and
    underscores (Python's identifiers, restricted to ASCII)."""
    return name.isascii() and name.isidentifier()


def is_dotted_name(name: str, *, leading_dot: bool = False) -> bool:
    """A package or a type name: identifiers joined by dots (optionally one in front)."""
    body = name[1:] if leading_dot and name.startswith(".") else name
    return all(is_identifier(part) for part in body.split("."))


def float_literal(value: float, *, single: bool) -> str:
    """The shortest decimal that reads back as ``value`` (as a 32-bit float when
    ``single``); ``inf``, ``-inf`` and ``nan`` as protoc spells them."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if not single:
        return repr(value)
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        if struct.unpack("<f", struct.pack("<f", float(text)))[0] == value:
            return text
    return repr(value)


F = FieldDescriptorProto
SCALARS: dict[int, str] = {
    F.TYPE_DOUBLE: "double",
    F.TYPE_FLOAT: "float",
    F.TYPE_INT64: "int64",
    F.TYPE_UINT64: "uint64",
    F.TYPE_INT32: "int32",
    F.TYPE_FIXED64: "fixed64",
    F.TYPE_FIXED32: "fixed32",
    F.TYPE_BOOL: "bool",
    F.TYPE_STRING: "string",
    F.TYPE_BYTES: "bytes",
    F.TYPE_UINT32: "uint32",
    F.TYPE_SFIXED32: "sfixed32",
    F.TYPE_SFIXED64: "sfixed64",
    F.TYPE_SINT32: "sint32",
    F.TYPE_SINT64: "sint64",
}
EDITIONS = {
    descriptor_pb2.EDITION_2023: "2023",
    descriptor_pb2.EDITION_2024: "2024",
}


def default_json_name(name: str) -> str:
    """protoc's JSON name for a field that sets none: underscores dropped, the letter
    after each one upper-cased."""
    out: list[str] = []
    upper = False
    for ch in name:
        if ch == "_":
            upper = True
        elif upper:
            out.append(ch.upper())
            upper = False
        else:
            out.append(ch)
    return "".join(out)


def syntax_of(file: FileDescriptorProto) -> str:
    """proto2, proto3 or editions (protoc leaves ``syntax`` empty for proto2)."""
    return file.syntax or "proto2"


def merged(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Half-open ranges sorted, overlapping and adjacent ones joined."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def range_text(start: int, end: int) -> str:
    """A half-open range as .proto states it (inclusive bounds)."""
    return str(start) if end - start == 1 else f"{start} to {end - 1}"


def enum_value_order(
    values: Iterable[descriptor_pb2.EnumValueDescriptorProto],
) -> list[descriptor_pb2.EnumValueDescriptorProto]:
    """The first value (an enum field's default) first, the others by number; values
    sharing a number (aliases) keep their order."""
    ordered = list(values)
    return ordered[:1] + sorted(ordered[1:], key=lambda v: v.number)
