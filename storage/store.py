"""The registry's ports on ``databases``: PostgreSQL through asyncpg, SQLite through aiosqlite."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import sqlalchemy as sa
from databases import Database
from databases.core import Connection

from registry.errors import StorageUnavailableError
from storage.reads import Reads
from storage.tables import (
    registry_state,
)
from storage.transaction import Transaction

logger = logging.getLogger(__name__)

# Driver errors that mean "the database cannot serve us right now", not "bad query".
_UNAVAILABLE = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.ReadOnlySQLTransactionError,
    asyncpg.QueryCanceledError,
    # Misconfiguration (bad credentials, missing database): the server logs the cause.
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidCatalogNameError,
    sqlite3.OperationalError,
)


class _NoResetConnection(asyncpg.Connection):  # type: ignore[misc]
    """The app never changes session state, so the pool's per-release reset
    (an extra round trip on every request) is skipped."""

    def get_reset_query(self) -> str:
        return ""


class DatabaseStore(Reads):
    """``RegistryStore`` over a ``databases.Database``.

    SQLite: ``databases`` opens a fresh aiosqlite connection per query, several times slower
    than reusing one, so one connection is held for the process and shared under a lock
    (SQLite has a single writer anyway). PostgreSQL: a pool, one connection per task.
    """

    def __init__(self, url: str, *, pool_min_size: int = 1, pool_max_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        options: dict[str, Any] = {}
        if not self.is_sqlite:
            options = {
                "min_size": pool_min_size,
                "max_size": pool_max_size,
                "connection_class": _NoResetConnection,
            }
        self._database = Database(url, **options)
        self._held: Connection | None = None
        self._lock = asyncio.Lock()

    async def connect(self) -> None:
        try:
            await self._database.connect()
            if self.is_sqlite:
                held = Connection(self._database, self._database._backend)
                await held.__aenter__()
                self._held = held
                # WAL lets readers proceed during a write; FULL makes each commit durable.
                for pragma in (
                    "journal_mode=WAL",
                    "synchronous=FULL",
                    "foreign_keys=ON",
                    "busy_timeout=5000",
                ):
                    await held.execute(f"PRAGMA {pragma}")
        except _UNAVAILABLE as exc:
            # Half-open (connected, then a PRAGMA failed): release it, or the SQLite
            # driver's thread keeps the process alive.
            await self.disconnect()
            logger.error("cannot connect to the database: %s", exc)
            raise StorageUnavailableError("Cannot connect to the database.") from exc

    async def disconnect(self) -> None:
        if self._held is not None:
            await self._held.__aexit__(None, None, None)
            self._held = None
        await self._database.disconnect()

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[Connection]:
        try:
            if self._held is not None:
                async with self._lock:
                    yield self._held
            else:
                async with self._database.connection() as connection:
                    yield connection
        except _UNAVAILABLE as exc:
            # The driver's text may name hosts and addresses: log it, don't return it.
            logger.warning("database unavailable: %s", exc)
            raise StorageUnavailableError("The database is unavailable; retry later.") from exc

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Transaction]:
        async with self._session() as connection, connection.transaction():
            # Taking the registry_state row lock first serializes writers (see tables.py).
            await connection.execute(
                registry_state.update()
                .where(registry_state.c.id == 1)
                .values(last_sequence=registry_state.c.last_sequence)
            )
            yield Transaction(connection, is_postgres=not self.is_sqlite)

    async def ping(self) -> None:
        async with self._session() as connection:
            await connection.fetch_val(sa.text("SELECT 1"))
