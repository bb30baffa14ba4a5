"""Rows to domain records, and the joins they come from."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from typing import Any, TypeVar

from registry.access import ApiKey, Role, SubjectScopes
from registry.model import (
    ChangeClass,
    ChangeEvent,
    CompatibilityLevel,
    EventKind,
    Schema,
    SchemaFormat,
    SchemaReference,
    SchemaVersion,
)
from registry.providers.enforcement import findings_of_records
from registry.providers.model import Provider
from registry.types import SchemaId, Sequence, SubjectName, Version
from storage.tables import (
    schemas,
    subject_versions,
)


def references_text(references: tuple[SchemaReference, ...]) -> str | None:
    """``schemas.refs``: NULL when there are none."""
    if not references:
        return None
    return json.dumps([[r.name, r.subject, r.version] for r in references])


def references_of(text: str | None) -> tuple[SchemaReference, ...]:
    if not text:
        return ()
    return tuple(
        SchemaReference(name=name, subject=SubjectName(subject), version=Version(version))
        for name, subject, version in json.loads(text)
    )


def providers_text(providers: tuple[Provider, ...] | None) -> str | None:
    """``configs.providers``: NULL when not set; "[]" is a setting (none)."""
    return None if providers is None else json.dumps([p.value for p in providers])


def providers_of(text: str | None) -> tuple[Provider, ...] | None:
    return None if text is None else tuple(Provider(name) for name in json.loads(text))


def schema_of(row: Mapping[str, Any], prefix: str = "") -> Schema:
    return Schema(
        id=SchemaId(row[f"{prefix}id"]),
        format=SchemaFormat(row[f"{prefix}format"]),
        text=row[f"{prefix}schema_text"],
        fingerprint=row[f"{prefix}fingerprint"],
        references=references_of(row[f"{prefix}refs"]),
        dialect=row[f"{prefix}dialect"],
    )


VERSION_COLUMNS = (
    subject_versions.c.subject,
    subject_versions.c.version,
    subject_versions.c.deleted,
    schemas.c.id,
    schemas.c.format,
    schemas.c.schema_text,
    schemas.c.fingerprint,
    schemas.c.refs,
    schemas.c.dialect,
    subject_versions.c.change,
)
VERSION_JOIN = subject_versions.join(schemas, subject_versions.c.schema_id == schemas.c.id)


def version_of(row: Mapping[str, Any]) -> SchemaVersion:
    return SchemaVersion(
        subject=SubjectName(row["subject"]),
        version=Version(row["version"]),
        schema=schema_of(row),
        is_deleted=bool(row["deleted"]),
        change=enum_or_none(ChangeClass, row["change"]),
    )


def event_of(row: Mapping[str, Any]) -> ChangeEvent:
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
        key_id=row["key_id"],
        references=references_of(row["refs"]) if has_schema else (),
        change=enum_or_none(ChangeClass, row["change"]),
        lint_findings=findings_of_records(json.loads(row["lint_findings"] or "[]")),
    )


E = TypeVar("E", bound=enum.Enum)


def enum_or_none(kind: type[E], value: str | None) -> E | None:
    return None if value is None else kind(value)


def rows_of(records: list[Any]) -> list[Mapping[str, Any]]:
    return [record._mapping for record in records]


def api_key_of(row: Mapping[str, Any]) -> ApiKey:
    revoked = row["revoked_at"]
    return ApiKey(
        id=row["id"],
        name=row["name"],
        role=Role(row["role"]),
        scopes=SubjectScopes(tuple(json.loads(row["scopes"]))),
        created_at=float(row["created_at"]),
        revoked_at=None if revoked is None else float(revoked),
    )
