"""The REST routes, at the server root as Confluent serves them, and the OpenAPI document."""

from __future__ import annotations

import functools
from pathlib import Path

import orjson
import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from rest import config, schemas, subjects

OPENAPI_PATH = "/openapi.json"
_OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")


@functools.cache
def openapi_document() -> bytes:
    return orjson.dumps(yaml.safe_load(_OPENAPI_FILE.read_text()))


async def openapi(request: Request) -> Response:
    return Response(openapi_document(), media_type="application/json")


# Order matters where templates overlap: Starlette takes the first match.
def rest_routes() -> list[BaseRoute]:
    subject = "/subjects/{subject}"
    version = subject + "/versions/{version}"
    return [
        Route(OPENAPI_PATH, openapi, methods=["GET"]),
        Route("/schemas/types", schemas.get_schema_types, methods=["GET"]),
        Route("/schemas/ids/{id:int}", schemas.get_schema, methods=["GET"]),
        Route("/schemas/ids/{id:int}/schema", schemas.get_schema_text, methods=["GET"]),
        Route("/schemas/ids/{id:int}/subjects", schemas.get_schema_subjects, methods=["GET"]),
        Route("/schemas/ids/{id:int}/versions", schemas.get_schema_versions, methods=["GET"]),
        Route("/subjects", subjects.list_subjects, methods=["GET"]),
        Route(subject, subjects.lookup, methods=["POST"]),
        Route(subject, subjects.delete_subject, methods=["DELETE"]),
        Route(subject + "/versions", subjects.list_versions, methods=["GET"]),
        Route(subject + "/versions", subjects.register, methods=["POST"]),
        Route(version, subjects.get_version, methods=["GET"]),
        Route(version, subjects.delete_version, methods=["DELETE"]),
        Route(version + "/schema", subjects.get_version_schema, methods=["GET"]),
        Route(version + "/referencedby", subjects.get_referenced_by, methods=["GET"]),
        Route("/compatibility" + version, config.check_compatibility, methods=["POST"]),
        Route(
            "/compatibility" + subject + "/versions", config.check_compatibility, methods=["POST"]
        ),
        Route("/config", config.get_config, methods=["GET"]),
        Route("/config", config.put_config, methods=["PUT"]),
        Route("/config", config.delete_config, methods=["DELETE"]),
        Route("/config/{subject}", config.get_config, methods=["GET"]),
        Route("/config/{subject}", config.put_config, methods=["PUT"]),
        Route("/config/{subject}", config.delete_config, methods=["DELETE"]),
        Route("/mode", config.get_mode, methods=["GET"]),
        Route("/mode", config.put_mode, methods=["PUT"]),
        Route("/mode/{subject}", config.get_mode, methods=["GET"]),
        Route("/mode/{subject}", config.put_mode, methods=["PUT"]),
        Route("/mode/{subject}", config.delete_mode, methods=["DELETE"]),
    ]
