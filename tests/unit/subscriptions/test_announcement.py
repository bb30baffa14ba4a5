"""Messages too large for a transport travel as announcements (the sequence alone); a
receiver tells the two apart, and the PostgreSQL backend names its channels and sizes its
payloads within what NOTIFY takes."""

from __future__ import annotations

import orjson
import pytest

from registry.model import ChangeEvent, EventKind, SchemaFormat
from registry.types import SchemaId, Sequence, SubjectName, Version
from subscriptions.codec import (
    Announcement,
    announcement_of,
    decode_message,
    encode_announcement,
    encode_event,
)
from subscriptions.postgres_backend import (
    MAX_CHANNEL_BYTES,
    MAX_PAYLOAD_BYTES,
    asyncpg_dsn,
    channel_name,
    fit_payload,
)


def registration(sequence: int, schema_text: str) -> ChangeEvent:
    return ChangeEvent(
        sequence=Sequence(sequence),
        kind=EventKind.REGISTERED,
        subject=SubjectName("orders"),
        version=Version(1),
        schema_id=SchemaId(3),
        schema_text=schema_text,
        schema_format=SchemaFormat.JSON,
        created_at=1_732_000_000.5,
    )


def test_a_whole_event_decodes_as_the_event() -> None:
    event = registration(12, '{"type":"string"}')

    assert decode_message(encode_event(event)) == event


def test_an_announcement_decodes_as_its_sequence() -> None:
    assert decode_message(encode_announcement(Sequence(41))) == Announcement(Sequence(41))


def test_the_announcement_of_an_encoded_event_carries_its_sequence_only() -> None:
    message = encode_event(registration(9, "x" * 20_000))

    announced = announcement_of(message)

    assert decode_message(announced) == Announcement(Sequence(9))
    assert len(announced) < 100


@pytest.mark.parametrize(
    "message",
    [
        "not json",
        "[1, 2]",
        '{"announcement": true}',
        '{"announcement": true, "sequence": 0}',
        '{"announcement": true, "sequence": "7"}',
        '{"announcement": true, "sequence": true}',
        '{"sequence": 4}',
    ],
)
def test_anything_else_raises_value_error(message: str) -> None:
    with pytest.raises(ValueError, match="Not a change event"):
        decode_message(message)


@pytest.mark.parametrize("message", ["plain text", '{"kind": "REGISTERED"}', '{"sequence": -1}'])
def test_only_an_event_has_an_announcement(message: str) -> None:
    with pytest.raises(ValueError, match="Not a change event"):
        announcement_of(message)


def test_a_payload_that_fits_a_notify_travels_whole() -> None:
    message = encode_event(registration(5, "y" * 1000))

    assert fit_payload(message) == message


def test_an_event_too_large_for_a_notify_travels_as_its_announcement() -> None:
    # Multi-byte characters: the limit is in bytes, not characters.
    text = "é" * (MAX_PAYLOAD_BYTES // 2)
    message = encode_event(registration(77, text))
    assert len(message) < MAX_PAYLOAD_BYTES < len(message.encode())

    assert orjson.loads(fit_payload(message)) == {"sequence": 77, "announcement": True}


def test_a_message_too_large_that_is_no_event_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="exceeds the 7999 a PostgreSQL NOTIFY carries"):
        fit_payload("z" * (MAX_PAYLOAD_BYTES + 1))


@pytest.mark.parametrize(
    "channel",
    ["llm-schema-registry.events", 'Mixed "Case" channel', "x" * MAX_CHANNEL_BYTES],
)
def test_a_channel_that_is_a_valid_identifier_keeps_its_name(channel: str) -> None:
    assert channel_name(channel) == channel


@pytest.mark.parametrize(
    "channel", ["", "x" * (MAX_CHANNEL_BYTES + 1), "é" * 40, "nul\x00inside", "a" * 500]
)
def test_any_other_channel_maps_to_a_distinct_valid_identifier(channel: str) -> None:
    name = channel_name(channel)

    assert 0 < len(name.encode()) <= MAX_CHANNEL_BYTES
    assert "\x00" not in name
    assert name == channel_name(channel)
    assert name != channel_name(channel + "-other")


@pytest.mark.parametrize(
    ("url", "dsn"),
    [
        ("postgresql+asyncpg://u:p@h:5/db", "postgresql://u:p@h:5/db"),
        ("postgres://h/db", "postgresql://h/db"),
        ("postgresql://h/db?sslmode=require", "postgresql://h/db?sslmode=require"),
    ],
)
def test_every_postgres_spelling_becomes_an_asyncpg_dsn(url: str, dsn: str) -> None:
    assert asyncpg_dsn(url) == dsn
