"""Request parsing and response encoding shared by the REST endpoints."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from registry import errors
from registry.model import RegistryMode, Schema, SchemaFormat
from registry.validation import MAX_INT32
from resolvers import schemas as schema_resolvers
from resolvers.context import Services

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
ACCEPTED_CONTENT_TYPES = (
    "application/vnd.schemaregistry.v1+json",
    "application/vnd.schemaregistry+json",
    "application/json",
    "application/octet-stream",
)
LATEST = -1
# How Java reads an int query parameter: an optional sign and ASCII digits, nothing else.
_INTEGER = re.compile(r"[+-]?[0-9]+")
INVALID_COMPATIBILITY_LEVEL = 42203
INVALID_MODE = 42204


class RestError(Exception):
    """A request this API refuses before any use case runs."""

    def __init__(self, status: int, error_code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message


Endpoint = Callable[[Request], Awaitable[Response]]


def json_response(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type=CONTENT_TYPE)


def raw_schema_response(schema: Schema, text: str | None = None) -> Response:
    """``…/schema`` endpoints answer with the schema document itself (``text``: in the
    form the client asked for)."""
    return Response((schema.text if text is None else text).encode(), 200, media_type=CONTENT_TYPE)


def services_of(request: Request) -> Services:
    services: Services | None = getattr(request.app.state, "services", None)
    if services is None:
        raise errors.StorageUnavailableError("The registry is starting; retry later.")
    principal = request.scope.get("principal")
    client = request.client.host if request.client else ""
    request_id = str(request.scope.get("request_id", ""))
    # What the caller may see (rest/access.py has decided what it may do), and under
    # which action its changes are audited.
    seen = services.for_caller(principal, client=client, request_id=request_id)
    operation = getattr(request.state, "operation", None)
    return seen if operation is None else seen.acting(*operation)


def flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").lower() == "true"


def deleted_only(request: Request) -> bool:
    """Confluent's ``deletedOnly``; confluent-kafka's Python client spells it
    ``deleted_only``, so both are read."""
    return flag(request, "deletedOnly") or flag(request, "deleted_only")


def _query_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    value = int(raw) if _INTEGER.fullmatch(raw) else None
    if value is None or not -(2**31) <= value <= MAX_INT32:
        # Confluent (JAX-RS) answers a query parameter it cannot read as an int with 404.
        raise RestError(
            404, 404, f"Query parameter '{name}' must be a 32-bit integer, got {raw!r}."
        )
    return value


def page_params(request: Request) -> tuple[int, int | None]:
    """``?offset=`` (default 0) and ``?limit=`` (default -1), as Confluent reads them: a
    limit that is not positive means no limit."""
    offset = _query_int(request, "offset", 0)
    limit = _query_int(request, "limit", -1)
    return offset, limit if limit > 0 else None


def subject_param(request: Request) -> str:
    return str(request.path_params["subject"])


def version_param(request: Request) -> int:
    """A version is a number from 1, or ``latest`` (also spelled -1)."""
    raw = str(request.path_params["version"])
    if raw == "latest":
        return LATEST
    try:
        number = int(raw)
    except ValueError:
        number = 0
    if number == LATEST or 1 <= number <= MAX_INT32:
        return number
    raise RestError(
        422,
        42202,
        f"The specified version '{raw}' is not a valid version id. Allowed values are "
        f'between [1, {MAX_INT32}] and the string "latest"',
    )


async def json_body(request: Request) -> dict[str, Any]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    # A JSON type is required, never assumed: a browser may send a cross-site request
    # without a Content-Type (or as text/plain) and without asking first; it may not
    # send application/json that way. Confluent's clients always send one.
    if media_type not in ACCEPTED_CONTENT_TYPES:
        shown = f"'{media_type}'" if media_type else "none"
        raise RestError(
            415,
            415,
            f"Unsupported content type {shown}; send application/vnd.schemaregistry.v1+json, "
            "application/vnd.schemaregistry+json or application/json.",
        )
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise RestError(400, 400, f"The request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise RestError(422, 422, "The request body must be a JSON object.")
    return body


def schema_format(value: object) -> SchemaFormat:
    """Confluent's default schemaType is AVRO; an unknown one is refused (42201)."""
    if value is None:
        return SchemaFormat.AVRO
    try:
        return SchemaFormat(value)
    except ValueError:
        raise errors.InvalidSchemaError(f"Unknown schemaType {value!r}.") from None


@contextlib.contextmanager
def confluent_wording(format: SchemaFormat) -> Iterator[None]:
    """An invalid schema worded as Confluent words it (42201): ``Invalid schema … of type
    AVRO, details: …``, the details being this registry's message."""
    try:
        yield
    except errors.InvalidSchemaError as error:
        raise errors.InvalidSchemaError(
            f"Invalid schema of type {format.value}, details: {error.message}"
        ) from None


def schema_fields(schema: Schema, text: str | None = None) -> dict[str, object]:
    """Confluent leaves out schemaType for AVRO, its default, and references when there
    are none. ``text``: the schema in the form the client asked for (``rendered``)."""
    fields: dict[str, object] = {"schema": schema.text if text is None else text}
    if schema.format is not SchemaFormat.AVRO:
        fields["schemaType"] = schema.format.value
    if schema.references:
        fields["references"] = [
            {"name": r.name, "subject": r.subject, "version": r.version} for r in schema.references
        ]
    return fields


async def rendered(services: Services, request: Request, schema: Schema) -> str | None:
    """The schema in the form ``?format=`` names (Confluent's ``serialized`` for
    Protobuf), or None for the stored text."""
    form = request.query_params.get("format")
    if not form:
        return None
    return await schema_resolvers.render_schema(services, schema, form)


def mode_value(value: object) -> RegistryMode:
    try:
        return RegistryMode(value)
    except ValueError:
        modes = ", ".join(m.value for m in RegistryMode)
        raise RestError(422, INVALID_MODE, f"Invalid mode {value!r}; one of {modes}.") from None
