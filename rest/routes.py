"""The REST routes, at the server root as Confluent serves them, and the OpenAPI document."""

from __future__ import annotations

import functools
from pathlib import Path

import orjson
import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from rest import access, config, schemas, subjects
from rest.access import Endpoint
from rest.paths import RawPathRoute

OPENAPI_PATH = "/openapi.json"
_OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")


@functools.cache
def openapi_document() -> bytes:
    return orjson.dumps(yaml.safe_load(_OPENAPI_FILE.read_text()))


async def openapi(request: Request) -> Response:
    return Response(openapi_document(), media_type="application/json")


def _route(path: str, handler: Endpoint, method: str, rule: access.Rule) -> BaseRoute:
    """A route whose handler runs only once the policy allows it (rest/access.py)."""
    operation = f"{method} {path}"
    return RawPathRoute(path, access.guarded(handler, rule, operation), methods=[method])


# Order matters where templates overlap: Starlette takes the first match. Every route
# matches on the raw path, so a subject may contain '/' (sent as %2F). Every route but
# the OpenAPI document names its action: what a request may do is decided in one place.
def rest_routes() -> list[BaseRoute]:
    subject = "/subjects/{subject}"
    version = subject + "/versions/{version}"
    read = access.read()
    ids = "/schemas/ids/{id:int}"
    return [
        RawPathRoute(OPENAPI_PATH, openapi, methods=["GET"]),
        _route("/schemas/types", schemas.get_schema_types, "GET", read),
        _route(ids, schemas.get_schema, "GET", read),
        _route(ids + "/schema", schemas.get_schema_text, "GET", read),
        _route(ids + "/subjects", schemas.get_schema_subjects, "GET", read),
        _route(ids + "/versions", schemas.get_schema_versions, "GET", read),
        _route("/subjects", subjects.list_subjects, "GET", read),
        _route(subject, subjects.lookup, "POST", read),
        _route(subject, subjects.delete_subject, "DELETE", access.delete),
        _route(subject + "/versions", subjects.list_versions, "GET", read),
        _route(subject + "/versions", subjects.register, "POST", access.register),
        _route(version, subjects.get_version, "GET", read),
        _route(version, subjects.delete_version, "DELETE", access.delete),
        _route(version + "/schema", subjects.get_version_schema, "GET", read),
        _route(version + "/referencedby", subjects.get_referenced_by, "GET", read),
        _route("/compatibility" + version, config.check_compatibility, "POST", read),
        _route("/compatibility" + subject + "/versions", config.check_compatibility, "POST", read),
        _route("/config", config.get_config, "GET", read),
        _route("/config", config.put_config, "PUT", access.configure),
        _route("/config", config.delete_config, "DELETE", access.configure),
        _route("/config/{subject}", config.get_config, "GET", read),
        _route("/config/{subject}", config.put_config, "PUT", access.configure),
        _route("/config/{subject}", config.delete_config, "DELETE", access.configure),
        _route("/mode", config.get_mode, "GET", read),
        _route("/mode", config.put_mode, "PUT", access.set_mode),
        _route("/mode/{subject}", config.get_mode, "GET", read),
        _route("/mode/{subject}", config.put_mode, "PUT", access.set_mode),
        _route("/mode/{subject}", config.delete_mode, "DELETE", access.configure),
    ]
