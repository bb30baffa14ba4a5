"""Export: a registered version's JSON Schema as the request object of a model provider."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from registry.checks import SchemaSource, parse_source
from registry.errors import BadUserInputError
from registry.formats import handler_for
from registry.model import SchemaFormat, SchemaVersion
from registry.providers.export import Export, ExportTarget, export_schema
from resolvers import subjects as subject_resolvers
from resolvers.context import Services
from resolvers.references import stored_sources
from resolvers.tracing import use_case


@dataclass(frozen=True, slots=True)
class ExportedVersion:
    version: SchemaVersion
    export: Export


async def export_version(
    services: Services,
    subject: str,
    target: ExportTarget,
    version: int | None = None,
    name: str | None = None,
    description: str | None = None,
) -> ExportedVersion:
    """``version`` of ``subject`` (None: the latest live one) exported to ``target``;
    the subject is read as every subject read is, within the caller's scopes."""
    if version is None:
        found = await subject_resolvers.get_latest_version(services, subject)
    else:
        found = await subject_resolvers.get_version(services, subject, version)
    return await export_found(services, found, target, name, description)


@use_case("export")
async def export_found(
    services: Services,
    found: SchemaVersion,
    target: ExportTarget,
    name: str | None = None,
    description: str | None = None,
) -> ExportedVersion:
    """A version already read, exported to ``target`` (see ``export_schema``)."""
    if found.schema.format is not SchemaFormat.JSON:
        raise BadUserInputError(
            f"Only JSON Schemas are exported to model providers; version {found.version} "
            f"of '{found.subject}' is {found.schema.format.value}."
        )
    (source,) = await stored_sources(services.store, [found])
    # Inlining references (Gemini) can write many times the schema's own size.
    is_small = source.size <= handler_for(source.format).inline_parse_chars
    if is_small and target is not ExportTarget.GEMINI_FUNCTION:
        exported = _export(source, target, found.subject, name, description)
    else:
        # A large schema is read (and rewritten) in a thread, not on the event loop.
        exported = await asyncio.to_thread(
            _export, source, target, found.subject, name, description
        )
    return ExportedVersion(found, exported)


def _export(
    source: SchemaSource,
    target: ExportTarget,
    subject: str,
    name: str | None,
    description: str | None,
) -> Export:
    parsed = parse_source(source, stored=True)
    return export_schema(parsed, target, subject, name=name, description=description)
