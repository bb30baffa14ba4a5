"""Reading and deleting subjects and their versions (Confluent's soft/permanent semantics)."""

from __future__ import annotations

from collections.abc import Sequence

from registry.errors import (
    SubjectNotFoundError,
    SubjectNotSoftDeletedError,
    SubjectSoftDeletedError,
    VersionNotFoundError,
    VersionNotSoftDeletedError,
    VersionSoftDeletedError,
)
from registry.model import EventKind, SchemaVersion, Subject
from registry.modes import ensure_writable
from registry.types import SchemaId, SubjectName, Version
from registry.validation import (
    validate_page,
    validate_subject_name,
    validate_subject_prefix,
    validate_version_number,
)
from resolvers.context import Services
from resolvers.references import ensure_not_referenced, visibility
from resolvers.settings import effective_settings
from resolvers.tracing import use_case


async def list_subjects(
    services: Services,
    prefix: str | None = None,
    include_deleted: bool = False,
    *,
    deleted_only: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> list[SubjectName]:
    """Subject names in order: live ones, also soft-deleted ones with ``include_deleted``,
    or only soft-deleted ones with ``deleted_only`` (which wins); ``offset`` and ``limit``
    cut a page out of that list."""
    if prefix is not None:
        validate_subject_prefix(prefix)
    return await services.store.list_subjects(
        prefix=prefix,
        include_deleted=include_deleted,
        deleted_only=deleted_only,
        page=validate_page(offset, limit),
    )


async def list_versions(
    services: Services,
    subject: str,
    *,
    include_deleted: bool = False,
    deleted_only: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> list[Version]:
    """Version numbers of a subject in order, chosen as ``list_subjects`` chooses subjects.
    An unknown subject is not found, and so is a soft-deleted one unless deleted versions
    are asked for; a page with nothing on it is empty."""
    name = validate_subject_name(subject)
    page = validate_page(offset, limit)
    versions = await services.store.list_versions(
        name, include_deleted=include_deleted, deleted_only=deleted_only, page=page
    )
    if versions:
        return versions
    # An empty page: tell an unknown subject from one with nothing (left) to list.
    if await services.store.get_subject(name, include_deleted or deleted_only) is None:
        raise SubjectNotFoundError(name)
    return []


async def find_subject(
    services: Services, name: str, include_deleted: bool = False
) -> Subject | None:
    return await services.store.get_subject(validate_subject_name(name), include_deleted)


async def list_subject_details(
    services: Services, prefix: str | None = None, include_deleted: bool = False
) -> list[Subject]:
    """The subjects ``list_subjects`` names, each with its version numbers, in a fixed
    number of queries whatever their count."""
    names = await list_subjects(services, prefix, include_deleted)
    return await services.store.get_subjects(names, include_deleted)


async def find_latest_versions(
    services: Services, subjects: Sequence[str]
) -> list[SchemaVersion | None]:
    """``find_latest_version`` of each subject, in one read for all of them."""
    names = [validate_subject_name(s) for s in subjects]
    found = await services.store.get_latest_versions(names)
    return [found.get(name) for name in names]


async def get_subject(services: Services, name: str) -> Subject:
    subject = await find_subject(services, name)
    if subject is None:
        raise SubjectNotFoundError(name)
    return subject


async def get_version(
    services: Services, subject: str, version: int, include_deleted: bool = False
) -> SchemaVersion:
    name = validate_subject_name(subject)
    validate_version_number(version)
    found = await services.store.get_version(name, Version(version), include_deleted)
    if found is not None:
        return found
    if await services.store.get_subject(name, include_deleted=True) is None:
        raise SubjectNotFoundError(name)
    raise VersionNotFoundError(name, version)


async def find_latest_version(services: Services, subject: str) -> SchemaVersion | None:
    return await services.store.get_latest_version(validate_subject_name(subject))


async def get_latest_version(services: Services, subject: str) -> SchemaVersion:
    found = await find_latest_version(services, subject)
    if found is None:
        raise SubjectNotFoundError(subject)
    return found


@use_case("delete_subject")
async def delete_subject(
    services: Services, subject: str, permanent: bool = False
) -> list[Version]:
    """Soft delete hides every version (ids stay resolvable); permanent delete removes the
    versions for good and is allowed only once the subject is soft-deleted. Returns the
    versions affected."""
    name = validate_subject_name(subject)
    visible = visibility(services.store)
    async with services.store.write() as tx:
        ensure_writable((await effective_settings(tx, name)).mode, name)
        versions = await tx.list_all_versions(name)
        live = [v.version for v in versions if not v.is_deleted]
        if not versions:
            raise SubjectNotFoundError(name)
        if not permanent and not live:
            raise SubjectSoftDeletedError(name)
        if permanent:
            if live:
                raise SubjectNotSoftDeletedError(name)
            affected = [v.version for v in versions]
            await ensure_not_referenced(tx, name, affected, permanent=True, visible=visible)
            await tx.purge_versions(name, affected)
        else:
            affected = live
            await ensure_not_referenced(tx, name, affected, permanent=False, visible=visible)
            await tx.soft_delete_versions(name, affected)
        event = await tx.append_event(EventKind.SUBJECT_DELETED, name, is_permanent=permanent)
    await services.publisher.publish([event])
    return affected


@use_case("delete_version")
async def delete_schema_version(
    services: Services, subject: str, version: int, permanent: bool = False
) -> Version:
    """Soft delete hides one version; permanent delete needs a soft delete first."""
    name = validate_subject_name(subject)
    validate_version_number(version)
    number = Version(version)
    visible = visibility(services.store)
    async with services.store.write() as tx:
        ensure_writable((await effective_settings(tx, name)).mode, name)
        found = await tx.get_version(name, number, include_deleted=True)
        if found is None:
            if await tx.get_subject(name, include_deleted=True) is None:
                raise SubjectNotFoundError(name)
            raise VersionNotFoundError(name, version)
        if permanent:
            if not found.is_deleted:
                raise VersionNotSoftDeletedError(name, version)
            await ensure_not_referenced(tx, name, [number], permanent=True, visible=visible)
            await tx.purge_versions(name, [number])
        else:
            if found.is_deleted:
                raise VersionSoftDeletedError(name, version)
            await ensure_not_referenced(tx, name, [number], permanent=False, visible=visible)
            await tx.soft_delete_versions(name, [number])
        event = await tx.append_event(
            EventKind.VERSION_DELETED,
            name,
            version=number,
            schema=found.schema,
            is_permanent=permanent,
        )
    await services.publisher.publish([event])
    return number


async def list_schema_versions(
    services: Services, schema_id: int, include_deleted: bool = False
) -> list[SchemaVersion]:
    """Versions, in any subject, that refer to the schema with this id: live ones, and
    soft-deleted ones too with ``include_deleted``."""
    return await services.store.list_schema_versions(SchemaId(schema_id), include_deleted)
