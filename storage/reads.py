"""Read queries, shared by the store and its write transactions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from registry.access import ApiKey, StoredKey
from registry.compatibility import ChangelogEntry, findings_from_records
from registry.model import (
    ChangeClass,
    ChangeEvent,
    CompatibilityLevel,
    CompatibilityPolicy,
    EventKind,
    Page,
    ProviderEnforcement,
    RegistryMode,
    Schema,
    SchemaVersion,
    ScopeConfig,
    Subject,
)
from registry.types import SchemaId, Sequence, SubjectName, Version
from storage.rows import (
    VERSION_COLUMNS,
    VERSION_JOIN,
    api_key_of,
    enum_or_none,
    event_of,
    providers_of,
    rows_of,
    schema_of,
    version_of,
)
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


def _by_deletion(column: Any, include_deleted: bool, deleted_only: bool) -> Any:
    """The condition on a ``deleted`` column for Confluent's listing filters (None: any)."""
    if deleted_only:
        return column.is_(True)
    if include_deleted:
        return None
    return column.is_(False)


def _paged(query: Any, page: Page | None) -> Any:
    """The page is cut by the database (LIMIT/OFFSET), on an ordered query."""
    if page is None:
        return query
    if page.offset:
        query = query.offset(page.offset)
    if page.limit is not None:
        query = query.limit(page.limit)
    return query


class Reads:
    """Read queries; subclasses decide which connection they run on."""

    def _session(self) -> Any:
        raise NotImplementedError

    async def _fetch_all(self, query: Any) -> list[Mapping[str, Any]]:
        async with self._session() as conn:
            return rows_of(await conn.fetch_all(query))

    async def _fetch_one(self, query: Any) -> Mapping[str, Any] | None:
        async with self._session() as conn:
            record = await conn.fetch_one(query)
        return None if record is None else record._mapping

    async def get_schema(self, schema_id: SchemaId) -> Schema | None:
        referenced = sa.exists().where(subject_versions.c.schema_id == schemas.c.id)
        row = await self._fetch_one(sa.select(schemas).where(schemas.c.id == schema_id, referenced))
        return None if row is None else schema_of(row)

    async def list_schema_versions(
        self, schema_id: SchemaId, include_deleted: bool = False
    ) -> list[SchemaVersion]:
        query = (
            sa.select(*VERSION_COLUMNS)
            .select_from(VERSION_JOIN)
            .where(subject_versions.c.schema_id == schema_id)
            .order_by(subject_versions.c.subject, subject_versions.c.version)
        )
        if not include_deleted:
            query = query.where(subject_versions.c.deleted.is_(False))
        return [version_of(row) for row in await self._fetch_all(query)]

    async def list_subjects(
        self,
        prefix: str | None = None,
        include_deleted: bool = False,
        *,
        deleted_only: bool = False,
        page: Page | None = None,
    ) -> list[SubjectName]:
        query = sa.select(subjects.c.name).order_by(subjects.c.name)
        condition = _by_deletion(subjects.c.deleted, include_deleted, deleted_only)
        if condition is not None:
            query = query.where(condition)
        if prefix:
            # Compare a slice rather than LIKE so '%' and '_' in prefixes stay literal.
            query = query.where(sa.func.substr(subjects.c.name, 1, len(prefix)) == prefix)
        query = _paged(query, page)
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
            sa.select(*VERSION_COLUMNS)
            .select_from(VERSION_JOIN)
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
        return None if row is None else version_of(row)

    async def list_versions(
        self,
        subject: SubjectName,
        *,
        include_deleted: bool = False,
        deleted_only: bool = False,
        page: Page | None = None,
    ) -> list[Version]:
        query = (
            sa.select(subject_versions.c.version)
            .where(subject_versions.c.subject == subject)
            .order_by(subject_versions.c.version)
        )
        condition = _by_deletion(subject_versions.c.deleted, include_deleted, deleted_only)
        if condition is not None:
            query = query.where(condition)
        query = _paged(query, page)
        return [Version(row["version"]) for row in await self._fetch_all(query)]

    async def list_live_versions(self, subject: SubjectName) -> list[SchemaVersion]:
        query = self._versions_query(subject).where(subject_versions.c.deleted.is_(False))
        return [version_of(row) for row in await self._fetch_all(query)]

    async def get_latest_version(self, subject: SubjectName) -> SchemaVersion | None:
        query = (
            self._versions_query(subject)
            .where(subject_versions.c.deleted.is_(False))
            .order_by(None)
            .order_by(subject_versions.c.version.desc())
            .limit(1)
        )
        row = await self._fetch_one(query)
        return None if row is None else version_of(row)

    async def find_version_by_fingerprint(
        self, subject: SubjectName, fingerprint: str, include_deleted: bool = False
    ) -> SchemaVersion | None:
        query = self._versions_query(subject).where(schemas.c.fingerprint == fingerprint)
        if include_deleted:
            # As Confluent answers a lookup of deleted versions: the latest holding it.
            query = query.order_by(None).order_by(subject_versions.c.version.desc())
        else:
            query = query.where(subject_versions.c.deleted.is_(False))
        row = await self._fetch_one(query.limit(1))
        return None if row is None else version_of(row)

    async def get_scope_config(self, subject: SubjectName | None) -> ScopeConfig:
        scope = GLOBAL_SCOPE if subject is None else subject
        row = await self._fetch_one(sa.select(configs).where(configs.c.subject == scope))
        if row is None:
            return ScopeConfig()
        return ScopeConfig(
            compatibility=enum_or_none(CompatibilityLevel, row["compatibility"]),
            policy=enum_or_none(CompatibilityPolicy, row["policy"]),
            mode=enum_or_none(RegistryMode, row["mode"]),
            dialect=row["dialect"],
            providers=providers_of(row["providers"]),
            provider_enforcement=enum_or_none(ProviderEnforcement, row["provider_enforcement"]),
        )

    async def list_referencing_versions(
        self, subject: SubjectName, version: Version, include_deleted: bool = False
    ) -> list[SchemaVersion]:
        query = (
            sa.select(*VERSION_COLUMNS)
            .select_from(
                VERSION_JOIN.join(schema_references, schema_references.c.schema_id == schemas.c.id)
            )
            .where(schema_references.c.subject == subject, schema_references.c.version == version)
            # One schema may refer to the same version under two names.
            .distinct()
            .order_by(subject_versions.c.subject, subject_versions.c.version)
        )
        if not include_deleted:
            query = query.where(subject_versions.c.deleted.is_(False))
        return [version_of(row) for row in await self._fetch_all(query)]

    async def list_changelog(self, subject: SubjectName) -> list[ChangelogEntry]:
        query = (
            sa.select(
                subject_versions.c.version,
                subject_versions.c.change,
                subject_versions.c.change_findings,
                subject_versions.c.deleted,
            )
            .where(subject_versions.c.subject == subject)
            .order_by(subject_versions.c.version)
        )
        return [
            ChangelogEntry(
                version=Version(row["version"]),
                change=enum_or_none(ChangeClass, row["change"]),
                findings=findings_from_records(json.loads(row["change_findings"] or "[]")),
                is_deleted=bool(row["deleted"]),
            )
            for row in await self._fetch_all(query)
        ]

    async def get_compatibility(self, subject: SubjectName | None) -> CompatibilityLevel | None:
        return (await self.get_scope_config(subject)).compatibility

    async def list_events_after(self, sequence: Sequence, limit: int) -> list[ChangeEvent]:
        query = (
            sa.select(events, schemas.c.schema_text, schemas.c.format, schemas.c.refs)
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
        return [event_of(row) for row in await self._fetch_all(query)]

    async def get_last_sequence(self) -> Sequence:
        row = await self._fetch_one(
            sa.select(registry_state.c.last_sequence).where(registry_state.c.id == 1)
        )
        return Sequence(0 if row is None else int(row["last_sequence"]))

    async def get_api_key(self, key_id: str) -> StoredKey | None:
        row = await self._fetch_one(sa.select(api_keys).where(api_keys.c.id == key_id))
        return None if row is None else StoredKey(api_key_of(row), row["secret_hash"])

    async def list_api_keys(self) -> list[ApiKey]:
        query = sa.select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
        return [api_key_of(row) for row in await self._fetch_all(query)]
