"""Audit records and genuine chains of them, and the rewrites a forger would make."""

from __future__ import annotations

from dataclasses import replace

from registry.audit import GENESIS_HASH, AuditEntry, AuditRecord, chain_hash


def record(sequence: int = 0, **changes: object) -> AuditRecord:
    base = AuditRecord(
        sequence=sequence,
        at=1_700_000_000.25 + sequence,
        principal="key-1",
        action="register",
        outcome="ok",
        subject="orders",
        version=sequence,
        schema_id=7,
        client="10.0.0.1",
        request_id=f"req-{sequence}",
        detail={"format": "JSON", "new": True},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def chain(count: int) -> list[AuditEntry]:
    """A genuine chain of ``count`` rows, as the storage writes it."""
    entries = []
    prev = GENESIS_HASH
    for sequence in range(1, count + 1):
        stored = record(sequence)
        entries.append(AuditEntry(stored, prev, chain_hash(prev, stored)))
        prev = entries[-1].hash
    return entries


def rehashed(entries: list[AuditEntry]) -> list[AuditEntry]:
    """``entries`` with every link and hash recomputed, as a forger able to hash would."""
    result = []
    prev = GENESIS_HASH
    for entry in entries:
        result.append(AuditEntry(entry.record, prev, chain_hash(prev, entry.record)))
        prev = result[-1].hash
    return result


def renumbered(entry: AuditEntry, sequence: int) -> AuditEntry:
    """The row moved to ``sequence`` with everything else kept (an UPDATE of the key)."""
    return replace(entry, record=replace(entry.record, sequence=sequence))
