"""The registry's ports on ``databases``: PostgreSQL through asyncpg, SQLite through aiosqlite."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from collections.abc import Sequence as Seq
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import sqlalchemy as sa
from databases import Database
from databases.core import Connection
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from registry.audit import AuditRecord
from registry.errors import StorageUnavailableError
from registry.model import ChangeEvent, SchemaVersion
from registry.types import SubjectName, Version
from storage import statements
from storage.audit import AuditReads
from storage.transaction import LOCK_WRITERS, Transaction
from storage.version_cache import DEFAULT_MAX_SUBJECTS, LATEST, Missing, VersionCache

logger = logging.getLogger(__name__)
# A span per write transaction, from the wait for the writer lock to the commit.
_tracer = trace.get_tracer("llm_schema_registry.storage")

# Driver errors that mean "the database cannot serve us right now", not "bad query".
_UNAVAILABLE = (
    # Refused, reset or timed-out connections (TimeoutError is an OSError).
    OSError,
    # Connection lost mid-query, "connection does not exist", connect failures.
    asyncpg.PostgresConnectionError,
    # A closed connection or pool, a released proxy.
    asyncpg.InterfaceError,
    # The protocol left in a state it cannot go on from by a connection that died
    # mid-operation ("cannot switch to state ...; another operation is in progress").
    asyncpg.InternalClientError,
    # Shutdown, crash recovery, "starting up", a cancelled statement.
    asyncpg.exceptions.OperatorInterventionError,
    # Too many connections, out of memory, disk full.
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.PostgresSystemError,
    asyncpg.exceptions.PostgresIOError,
    # Writes after a failover to a standby that is not promoted yet.
    asyncpg.ReadOnlySQLTransactionError,
    # Misconfiguration (bad credentials, missing database): the server logs the cause.
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidCatalogNameError,
    sqlite3.OperationalError,
)
# Seconds a new pool connection may take; asyncpg's default (60) would hold requests
# that long when PostgreSQL stops answering.
_CONNECT_TIMEOUT = 5.0
# Once an operation has failed because PostgreSQL is unavailable, a probe (``SELECT 1``
# on a pool connection, within _PROBE_TIMEOUT) asks again at once, then after 0.05 s,
# doubling up to _PROBE_MAX_DELAY. While probes fail, operations are refused at once:
# none waits for a connect of its own (up to _CONNECT_TIMEOUT when the server's host
# stops answering) or for a pool slot held by one. The first probe that succeeds lets
# them through again.
_PROBE_TIMEOUT = 1.0
_PROBE_FIRST_DELAY = 0.05
_PROBE_MAX_DELAY = 0.5
_UNAVAILABLE_MESSAGE = "The database is unavailable; retry later."


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


class _QuietPoolFloor(logging.Filter):
    """asyncpg logs a traceback each time it fails to refill the pool to its minimum size
    (every 1, 2, 4... s during an outage). The store already says, once, that the
    database is unavailable: keep asyncpg's lines to one line each, and none while the
    store reports the outage itself."""

    def __init__(self, store: DatabaseStore) -> None:
        super().__init__()
        self._store = store

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            if self._store.is_failing:
                return False
            record.msg = f"{record.getMessage()}: {_describe(record.exc_info[1])}"
            record.args = None
            record.exc_info = None
        return True


class _NoResetConnection(asyncpg.Connection):  # type: ignore[misc]
    """The app never changes session state, so the pool's per-release reset
    (an extra round trip on every request) is skipped."""

    def get_reset_query(self) -> str:
        return ""


class DatabaseStore(AuditReads):
    """``RegistryStore`` and ``AuditLog`` over a ``databases.Database``.

    SQLite: ``databases`` opens a fresh aiosqlite connection per query, several times slower
    than reusing one, so one connection is held for the process and shared under a lock
    (SQLite has a single writer anyway). PostgreSQL: a pool, one connection per task.
    """

    def __init__(
        self,
        url: str,
        *,
        pool_min_size: int = 1,
        pool_max_size: int = 10,
        connect_timeout: float = _CONNECT_TIMEOUT,
        query_timeout: float | None = None,
        version_cache_subjects: int = DEFAULT_MAX_SUBJECTS,
    ) -> None:
        """``query_timeout`` (PostgreSQL): seconds one statement may take before it is
        abandoned as the database being unavailable (a hung server, a network path that
        drops packets), so no request waits on it for ever; None: no limit."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        options: dict[str, Any] = {}
        if not self.is_sqlite:
            options = {
                "min_size": pool_min_size,
                "max_size": pool_max_size,
                "connection_class": _NoResetConnection,
                "timeout": connect_timeout,
                "command_timeout": query_timeout,
            }
        self._database = Database(url, **options)
        self._max_connections = 1 if self.is_sqlite else pool_max_size
        self._held: Connection | None = None
        self._lock = asyncio.Lock()
        # Failures since the database was last seen working (logged when this leaves 0).
        self._failures = 0
        self._pool_filter = _QuietPoolFloor(self)
        # PostgreSQL only: set while probes find the database unavailable.
        self._is_down = False
        self._probe: asyncio.Task[None] | None = None
        self.versions = VersionCache(version_cache_subjects)

    @property
    def is_failing(self) -> bool:
        """Whether the last operation failed because the database was unavailable."""
        return self._failures > 0

    @property
    def is_down(self) -> bool:
        """Whether operations are refused at once: a probe found the database unavailable
        and none has found it available since."""
        return self._is_down

    def pool_connections(self) -> tuple[int, int, int]:
        """Connections (in use, idle, at most): asyncpg's pool on PostgreSQL; on SQLite
        the one held connection, in use while a query holds it."""
        if self._held is not None:
            in_use = int(self._lock.locked())
            return in_use, 1 - in_use, 1
        pool = getattr(self._database._backend, "_pool", None)
        if pool is None:
            return 0, 0, self._max_connections
        idle = pool.get_idle_size()
        return pool.get_size() - idle, idle, pool.get_max_size()

    async def connect(self) -> None:
        if not self.is_sqlite:
            logging.getLogger("asyncpg.pool").addFilter(self._pool_filter)
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
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
            self._probe = None
        if self._held is not None:
            await self._held.__aexit__(None, None, None)
            self._held = None
        await self._database.disconnect()
        logging.getLogger("asyncpg.pool").removeFilter(self._pool_filter)

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[Connection]:
        if self._is_down:
            self._failures += 1
            raise StorageUnavailableError(_UNAVAILABLE_MESSAGE)
        try:
            if self._held is not None:
                async with self._lock:
                    yield self._held
            else:
                async with self._pooled() as connection:
                    yield connection
        except _UNAVAILABLE as exc:
            self._failed(exc)
            self._start_probe()
            raise StorageUnavailableError(_UNAVAILABLE_MESSAGE) from exc
        if self._failures:
            logger.warning("database available again after %d failed operation(s)", self._failures)
            self._failures = 0

    def _failed(self, error: BaseException) -> None:
        # One line when an outage starts, not one per request (each refused request is
        # logged with its code anyway). The driver's text may name hosts and addresses:
        # log it, don't return it.
        self._failures += 1
        if self._failures == 1:
            logger.warning("database unavailable: %s", _describe(error))

    def _start_probe(self) -> None:
        if self.is_sqlite or (self._probe is not None and not self._probe.done()):
            return
        self._probe = asyncio.get_running_loop().create_task(
            self._probe_until_available(), name="database-probe"
        )

    async def _probe_until_available(self) -> None:
        """Asks PostgreSQL whether it answers until it does, refusing operations at once
        meanwhile. One failed operation is not enough to refuse the next: it may have
        been one broken connection, and the first probe, made at once, tells."""
        delay = _PROBE_FIRST_DELAY
        while True:
            try:
                async with asyncio.timeout(_PROBE_TIMEOUT), self._pooled() as connection:
                    await connection.fetch_val(sa.text("SELECT 1"))
            except _UNAVAILABLE:  # a probe that timed out included (TimeoutError)
                if not self._is_down:
                    self._is_down = True
                    await self._expire_pool()
                await asyncio.sleep(delay)
                delay = min(delay * 2, _PROBE_MAX_DELAY)
            else:
                self._is_down = False
                return

    async def _expire_pool(self) -> None:
        # Connections opened before the outage are replaced as they are next acquired:
        # after a failover the old ones may lead to a host that no longer answers.
        pool = getattr(self._database._backend, "_pool", None)
        if pool is not None:
            await pool.expire_connections()

    @asynccontextmanager
    async def _pooled(self) -> AsyncIterator[Connection]:
        """A pool connection for this block only.

        ``Database.connection()`` would hand every block of one task the same
        ``Connection``, and one whose release failed (the server died mid-query) stays
        attached to its task, refusing every later query of a long-lived task such as
        the event hub's poll for good. A fresh one per block is dropped with its error.
        """
        connection = Connection(self._database, self._database._backend)
        await connection.__aenter__()
        try:
            yield connection
        finally:
            try:
                await connection.__aexit__(None, None, None)
            except Exception as exc:
                # asyncpg has terminated the broken connection and returned its slot to
                # the pool, which connects anew on the next acquire. What the block did
                # stands (a commit that succeeded was not undone by a failed release).
                logger.debug("discarded a broken database connection: %s", _describe(exc))

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Transaction]:
        tx: Transaction | None = None
        system = "sqlite" if self.is_sqlite else "postgresql"
        try:
            with _tracer.start_as_current_span(
                "registry.db.write", kind=SpanKind.CLIENT, attributes={"db.system": system}
            ):
                async with self._session() as connection, connection.transaction():
                    # Taking the registry_state row lock first serializes writers (see
                    # tables.py).
                    await statements.execute(connection, LOCK_WRITERS)
                    tx = Transaction(connection, is_postgres=not self.is_sqlite)
                    yield tx
        finally:
            # Before the writer hears of its commit: a read that follows on this replica
            # sees the change (read-your-writes); the hub tells the other replicas.
            for subject in () if tx is None else tx.touched:
                self.versions.forget(subject)

    def observe(self, event: ChangeEvent) -> None:
        """An event this replica applies (the hub calls this for every one, in order)."""
        self.versions.observe(event)

    async def get_version(
        self, subject: SubjectName, version: Version, include_deleted: bool = False
    ) -> SchemaVersion | None:
        if include_deleted:
            return await super().get_version(subject, version, include_deleted)
        cached = self.versions.get(subject, int(version))
        if not isinstance(cached, Missing):
            return cached
        token = self.versions.token(subject)
        found = await super().get_version(subject, version)
        self.versions.put(subject, int(version), found, token)
        return found

    async def get_latest_version(self, subject: SubjectName) -> SchemaVersion | None:
        cached = self.versions.get(subject, LATEST)
        if not isinstance(cached, Missing):
            return cached
        token = self.versions.token(subject)
        found = await super().get_latest_version(subject)
        self.versions.put(subject, LATEST, found, token)
        return found

    async def get_latest_versions(
        self, subjects: Seq[SubjectName]
    ) -> dict[SubjectName, SchemaVersion]:
        """``get_latest_version`` of each subject: cached ones from the cache, the rest
        in one query."""
        found: dict[SubjectName, SchemaVersion] = {}
        missing: list[SubjectName] = []
        for subject in subjects:
            cached = self.versions.get(subject, LATEST)
            if isinstance(cached, Missing):
                missing.append(subject)
            elif cached is not None:
                found[subject] = cached
        if missing:
            tokens = {subject: self.versions.token(subject) for subject in missing}
            loaded = await super().get_latest_versions(missing)
            for subject in missing:
                self.versions.put(subject, LATEST, loaded.get(subject), tokens[subject])
            found.update(loaded)
        return found

    async def append_audit(self, record: AuditRecord) -> AuditRecord:
        """Append ``record`` in a write transaction of its own (for refusals, which change
        nothing else; it waits for the registry-wide writer lock like any write)."""
        async with self.write() as tx:
            return await tx.append_audit(record)

    async def ping(self) -> None:
        async with self._session() as connection:
            await connection.fetch_val(sa.text("SELECT 1"))
