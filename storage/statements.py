"""Statements built and compiled once per dialect, run with bound parameters.

``databases`` compiles the SQLAlchemy construct it is given on every call, which costs
more than the database's own work for the registry's small indexed queries. A
``Statement`` is compiled on first use for each dialect; a call only orders its
parameters and hands the SQL to the driver of the connection ``databases`` holds
(transactions, pools and the SQLite lock stay with ``databases`` and the store).

Rows come back as ``databases`` gave them: asyncpg records on PostgreSQL (typed by the
driver), and on SQLite mappings whose values went through the column types' result
processors (booleans from integers).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiosqlite
from databases.core import Connection
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.dialects.sqlite.pysqlite import dialect as pysqlite_dialect
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

logger = logging.getLogger(__name__)

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


def _dialects() -> dict[str, Dialect]:
    sqlite = pysqlite_dialect(paramstyle="qmark")
    postgres = asyncpg_dialect()  # type: ignore[no-untyped-call]  # "$1" parameters
    return {SQLITE: sqlite, POSTGRESQL: postgres}


_DIALECTS = _dialects()
# A parameter slot: the caller's value by name, or a literal fixed by the construct.
_NO_DEFAULT = object()


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    # For each positional parameter: its name, its value when the caller gives none
    # (_NO_DEFAULT: the caller must) and the type's bind processor.
    slots: tuple[tuple[str, Any, Callable[[Any], Any] | None], ...]
    # Result columns by name, with the type's result processor (SQLite only).
    columns: tuple[tuple[str, Callable[[Any], Any] | None], ...]

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        values = []
        for name, default, process in self.slots:
            value = params.get(name, default)
            if value is _NO_DEFAULT:
                raise KeyError(f"no value for the statement parameter {name!r}")
            values.append(value if process is None else process(value))
        return values


def _compile(construct: ClauseElement, dialect_name: str) -> Compiled:
    dialect = _DIALECTS[dialect_name]
    compiled = construct.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    defaults = compiled.construct_params(_check=False) or {}
    processors: Mapping[str, Any] = compiled._bind_processors
    slots = tuple(
        (
            name,
            _NO_DEFAULT if compiled.binds[name].required else defaults[name],
            processors.get(name),
        )
        for name in compiled.positiontup or ()
    )
    columns = tuple(
        (
            keyname,
            type_._cached_result_processor(dialect, None) if dialect_name == SQLITE else None,
        )
        for keyname, _name, _objects, type_ in compiled._result_columns or ()
    )
    return Compiled(compiled.string, slots, columns)


class Statement:
    """One statement shape; ``build`` makes its construct for a dialect (most ignore
    it; an upsert differs). Parameters are ``sa.bindparam``s named at the call."""

    __slots__ = ("_build", "_compiled", "name")

    def __init__(self, name: str, build: Callable[[str], ClauseElement]) -> None:
        self.name = name
        self._build = build
        self._compiled: dict[str, Compiled] = {}

    def compiled(self, dialect_name: str) -> Compiled:
        found = self._compiled.get(dialect_name)
        if found is None:
            found = self._compiled[dialect_name] = _compile(self._build(dialect_name), dialect_name)
        return found


def statement(name: str, construct: ClauseElement) -> Statement:
    """A statement whose construct is the same for every dialect."""
    return Statement(name, lambda _dialect: construct)


def _raw(connection: Connection) -> tuple[Any, str]:
    raw = connection.raw_connection
    return raw, SQLITE if isinstance(raw, aiosqlite.Connection) else POSTGRESQL


async def fetch_all(
    connection: Connection, statement: Statement, **params: Any
) -> list[Mapping[str, Any]]:
    raw, dialect_name = _raw(connection)
    compiled = statement.compiled(dialect_name)
    arguments = compiled.arguments(params)
    logger.debug("statement %s", statement.name)
    if dialect_name == POSTGRESQL:
        return list(await raw.fetch(compiled.sql, *arguments))
    # One trip to aiosqlite's thread for the statement and its rows.
    rows = await raw.execute_fetchall(compiled.sql, arguments)
    columns = compiled.columns
    return [
        {
            name: value if process is None else process(value)
            for (name, process), value in zip(columns, row, strict=True)
        }
        for row in rows
    ]


async def fetch_one(
    connection: Connection, statement: Statement, **params: Any
) -> Mapping[str, Any] | None:
    rows = await fetch_all(connection, statement, **params)
    return rows[0] if rows else None


async def fetch_value(connection: Connection, statement: Statement, **params: Any) -> Any:
    row = await fetch_one(connection, statement, **params)
    return None if row is None else next(iter(row.values()))


async def execute(connection: Connection, statement: Statement, **params: Any) -> None:
    raw, dialect_name = _raw(connection)
    compiled = statement.compiled(dialect_name)
    arguments = compiled.arguments(params)
    logger.debug("statement %s", statement.name)
    if dialect_name == POSTGRESQL:
        await raw.execute(compiled.sql, *arguments)
    else:
        await raw.execute_fetchall(compiled.sql, arguments)
