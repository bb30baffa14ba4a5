"""Avro schema resolution: the verdicts of ``tests/unit/registry/avro_pairs.py``, proved
with data (fastavro writes random values with the writer schema and reads them with the
reader), compared with the Apache Python library's checker, and the paths and messages of
the records."""

from __future__ import annotations

import io
import json
import random
import warnings
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import avro.errors
import avro.schema
import fastavro
import pytest
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
from fastavro.utils import generate_many

from registry.compatibility import Direction, check_compatibility
from registry.formats import avro_compat
from registry.formats.avro import AVRO
from registry.formats.base import ParseContext, ParsedSchema, ResolvedReference
from registry.model import CompatibilityLevel
from registry.types import Version
from tests.unit.registry.avro_pairs import (
    ADDRESS,
    ADDRESS_ZIP,
    DS,
    ES,
    FS,
    NM,
    PAIRS,
    RF,
    TM,
    UB,
    Pair,
    decimal,
    enum,
    field,
    fixed,
    one,
    record,
)

SAMPLES = 25


def parse(document: object, context: ParseContext | None = None) -> ParsedSchema:
    if context is None:
        return AVRO.parse(json.dumps(document))
    return AVRO.parse(json.dumps(document), context=context)


def codes(old: object, new: object, direction: Direction) -> list[str]:
    found = AVRO.find_incompatibilities(parse(old), parse(new), direction)
    return sorted({item.code for item in found})


def writer_reader(pair: Pair, direction: Direction) -> tuple[ParsedSchema, ParsedSchema]:
    old, new = parse(pair.old), parse(pair.new)
    return (old, new) if direction is Direction.BACKWARD else (new, old)


def expected(pair: Pair, direction: Direction) -> tuple[str, ...]:
    return pair.backward if direction is Direction.BACKWARD else pair.forward


def cases(*, compatible: bool | None = None) -> list[Any]:
    return [
        pytest.param(pair, direction, id=f"{pair.id} {direction.value}")
        for pair in PAIRS
        for direction in Direction
        if compatible is None or (not expected(pair, direction)) is compatible
    ]


@pytest.fixture(autouse=True)
def seeded_random() -> Iterator[None]:
    """fastavro's generator draws from the random module: each test draws the same values."""
    state = random.getstate()
    random.seed(20240501)
    yield
    random.setstate(state)


def test_the_table_covers_at_least_eighty_pairs_with_unique_names() -> None:
    assert len(PAIRS) >= 80
    assert len({pair.id for pair in PAIRS}) == len(PAIRS)


@pytest.mark.parametrize(("pair", "direction"), cases())
def test_each_pair_gets_its_expected_verdict(pair: Pair, direction: Direction) -> None:
    assert codes(pair.old, pair.new, direction) == sorted(set(expected(pair, direction)))


# ---- data proof -------------------------------------------------------------------------


def fast(schema: ParsedSchema) -> Any:
    """The stored canonical text, as a Confluent client reads it (fastavro)."""
    return fastavro.parse_schema(json.loads(schema.canonical))


def round_trip(writer: Any, reader: Any, datum: object) -> object:
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, writer, datum)
    buffer.seek(0)
    return fastavro.schemaless_reader(buffer, writer, reader)


@pytest.mark.parametrize(("pair", "direction"), cases(compatible=True))
def test_data_written_with_the_writer_is_read_by_a_compatible_reader(
    pair: Pair, direction: Direction
) -> None:
    writer, reader = writer_reader(pair, direction)
    writer_schema, reader_schema = fast(writer), fast(reader)
    for datum in generate_many(writer_schema, SAMPLES):
        round_trip(writer_schema, reader_schema, _as_text(datum) if pair.utf8 else datum)


def _as_text(value: object) -> object:
    """Random bytes made UTF-8 text (bytes are promoted to strings only when they are)."""
    if isinstance(value, bytes):
        return value.hex().encode()
    if isinstance(value, dict):
        return {key: _as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_text(item) for item in value]
    return value


def _plain(value: object) -> object:
    """Values as both sides of a refusal can hold them (bytes and strings alike)."""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _shows_refusal(writer: Any, reader: Any, datum: object) -> bool:
    try:
        read = round_trip(writer, reader, datum)
    except Exception:  # fastavro signals resolution failures with several types
        return True
    return _plain(read) != _plain(datum)


@pytest.mark.parametrize(
    ("pair", "direction"),
    [case for case in cases(compatible=False) if case.values[0].data is None],
)
def test_data_of_a_refused_writer_fails_to_read_or_reads_differently(
    pair: Pair, direction: Direction
) -> None:
    writer, reader = writer_reader(pair, direction)
    writer_schema, reader_schema = fast(writer), fast(reader)
    assert any(
        _shows_refusal(writer_schema, reader_schema, datum)
        for datum in generate_many(writer_schema, SAMPLES)
    )


def test_a_decimal_converted_with_the_readers_scale_changes_its_value() -> None:
    # The bytes hold the unscaled integer 123 only. fastavro converts it with the writer's
    # scale; an implementation that converts with the reader's (Java's conversions do)
    # reads what decoding the same bytes with the reader's schema gives.
    writer = fastavro.parse_schema(decimal(5, 2))
    reader = fastavro.parse_schema(decimal(5, 3))
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, writer, Decimal("1.23"))

    assert codes(decimal(5, 2), decimal(5, 3), Direction.BACKWARD) == [DS]
    assert fastavro.schemaless_reader(io.BytesIO(buffer.getvalue()), reader) == Decimal("0.123")


def test_an_enum_symbol_the_reader_lacks_fails_to_read_without_a_default() -> None:
    old, new = enum("RED", "BLUE", "GREEN"), enum("RED", "BLUE")
    writer, reader = fastavro.parse_schema(old), fastavro.parse_schema(new)

    assert codes(old, new, Direction.BACKWARD) == [ES]
    with pytest.raises(Exception, match="GREEN"):
        round_trip(writer, reader, "GREEN")


# ---- the Apache Python library's checker --------------------------------------------


def library_codes(writer: object, reader: object) -> list[str]:
    """The library's verdict on the schemas as submitted (not on the canonical texts, which
    spell every alias out in full and so avoid one of its faults)."""
    with warnings.catch_warnings():
        # uuid on a fixed, duration: logical types this library does not know
        warnings.simplefilter("ignore", avro.errors.IgnoredLogicalType)
        reader_schema = avro.schema.parse(json.dumps(reader))
        writer_schema = avro.schema.parse(json.dumps(writer))
    checker = ReaderWriterCompatibilityChecker()  # type: ignore[no-untyped-call]
    result = checker.get_compatibility(reader_schema, writer_schema)
    if result.compatibility is SchemaCompatibilityType.compatible:
        return []
    return sorted({kind.name.upper() for kind in result.incompatibilities})


@pytest.mark.parametrize(("pair", "direction"), cases())
def test_the_python_library_agrees_except_where_the_table_says_why_not(
    pair: Pair, direction: Direction
) -> None:
    ours = sorted(set(expected(pair, direction)))
    if pair.library is None:
        assert library_codes(*_submitted(pair, direction)) == ours
    else:
        # the documented difference shows in at least one direction
        assert any(
            library_codes(*_submitted(pair, other)) != sorted(set(expected(pair, other)))
            for other in Direction
        )


def _submitted(pair: Pair, direction: Direction) -> tuple[object, object]:
    if direction is Direction.BACKWARD:
        return pair.old, pair.new
    return pair.new, pair.old


# ---- what the records say ---------------------------------------------------------


def incompatibilities(old: object, new: object, direction: Direction) -> list[dict[str, object]]:
    return [
        {key: value for key, value in item.as_record().items() if key != "version"}
        for item in AVRO.find_incompatibilities(parse(old), parse(new), direction)
    ]


def test_a_field_added_without_default_names_the_field_and_points_at_it() -> None:
    old = record(field("id", "long"))
    new = record(field("id", "long"), field("email", "string"), namespace="com.acme")

    assert incompatibilities(old, new, Direction.BACKWARD) == [
        {
            "code": RF,
            "message": "Field 'email' of record 'com.acme.User' has no default in the reader, "
            "and the writer does not write it.",
            "oldPath": "#",
            "newPath": "#/fields/1",
            "direction": "BACKWARD",
        }
    ]


def test_forward_findings_point_at_the_old_reader_and_the_new_writer() -> None:
    old = record(field("id", "long"), field("email", "string"))
    new = record(field("id", "long"))

    [found] = incompatibilities(old, new, Direction.FORWARD)

    assert (found["code"], found["oldPath"], found["newPath"]) == (RF, "#/fields/1", "#")


def test_a_type_change_deep_inside_points_at_both_types() -> None:
    old = record(field("id", "int"), field("home", ADDRESS))
    new = record(field("id", "int"), field("home", {**ADDRESS, "fields": [field("street", "int")]}))

    [found] = incompatibilities(old, new, Direction.BACKWARD)

    assert found["code"] == TM
    assert found["oldPath"] == found["newPath"] == "#/fields/1/type/fields/0/type"
    assert found["message"] == (
        "Field 'street' of record 'Address': the writer's string cannot be read as the "
        "reader's int."
    )


def test_a_named_type_used_again_reports_at_its_definition_once() -> None:
    old = record(field("home", ADDRESS), field("work", "Address"))
    new = record(field("home", ADDRESS_ZIP), field("work", "Address"))

    assert incompatibilities(old, new, Direction.BACKWARD) == [
        {
            "code": RF,
            "message": "Field 'zip' of record 'Address' has no default in the reader, and the "
            "writer does not write it.",
            "oldPath": "#/fields/0/type",
            "newPath": "#/fields/0/type/fields/2",
            "direction": "BACKWARD",
        }
    ]


def test_a_missing_union_branch_points_at_the_writer_branch() -> None:
    [found] = incompatibilities(
        one(["null", "string"]), one(["null", "string", "int"]), Direction.FORWARD
    )

    assert found["code"] == UB
    assert found["oldPath"] == "#/fields/0/type"
    assert found["newPath"] == "#/fields/0/type/2"
    assert "writer's int (writer union branch 2)" in str(found["message"])


def test_enum_fixed_and_name_findings_point_at_the_attribute() -> None:
    [symbols] = incompatibilities(enum("A", "B"), enum("A"), Direction.BACKWARD)
    [size] = incompatibilities(fixed(4), fixed(8), Direction.BACKWARD)
    [name] = incompatibilities(fixed(4, name="A"), fixed(4, name="B"), Direction.BACKWARD)

    assert (symbols["code"], symbols["oldPath"], symbols["newPath"]) == (
        ES,
        "#/symbols",
        "#/symbols",
    )
    assert "lacks the writer's symbols B" in str(symbols["message"])
    assert (size["code"], size["oldPath"], size["newPath"]) == (FS, "#/size", "#/size")
    assert (name["code"], name["oldPath"], name["newPath"]) == (NM, "#/name", "#/name")
    assert "reader's fixed 'B' does not read the writer's 'A'" in str(name["message"])


def test_a_decimal_scale_change_points_at_the_scale() -> None:
    [found] = incompatibilities(one(decimal(5, 2)), one(decimal(5, 3)), Direction.BACKWARD)

    assert (found["code"], found["oldPath"], found["newPath"]) == (
        DS,
        "#/fields/0/type/scale",
        "#/fields/0/type/scale",
    )


# ---- references -------------------------------------------------------------------------


def referencing(address: object, version: int) -> ParsedSchema:
    """A User whose second field is an Address from subject ``address``."""
    ref = ResolvedReference("Address", "address", version, parse(address))
    user = record(field("id", "long"), field("home", "Address"))
    return parse(user, ParseContext(references=(ref,)))


def test_types_of_references_are_resolved_during_checks() -> None:
    old, new = referencing(ADDRESS, 1), referencing(ADDRESS_ZIP, 2)

    backward = AVRO.find_incompatibilities(old, new, Direction.BACKWARD)
    forward = AVRO.find_incompatibilities(old, new, Direction.FORWARD)

    assert [(item.code, item.old_path, item.new_path) for item in backward] == [
        (RF, "#/fields/1/type", "#/fields/1/type")
    ]
    assert "Field 'zip' of record 'Address'" in backward[0].message
    assert forward == []
    assert old.canonical == new.canonical  # the text is the same; the references differ
    assert old.fingerprint != new.fingerprint


def test_a_reference_changed_compatibly_keeps_the_referencing_schema_compatible() -> None:
    widened = {**ADDRESS, "fields": [*ADDRESS["fields"], field("zip", "string", default="")]}
    old, new = referencing(ADDRESS, 1), referencing(widened, 2)

    for direction in Direction:
        assert AVRO.find_incompatibilities(old, new, direction) == []


# ---- levels, memo, limits ----------------------------------------------------------


def test_full_transitive_reports_each_broken_version_and_direction() -> None:
    history = [
        (Version(1), parse(record(field("id", "int")))),
        (Version(2), parse(record(field("id", "long")))),
    ]
    candidate = parse(record(field("id", "long"), field("name", "string")))

    found = check_compatibility(AVRO, CompatibilityLevel.FULL_TRANSITIVE, candidate, history)

    assert sorted((item.version, item.direction.value, item.code) for item in found) == [
        (1, "BACKWARD", RF),
        (1, "FORWARD", TM),
        (2, "BACKWARD", RF),
    ]


def test_a_verdict_is_kept_with_the_candidate_and_given_again_unchanged() -> None:
    old, new = parse(enum("A", "B")), parse(enum("A"))

    first = AVRO.find_incompatibilities(old, new, Direction.BACKWARD)
    first.clear()  # callers own the list they get
    again = AVRO.find_incompatibilities(old, new, Direction.BACKWARD)

    assert [item.code for item in again] == [ES]
    assert "avro_verdicts" in new.memo


def test_schemas_nested_to_the_limit_are_compared(monkeypatch: pytest.MonkeyPatch) -> None:
    def chain(leaf: str, depth: int) -> object:
        schema: object = leaf
        for level in range(depth):
            schema = record(field("inner", schema), name=f"R{level}")
        return schema

    monkeypatch.setattr(avro_compat, "MAX_CHECK_DEPTH", 20)
    shallow = AVRO.find_incompatibilities(
        parse(chain("int", 18)), parse(chain("string", 18)), Direction.BACKWARD
    )
    deep = AVRO.find_incompatibilities(
        parse(chain("int", 25)), parse(chain("string", 25)), Direction.BACKWARD
    )

    assert [item.code for item in shallow] == [TM]
    assert [item.code for item in deep] == ["SCHEMA_TOO_DEEP"]
