"""Wire encoding of change events on the broadcast channel.

A message is a whole event, or, where the transport limits its size (PostgreSQL NOTIFY
payloads stay under 8000 bytes, and a registration carries its schema text), an
announcement: the event's sequence alone. A receiver reads an announced event from the
outbox, as it reads the events a gap skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from registry.model import (
    ChangeClass,
    ChangeEvent,
    CompatibilityLevel,
    EventKind,
    SchemaFormat,
    SchemaReference,
)
from registry.providers.enforcement import finding_records, findings_of_records
from registry.types import SchemaId, Sequence, SubjectName, Version


def encode_event(event: ChangeEvent) -> str:
    return orjson.dumps(
        {
            "sequence": event.sequence,
            "kind": event.kind.value,
            "subject": event.subject,
            "version": event.version,
            "schema_id": event.schema_id,
            "schema_text": event.schema_text,
            "schema_format": None if event.schema_format is None else event.schema_format.value,
            "compatibility": None if event.compatibility is None else event.compatibility.value,
            "permanent": event.is_permanent,
            "created_at": event.created_at,
            "key_id": event.key_id,
            "references": [[r.name, r.subject, r.version] for r in event.references],
            "change": None if event.change is None else event.change.value,
            "lint_findings": finding_records(event.lint_findings),
        }
    ).decode()


def decode_event(message: str | bytes) -> ChangeEvent:
    """Inverse of ``encode_event``; raises ``ValueError`` on anything else."""
    try:
        data: dict[str, Any] = orjson.loads(message)
        if not isinstance(data, dict):
            raise TypeError(f"expected an object, got {type(data).__name__}")
        fmt = data.get("schema_format")
        level = data.get("compatibility")
        return ChangeEvent(
            sequence=Sequence(int(data["sequence"])),
            kind=EventKind(data["kind"]),
            subject=None if data.get("subject") is None else SubjectName(data["subject"]),
            version=None if data.get("version") is None else Version(int(data["version"])),
            schema_id=None if data.get("schema_id") is None else SchemaId(int(data["schema_id"])),
            schema_text=data.get("schema_text"),
            schema_format=None if fmt is None else SchemaFormat(fmt),
            compatibility=None if level is None else CompatibilityLevel(level),
            is_permanent=bool(data.get("permanent", False)),
            created_at=float(data.get("created_at", 0.0)),
            key_id=data.get("key_id"),
            references=tuple(
                SchemaReference(str(name), SubjectName(str(subject)), Version(int(version)))
                for name, subject, version in data.get("references") or ()
            ),
            change=None if data.get("change") is None else ChangeClass(data["change"]),
            lint_findings=findings_of_records(data.get("lint_findings") or ()),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"Not a change event: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Announcement:
    """Event ``sequence`` was committed; its content is in the outbox."""

    sequence: Sequence


def encode_announcement(sequence: Sequence) -> str:
    return orjson.dumps({"sequence": sequence, "announcement": True}).decode()


def announcement_of(message: str | bytes) -> str:
    """The announcement of an encoded event; ``ValueError`` if it is not one."""
    try:
        data = orjson.loads(message)
        if not isinstance(data, dict):
            raise TypeError(f"expected an object, got {type(data).__name__}")
        sequence = data["sequence"]
        if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
            raise TypeError(f"expected a positive integer sequence, got {sequence!r}")
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"Not a change event: {exc}") from exc
    return encode_announcement(Sequence(sequence))


def decode_message(message: str | bytes) -> ChangeEvent | Announcement:
    """A whole event or an announcement; raises ``ValueError`` on anything else."""
    try:
        data = orjson.loads(message)
    except ValueError as exc:
        raise ValueError(f"Not a change event: {exc}") from exc
    if isinstance(data, dict) and data.get("announcement") is True:
        sequence = data.get("sequence")
        if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
            raise ValueError(f"Not a change event: announcement of sequence {sequence!r}")
        return Announcement(Sequence(sequence))
    return decode_event(message)
