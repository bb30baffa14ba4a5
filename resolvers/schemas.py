"""Registering, looking up and checking schemas."""

from __future__ import annotations

from dataclasses import dataclass

from registry import compatibility
from registry.checks import CanonicalSchema, CheckRequest
from registry.compatibility import Incompatibility
from registry.errors import (
    IncompatibleSchemaError,
    SchemaNotFoundError,
    SubjectNotFoundError,
    VersionNotFoundError,
)
from registry.model import (
    DEFAULT_COMPATIBILITY_POLICY,
    CompatibilityLevel,
    CompatibilityPolicy,
    EventKind,
    RegistrationResult,
    Schema,
    SchemaFormat,
    SchemaVersion,
)
from registry.modes import ensure_registration_allowed
from registry.types import SchemaId, Version
from registry.validation import (
    MAX_INT32,
    validate_schema_size,
    validate_subject_name,
    validate_version_number,
)
from resolvers.context import Services
from resolvers.settings import effective_settings


@dataclass(frozen=True, slots=True)
class CompatibilityReport:
    """``checked`` are the earlier versions the candidate was compared with."""

    level: CompatibilityLevel
    incompatibilities: tuple[Incompatibility, ...]
    policy: CompatibilityPolicy = DEFAULT_COMPATIBILITY_POLICY
    checked: tuple[SchemaVersion, ...] = ()

    @property
    def is_compatible(self) -> bool:
        return not self.incompatibilities


async def _parse(services: Services, text: str, format: SchemaFormat) -> CanonicalSchema:
    validate_schema_size(text, services.max_schema_bytes)
    return await services.checker.canonicalize(format, text)


async def _incompatibilities(
    services: Services,
    format: SchemaFormat,
    text: str,
    level: CompatibilityLevel,
    versions: list[SchemaVersion],
    policy: CompatibilityPolicy,
) -> list[Incompatibility]:
    request = CheckRequest.against(format, text, level, versions, policy)
    return await services.checker.find_incompatibilities(request)


def _inputs(
    level: CompatibilityLevel, policy: CompatibilityPolicy, versions: list[SchemaVersion]
) -> tuple[object, ...]:
    """What a check's verdict depends on besides the candidate (a schema id never changes
    content)."""
    return (level, policy, *((v.version, v.schema.id) for v in versions))


async def register_schema(
    services: Services, subject: str, text: str, format: SchemaFormat = SchemaFormat.JSON
) -> RegistrationResult:
    """Add ``text`` as the next version of ``subject`` if the subject's level allows it.

    Identical content (after canonicalization) already live under the subject returns the
    existing version and writes nothing; the same content under another subject reuses
    its id. A refused schema leaves no trace.
    """
    name = validate_subject_name(subject)
    parsed = await _parse(services, text, format)
    store = services.store
    settings = await effective_settings(store, name)
    ensure_registration_allowed(
        settings.mode, name, has_explicit_id=False, has_explicit_version=False
    )
    existing = await store.find_version_by_fingerprint(name, parsed.fingerprint)
    if existing is not None:
        return RegistrationResult(version=existing, is_new_version=False)
    # The check runs before the write transaction, which serializes writers (and, on
    # SQLite, every query of this process): what it depends on is read again under the
    # lock, and in the rare case that it changed meanwhile the check runs again there.
    level, policy = settings.compatibility, settings.policy
    live = compatibility.versions_to_check(level, await store.list_live_versions(name))
    found = await _incompatibilities(services, format, text, level, live, policy)
    checked = _inputs(level, policy, live)

    async with store.write() as tx:
        existing = await tx.find_version_by_fingerprint(name, parsed.fingerprint)
        if existing is not None:
            return RegistrationResult(version=existing, is_new_version=False)
        settings = await effective_settings(tx, name)
        # Read again inside the transaction: the mode may have changed meanwhile.
        ensure_registration_allowed(
            settings.mode, name, has_explicit_id=False, has_explicit_version=False
        )
        level, policy = settings.compatibility, settings.policy
        live = compatibility.versions_to_check(level, await tx.list_live_versions(name))
        if _inputs(level, policy, live) != checked:
            found = await _incompatibilities(services, format, text, level, live, policy)
        if found:
            raise IncompatibleSchemaError(
                compatibility.summarize(found, level),
                found,
                subject=name,
                level=level,
                checked=live,
            )
        schema = await tx.find_schema_by_fingerprint(parsed.fingerprint)
        if schema is None:
            schema = await tx.insert_schema(format, parsed.canonical, parsed.fingerprint)
        version = await tx.get_next_version(name)
        await tx.insert_version(name, version, schema.id)
        event = await tx.append_event(EventKind.REGISTERED, name, version=version, schema=schema)
    await services.publisher.publish([event])
    return RegistrationResult(
        version=SchemaVersion(subject=name, version=version, schema=schema),
        is_new_version=True,
    )


async def lookup_schema(
    services: Services,
    subject: str,
    text: str,
    format: SchemaFormat = SchemaFormat.JSON,
    include_deleted: bool = False,
) -> SchemaVersion:
    """The live version of ``subject`` holding this content (compared canonically). With
    ``include_deleted``, soft-deleted versions (and soft-deleted subjects) count too, and
    the latest version holding the content is the answer."""
    name = validate_subject_name(subject)
    parsed = await _parse(services, text, format)
    store = services.store
    found = await store.find_version_by_fingerprint(name, parsed.fingerprint, include_deleted)
    if found is not None:
        return found
    if await store.get_subject(name, include_deleted) is None:
        raise SubjectNotFoundError(name)
    raise SchemaNotFoundError(f"Schema is not registered under subject '{name}'.")


async def check_compatibility(
    services: Services,
    subject: str,
    text: str,
    format: SchemaFormat = SchemaFormat.JSON,
    version: int | None = None,
) -> CompatibilityReport:
    """Dry run of a registration: with ``version``, against that version only, in the
    directions of the subject's level; without it, against what the level covers."""
    name = validate_subject_name(subject)
    await _parse(services, text, format)
    store = services.store
    settings = await effective_settings(store, name)
    level, policy = settings.compatibility, settings.policy
    if version is None:
        versions = compatibility.versions_to_check(level, await store.list_live_versions(name))
        found = await _incompatibilities(services, format, text, level, versions, policy)
        return CompatibilityReport(level, tuple(found), policy, tuple(versions))
    validate_version_number(version)
    if await store.get_subject(name) is None:
        raise SubjectNotFoundError(name)
    target = await store.get_version(name, Version(version))
    if target is None:
        raise VersionNotFoundError(name, version)
    return await _check_against(services, format, text, target, level, policy)


async def check_compatibility_with_latest(
    services: Services, subject: str, text: str, format: SchemaFormat = SchemaFormat.JSON
) -> CompatibilityReport:
    """Dry run against the latest live version only, in the directions of the subject's
    level. With no live version (an unknown or soft-deleted subject) there is nothing to
    break: the candidate is compatible, as Confluent Schema Registry answers."""
    name = validate_subject_name(subject)
    await _parse(services, text, format)
    settings = await effective_settings(services.store, name)
    latest = await services.store.get_latest_version(name)
    if latest is None:
        return CompatibilityReport(settings.compatibility, (), settings.policy)
    return await _check_against(
        services, format, text, latest, settings.compatibility, settings.policy
    )


async def _check_against(
    services: Services,
    format: SchemaFormat,
    text: str,
    target: SchemaVersion,
    level: CompatibilityLevel,
    policy: CompatibilityPolicy,
) -> CompatibilityReport:
    single_level = compatibility.non_transitive(level)
    found = await _incompatibilities(services, format, text, single_level, [target], policy)
    return CompatibilityReport(level, tuple(found), policy, (target,))


async def get_schema(services: Services, schema_id: int) -> Schema:
    schema = await find_schema(services, schema_id)
    if schema is None:
        raise SchemaNotFoundError(f"Schema {schema_id} not found.")
    return schema


async def find_schema(services: Services, schema_id: int) -> Schema | None:
    if not 1 <= schema_id <= MAX_INT32:
        return None
    return await services.store.get_schema(SchemaId(schema_id))
