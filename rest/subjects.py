"""``/subjects/…``: listing, reading, registering, looking up and deleting versions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from registry.errors import InvalidSchemaError, SubjectNotFoundError
from registry.model import SchemaFormat, SchemaReference, SchemaVersion
from registry.validation import validate_page
from resolvers import imports as import_resolvers
from resolvers import schemas as schema_resolvers
from resolvers import subjects as subject_resolvers
from resolvers.context import Services
from resolvers.references import checked_references
from rest.errors import endpoint
from rest.http import (
    LATEST,
    confluent_wording,
    deleted_only,
    flag,
    json_body,
    json_response,
    page_params,
    raw_schema_response,
    rendered,
    schema_fields,
    schema_format,
    services_of,
    subject_param,
    version_param,
)

# Confluent's "no prefix" marker for ?subjectPrefix=.
_ANY_SUBJECT = ":*:"


def _version_body(found: SchemaVersion, text: str | None = None) -> dict[str, object]:
    return {
        "subject": found.subject,
        "version": found.version,
        "id": found.schema.id,
        **schema_fields(found.schema, text),
    }


async def _version(services: Services, request: Request) -> SchemaVersion:
    subject, number = subject_param(request), version_param(request)
    if number == LATEST:
        return await subject_resolvers.get_latest_version(services, subject)
    return await subject_resolvers.get_version(services, subject, number, flag(request, "deleted"))


@dataclass(frozen=True, slots=True)
class SchemaRequest:
    """The schema of a registration, lookup or compatibility body."""

    text: str
    format: SchemaFormat
    references: tuple[SchemaReference, ...]


def schema_request(body: dict[str, Any]) -> SchemaRequest:
    """The schema text, format (AVRO when absent, as in Confluent) and references of a
    registration, lookup or compatibility body."""
    text = body.get("schema")
    if not isinstance(text, str):
        raise InvalidSchemaError("The request body needs a 'schema' string.")
    given = body.get("references")
    if given is None:
        given = []
    if not isinstance(given, list) or not all(isinstance(r, dict) for r in given):
        raise InvalidSchemaError("'references' must be a list of {name, subject, version} objects.")
    references = checked_references(
        (r.get("name"), r.get("subject"), r.get("version")) for r in given
    )
    return SchemaRequest(text, schema_format(body.get("schemaType")), references)


def _optional_int(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    # Confluent clients send -1 or 0 for "not given".
    if value is None or value in (-1, 0):
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidSchemaError(f"'{key}' must be an integer.")
    return value


@endpoint
async def list_subjects(request: Request) -> Response:
    prefix = request.query_params.get("subjectPrefix")
    if prefix == _ANY_SUBJECT:
        prefix = None
    offset, limit = page_params(request)
    names = await subject_resolvers.list_subjects(
        services_of(request),
        prefix,
        flag(request, "deleted"),
        deleted_only=deleted_only(request),
        offset=offset,
        limit=limit,
    )
    return json_response(names)


@endpoint
async def list_versions(request: Request) -> Response:
    offset, limit = page_params(request)
    versions = await subject_resolvers.list_versions(
        services_of(request),
        subject_param(request),
        include_deleted=flag(request, "deleted"),
        deleted_only=deleted_only(request),
        offset=offset,
        limit=limit,
    )
    return json_response(versions)


@endpoint
async def get_version(request: Request) -> Response:
    services = services_of(request)
    found = await _version(services, request)
    return json_response(_version_body(found, await rendered(services, request, found.schema)))


@endpoint
async def get_version_schema(request: Request) -> Response:
    services = services_of(request)
    schema = (await _version(services, request)).schema
    return raw_schema_response(schema, await rendered(services, request, schema))


@endpoint
async def get_referenced_by(request: Request) -> Response:
    """The ids of the schemas of versions that refer to this version (which may itself
    be soft-deleted, as in Confluent): live ones, soft-deleted ones too with
    ``?deleted=true``; ``?offset=``/``?limit=`` page the ids."""
    services, subject, number = services_of(request), subject_param(request), version_param(request)
    if number == LATEST:
        found = await subject_resolvers.get_latest_version(services, subject)
    else:
        found = await subject_resolvers.get_version(services, subject, number, True)
    referrers = await schema_resolvers.list_referenced_by(
        services, found.subject, found.version, flag(request, "deleted")
    )
    ids = sorted({v.schema.id for v in referrers})
    page = validate_page(*page_params(request))
    end = None if page.limit is None else page.offset + page.limit
    return json_response(ids[page.offset : end])


@endpoint
async def register(request: Request) -> Response:
    services, subject = services_of(request), subject_param(request)
    body = await json_body(request)
    given = schema_request(body)
    schema_id, version = _optional_int(body, "id"), _optional_int(body, "version")
    with confluent_wording(given.format):
        if schema_id is None and version is None:
            result = await schema_resolvers.register_schema(
                services, subject, given.text, given.format, given.references
            )
        else:
            result = await import_resolvers.import_schema(
                services, subject, given.text, given.format, schema_id, version, given.references
            )
    return json_response({"id": result.version.schema.id})


@endpoint
async def lookup(request: Request) -> Response:
    services, subject = services_of(request), subject_param(request)
    given = schema_request(await json_body(request))
    with confluent_wording(given.format):
        found = await schema_resolvers.lookup_schema(
            services, subject, given.text, given.format, flag(request, "deleted"), given.references
        )
    return json_response(_version_body(found))


@endpoint
async def delete_subject(request: Request) -> Response:
    versions = await subject_resolvers.delete_subject(
        services_of(request), subject_param(request), flag(request, "permanent")
    )
    return json_response(list(versions))


@endpoint
async def delete_version(request: Request) -> Response:
    services, subject = services_of(request), subject_param(request)
    number, permanent = version_param(request), flag(request, "permanent")
    if number == LATEST and permanent:
        # The latest of all versions: a permanent delete follows a soft delete.
        found = await subject_resolvers.find_subject(services, subject, include_deleted=True)
        if found is None or not found.versions:
            raise SubjectNotFoundError(subject)
        number = found.versions[-1]
    elif number == LATEST:
        number = (await subject_resolvers.get_latest_version(services, subject)).version
    deleted = await subject_resolvers.delete_schema_version(services, subject, number, permanent)
    return json_response(deleted)
