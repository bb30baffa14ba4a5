"""Registering with the id and version a schema had elsewhere (IMPORT mode)."""

from __future__ import annotations

from collections.abc import Sequence

from registry.errors import BadUserInputError, OperationNotPermittedError
from registry.model import (
    EventKind,
    RegistrationResult,
    SchemaFormat,
    SchemaReference,
    SchemaVersion,
)
from registry.modes import ensure_registration_allowed
from registry.types import SchemaId, Version
from registry.validation import (
    MAX_INT32,
    validate_subject_name,
    validate_version_number,
)
from resolvers.context import Services, observe_registration
from resolvers.references import ReferenceResolver
from resolvers.schemas import parse_candidate
from resolvers.settings import effective_settings
from resolvers.tracing import use_case


@use_case("import")
async def import_schema(
    services: Services,
    subject: str,
    text: str,
    format: SchemaFormat = SchemaFormat.JSON,
    schema_id: int | None = None,
    version: int | None = None,
    references: Sequence[SchemaReference] = (),
) -> RegistrationResult:
    """Copy one version in as it was: ``schema_id`` and ``version`` are kept, no
    compatibility check runs. Allowed only in IMPORT mode, and there only with the schema
    id (as in Confluent Schema Registry). Repeating an import is a no-op; an id that holds
    other content, or a version that holds another schema, is refused."""
    return await observe_registration(
        services, _import_schema(services, subject, text, format, schema_id, version, references)
    )


async def _import_schema(
    services: Services,
    subject: str,
    text: str,
    format: SchemaFormat,
    schema_id: int | None,
    version: int | None,
    references: Sequence[SchemaReference],
) -> RegistrationResult:
    name = validate_subject_name(subject)
    if version is not None:
        validate_version_number(version)
    if schema_id is not None and not 1 <= schema_id <= MAX_INT32:
        raise BadUserInputError(f"Schema id must be from 1 to {MAX_INT32}, got {schema_id}.")
    settings = await effective_settings(services.store, name)
    candidate = await parse_candidate(
        services, services.store, text, format, references, settings.dialect
    )
    parsed = candidate.parsed
    async with services.store.write() as tx:
        # A referenced version deleted meanwhile is refused here, not stored dangling.
        await ReferenceResolver(tx).candidate(format, text, candidate.references, None)
        ensure_registration_allowed(
            (await effective_settings(tx, name)).mode,
            name,
            has_explicit_id=schema_id is not None,
            has_explicit_version=version is not None,
        )
        if version is None:
            existing = await tx.find_version_by_fingerprint(name, parsed.fingerprint)
            if existing is not None:
                return RegistrationResult(version=existing, is_new_version=False)
        schema = await tx.find_schema_by_fingerprint(parsed.fingerprint)
        if schema is not None and schema_id is not None and schema.id != schema_id:
            raise OperationNotPermittedError(
                f"This schema is already registered with id {schema.id}, not {schema_id}."
            )
        if schema is None:
            if schema_id is not None and await tx.find_schema_by_id(SchemaId(schema_id)):
                raise OperationNotPermittedError(
                    f"Schema id {schema_id} is already taken by another schema."
                )
            schema = await tx.insert_schema(
                format,
                parsed.canonical,
                parsed.fingerprint,
                None if schema_id is None else SchemaId(schema_id),
                references=candidate.references,
                dialect=parsed.dialect,
            )
        number = Version(version) if version is not None else await tx.get_next_version(name)
        taken = await tx.get_version(name, number, include_deleted=True)
        if taken is not None:
            if taken.schema.id == schema.id and not taken.is_deleted:
                return RegistrationResult(version=taken, is_new_version=False)
            raise OperationNotPermittedError(
                f"Version {number} of subject '{name}' already holds another schema."
            )
        await tx.insert_version(name, number, schema.id)
        event = await tx.append_event(EventKind.REGISTERED, name, version=number, schema=schema)
    await services.publisher.publish([event])
    return RegistrationResult(
        version=SchemaVersion(subject=name, version=number, schema=schema), is_new_version=True
    )
