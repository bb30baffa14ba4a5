"""The registry's ports on ``databases``: PostgreSQL through asyncpg, SQLite through aiosqlite."""

from __future__ import annotations

import asyncio
import enum
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Mapping
from collections.abc import Sequence as Seq
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
import sqlalchemy as sa
from databases import Database
from databases.core import Connection

from registry.errors import StorageUnavailableError
from registry.model import (
    ChangeEvent,
    CompatibilityLevel,
    CompatibilityPolicy,
    EventKind,
    RegistryMode,
    Schema,
    SchemaFormat,
    SchemaVersion,
    ScopeConfig,
    Subject,
)
from registry.types import SchemaId, Sequence, SubjectName, Version
from storage.tables import (
    GLOBAL_SCOPE,
    configs,
    events,
    registry_state,
    schemas,
    subject_versions,
    subjects,
)

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


def _schema_of(row: Mapping[str, Any], prefix: str = "") -> Schema:
    return Schema(
        id=SchemaId(row[f"{prefix}id"]),
        format=SchemaFormat(row[f"{prefix}format"]),
        text=row[f"{prefix}schema_text"],
        fingerprint=row[f"{prefix}fingerprint"],
    )


_VERSION_COLUMNS = (
    subject_versions.c.subject,
    subject_versions.c.version,
    subject_versions.c.deleted,
    schemas.c.id,
    schemas.c.format,
    schemas.c.schema_text,
    schemas.c.fingerprint,
)
_VERSION_JOIN = subject_versions.join(schemas, subject_versions.c.schema_id == schemas.c.id)


def _version_of(row: Mapping[str, Any]) -> SchemaVersion:
    return SchemaVersion(
        subject=SubjectName(row["subject"]),
        version=Version(row["version"]),
        schema=_schema_of(row),
        is_deleted=bool(row["deleted"]),
    )


def _event_of(row: Mapping[str, Any]) -> ChangeEvent:
    has_schema = row["kind"] == EventKind.REGISTERED.value and row["schema_text"] is not None
    compatibility = row["compatibility"]
    return ChangeEvent(
        sequence=Sequence(row["sequence"]),
        kind=EventKind(row["kind"]),
        subject=SubjectName(row["subject"]) if row["subject"] is not None else None,
        version=Version(row["version"]) if row["version"] is not None else None,
        schema_id=SchemaId(row["schema_id"]) if row["schema_id"] is not None else None,
        schema_text=row["schema_text"] if has_schema else None,
        schema_format=SchemaFormat(row["format"]) if has_schema else None,
        compatibility=CompatibilityLevel(compatibility) if compatibility else None,
        is_permanent=bool(row["permanent"]),
        created_at=float(row["created_at"]),
    )


logger = logging.getLogger(__name__)

_E = TypeVar("_E", bound=enum.Enum)


def _enum_or_none(kind: type[_E], value: str | None) -> _E | None:
    return None if value is None else kind(value)


def _rows(records: list[Any]) -> list[Mapping[str, Any]]:
    return [record._mapping for record in records]


class _Reads:
    """Read queries; subclasses decide which connection they run on."""

    def _session(self) -> Any:
        raise NotImplementedError

    async def _fetch_all(self, query: Any) -> list[Mapping[str, Any]]:
        async with self._session() as conn:
            return _rows(await conn.fetch_all(query))

    async def _fetch_one(self, query: Any) -> Mapping[str, Any] | None:
        async with self._session() as conn:
            record = await conn.fetch_one(query)
        return None if record is None else record._mapping

    async def get_schema(self, schema_id: SchemaId) -> Schema | None:
        referenced = sa.exists().where(subject_versions.c.schema_id == schemas.c.id)
        row = await self._fetch_one(sa.select(schemas).where(schemas.c.id == schema_id, referenced))
        return None if row is None else _schema_of(row)

    async def list_schema_versions(self, schema_id: SchemaId) -> list[SchemaVersion]:
        query = (
            sa.select(*_VERSION_COLUMNS)
            .select_from(_VERSION_JOIN)
            .where(subject_versions.c.schema_id == schema_id, subject_versions.c.deleted.is_(False))
            .order_by(subject_versions.c.subject, subject_versions.c.version)
        )
        return [_version_of(row) for row in await self._fetch_all(query)]

    async def list_subjects(
        self, prefix: str | None = None, include_deleted: bool = False
    ) -> list[SubjectName]:
        query = sa.select(subjects.c.name).order_by(subjects.c.name)
        if not include_deleted:
            query = query.where(subjects.c.deleted.is_(False))
        if prefix:
            # Compare a slice rather than LIKE so '%' and '_' in prefixes stay literal.
            query = query.where(sa.func.substr(subjects.c.name, 1, len(prefix)) == prefix)
        return [SubjectName(row["name"]) for row in await self._fetch_all(query)]

    async def get_subject(self, name: SubjectName, include_deleted: bool = False) -> Subject | None:
        row = await self._fetch_one(sa.select(subjects).where(subjects.c.name == name))
        if row is None or (row["deleted"] and not include_deleted):
            return None
        query = (
            sa.select(subject_versions.c.version)
            .where(subject_versions.c.subject == name)
            .order_by(subject_versions.c.version)
        )
        if not include_deleted:
            query = query.where(subject_versions.c.deleted.is_(False))
        versions = tuple(Version(r["version"]) for r in await self._fetch_all(query))
        return Subject(name=name, versions=versions, is_deleted=bool(row["deleted"]))

    def _versions_query(self, subject: SubjectName) -> Any:
        return (
            sa.select(*_VERSION_COLUMNS)
            .select_from(_VERSION_JOIN)
            .where(subject_versions.c.subject == subject)
            .order_by(subject_versions.c.version)
        )

    async def get_version(
        self, subject: SubjectName, version: Version, include_deleted: bool = False
    ) -> SchemaVersion | None:
        query = self._versions_query(subject).where(subject_versions.c.version == version)
        if not include_deleted:
            query = query.where(subject_versions.c.deleted.is_(False))
        row = await self._fetch_one(query)
        return None if row is None else _version_of(row)

    async def list_live_versions(self, subject: SubjectName) -> list[SchemaVersion]:
        query = self._versions_query(subject).where(subject_versions.c.deleted.is_(False))
        return [_version_of(row) for row in await self._fetch_all(query)]

    async def get_latest_version(self, subject: SubjectName) -> SchemaVersion | None:
        query = (
            self._versions_query(subject)
            .where(subject_versions.c.deleted.is_(False))
            .order_by(None)
            .order_by(subject_versions.c.version.desc())
            .limit(1)
        )
        row = await self._fetch_one(query)
        return None if row is None else _version_of(row)

    async def find_version_by_fingerprint(
        self, subject: SubjectName, fingerprint: str
    ) -> SchemaVersion | None:
        query = (
            self._versions_query(subject)
            .where(subject_versions.c.deleted.is_(False), schemas.c.fingerprint == fingerprint)
            .limit(1)
        )
        row = await self._fetch_one(query)
        return None if row is None else _version_of(row)

    async def get_scope_config(self, subject: SubjectName | None) -> ScopeConfig:
        scope = GLOBAL_SCOPE if subject is None else subject
        row = await self._fetch_one(sa.select(configs).where(configs.c.subject == scope))
        if row is None:
            return ScopeConfig()
        return ScopeConfig(
            compatibility=_enum_or_none(CompatibilityLevel, row["compatibility"]),
            policy=_enum_or_none(CompatibilityPolicy, row["policy"]),
            mode=_enum_or_none(RegistryMode, row["mode"]),
        )

    async def get_compatibility(self, subject: SubjectName | None) -> CompatibilityLevel | None:
        return (await self.get_scope_config(subject)).compatibility

    async def list_events_after(self, sequence: Sequence, limit: int) -> list[ChangeEvent]:
        query = (
            sa.select(events, schemas.c.schema_text, schemas.c.format)
            # Only registrations carry their schema text; deletions need not fetch it.
            .select_from(
                events.outerjoin(
                    schemas,
                    sa.and_(
                        events.c.schema_id == schemas.c.id,
                        events.c.kind == EventKind.REGISTERED.value,
                    ),
                )
            )
            .where(events.c.sequence > sequence)
            .order_by(events.c.sequence)
            .limit(limit)
        )
        return [_event_of(row) for row in await self._fetch_all(query)]

    async def get_last_sequence(self) -> Sequence:
        row = await self._fetch_one(
            sa.select(registry_state.c.last_sequence).where(registry_state.c.id == 1)
        )
        return Sequence(0 if row is None else int(row["last_sequence"]))


class _Transaction(_Reads):
    """The writer port, bound to one connection inside one transaction."""

    def __init__(self, connection: Connection, *, is_postgres: bool = False) -> None:
        self._connection = connection
        self._is_postgres = is_postgres

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[Connection]:
        yield self._connection

    async def list_all_versions(self, subject: SubjectName) -> list[SchemaVersion]:
        return [_version_of(row) for row in await self._fetch_all(self._versions_query(subject))]

    async def find_schema_by_fingerprint(self, fingerprint: str) -> Schema | None:
        row = await self._fetch_one(sa.select(schemas).where(schemas.c.fingerprint == fingerprint))
        return None if row is None else _schema_of(row)

    async def find_schema_by_id(self, schema_id: SchemaId) -> Schema | None:
        row = await self._fetch_one(sa.select(schemas).where(schemas.c.id == schema_id))
        return None if row is None else _schema_of(row)

    async def insert_schema(
        self,
        format: SchemaFormat,
        text: str,
        fingerprint: str,
        schema_id: SchemaId | None = None,
    ) -> Schema:
        values: dict[str, Any] = {
            "fingerprint": fingerprint,
            "format": format.value,
            "schema_text": text,
            "created_at": time.time(),
        }
        if schema_id is not None:
            values["id"] = schema_id
        query = schemas.insert().values(values).returning(schemas.c.id)
        new_id = await self._connection.fetch_val(query)
        if "id" in values and self._is_postgres:
            # An explicit id does not advance the serial sequence: move it past the
            # highest id so later automatic ids never collide. (SQLite's rowid already
            # follows the highest id.)
            await self._connection.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('schemas', 'id'), "
                    "(SELECT MAX(id) FROM schemas))"
                )
            )
        return Schema(id=SchemaId(int(new_id)), format=format, text=text, fingerprint=fingerprint)

    async def insert_version(
        self, subject: SubjectName, version: Version, schema_id: SchemaId
    ) -> None:
        now = time.time()
        existing = await self._fetch_one(
            sa.select(subjects.c.name).where(subjects.c.name == subject)
        )
        if existing is None:
            await self._connection.execute(
                subjects.insert().values(name=subject, deleted=False, created_at=now)
            )
        else:
            await self._connection.execute(
                subjects.update().where(subjects.c.name == subject).values(deleted=False)
            )
        await self._connection.execute(
            subject_versions.insert().values(
                subject=subject,
                version=version,
                schema_id=schema_id,
                deleted=False,
                created_at=now,
            )
        )

    async def get_next_version(self, subject: SubjectName) -> Version:
        highest = await self._connection.fetch_val(
            sa.select(sa.func.max(subject_versions.c.version)).where(
                subject_versions.c.subject == subject
            )
        )
        return Version(1 if highest is None else int(highest) + 1)

    async def soft_delete_versions(self, subject: SubjectName, versions: Seq[Version]) -> None:
        await self._connection.execute(
            subject_versions.update()
            .where(
                subject_versions.c.subject == subject,
                subject_versions.c.version.in_(list(versions)),
            )
            .values(deleted=True)
        )
        await self._sync_subject_deleted(subject)

    async def purge_versions(self, subject: SubjectName, versions: Seq[Version]) -> None:
        await self._connection.execute(
            subject_versions.delete().where(
                subject_versions.c.subject == subject,
                subject_versions.c.version.in_(list(versions)),
            )
        )
        remaining = await self._connection.fetch_val(
            sa.select(sa.func.count()).where(subject_versions.c.subject == subject)
        )
        if not remaining:
            await self._connection.execute(subjects.delete().where(subjects.c.name == subject))
            await self._connection.execute(configs.delete().where(configs.c.subject == subject))
        else:
            await self._sync_subject_deleted(subject)

    async def _sync_subject_deleted(self, subject: SubjectName) -> None:
        live = await self._connection.fetch_val(
            sa.select(sa.func.count()).where(
                subject_versions.c.subject == subject, subject_versions.c.deleted.is_(False)
            )
        )
        await self._connection.execute(
            subjects.update().where(subjects.c.name == subject).values(deleted=not live)
        )

    async def set_compatibility(
        self, subject: SubjectName | None, level: CompatibilityLevel | None
    ) -> None:
        await self._set_scope_value(subject, configs.c.compatibility, level)

    async def set_compatibility_policy(
        self, subject: SubjectName | None, policy: CompatibilityPolicy | None
    ) -> None:
        await self._set_scope_value(subject, configs.c.policy, policy)

    async def set_mode(self, subject: SubjectName | None, mode: RegistryMode | None) -> None:
        await self._set_scope_value(subject, configs.c.mode, mode)

    async def _set_scope_value(
        self, subject: SubjectName | None, column: sa.Column[Any], value: enum.Enum | None
    ) -> None:
        scope = GLOBAL_SCOPE if subject is None else subject
        stored = None if value is None else value.value
        exists = await self._fetch_one(
            sa.select(configs.c.subject).where(configs.c.subject == scope)
        )
        if exists is None:
            if stored is not None:
                await self._connection.execute(
                    configs.insert().values({"subject": scope, column.name: stored})
                )
            return
        await self._connection.execute(
            configs.update().where(configs.c.subject == scope).values({column.name: stored})
        )
        await self._connection.execute(
            configs.delete().where(
                configs.c.subject == scope,
                configs.c.compatibility.is_(None),
                configs.c.policy.is_(None),
                configs.c.mode.is_(None),
            )
        )

    async def append_event(
        self,
        kind: EventKind,
        subject: SubjectName | None,
        *,
        version: Version | None = None,
        schema: Schema | None = None,
        compatibility: CompatibilityLevel | None = None,
        is_permanent: bool = False,
    ) -> ChangeEvent:
        await self._connection.execute(
            registry_state.update()
            .where(registry_state.c.id == 1)
            .values(last_sequence=registry_state.c.last_sequence + 1)
        )
        sequence = Sequence(
            int(
                await self._connection.fetch_val(
                    sa.select(registry_state.c.last_sequence).where(registry_state.c.id == 1)
                )
            )
        )
        now = time.time()
        await self._connection.execute(
            events.insert().values(
                sequence=sequence,
                kind=kind.value,
                subject=subject,
                version=version,
                schema_id=None if schema is None else schema.id,
                compatibility=None if compatibility is None else compatibility.value,
                permanent=is_permanent,
                created_at=now,
            )
        )
        is_registration = kind is EventKind.REGISTERED and schema is not None
        return ChangeEvent(
            sequence=sequence,
            kind=kind,
            subject=subject,
            version=version,
            schema_id=None if schema is None else schema.id,
            schema_text=schema.text if is_registration and schema else None,
            schema_format=schema.format if is_registration and schema else None,
            compatibility=compatibility,
            is_permanent=is_permanent,
            created_at=now,
        )


class DatabaseStore(_Reads):
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
    async def write(self) -> AsyncIterator[_Transaction]:
        async with self._session() as connection, connection.transaction():
            # Taking the registry_state row lock first serializes writers (see tables.py).
            await connection.execute(
                registry_state.update()
                .where(registry_state.c.id == 1)
                .values(last_sequence=registry_state.c.last_sequence)
            )
            yield _Transaction(connection, is_postgres=not self.is_sqlite)

    async def ping(self) -> None:
        async with self._session() as connection:
            await connection.fetch_val(sa.text("SELECT 1"))
