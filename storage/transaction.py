"""The writer port: one connection, one transaction, writers serialized."""

from __future__ import annotations

import enum
import json
import time
from collections.abc import AsyncIterator
from collections.abc import Sequence as Seq
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from databases.core import Connection
from sqlalchemy.dialects import postgresql, sqlite

from registry.access import ApiKey
from registry.audit import AuditRecord
from registry.compatibility import Incompatibility
from registry.model import (
    ChangeClass,
    ChangeEvent,
    CompatibilityLevel,
    CompatibilityPolicy,
    EventKind,
    ProviderEnforcement,
    ProviderFinding,
    RegistryMode,
    Schema,
    SchemaFormat,
    SchemaReference,
    SchemaVersion,
)
from registry.providers.enforcement import finding_records
from registry.providers.model import Provider
from registry.types import SchemaId, Sequence, SubjectName, Version
from storage import statements
from storage.audit import append_audit
from storage.reads import ALL_VERSIONS, Reads
from storage.rows import providers_text, references_text, schema_of, version_of
from storage.statements import Statement, statement
from storage.tables import (
    GLOBAL_SCOPE,
    api_keys,
    configs,
    events,
    registry_state,
    schema_references,
    schemas,
    subject_versions,
    subjects,
)

_SCHEMA_BY_FINGERPRINT = statement(
    "find_schema_by_fingerprint",
    sa.select(schemas).where(schemas.c.fingerprint == sa.bindparam("fingerprint")),
)
_SCHEMA_BY_ID = statement(
    "find_schema_by_id", sa.select(schemas).where(schemas.c.id == sa.bindparam("id"))
)
_INSERT_SCHEMA = statement(
    "insert_schema",
    schemas.insert()
    .values(
        fingerprint=sa.bindparam("fingerprint"),
        format=sa.bindparam("format"),
        schema_text=sa.bindparam("schema_text"),
        created_at=sa.bindparam("created_at", type_=sa.Float),
        refs=sa.bindparam("refs", type_=sa.Text),
        dialect=sa.bindparam("dialect", type_=sa.String),
    )
    .returning(schemas.c.id),
)
_NEXT_VERSION = statement(
    "get_next_version",
    sa.select(sa.func.max(subject_versions.c.version).label("highest")).where(
        subject_versions.c.subject == sa.bindparam("subject")
    ),
)


def _upsert_subject(dialect: str) -> Any:
    """A new subject, or a soft-deleted one live again, in one statement."""
    insert = (postgresql.insert if dialect == statements.POSTGRESQL else sqlite.insert)(subjects)
    return insert.values(
        name=sa.bindparam("subject"), deleted=False, created_at=sa.bindparam("created_at")
    ).on_conflict_do_update(index_elements=[subjects.c.name], set_={"deleted": False})


_UPSERT_SUBJECT = Statement("upsert_subject", _upsert_subject)
_INSERT_VERSION = statement(
    "insert_version",
    subject_versions.insert().values(
        subject=sa.bindparam("subject"),
        version=sa.bindparam("version"),
        schema_id=sa.bindparam("schema_id"),
        deleted=False,
        created_at=sa.bindparam("created_at", type_=sa.Float),
        change=sa.bindparam("change", type_=sa.String),
        change_findings=sa.bindparam("change_findings", type_=sa.Text),
    ),
)
_NEXT_SEQUENCE = statement(
    "next_sequence",
    registry_state.update()
    .where(registry_state.c.id == 1)
    .values(last_sequence=registry_state.c.last_sequence + 1)
    .returning(registry_state.c.last_sequence),
)
_EVENT_COLUMNS = {
    "sequence": sa.BigInteger,
    "kind": sa.String,
    "subject": sa.String,
    "version": sa.Integer,
    "schema_id": sa.Integer,
    "compatibility": sa.String,
    "permanent": sa.Boolean,
    "created_at": sa.Float,
    "key_id": sa.String,
    "change": sa.String,
    "lint_findings": sa.Text,
}
_INSERT_EVENT = statement(
    "append_event",
    events.insert().values(
        {name: sa.bindparam(name, type_=kind) for name, kind in _EVENT_COLUMNS.items()}
    ),
)
# Taking the registry_state row lock first serializes writers (see tables.py).
LOCK_WRITERS = statement(
    "lock_writers",
    registry_state.update()
    .where(registry_state.c.id == 1)
    .values(last_sequence=registry_state.c.last_sequence),
)


class Transaction(Reads):
    """The writer port, bound to one connection inside one transaction."""

    def __init__(self, connection: Connection, *, is_postgres: bool = False) -> None:
        self._connection = connection
        self._is_postgres = is_postgres
        # Subjects the events appended here name (their cached versions are dropped
        # once the transaction ends, committed or not).
        self.touched: set[SubjectName] = set()

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[Connection]:
        yield self._connection

    async def list_all_versions(self, subject: SubjectName) -> list[SchemaVersion]:
        return [version_of(row) for row in await self._rows(ALL_VERSIONS, subject=subject)]

    async def find_schema_by_fingerprint(self, fingerprint: str) -> Schema | None:
        row = await self._row(_SCHEMA_BY_FINGERPRINT, fingerprint=fingerprint)
        return None if row is None else schema_of(row)

    async def find_schema_by_id(self, schema_id: SchemaId) -> Schema | None:
        row = await self._row(_SCHEMA_BY_ID, id=schema_id)
        return None if row is None else schema_of(row)

    async def insert_schema(
        self,
        format: SchemaFormat,
        text: str,
        fingerprint: str,
        schema_id: SchemaId | None = None,
        *,
        references: tuple[SchemaReference, ...] = (),
        dialect: str | None = None,
    ) -> Schema:
        values: dict[str, Any] = {
            "fingerprint": fingerprint,
            "format": format.value,
            "schema_text": text,
            "created_at": time.time(),
            "refs": references_text(references),
            "dialect": dialect,
        }
        if schema_id is None:
            new_id = await statements.fetch_value(self._connection, _INSERT_SCHEMA, **values)
        else:
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
        if references:
            await self._connection.execute_many(
                schema_references.insert(),
                [
                    {
                        "schema_id": int(new_id),
                        "name": r.name,
                        "subject": r.subject,
                        "version": r.version,
                    }
                    for r in references
                ],
            )
        return Schema(
            id=SchemaId(int(new_id)),
            format=format,
            text=text,
            fingerprint=fingerprint,
            references=references,
            dialect=dialect,
        )

    async def insert_version(
        self,
        subject: SubjectName,
        version: Version,
        schema_id: SchemaId,
        *,
        change: ChangeClass | None = None,
        findings: Seq[Incompatibility] = (),
    ) -> None:
        now = time.time()
        await statements.execute(self._connection, _UPSERT_SUBJECT, subject=subject, created_at=now)
        await statements.execute(
            self._connection,
            _INSERT_VERSION,
            subject=subject,
            version=version,
            schema_id=schema_id,
            created_at=now,
            change=None if change is None else change.value,
            change_findings=(
                None if change is None else json.dumps([item.as_record() for item in findings])
            ),
        )

    async def get_next_version(self, subject: SubjectName) -> Version:
        highest = await statements.fetch_value(self._connection, _NEXT_VERSION, subject=subject)
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

    async def set_dialect(self, subject: SubjectName | None, dialect: str | None) -> None:
        await self._set_scope_value(subject, configs.c.dialect, dialect)

    async def set_providers(
        self, subject: SubjectName | None, providers: tuple[Provider, ...] | None
    ) -> None:
        await self._set_scope_value(subject, configs.c.providers, providers_text(providers))

    async def set_provider_enforcement(
        self, subject: SubjectName | None, enforcement: ProviderEnforcement | None
    ) -> None:
        await self._set_scope_value(subject, configs.c.provider_enforcement, enforcement)

    async def _set_scope_value(
        self, subject: SubjectName | None, column: sa.Column[Any], value: enum.Enum | str | None
    ) -> None:
        scope = GLOBAL_SCOPE if subject is None else subject
        stored = value.value if isinstance(value, enum.Enum) else value
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
                configs.c.dialect.is_(None),
                configs.c.providers.is_(None),
                configs.c.provider_enforcement.is_(None),
            )
        )

    async def insert_api_key(self, key: ApiKey, secret_hash: str) -> None:
        await self._connection.execute(
            api_keys.insert().values(
                id=key.id,
                name=key.name,
                role=key.role.value,
                scopes=json.dumps(list(key.scopes.patterns)),
                secret_hash=secret_hash,
                created_at=key.created_at,
            )
        )

    async def revoke_api_key(self, key_id: str, at: float) -> bool:
        query = (
            api_keys.update()
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=at)
            .returning(api_keys.c.id)
        )
        return await self._connection.fetch_val(query) is not None

    async def append_event(
        self,
        kind: EventKind,
        subject: SubjectName | None,
        *,
        version: Version | None = None,
        schema: Schema | None = None,
        compatibility: CompatibilityLevel | None = None,
        is_permanent: bool = False,
        key_id: str | None = None,
        change: ChangeClass | None = None,
        lint_findings: Seq[ProviderFinding] = (),
    ) -> ChangeEvent:
        sequence = Sequence(int(await statements.fetch_value(self._connection, _NEXT_SEQUENCE)))
        now = time.time()
        await statements.execute(
            self._connection,
            _INSERT_EVENT,
            sequence=sequence,
            kind=kind.value,
            subject=subject,
            version=version,
            schema_id=None if schema is None else schema.id,
            compatibility=None if compatibility is None else compatibility.value,
            permanent=is_permanent,
            created_at=now,
            key_id=key_id,
            change=None if change is None else change.value,
            lint_findings=(json.dumps(finding_records(lint_findings)) if lint_findings else None),
        )
        if subject is not None:
            self.touched.add(subject)
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
            key_id=key_id,
            references=schema.references if is_registration and schema else (),
            change=change,
            lint_findings=tuple(lint_findings),
        )

    async def append_audit(self, record: AuditRecord) -> AuditRecord:
        return await append_audit(self._connection, record)
