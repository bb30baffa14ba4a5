"""``/subjects/…``: listing, reading, registering, looking up and deleting versions."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from registry.errors import InvalidSchemaError, SubjectNotFoundError
from registry.model import SchemaFormat, SchemaVersion
from resolvers import imports as import_resolvers
from resolvers import schemas as schema_resolvers
from resolvers import subjects as subject_resolvers
from resolvers.context import Services
from rest.errors import endpoint
from rest.http import (
    LATEST,
    deleted_only,
    flag,
    json_body,
    json_response,
    page_params,
    raw_schema_response,
    schema_fields,
    schema_format,
    services_of,
    subject_param,
    version_param,
)

# Confluent's "no prefix" marker for ?subjectPrefix=.
_ANY_SUBJECT = ":*:"


def _version_body(found: SchemaVersion) -> dict[str, object]:
    return {
        "subject": found.subject,
        "version": found.version,
        "id": found.schema.id,
        **schema_fields(found.schema),
    }


async def _version(services: Services, request: Request) -> SchemaVersion:
    subject, number = subject_param(request), version_param(request)
    if number == LATEST:
        return await subject_resolvers.get_latest_version(services, subject)
    return await subject_resolvers.get_version(services, subject, number, flag(request, "deleted"))


def schema_request(body: dict[str, Any]) -> tuple[str, SchemaFormat]:
    """The schema text and format of a registration or lookup body."""
    text = body.get("schema")
    if not isinstance(text, str):
        raise InvalidSchemaError("The request body needs a 'schema' string.")
    if body.get("references"):
        raise InvalidSchemaError("Schema references are not supported.")
    return text, schema_format(body.get("schemaType"))


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
    return json_response(_version_body(await _version(services_of(request), request)))


@endpoint
async def get_version_schema(request: Request) -> Response:
    return raw_schema_response((await _version(services_of(request), request)).schema)


@endpoint
async def get_referenced_by(request: Request) -> Response:
    # References are not supported, so no schema can refer to this one.
    await _version(services_of(request), request)
    return json_response([])


@endpoint
async def register(request: Request) -> Response:
    services, subject = services_of(request), subject_param(request)
    body = await json_body(request)
    text, format = schema_request(body)
    schema_id, version = _optional_int(body, "id"), _optional_int(body, "version")
    if schema_id is None and version is None:
        result = await schema_resolvers.register_schema(services, subject, text, format)
    else:
        result = await import_resolvers.import_schema(
            services, subject, text, format, schema_id, version
        )
    return json_response({"id": result.version.schema.id})


@endpoint
async def lookup(request: Request) -> Response:
    services, subject = services_of(request), subject_param(request)
    text, format = schema_request(await json_body(request))
    found = await schema_resolvers.lookup_schema(
        services, subject, text, format, flag(request, "deleted")
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
