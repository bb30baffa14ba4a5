"""Registering, looking up and checking schemas."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from registry import compatibility
from registry.checks import CanonicalSchema, CheckRequest, EarlierSchema, SchemaSource
from registry.compatibility import ChangelogEntry, Incompatibility
from registry.errors import (
    IncompatibleSchemaError,
    SchemaNotFoundError,
    SubjectNotFoundError,
    VersionNotFoundError,
)
from registry.formats import handler_for
from registry.model import (
    DEFAULT_COMPATIBILITY_POLICY,
    ChangeClass,
    CompatibilityLevel,
    CompatibilityPolicy,
    EventKind,
    RegistrationResult,
    Schema,
    SchemaFormat,
    SchemaReference,
    SchemaVersion,
)
from registry.modes import ensure_registration_allowed
from registry.ports import RegistryReader
from registry.types import SchemaId, Version
from registry.validation import (
    MAX_INT32,
    validate_schema_size,
    validate_subject_name,
    validate_version_number,
)
from resolvers.context import Services, observe_registration
from resolvers.provider_rules import ProviderRules, enforce, lint_candidate
from resolvers.references import ReferenceResolver, stored_sources, unscoped
from resolvers.settings import effective_settings
from resolvers.tracing import use_case


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


@dataclass(frozen=True, slots=True)
class Candidate:
    """A submitted schema, parsed: where it is read from and what storage keeps of it."""

    source: SchemaSource
    parsed: CanonicalSchema
    references: tuple[SchemaReference, ...]


async def parse_candidate(
    services: Services,
    reader: RegistryReader,
    text: str,
    format: SchemaFormat,
    references: Sequence[SchemaReference],
    dialect: str | None,
    *,
    include_deleted: bool = False,
) -> Candidate:
    """Check the size, resolve the references through ``reader`` (soft-deleted versions
    too with ``include_deleted``, as a lookup of deleted versions does) and parse."""
    validate_schema_size(text, services.max_schema_bytes)
    resolver = ReferenceResolver(reader, include_deleted=include_deleted)
    source, concrete = await resolver.candidate(format, text, references, dialect)
    return Candidate(source, await services.checker.canonicalize(source), concrete)


async def _incompatibilities(
    services: Services,
    candidate: SchemaSource,
    level: CompatibilityLevel,
    versions: list[SchemaVersion],
    policy: CompatibilityPolicy,
) -> list[Incompatibility]:
    if not versions or not compatibility.directions_for(level):
        return []
    sources = await stored_sources(services.store, versions)
    earlier = tuple(EarlierSchema(v.version, s) for v, s in zip(versions, sources, strict=True))
    return await services.checker.find_incompatibilities(
        CheckRequest(candidate, level, earlier, policy)
    )


def _inputs(
    level: CompatibilityLevel, policy: CompatibilityPolicy, versions: list[SchemaVersion]
) -> tuple[object, ...]:
    """What a check's verdict depends on besides the candidate (a schema id never changes
    content)."""
    return (level, policy, *((v.version, v.schema.id) for v in versions))


@use_case("register")
async def register_schema(
    services: Services,
    subject: str,
    text: str,
    format: SchemaFormat = SchemaFormat.JSON,
    references: Sequence[SchemaReference] = (),
) -> RegistrationResult:
    """Add ``text`` as the next version of ``subject`` if the subject's level allows it.

    Identical content (after canonicalization, with the same references) already live
    under the subject returns the existing version and writes nothing (nor lints it);
    the same content under another subject reuses its id. Under provider rules (WARN or
    ENFORCE with providers chosen) a schema that passes compatibility is linted against
    each chosen provider; ENFORCE refuses one with a BLOCKING finding
    (``ProviderLintFailedError``). A refused schema leaves no trace.
    """
    return await observe_registration(
        services, _register_schema(services, subject, text, format, references)
    )


async def _register_schema(
    services: Services,
    subject: str,
    text: str,
    format: SchemaFormat,
    references: Sequence[SchemaReference],
) -> RegistrationResult:
    name = validate_subject_name(subject)
    store = services.store
    settings = await effective_settings(store, name)
    candidate = await parse_candidate(services, store, text, format, references, settings.dialect)
    parsed = candidate.parsed
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
    all_live = await store.list_live_versions(name)
    live = compatibility.versions_to_check(level, all_live)
    found = await _incompatibilities(services, candidate.source, level, live, policy)
    checked = _inputs(level, policy, live)
    previous = all_live[-1:]
    change = await _classify(services, candidate.source, previous)
    # Provider rules are linted once the schema passes compatibility (and not at all when
    # it does not), before anything is stored.
    rules = ProviderRules.of(settings)
    linted = None if found else await lint_candidate(services, candidate.source, rules)

    async with store.write() as tx:
        existing = await tx.find_version_by_fingerprint(name, parsed.fingerprint)
        if existing is not None:
            return RegistrationResult(version=existing, is_new_version=False)
        settings = await effective_settings(tx, name)
        # Read again inside the transaction: the mode may have changed meanwhile.
        ensure_registration_allowed(
            settings.mode, name, has_explicit_id=False, has_explicit_version=False
        )
        # A referenced version deleted meanwhile is refused here, not stored dangling.
        await ReferenceResolver(tx).candidate(format, text, candidate.references, None)
        level, policy = settings.compatibility, settings.policy
        all_live = await tx.list_live_versions(name)
        live = compatibility.versions_to_check(level, all_live)
        if _inputs(level, policy, live) != checked:
            found = await _incompatibilities(services, candidate.source, level, live, policy)
        if [v.schema.id for v in all_live[-1:]] != [v.schema.id for v in previous]:
            previous = all_live[-1:]
            change = await _classify(services, candidate.source, previous)
        if found:
            raise IncompatibleSchemaError(
                compatibility.summarize(found, level),
                found,
                subject=name,
                level=level,
                checked=live,
            )
        if linted is None or ProviderRules.of(settings) != rules:
            rules = ProviderRules.of(settings)
            linted = await lint_candidate(services, candidate.source, rules)
        enforce(name, rules, linted)
        schema = await tx.find_schema_by_fingerprint(parsed.fingerprint)
        if schema is None:
            schema = await tx.insert_schema(
                format,
                parsed.canonical,
                parsed.fingerprint,
                references=candidate.references,
                dialect=parsed.dialect,
            )
        version = await tx.get_next_version(name)
        kind, findings = change
        await tx.insert_version(name, version, schema.id, change=kind, findings=findings)
        event = await tx.append_event(
            EventKind.REGISTERED,
            name,
            version=version,
            schema=schema,
            change=kind,
            lint_findings=linted,
        )
    await services.publisher.publish([event])
    return RegistrationResult(
        version=SchemaVersion(subject=name, version=version, schema=schema, change=kind),
        is_new_version=True,
        findings=findings,
        lint_findings=linted,
    )


async def _classify(
    services: Services, candidate: SchemaSource, previous: list[SchemaVersion]
) -> tuple[ChangeClass | None, tuple[Incompatibility, ...]]:
    """How ``candidate`` changes the previous live version, under STRICT in both
    directions, whatever the subject's own level and policy (None: there is none)."""
    if not previous:
        return None, ()
    found = await _incompatibilities(
        services,
        candidate,
        CompatibilityLevel.FULL,
        previous,
        CompatibilityPolicy.STRICT,
    )
    return compatibility.classify(found), tuple(found)


async def list_changelog(services: Services, subject: str) -> list[ChangelogEntry]:
    """How each version of ``subject`` changed against the one before it, oldest first."""
    name = validate_subject_name(subject)
    if await services.store.get_subject(name, include_deleted=True) is None:
        raise SubjectNotFoundError(name)
    return await services.store.list_changelog(name)


@use_case("lookup")
async def lookup_schema(
    services: Services,
    subject: str,
    text: str,
    format: SchemaFormat = SchemaFormat.JSON,
    include_deleted: bool = False,
    references: Sequence[SchemaReference] = (),
) -> SchemaVersion:
    """The live version of ``subject`` holding this content (compared canonically, with
    the same references). With ``include_deleted``, soft-deleted versions (and
    soft-deleted subjects) count too, and the latest version holding the content is the
    answer."""
    name = validate_subject_name(subject)
    store = services.store
    settings = await effective_settings(store, name)
    candidate = await parse_candidate(
        services,
        store,
        text,
        format,
        references,
        settings.dialect,
        include_deleted=include_deleted,
    )
    fingerprint = candidate.parsed.fingerprint
    found = await store.find_version_by_fingerprint(name, fingerprint, include_deleted)
    if found is not None:
        return found
    if await store.get_subject(name, include_deleted) is None:
        raise SubjectNotFoundError(name)
    raise SchemaNotFoundError(f"Schema is not registered under subject '{name}'.")


@use_case("check")
async def check_compatibility(
    services: Services,
    subject: str,
    text: str,
    format: SchemaFormat = SchemaFormat.JSON,
    version: int | None = None,
    references: Sequence[SchemaReference] = (),
) -> CompatibilityReport:
    """Dry run of a registration: with ``version``, against that version only, in the
    directions of the subject's level; without it, against what the level covers."""
    name = validate_subject_name(subject)
    store = services.store
    settings = await effective_settings(store, name)
    candidate = await parse_candidate(services, store, text, format, references, settings.dialect)
    level, policy = settings.compatibility, settings.policy
    if version is None:
        versions = compatibility.versions_to_check(level, await store.list_live_versions(name))
        found = await _incompatibilities(services, candidate.source, level, versions, policy)
        return CompatibilityReport(level, tuple(found), policy, tuple(versions))
    validate_version_number(version)
    if await store.get_subject(name) is None:
        raise SubjectNotFoundError(name)
    target = await store.get_version(name, Version(version))
    if target is None:
        raise VersionNotFoundError(name, version)
    return await _check_against(services, candidate.source, target, level, policy)


@use_case("check")
async def check_compatibility_with_latest(
    services: Services,
    subject: str,
    text: str,
    format: SchemaFormat = SchemaFormat.JSON,
    references: Sequence[SchemaReference] = (),
) -> CompatibilityReport:
    """Dry run against the latest live version only, in the directions of the subject's
    level. With no live version (an unknown or soft-deleted subject) there is nothing to
    break: the candidate is compatible, as Confluent Schema Registry answers."""
    name = validate_subject_name(subject)
    settings = await effective_settings(services.store, name)
    candidate = await parse_candidate(
        services, services.store, text, format, references, settings.dialect
    )
    latest = await services.store.get_latest_version(name)
    if latest is None:
        return CompatibilityReport(settings.compatibility, (), settings.policy)
    return await _check_against(
        services, candidate.source, latest, settings.compatibility, settings.policy
    )


async def _check_against(
    services: Services,
    candidate: SchemaSource,
    target: SchemaVersion,
    level: CompatibilityLevel,
    policy: CompatibilityPolicy,
) -> CompatibilityReport:
    single_level = compatibility.non_transitive(level)
    found = await _incompatibilities(services, candidate, single_level, [target], policy)
    return CompatibilityReport(level, tuple(found), policy, (target,))


async def render_schema(services: Services, schema: Schema, form: str) -> str:
    """``schema`` in another named form (e.g. Protobuf's ``serialized``); the stored text
    when its format has no such form."""
    if form not in handler_for(schema.format).forms:
        return schema.text
    resolver = ReferenceResolver(unscoped(services.store), include_deleted=True)
    source = await resolver.stored(schema)
    return await services.checker.render(source, form) or schema.text


async def list_referenced_by(
    services: Services, subject: str, version: int, include_deleted: bool = False
) -> list[SchemaVersion]:
    """The versions whose schema refers to ``subject`` ``version`` (which may be
    soft-deleted itself): live ones, soft-deleted ones too with ``include_deleted``."""
    name = validate_subject_name(subject)
    validate_version_number(version)
    return await services.store.list_referencing_versions(name, Version(version), include_deleted)


async def get_schema(services: Services, schema_id: int) -> Schema:
    schema = await find_schema(services, schema_id)
    if schema is None:
        raise SchemaNotFoundError(f"Schema {schema_id} not found.")
    return schema


async def find_schema(services: Services, schema_id: int) -> Schema | None:
    if not 1 <= schema_id <= MAX_INT32:
        return None
    return await services.store.get_schema(SchemaId(schema_id))
