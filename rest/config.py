"""``/config``, ``/mode`` and ``/compatibility``: levels, modes and dry-run checks."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from registry.errors import VersionNotFoundError
from registry.model import CompatibilityLevel
from resolvers import config as config_resolvers
from resolvers import modes as mode_resolvers
from resolvers import schemas as schema_resolvers
from resolvers import subjects as subject_resolvers
from resolvers.schemas import CompatibilityReport
from rest.errors import endpoint
from rest.http import (
    INVALID_COMPATIBILITY_LEVEL,
    LATEST,
    RestError,
    confluent_wording,
    flag,
    json_body,
    json_response,
    mode_value,
    services_of,
    subject_param,
    version_param,
)
from rest.incompatibility import confluent_messages, records
from rest.subjects import SchemaRequest, schema_request

SUBJECT_COMPATIBILITY_NOT_CONFIGURED = 40408
SUBJECT_MODE_NOT_CONFIGURED = 40409


def _subject(request: Request) -> str | None:
    subject = request.path_params.get("subject")
    return None if subject is None else str(subject)


def _level(value: object) -> CompatibilityLevel:
    try:
        return CompatibilityLevel(value)
    except ValueError:
        levels = ", ".join(level.value for level in CompatibilityLevel)
        raise RestError(
            422,
            INVALID_COMPATIBILITY_LEVEL,
            f"Invalid compatibility level {value!r}; one of {levels}.",
        ) from None


def _require_subject_setting(
    request: Request, subject: str | None, configured: object, code: int, setting: str
) -> None:
    """Confluent answers 404 for a subject without its own setting, unless the client
    asks for the inherited one with ?defaultToGlobal=true."""
    if subject is not None and configured is None and not flag(request, "defaultToGlobal"):
        raise RestError(
            404, code, f"Subject '{subject}' does not have subject-level {setting} configured"
        )


@endpoint
async def get_config(request: Request) -> Response:
    subject = _subject(request)
    view = await config_resolvers.get_config(services_of(request), subject)
    configured = view.configured or view.configured_dialect or view.configured_policy
    _require_subject_setting(
        request, subject, configured, SUBJECT_COMPATIBILITY_NOT_CONFIGURED, "compatibility"
    )
    # defaultDialect is this registry's own: the JSON Schema dialect a schema naming none
    # is read in. Confluent's clients ignore fields they do not know.
    return json_response(
        {"compatibilityLevel": view.effective.value, "defaultDialect": view.dialect}
    )


@endpoint
async def put_config(request: Request) -> Response:
    body = await json_body(request)
    keep = config_resolvers.Keep.KEEP
    dialect = body.get("defaultDialect", keep)
    if dialect is not keep and dialect is not None and not isinstance(dialect, str):
        raise RestError(422, 422, "'defaultDialect' must be a $schema URI or null.")
    if "compatibility" not in body and dialect is not keep:
        view = await config_resolvers.set_compatibility(
            services_of(request), _subject(request), keep, keep, dialect
        )
        return json_response({"defaultDialect": view.configured_dialect})
    level = _level(body.get("compatibility"))
    view = await config_resolvers.set_compatibility(
        services_of(request), _subject(request), level, keep, dialect
    )
    answer: dict[str, object] = {"compatibility": level.value}
    if dialect is not keep:
        answer["defaultDialect"] = view.configured_dialect
    return json_response(answer)


@endpoint
async def delete_config(request: Request) -> Response:
    services, subject = services_of(request), _subject(request)
    before = await config_resolvers.get_config(services, subject)
    # The scope's whole configuration goes, as in Confluent: level, policy and dialect.
    await config_resolvers.set_compatibility(services, subject, None, None, None)
    return json_response({"compatibilityLevel": before.effective.value})


@endpoint
async def get_mode(request: Request) -> Response:
    subject = _subject(request)
    view = await mode_resolvers.get_mode(services_of(request), subject)
    _require_subject_setting(request, subject, view.configured, SUBJECT_MODE_NOT_CONFIGURED, "mode")
    return json_response({"mode": view.effective.value})


@endpoint
async def put_mode(request: Request) -> Response:
    mode = mode_value((await json_body(request)).get("mode"))
    await mode_resolvers.set_mode(
        services_of(request), _subject(request), mode, flag(request, "force")
    )
    return json_response({"mode": mode.value})


@endpoint
async def delete_mode(request: Request) -> Response:
    services, subject = services_of(request), _subject(request)
    before = await mode_resolvers.get_mode(services, subject)
    await mode_resolvers.set_mode(services, subject, None)
    return json_response({"mode": before.effective.value})


async def _check(request: Request, subject: str) -> CompatibilityReport:
    given = schema_request(await json_body(request))
    with confluent_wording(given.format):
        return await _check_schema(request, subject, given)


async def _check_schema(
    request: Request, subject: str, given: SchemaRequest
) -> CompatibilityReport:
    services = services_of(request)
    text, format, references = given.text, given.format, given.references
    if "version" not in request.path_params:
        return await schema_resolvers.check_compatibility(
            services, subject, text, format, references=references
        )
    version = version_param(request)
    if version == LATEST:
        # Nothing live to break (an unknown or soft-deleted subject): compatible.
        return await schema_resolvers.check_compatibility_with_latest(
            services, subject, text, format, references
        )
    # Confluent answers "version not found" for a numbered version of an unknown subject.
    if await subject_resolvers.find_subject(services, subject) is None:
        raise VersionNotFoundError(subject, version)
    return await schema_resolvers.check_compatibility(
        services, subject, text, format, version, references
    )


@endpoint
async def check_compatibility(request: Request) -> Response:
    report = await _check(request, subject_param(request))
    body: dict[str, object] = {"is_compatible": report.is_compatible}
    if flag(request, "verbose"):
        body["messages"] = confluent_messages(
            report.incompatibilities, report.checked, report.level
        )
        body["incompatibilities"] = records(report.incompatibilities)
    return json_response(body)
