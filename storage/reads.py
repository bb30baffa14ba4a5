"""Read queries, shared by the store and its write transactions."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from collections.abc import Sequence as Seq
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

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
from storage import statements
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


def _by_deletion(column: Any, include_deleted: bool, deleted_only: bool) -> Any:
    """The condition on a ``deleted`` column for Confluent's listing filters (None: any)."""
    if deleted_only:
        return column.is_(True)
    if include_deleted:
        return None
    return column.is_(False)


def _versions_of_subject() -> Any:
    return (
        sa.select(*VERSION_COLUMNS)
        .select_from(VERSION_JOIN)
        .where(subject_versions.c.subject == sa.bindparam("subject"))
    )


_LIVE = subject_versions.c.deleted.is_(False)
_GET_SCHEMA = statement(
    "get_schema",
    sa.select(schemas).where(
        schemas.c.id == sa.bindparam("id"),
        sa.exists().where(subject_versions.c.schema_id == schemas.c.id),
    ),
)
_GET_SUBJECT = statement(
    "get_subject", sa.select(subjects).where(subjects.c.name == sa.bindparam("subject"))
)
_VERSION = {
    include_deleted: statement(
        "get_version",
        _versions_of_subject().where(
            subject_versions.c.version == sa.bindparam("version"),
            *(() if include_deleted else (_LIVE,)),
        ),
    )
    for include_deleted in (False, True)
}
_LATEST_VERSION = statement(
    "get_latest_version",
    _versions_of_subject().where(_LIVE).order_by(subject_versions.c.version.desc()).limit(1),
)
_LIVE_VERSIONS = statement(
    "list_live_versions",
    _versions_of_subject().where(_LIVE).order_by(subject_versions.c.version),
)
ALL_VERSIONS = statement(
    "list_all_versions", _versions_of_subject().order_by(subject_versions.c.version)
)
_BY_FINGERPRINT = {
    # As Confluent answers a lookup of deleted versions: the latest holding it.
    True: statement(
        "find_version_by_fingerprint",
        _versions_of_subject()
        .where(schemas.c.fingerprint == sa.bindparam("fingerprint"))
        .order_by(subject_versions.c.version.desc())
        .limit(1),
    ),
    False: statement(
        "find_version_by_fingerprint",
        _versions_of_subject()
        .where(schemas.c.fingerprint == sa.bindparam("fingerprint"), _LIVE)
        .order_by(subject_versions.c.version)
        .limit(1),
    ),
}
_SCOPE_CONFIG = statement(
    "get_scope_config", sa.select(configs).where(configs.c.subject == sa.bindparam("scope"))
)


def _among_names(column: Any, dialect: str) -> Any:
    """``column`` is one of the ``names`` parameter's values (a list), as one parameter
    whatever its length, so the statement compiles once."""
    if dialect == statements.POSTGRESQL:
        return column == sa.func.any(sa.bindparam("names", type_=ARRAY(sa.String)))
    # SQLite: the list as a JSON array (the JSON type's bind processor encodes it).
    listed: Any = sa.select(sa.column("value")).select_from(
        sa.func.json_each(sa.bindparam("names", type_=sa.JSON))
    )
    return column.in_(listed.scalar_subquery())


def _subjects_versions(include_deleted: bool) -> Statement:
    def build(dialect: str) -> Any:
        versions_on = [subject_versions.c.subject == subjects.c.name]
        if not include_deleted:
            versions_on.append(_LIVE)
        return (
            sa.select(subjects.c.name, subjects.c.deleted, subject_versions.c.version)
            .select_from(subjects.outerjoin(subject_versions, sa.and_(*versions_on)))
            .where(_among_names(subjects.c.name, dialect))
            .order_by(subjects.c.name, subject_versions.c.version)
        )

    return Statement("get_subjects", build)


def _latest_versions(dialect: str) -> Any:
    newer = sa.alias(subject_versions, "newer")
    return (
        sa.select(*VERSION_COLUMNS)
        .select_from(VERSION_JOIN)
        .where(
            _among_names(subject_versions.c.subject, dialect),
            _LIVE,
            ~sa.exists().where(
                newer.c.subject == subject_versions.c.subject,
                newer.c.version > subject_versions.c.version,
                newer.c.deleted.is_(False),
            ),
        )
    )


_SCOPE_CONFIGS = Statement(
    "get_scope_configs",
    lambda dialect: sa.select(configs).where(_among_names(configs.c.subject, dialect)),
)
_SUBJECTS_VERSIONS = {flag: _subjects_versions(flag) for flag in (False, True)}
_LATEST_VERSIONS = Statement("get_latest_versions", _latest_versions)


def _paged_shape(query: Any, page: Page | None) -> Any:
    """The page as parameters (``offset``, ``limit``), so each shape compiles once."""
    if page is None:
        return query
    if page.offset:
        query = query.offset(sa.bindparam("offset"))
    if page.limit is not None:
        query = query.limit(sa.bindparam("limit"))
    return query


def _page_values(page: Page | None) -> dict[str, int]:
    if page is None:
        return {}
    values = {"offset": page.offset} if page.offset else {}
    if page.limit is not None:
        values["limit"] = page.limit
    return values


@functools.cache
def _list_subjects(
    include_deleted: bool, deleted_only: bool, has_prefix: bool, page: Page | None
) -> Statement:
    query = sa.select(subjects.c.name).order_by(subjects.c.name)
    condition = _by_deletion(subjects.c.deleted, include_deleted, deleted_only)
    if condition is not None:
        query = query.where(condition)
    if has_prefix:
        # Compare a slice rather than LIKE so '%' and '_' in prefixes stay literal.
        query = query.where(
            sa.func.substr(subjects.c.name, 1, sa.bindparam("prefix_length", type_=sa.Integer))
            == sa.bindparam("prefix", type_=sa.String)
        )
    return statement("list_subjects", _paged_shape(query, page))


@functools.cache
def _list_versions(include_deleted: bool, deleted_only: bool, page: Page | None) -> Statement:
    query = (
        sa.select(subject_versions.c.version)
        .where(subject_versions.c.subject == sa.bindparam("subject"))
        .order_by(subject_versions.c.version)
    )
    condition = _by_deletion(subject_versions.c.deleted, include_deleted, deleted_only)
    if condition is not None:
        query = query.where(condition)
    return statement("list_versions", _paged_shape(query, page))


def _shape(page: Page | None) -> Page | None:
    """What of a page decides a statement's shape (which of offset and limit it has)."""
    if page is None:
        return None
    return Page(1 if page.offset else 0, None if page.limit is None else 1)


def _scope_config_of(row: Mapping[str, Any] | None) -> ScopeConfig:
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

    async def _rows(self, prepared: Statement, **params: Any) -> list[Mapping[str, Any]]:
        async with self._session() as conn:
            return await statements.fetch_all(conn, prepared, **params)

    async def _row(self, prepared: Statement, **params: Any) -> Mapping[str, Any] | None:
        rows = await self._rows(prepared, **params)
        return rows[0] if rows else None

    async def get_schema(self, schema_id: SchemaId) -> Schema | None:
        row = await self._row(_GET_SCHEMA, id=schema_id)
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
        prepared = _list_subjects(
            include_deleted and not deleted_only, deleted_only, bool(prefix), _shape(page)
        )
        params: dict[str, Any] = _page_values(page)
        if prefix:
            params.update(prefix=prefix, prefix_length=len(prefix))
        return [SubjectName(row["name"]) for row in await self._rows(prepared, **params)]

    async def get_subject(self, name: SubjectName, include_deleted: bool = False) -> Subject | None:
        found = await self.get_subjects([name], include_deleted)
        return found[0] if found else None

    async def get_subjects(
        self, names: Seq[SubjectName], include_deleted: bool = False
    ) -> list[Subject]:
        """The subjects named (those that exist; soft-deleted ones with
        ``include_deleted``) with their version numbers, in name order, in one query."""
        if not names:
            return []
        rows = await self._rows(_SUBJECTS_VERSIONS[include_deleted], names=list(names))
        found: dict[str, tuple[bool, list[Version]]] = {}
        for row in rows:
            _, versions = found.setdefault(row["name"], (bool(row["deleted"]), []))
            if row["version"] is not None:
                versions.append(Version(row["version"]))
        return [
            Subject(name=SubjectName(name), versions=tuple(versions), is_deleted=is_deleted)
            for name, (is_deleted, versions) in found.items()
            if include_deleted or not is_deleted
        ]

    async def get_version(
        self, subject: SubjectName, version: Version, include_deleted: bool = False
    ) -> SchemaVersion | None:
        row = await self._row(_VERSION[include_deleted], subject=subject, version=version)
        return None if row is None else version_of(row)

    async def list_versions(
        self,
        subject: SubjectName,
        *,
        include_deleted: bool = False,
        deleted_only: bool = False,
        page: Page | None = None,
    ) -> list[Version]:
        prepared = _list_versions(include_deleted and not deleted_only, deleted_only, _shape(page))
        rows = await self._rows(prepared, subject=subject, **_page_values(page))
        return [Version(row["version"]) for row in rows]

    async def list_live_versions(self, subject: SubjectName) -> list[SchemaVersion]:
        return [version_of(row) for row in await self._rows(_LIVE_VERSIONS, subject=subject)]

    async def get_latest_version(self, subject: SubjectName) -> SchemaVersion | None:
        row = await self._row(_LATEST_VERSION, subject=subject)
        return None if row is None else version_of(row)

    async def get_latest_versions(
        self, subjects: Seq[SubjectName]
    ) -> dict[SubjectName, SchemaVersion]:
        """The newest live version of each subject that has one, in one query."""
        if not subjects:
            return {}
        rows = await self._rows(_LATEST_VERSIONS, names=list(subjects))
        return {SubjectName(row["subject"]): version_of(row) for row in rows}

    async def find_version_by_fingerprint(
        self, subject: SubjectName, fingerprint: str, include_deleted: bool = False
    ) -> SchemaVersion | None:
        prepared = _BY_FINGERPRINT[include_deleted]
        row = await self._row(prepared, subject=subject, fingerprint=fingerprint)
        return None if row is None else version_of(row)

    async def get_scope_config(self, subject: SubjectName | None) -> ScopeConfig:
        scope = GLOBAL_SCOPE if subject is None else subject
        return _scope_config_of(await self._row(_SCOPE_CONFIG, scope=scope))

    async def get_scope_configs(self, subjects: Seq[SubjectName | None]) -> list[ScopeConfig]:
        scopes = [GLOBAL_SCOPE if subject is None else subject for subject in subjects]
        rows = {row["subject"]: row for row in await self._rows(_SCOPE_CONFIGS, names=scopes)}
        return [_scope_config_of(rows.get(scope)) for scope in scopes]

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
