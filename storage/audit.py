"""The audit log's queries: appending to the chain, reading pages, walking every row."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from databases.core import Connection

from registry.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditRecord,
    DetailValue,
    UnreadableAuditRowError,
    chain_hash,
    check_page_limit,
    is_hash,
    sanitized,
)
from registry.audit_checkpoints import AuditCheckpoint
from storage.reads import Reads
from storage.tables import audit_checkpoints, audit_log

# Rows per query while walking the whole log: memory stays bounded whatever its length.
WALK_BATCH = 500


async def append_audit(connection: Connection, record: AuditRecord) -> AuditRecord:
    """Append ``record`` after the last row, inside the caller's write transaction (which
    serializes writers registry-wide, so no other row can be appended meanwhile)."""
    last = await connection.fetch_one(
        sa.select(audit_log.c.sequence, audit_log.c.hash)
        .order_by(audit_log.c.sequence.desc())
        .limit(1)
    )
    sequence = 1 if last is None else int(last[0]) + 1
    # A last row whose hash was mangled is reported by verification; the log keeps
    # recording meanwhile rather than refusing every audited request.
    prev_hash = GENESIS_HASH if last is None or not is_hash(last[1]) else str(last[1])
    stored = sanitized(replace(record, sequence=sequence))
    await connection.execute(
        audit_log.insert().values(
            sequence=stored.sequence,
            at=stored.at,
            principal=stored.principal,
            action=stored.action,
            subject=stored.subject,
            version=stored.version,
            schema_id=stored.schema_id,
            outcome=stored.outcome,
            client=stored.client,
            request_id=stored.request_id,
            detail=_detail_text(stored.detail),
            prev_hash=prev_hash,
            hash=chain_hash(prev_hash, stored),
        )
    )
    return stored


def _detail_text(detail: Mapping[str, DetailValue] | None) -> str | None:
    if detail is None:
        return None
    return json.dumps(detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} is {type(value).__name__}, not text")
    return value


def _optional_int(value: object, name: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} is {type(value).__name__}, not an integer")
    return value


def _detail(value: object) -> dict[str, DetailValue] | None:
    if value is None:
        return None
    try:
        detail = json.loads(_text(value, "detail"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"detail is not JSON ({exc.msg})") from None
    if not isinstance(detail, dict):
        raise TypeError("detail is not a JSON object")
    return detail


def entry_of(row: Mapping[str, Any]) -> AuditEntry:
    """The stored row as it is, not cleaned: verification must see what is there.
    ``UnreadableAuditRowError`` when a value is of a type no record holds."""
    sequence = row["sequence"]
    if not isinstance(sequence, int) or isinstance(sequence, bool):
        raise UnreadableAuditRowError(0, f"a row's sequence is {sequence!r}, not an integer")
    try:
        at = row["at"]
        if not isinstance(at, int | float) or isinstance(at, bool):
            raise TypeError(f"at is {type(at).__name__}, not a number")
        record = AuditRecord(
            sequence=sequence,
            at=float(at),
            principal=_text(row["principal"], "principal"),
            action=_text(row["action"], "action"),
            outcome=_text(row["outcome"], "outcome"),
            subject=None if row["subject"] is None else _text(row["subject"], "subject"),
            version=_optional_int(row["version"], "version"),
            schema_id=_optional_int(row["schema_id"], "schema_id"),
            client=_text(row["client"], "client"),
            request_id=_text(row["request_id"], "request_id"),
            detail=_detail(row["detail"]),
        )
        return AuditEntry(record, _text(row["prev_hash"], "prev_hash"), _text(row["hash"], "hash"))
    except (TypeError, ValueError) as exc:
        raise UnreadableAuditRowError(sequence, str(exc)) from None


# Columns read without SQLAlchemy's conversions, so a value of the wrong type (SQLite
# stores whatever it is given) reaches ``entry_of`` as it is instead of failing the query.
_RAW_COLUMNS = [
    sa.type_coerce(column, sa.types.NullType()).label(column.name) for column in audit_log.c
]


class AuditReads(Reads):
    """Reads of the audit log, for the store (``registry.ports.AuditLog``)."""

    async def list_audit(
        self,
        *,
        principal: str | None = None,
        subject: str | None = None,
        since: float | None = None,
        until: float | None = None,
        after_sequence: int | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        query = sa.select(*_RAW_COLUMNS).order_by(audit_log.c.sequence)
        if principal is not None:
            query = query.where(audit_log.c.principal == principal)
        if subject is not None:
            query = query.where(audit_log.c.subject == subject)
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        if until is not None:
            query = query.where(audit_log.c.at < until)
        if after_sequence is not None:
            query = query.where(audit_log.c.sequence > after_sequence)
        query = query.limit(check_page_limit(limit))
        return [entry_of(row) for row in await self._fetch_all(query)]

    async def iter_audit(self, after_sequence: int = 0) -> AsyncIterator[AuditEntry]:
        while True:
            query = (
                sa.select(*_RAW_COLUMNS)
                .where(audit_log.c.sequence > after_sequence)
                .order_by(audit_log.c.sequence)
                .limit(WALK_BATCH)
            )
            rows = await self._fetch_all(query)
            for row in rows:
                yield entry_of(row)
            if len(rows) < WALK_BATCH:
                return
            after_sequence = int(rows[-1]["sequence"])

    async def add_audit_checkpoint(self, checkpoint: AuditCheckpoint) -> None:
        async with self._session() as connection:
            await connection.execute(
                audit_checkpoints.insert().values(
                    sequence=checkpoint.sequence,
                    hash=checkpoint.hash,
                    signature=checkpoint.signature,
                    at=checkpoint.at,
                )
            )

    async def get_latest_audit_checkpoint(self) -> AuditCheckpoint | None:
        """The checkpoint written last; ``UnreadableAuditRowError`` (sequence 0) when its
        row holds values no checkpoint has."""
        columns = [
            sa.type_coerce(column, sa.types.NullType()).label(column.name)
            for column in audit_checkpoints.c
        ]
        row = await self._fetch_one(
            sa.select(*columns).order_by(audit_checkpoints.c.id.desc()).limit(1)
        )
        if row is None:
            return None
        sequence, at = row["sequence"], row["at"]
        try:
            if not isinstance(sequence, int) or isinstance(sequence, bool):
                raise TypeError(f"sequence is {sequence!r}")
            if not isinstance(at, int | float) or isinstance(at, bool):
                raise TypeError(f"at is {at!r}")
            return AuditCheckpoint(
                sequence=sequence,
                hash=_text(row["hash"], "hash"),
                signature=_text(row["signature"], "signature"),
                at=float(at),
            )
        except TypeError as exc:
            raise UnreadableAuditRowError(0, f"the latest checkpoint: {exc}") from None
