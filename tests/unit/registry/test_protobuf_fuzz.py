"""No input makes the Protobuf handler fail other than by refusing it, and nothing protoc
does reaches the process's stdout or stderr: mutated .proto texts, arbitrary text, and
base64 of arbitrary or mutated descriptors. ``PROTOBUF_FUZZ_EXAMPLES`` raises the count."""

from __future__ import annotations

import base64
import os

import pytest
from google.protobuf.descriptor_pb2 import FileDescriptorProto
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.errors import InvalidSchemaError
from registry.formats.protobuf import PROTOBUF
from tests.unit.registry.test_protobuf_format import EDITIONS, ORDER, PROTO2

EXAMPLES = int(os.environ.get("PROTOBUF_FUZZ_EXAMPLES", "120"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SEEDS = (
    ORDER,
    PROTO2,
    EDITIONS,
    'syntax = "proto3"; message A { map<string, A> children = 1; oneof o { int32 x = 2; } }',
    'edition = "2024"; option features.enum_type = CLOSED; enum E { E0 = 0; } message M '
    "{ E e = 1; }",
    "message Legacy { optional group G = 1 { required int32 a = 2; } extensions 10 to max; }",
)
# Characters that matter to the .proto grammar, and some that protoc must refuse.
PIECES = [
    *'{}[]()<>;=,."\'/\\*-+ \n\t',
    "//", "/*", "*/", "\x00", "\x01", "\r", "\v",
    "message ", "enum ", "oneof ", "map<", "repeated ", "optional ", "required ", "group ",
    "option ", "import ", "syntax ", "edition ", "reserved ", "extensions ", "extend ",
    "max", "0x", "1e9", "2147483648", "-1", "\x00", "\ufeff", "\ud800", "é", "\u2028",
    "features.", "(", "stream ", "service ", "rpc ", "returns ", "weak ", "public ",
]  # fmt: skip


def _outcome(text: str) -> str | None:
    """The canonical text, or None when refused; the canonical text must read back to
    itself."""
    try:
        schema = PROTOBUF.parse(text)
    except InvalidSchemaError as refused:
        assert refused.message
        return None
    assert PROTOBUF.parse(schema.canonical).canonical == schema.canonical
    return schema.canonical


@st.composite
def mutated_texts(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 12)))
        piece = draw(st.sampled_from(PIECES) | st.text(max_size=3))
        text = text[:start] + piece + text[end:]
    return text


@st.composite
def mutated_descriptors(draw: st.DrawFn) -> str:
    seed = draw(st.sampled_from([ORDER, PROTO2, EDITIONS]))
    document = PROTOBUF.parse(seed).document
    data = bytearray(document.file.SerializeToString())  # type: ignore[attr-defined]
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    return base64.b64encode(bytes(data)).decode()


_NAMES = st.sampled_from(["a", "B", "_c", "x1", "msg", "", "1x", "a.b", "a b", "é", "optional"])
_TYPES = st.sampled_from(list(range(1, 19)))
_TYPE_NAMES = st.sampled_from(["", ".M", "M", ".p.M", ".p.M.N", "..", ".google.protobuf.Any"])


@st.composite
def built_descriptors(draw: st.DrawFn) -> str:
    """Descriptors assembled field by field, valid or not (names, numbers, types, labels,
    references, defaults and oneofs all drawn)."""
    file = FileDescriptorProto(
        name="x.proto",
        package=draw(st.sampled_from(["", "p", "p.q", "1p", "p..q"])),
        syntax=draw(st.sampled_from(["", "proto2", "proto3", "editions", "proto4"])),
    )
    if file.syntax == "editions":
        file.edition = draw(st.sampled_from([1000, 1001, 999, 0]))  # type: ignore[assignment]
    for _ in range(draw(st.integers(1, 3))):
        message = file.message_type.add(name=draw(_NAMES))
        if draw(st.booleans()):
            message.nested_type.add(name="N", options={"map_entry": draw(st.booleans())})
        if draw(st.booleans()):
            message.oneof_decl.add(name=draw(_NAMES))
        for _ in range(draw(st.integers(0, 4))):
            field = message.field.add(
                name=draw(_NAMES),
                number=draw(st.integers(-1, 2**29 + 1)),
                type=draw(_TYPES),
                label=draw(st.sampled_from([1, 2, 3])),
                type_name=draw(_TYPE_NAMES),
            )
            if draw(st.booleans()):
                field.default_value = draw(st.sampled_from(["1", "x", '"', "\\", "inf", "E"]))
            if draw(st.booleans()):
                field.oneof_index = draw(st.integers(0, 2))
            if draw(st.booleans()):
                field.proto3_optional = True
            if draw(st.booleans()):
                field.json_name = draw(_NAMES)
    if draw(st.booleans()):
        file.dependency.append(
            draw(st.sampled_from(["google/protobuf/any.proto", "nope.proto", "../x"]))
        )
    if draw(st.booleans()):
        enum = file.enum_type.add(name=draw(_NAMES))
        enum.value.add(name=draw(_NAMES), number=draw(st.integers(-3, 3)))
    return base64.b64encode(file.SerializeToString()).decode()


@SETTINGS
@given(text=mutated_texts())
def test_mutated_proto_texts_parse_or_are_refused_silently(
    text: str, capfd: pytest.CaptureFixture[str]
) -> None:
    _outcome(text)
    assert capfd.readouterr() == ("", "")


@SETTINGS
@given(text=st.text(max_size=200))
def test_arbitrary_text_parses_or_is_refused_silently(
    text: str, capfd: pytest.CaptureFixture[str]
) -> None:
    _outcome(text)
    assert capfd.readouterr() == ("", "")


@SETTINGS
@given(
    text=mutated_descriptors() | st.binary(max_size=120).map(lambda b: base64.b64encode(b).decode())
)
def test_base64_of_damaged_or_random_bytes_parses_or_is_refused_silently(
    text: str, capfd: pytest.CaptureFixture[str]
) -> None:
    _outcome(text)
    assert capfd.readouterr() == ("", "")


@SETTINGS
@given(text=built_descriptors())
def test_assembled_descriptors_parse_or_are_refused_silently(
    text: str, capfd: pytest.CaptureFixture[str]
) -> None:
    _outcome(text)
    assert capfd.readouterr() == ("", "")
