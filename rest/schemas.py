"""``/schemas/…``: schemas by global id, and the schema types this registry accepts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from registry.errors import SchemaNotFoundError
from registry.formats import supported_formats
from registry.model import Schema, SchemaVersion
from resolvers import schemas as schema_resolvers
from resolvers import subjects as subject_resolvers
from resolvers.context import Services
from rest.errors import endpoint
from rest.http import (
    flag,
    json_response,
    raw_schema_response,
    rendered,
    schema_fields,
    services_of,
)


async def _schema(services: Services, request: Request) -> Schema:
    schema_id = int(request.path_params["id"])
    schema = await schema_resolvers.get_schema(services, schema_id)
    subject = request.query_params.get("subject")
    if subject:
        # Confluent resolves the id within the subject's context: an id that the subject
        # never used is not found there.
        versions = await subject_resolvers.list_schema_versions(
            services, schema_id, flag(request, "deleted")
        )
        if all(v.subject != subject for v in versions):
            raise SchemaNotFoundError(f"Schema {schema_id} not found under subject '{subject}'.")
    return schema


async def _uses(request: Request) -> list[SchemaVersion]:
    """The versions using the id: live ones, and soft-deleted ones too with ?deleted=true."""
    services = services_of(request)
    schema = await _schema(services, request)
    return await subject_resolvers.list_schema_versions(
        services, schema.id, flag(request, "deleted")
    )


@endpoint
async def get_schema(request: Request) -> Response:
    services = services_of(request)
    schema = await _schema(services, request)
    return json_response(schema_fields(schema, await rendered(services, request, schema)))


@endpoint
async def get_schema_text(request: Request) -> Response:
    services = services_of(request)
    schema = await _schema(services, request)
    return raw_schema_response(schema, await rendered(services, request, schema))


@endpoint
async def get_schema_subjects(request: Request) -> Response:
    return json_response(sorted({v.subject for v in await _uses(request)}))


@endpoint
async def get_schema_versions(request: Request) -> Response:
    versions = await _uses(request)
    return json_response([{"subject": v.subject, "version": v.version} for v in versions])


@endpoint
async def get_schema_types(request: Request) -> Response:
    return json_response([f.value for f in supported_formats()])
