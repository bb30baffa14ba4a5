"""Backups of the whole database as JSON Lines: every row of every table.

The first line is a header (the format and its version, the registry's version, the
migration the rows belong to, the time, and each table's columns and row count); each
further line is one row, ``{"table": ..., "row": {column: value}}``, table by table in an
order where a row comes after the rows it refers to. Values are the stored ones (JSON
documents kept in text columns stay text), so a restore gives back the same rows: the
audit chain's hashes still match and the outbox's sequences are kept.

Export reads one snapshot (PostgreSQL: a read-only REPEATABLE READ transaction; SQLite:
one transaction, which WAL lets writers run beside) and streams it. Import writes in one
transaction: a line it cannot take rolls everything back.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage.migrate import head_revision
from storage.tables import metadata, registry_state

FORMAT_NAME = "llm-schema-registry-backup"
FORMAT_VERSION = 1
# Rows per INSERT batch and per fetch while streaming: memory stays bounded.
BATCH = 500
# Referenced tables before the ones that refer to them.
TABLES: tuple[sa.Table, ...] = tuple(metadata.sorted_tables)
_BY_NAME = {table.name: table for table in TABLES}

Progress = Callable[[str, int], None]


class BackupError(Exception):
    """A backup cannot be written or read; the message says why, in one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BackupLineError(BackupError):
    """A line of the file cannot be imported (numbered from 1, the header)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line


@dataclass(frozen=True)
class Header:
    format_version: int
    registry_version: str
    revision: str
    exported_at: str
    columns: dict[str, list[str]]
    counts: dict[str, int]

    def line(self) -> bytes:
        record = {
            "format": FORMAT_NAME,
            "formatVersion": self.format_version,
            "registryVersion": self.registry_version,
            "revision": self.revision,
            "exportedAt": self.exported_at,
            "tables": [
                {"name": name, "columns": self.columns[name], "rows": self.counts[name]}
                for name in self.columns
            ],
        }
        return json.dumps(record).encode() + b"\n"


def engine_for(url: str) -> AsyncEngine:
    """An engine whose transactions are real ones on SQLite too: the Python driver would
    begin one only before the first write, so a read-only export would see each query's
    own moment, and a SAVEPOINT would open outside any transaction."""
    engine = create_async_engine(url, poolclass=NullPool)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _connect(connection: Any, _record: Any) -> None:
            connection.isolation_level = None
            cursor = connection.cursor()
            # As the store does: references are checked on import as PostgreSQL checks them.
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

    return engine


async def _revision(connection: AsyncConnection) -> str | None:
    try:
        async with connection.begin_nested():
            result = await connection.execute(sa.text("SELECT version_num FROM alembic_version"))
            value = result.scalar_one_or_none()
    except sa.exc.DBAPIError:
        return None
    return None if value is None else str(value)


async def export(
    url: str,
    *,
    registry_version: str,
    exported_at: str,
    write: Callable[[bytes], object],
    progress: Progress,
) -> Header:
    """Writes the header, then every row, through ``write``; returns the header."""
    engine = engine_for(url)
    try:
        async with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection = await connection.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
            async with connection.begin():
                revision = await _revision(connection)
                if revision != head_revision():
                    raise BackupError(
                        f"the database is at migration {revision or 'none'} and this release "
                        f"exports migration {head_revision()}: run `llm-schema-registry "
                        "migrate` first (or export with the release that matches the database)"
                    )
                counts = {}
                for table in TABLES:
                    count = await connection.scalar(sa.select(sa.func.count()).select_from(table))
                    counts[table.name] = int(count or 0)
                header = Header(
                    format_version=FORMAT_VERSION,
                    registry_version=registry_version,
                    revision=revision,
                    exported_at=exported_at,
                    columns={table.name: [c.name for c in table.columns] for table in TABLES},
                    counts=counts,
                )
                write(header.line())
                for table in TABLES:
                    written = 0
                    async for row in _rows(connection, table):
                        line = {"table": table.name, "row": row}
                        write(json.dumps(line, separators=(",", ":")).encode() + b"\n")
                        written += 1
                    progress(table.name, written)
                return header
    finally:
        await engine.dispose()


async def _rows(connection: AsyncConnection, table: sa.Table) -> AsyncIterator[dict[str, Any]]:
    query = sa.select(table).order_by(*table.primary_key.columns)
    result = await connection.stream(query.execution_options(yield_per=BATCH))
    async for row in result.mappings():
        yield dict(row)


def read_header(raw: bytes | None) -> Header:
    """The first line, checked: a backup of this format, of a version and migration this
    release can read."""
    if raw is None or not raw.strip():
        raise BackupLineError(1, "the file is empty; expected a backup's header line")
    record = _json_object(1, raw)
    if record.get("format") != FORMAT_NAME:
        raise BackupLineError(1, f"not a backup of the registry (no format {FORMAT_NAME!r})")
    version = record.get("formatVersion")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BackupLineError(1, f"formatVersion is {version!r}, not a positive integer")
    if version > FORMAT_VERSION:
        raise BackupLineError(
            1,
            f"the file is format version {version}, newer than this release reads "
            f"({FORMAT_VERSION}); import it with the release that wrote it "
            f"({record.get('registryVersion')}) or a newer one",
        )
    revision = record.get("revision")
    if not isinstance(revision, str):
        raise BackupLineError(1, "revision is missing")
    columns: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    tables = record.get("tables")
    if not isinstance(tables, list):
        raise BackupLineError(1, "tables is not a list")
    for entry in tables:
        name, names, rows = _table_entry(entry)
        table = _BY_NAME.get(name)
        if table is None:
            raise BackupLineError(1, f"the table {name!r} is not one of this release's")
        unknown = [column for column in names if column not in table.c]
        if unknown:
            raise BackupLineError(1, f"the table {name} has no column {unknown[0]!r} here")
        columns[name], counts[name] = names, rows
    return Header(
        format_version=version,
        registry_version=str(record.get("registryVersion")),
        revision=revision,
        exported_at=str(record.get("exportedAt")),
        columns=columns,
        counts=counts,
    )


def _table_entry(entry: object) -> tuple[str, list[str], int]:
    if not isinstance(entry, dict):
        raise BackupLineError(1, "a table entry is not an object")
    name, names, rows = entry.get("name"), entry.get("columns"), entry.get("rows")
    if (
        not isinstance(name, str)
        or not isinstance(names, list)
        or not all(isinstance(n, str) for n in names)
        or not isinstance(rows, int)
        or isinstance(rows, bool)
        or rows < 0
    ):
        raise BackupLineError(1, f"the table entry {entry!r} needs a name, columns and rows")
    return name, names, rows


def _json_object(line: int, raw: bytes) -> dict[str, Any]:
    try:
        record = json.loads(raw)
    except UnicodeDecodeError:
        raise BackupLineError(line, "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BackupLineError(line, f"not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise BackupLineError(line, "not a JSON object")
    return record


@dataclass
class _Batch:
    table: sa.Table
    rows: list[tuple[int, dict[str, Any]]]


async def restore(url: str, header: Header, lines: Iterable[bytes], progress: Progress) -> None:
    """Loads the rows into the database at ``url`` (migrated to the file's migration or
    past it) in one transaction: all of them, or, on any refusal, none."""
    engine = engine_for(url)
    try:
        async with engine.connect() as connection, connection.begin():
            await load(connection, header, lines, progress)
    finally:
        await engine.dispose()


async def load(
    connection: AsyncConnection,
    header: Header,
    lines: Iterable[bytes],
    progress: Progress,
) -> None:
    """Inserts the rows that follow the header, inside the caller's transaction, into a
    database that holds no data yet; then moves id sequences past the imported ids."""
    # Every write transaction updates this row first: running writers wait for this one.
    await connection.execute(
        registry_state.update().values(last_sequence=registry_state.c.last_sequence)
    )
    await _check_empty(connection, header)
    seen = dict.fromkeys(header.columns, 0)
    order = [table.name for table in TABLES if table.name in header.columns]
    position = 0
    batch: _Batch | None = None
    number = 1
    for number, raw in enumerate(lines, start=2):
        if not raw.strip():
            raise BackupLineError(number, "an empty line")
        table, row = _row(number, raw, header)
        index = order.index(table.name)
        if index < position:
            raise BackupLineError(number, f"a {table.name} row after the {order[position]} rows")
        position = index
        seen[table.name] += 1
        if seen[table.name] > header.counts[table.name]:
            raise BackupLineError(
                number, f"more {table.name} rows than the {header.counts[table.name]} announced"
            )
        if batch is not None and (batch.table is not table or len(batch.rows) >= BATCH):
            await _insert(connection, batch)
            if batch.table is not table:
                progress(batch.table.name, seen[batch.table.name])
            batch = None
        if batch is None:
            batch = _Batch(table, [])
        batch.rows.append((number, row))
    if batch is not None:
        await _insert(connection, batch)
        progress(batch.table.name, seen[batch.table.name])
    for name, expected in header.counts.items():
        if seen[name] != expected:
            raise BackupError(
                f"the file ends after line {number} with {seen[name]} of the {expected} "
                f"{name} rows its header announces: it is incomplete"
            )
    await _advance_sequences(connection, header)


async def _check_empty(connection: AsyncConnection, header: Header) -> None:
    held = []
    # The tables the file's migration has (the target was migrated to it, or past it).
    for table in (t for t in TABLES if t.name in header.columns):
        if table is registry_state:
            last = await connection.scalar(sa.select(sa.func.max(registry_state.c.last_sequence)))
            if last:
                held.append(f"events up to sequence {last}")
            continue
        count = await connection.scalar(sa.select(sa.func.count()).select_from(table))
        if count:
            held.append(f"{count} {table.name} rows")
    if held:
        raise BackupError(
            "the target database already holds data (" + ", ".join(held) + "); import "
            "restores into an empty database only: point REGISTRY_DATABASE_URL at a new one"
        )


def _row(number: int, raw: bytes, header: Header) -> tuple[sa.Table, dict[str, Any]]:
    record = _json_object(number, raw)
    name, row = record.get("table"), record.get("row")
    if not isinstance(name, str) or name not in header.columns:
        raise BackupLineError(number, f"the table {name!r} is not in the header")
    if not isinstance(row, dict):
        raise BackupLineError(number, "row is not an object")
    expected = header.columns[name]
    if sorted(row) != sorted(expected):
        missing = sorted(set(expected) - set(row))
        extra = sorted(set(row) - set(expected))
        raise BackupLineError(
            number, f"the {name} row has columns missing {missing} or unexpected {extra}"
        )
    table = _BY_NAME[name]
    for column_name, value in row.items():
        problem = _value_problem(table.c[column_name], value)
        if problem is not None:
            raise BackupLineError(number, f"{name}.{column_name} {problem}")
        if isinstance(table.c[column_name].type, sa.Float) and isinstance(value, int):
            row[column_name] = float(value)
    return table, row


def _value_problem(column: sa.Column[Any], value: object) -> str | None:
    """What is wrong with ``value`` for ``column`` (None: nothing), checked here so that
    each refusal names its line; the database checks references and uniqueness."""
    if value is None:
        return None if column.nullable else "is null"
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return None if isinstance(value, bool) else f"is {value!r}, not true or false"
    if isinstance(value, bool):
        return f"is {value!r}, not a {kind.python_type.__name__}"
    if isinstance(kind, sa.Integer):
        if not isinstance(value, int):
            return f"is {value!r}, not an integer"
        bits = 63 if isinstance(kind, sa.BigInteger) else 31
        return None if -(2**bits) <= value < 2**bits else f"is {value}, out of range"
    if isinstance(kind, sa.Float):
        ok = isinstance(value, int | float) and math.isfinite(value)
        return None if ok else f"is {value!r}, not a number"
    if isinstance(kind, sa.String):
        if not isinstance(value, str):
            return f"is {value!r}, not text"
        if kind.length is not None and len(value) > kind.length:
            return f"is {len(value)} characters long, over {kind.length}"
        if "\x00" in value:
            return "holds a NUL character"
        try:
            value.encode()
        except UnicodeEncodeError:
            return "holds text that is not valid Unicode"
        return None
    return f"has a type ({kind}) this release cannot import"


async def _insert(connection: AsyncConnection, batch: _Batch) -> None:
    if batch.table is registry_state:
        for _, row in batch.rows:
            await connection.execute(registry_state.update().values(row))
        return
    try:
        async with connection.begin_nested():
            await connection.execute(batch.table.insert(), [row for _, row in batch.rows])
        return
    except (sa.exc.IntegrityError, sa.exc.DataError):
        pass
    # Row by row, to name the line the database refuses.
    for number, row in batch.rows:
        try:
            async with connection.begin_nested():
                await connection.execute(batch.table.insert(), [row])
        except (sa.exc.IntegrityError, sa.exc.DataError) as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise BackupLineError(
                number, f"the database refuses the {batch.table.name} row: {reason}"
            ) from None
    raise BackupError(f"the database refused a batch of {batch.table.name} rows")


async def _advance_sequences(connection: AsyncConnection, header: Header) -> None:
    """PostgreSQL hands out ids from sequences, which inserted ids do not move: set each
    past the largest id, or the next registration would collide. SQLite takes the
    largest rowid plus one by itself."""
    if connection.dialect.name != "postgresql":
        return
    for table in (t for t in TABLES if t.name in header.columns):
        column = table.autoincrement_column
        if column is None:
            continue
        largest = await connection.scalar(sa.select(sa.func.max(column)))
        if largest is None:
            continue
        sequence = sa.func.pg_get_serial_sequence(table.name, column.name)
        await connection.execute(sa.select(sa.func.setval(sequence, largest)))
