"""The REST routes, at the server root as Confluent serves them, and the OpenAPI document."""

from __future__ import annotations

import functools
from pathlib import Path

import orjson
import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from rest import config, schemas, subjects
from rest.paths import RawPathRoute

OPENAPI_PATH = "/openapi.json"
_OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")


@functools.cache
def openapi_document() -> bytes:
    return orjson.dumps(yaml.safe_load(_OPENAPI_FILE.read_text()))


async def openapi(request: Request) -> Response:
    return Response(openapi_document(), media_type="application/json")


# Order matters where templates overlap: Starlette takes the first match. Every route
# matches on the raw path, so a subject may contain '/' (sent as %2F).
def rest_routes() -> list[BaseRoute]:
    subject = "/subjects/{subject}"
    version = subject + "/versions/{version}"
    return [
        RawPathRoute(OPENAPI_PATH, openapi, methods=["GET"]),
        RawPathRoute("/schemas/types", schemas.get_schema_types, methods=["GET"]),
        RawPathRoute("/schemas/ids/{id:int}", schemas.get_schema, methods=["GET"]),
        RawPathRoute("/schemas/ids/{id:int}/schema", schemas.get_schema_text, methods=["GET"]),
        RawPathRoute(
            "/schemas/ids/{id:int}/subjects", schemas.get_schema_subjects, methods=["GET"]
        ),
        RawPathRoute(
            "/schemas/ids/{id:int}/versions", schemas.get_schema_versions, methods=["GET"]
        ),
        RawPathRoute("/subjects", subjects.list_subjects, methods=["GET"]),
        RawPathRoute(subject, subjects.lookup, methods=["POST"]),
        RawPathRoute(subject, subjects.delete_subject, methods=["DELETE"]),
        RawPathRoute(subject + "/versions", subjects.list_versions, methods=["GET"]),
        RawPathRoute(subject + "/versions", subjects.register, methods=["POST"]),
        RawPathRoute(version, subjects.get_version, methods=["GET"]),
        RawPathRoute(version, subjects.delete_version, methods=["DELETE"]),
        RawPathRoute(version + "/schema", subjects.get_version_schema, methods=["GET"]),
        RawPathRoute(version + "/referencedby", subjects.get_referenced_by, methods=["GET"]),
        RawPathRoute("/compatibility" + version, config.check_compatibility, methods=["POST"]),
        RawPathRoute(
            "/compatibility" + subject + "/versions", config.check_compatibility, methods=["POST"]
        ),
        RawPathRoute("/config", config.get_config, methods=["GET"]),
        RawPathRoute("/config", config.put_config, methods=["PUT"]),
        RawPathRoute("/config", config.delete_config, methods=["DELETE"]),
        RawPathRoute("/config/{subject}", config.get_config, methods=["GET"]),
        RawPathRoute("/config/{subject}", config.put_config, methods=["PUT"]),
        RawPathRoute("/config/{subject}", config.delete_config, methods=["DELETE"]),
        RawPathRoute("/mode", config.get_mode, methods=["GET"]),
        RawPathRoute("/mode", config.put_mode, methods=["PUT"]),
        RawPathRoute("/mode/{subject}", config.get_mode, methods=["GET"]),
        RawPathRoute("/mode/{subject}", config.put_mode, methods=["PUT"]),
        RawPathRoute("/mode/{subject}", config.delete_mode, methods=["DELETE"]),
    ]
