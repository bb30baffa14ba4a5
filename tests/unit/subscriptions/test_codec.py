"""The wire encoding of change events: a lossless round trip, and ValueError on anything else."""

from __future__ import annotations

import orjson
import pytest

from registry.model import (
    ChangeClass,
    ChangeEvent,
    CompatibilityLevel,
    EventKind,
    SchemaFormat,
    SchemaReference,
)
from registry.providers import LintFinding, Provider, Severity
from registry.types import SchemaId, Sequence, SubjectName, Version
from subscriptions.codec import decode_event, encode_event

EVENTS = [
    ChangeEvent(
        sequence=Sequence(7),
        kind=EventKind.REGISTERED,
        subject=SubjectName("orders-é✓"),
        version=Version(3),
        schema_id=SchemaId(42),
        schema_text='{"type":"object","description":"naïve \\"quoted\\""}',
        schema_format=SchemaFormat.JSON,
        created_at=1_732_000_000.123456,
    ),
    ChangeEvent(
        sequence=Sequence(10),
        kind=EventKind.REGISTERED,
        subject=SubjectName("invoices-value"),
        version=Version(1),
        schema_id=SchemaId(43),
        schema_text='syntax = "proto3";\nimport "shop/money.proto";\n',
        schema_format=SchemaFormat.PROTOBUF,
        references=(SchemaReference("shop/money.proto", SubjectName("money"), Version(2)),),
    ),
    ChangeEvent(
        sequence=Sequence(11),
        kind=EventKind.REGISTERED,
        subject=SubjectName("tools.search"),
        version=Version(2),
        schema_id=SchemaId(44),
        schema_text='{"type":"object"}',
        schema_format=SchemaFormat.JSON,
        change=ChangeClass.MINOR,
        lint_findings=(
            (
                Provider.OPENAI,
                LintFinding(
                    "OPENAI_PROPERTY_NOT_REQUIRED", "#/properties/q", "é", Severity.BLOCKING
                ),
            ),
            (Provider.GEMINI, LintFinding("GEMINI_UNSUPPORTED_FORMAT", "#", "m", Severity.WARNING)),
        ),
    ),
    ChangeEvent(
        sequence=Sequence(8),
        kind=EventKind.VERSION_DELETED,
        subject=SubjectName("orders"),
        version=Version(1),
        schema_id=SchemaId(40),
        is_permanent=True,
        created_at=1.5,
    ),
    ChangeEvent(
        sequence=Sequence(9), kind=EventKind.SUBJECT_DELETED, subject=SubjectName("orders")
    ),
    ChangeEvent(
        sequence=Sequence(2**40),
        kind=EventKind.CONFIG_CHANGED,
        subject=None,
        compatibility=CompatibilityLevel.FULL_TRANSITIVE,
    ),
]


@pytest.mark.parametrize("event", EVENTS, ids=[f"{e.kind.value}-{e.sequence}" for e in EVENTS])
def test_decoding_an_encoded_event_gives_the_same_event(event):
    assert decode_event(encode_event(event)) == event


@pytest.mark.parametrize("event", EVENTS, ids=[f"{e.kind.value}-{e.sequence}" for e in EVENTS])
def test_events_decode_from_bytes_as_well_as_text(event):
    assert decode_event(encode_event(event).encode()) == event


def test_the_encoding_is_one_json_object_with_plain_values():
    encoded = orjson.loads(encode_event(EVENTS[0]))

    assert encoded["sequence"] == 7
    assert encoded["kind"] == "REGISTERED"
    assert encoded["schema_format"] == "JSON"
    assert encoded["permanent"] is False


def test_optional_fields_may_be_left_out():
    event = decode_event('{"sequence": 3, "kind": "CONFIG_CHANGED"}')

    assert event == ChangeEvent(sequence=Sequence(3), kind=EventKind.CONFIG_CHANGED, subject=None)


@pytest.mark.parametrize(
    "message",
    [
        "",
        "not json",
        b"\xff\xfe",
        "[]",
        "null",
        "42",
        '"REGISTERED"',
        "{}",
        '{"kind": "REGISTERED"}',
        '{"sequence": 1}',
        '{"sequence": "one", "kind": "REGISTERED"}',
        '{"sequence": null, "kind": "REGISTERED"}',
        '{"sequence": 1, "kind": "EXPLODED"}',
        '{"sequence": 1, "kind": "REGISTERED", "schema_format": "XML"}',
        '{"sequence": 1, "kind": "CONFIG_CHANGED", "compatibility": "SOMETIMES"}',
        '{"sequence": 1, "kind": "REGISTERED", "version": "latest"}',
        '{"sequence": 1, "kind": "REGISTERED", "created_at": "yesterday"}',
        '{"sequence": 1, "kind": "REGISTERED", "schema_id": [1]}',
        '{"sequence": 1, "kind": "REGISTERED", "references": [["a", "b"]]}',
        '{"sequence": 1, "kind": "REGISTERED", "references": [["a", "b", "one"]]}',
    ],
)
def test_anything_but_an_encoded_event_raises_value_error(message):
    with pytest.raises(ValueError):
        decode_event(message)
