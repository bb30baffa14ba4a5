"""Domain errors as Confluent's error bodies: ``{"error_code": ..., "message": ...}``.

One table maps each domain error class to Confluent's HTTP status and error code; a
subclass (a soft-deleted subject is a kind of missing subject) is looked up before its
parent, so the GraphQL code stays the parent's while REST clients see Confluent's finer
code.
"""

from __future__ import annotations

import functools
import logging
import uuid

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

from registry import errors
from rest.http import Endpoint, RestError, json_response
from rest.incompatibility import incompatible_body

# The answer to a request without valid credentials names the schemes accepted.
CHALLENGE = 'Basic realm="llm-schema-registry", Bearer realm="llm-schema-registry"'

logger = logging.getLogger(__name__)

ERROR_CODES: dict[type[errors.RegistryError], tuple[int, int]] = {
    errors.SubjectSoftDeletedError: (404, 40404),
    errors.SubjectNotFoundError: (404, 40401),
    errors.VersionSoftDeletedError: (404, 40406),
    errors.VersionNotFoundError: (404, 40402),
    errors.SchemaNotFoundError: (404, 40403),
    errors.SubjectNotSoftDeletedError: (404, 40405),
    errors.VersionNotSoftDeletedError: (404, 40407),
    errors.IncompatibleSchemaError: (409, 409),
    errors.VersionConflictError: (409, 409),
    errors.InvalidSchemaError: (422, 42201),
    errors.UnsupportedFormatError: (422, 42201),
    errors.InvalidVersionError: (422, 42202),
    errors.OperationNotPermittedError: (422, 42205),
    errors.ReferenceExistsError: (422, 42206),
    errors.ProviderLintFailedError: (422, 42212),
    errors.InvalidSubjectError: (422, 42208),
    errors.SchemaTooLargeError: (422, 42209),
    errors.BadUserInputError: (422, 422),
    errors.SubscriberTooSlowError: (429, 429),
    # Confluent's "error in the backend data store", answered 503 with Retry-After: the
    # request may well succeed shortly, unlike an internal error (500, also 50001).
    errors.StorageUnavailableError: (503, 50001),
    errors.ServerBusyError: (503, 50301),
    # Confluent's codes for these (its RBAC plugin answers 40101 and 40301).
    errors.UnauthenticatedError: (401, 40101),
    errors.ForbiddenError: (403, 40301),
    errors.RateLimitedError: (429, 42901),
}
# Seconds a client is asked to wait before retrying a request the database could not serve.
RETRY_AFTER_SECONDS = 1


def error_response(status: int, error_code: int, message: str) -> Response:
    return json_response({"error_code": error_code, "message": message}, status)


def status_and_code(error: errors.RegistryError) -> tuple[int, int]:
    for kind in type(error).__mro__:
        found = ERROR_CODES.get(kind)
        if found is not None:
            return found
    return error.http_status, error.http_status


def registry_error_response(error: errors.RegistryError) -> Response:
    status, code = status_and_code(error)
    if isinstance(error, errors.IncompatibleSchemaError):
        return json_response(incompatible_body(error, code), status)
    response = error_response(status, code, error.message)
    if isinstance(error, errors.StorageUnavailableError):
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    elif isinstance(error, errors.ServerBusyError | errors.RateLimitedError):
        response.headers["Retry-After"] = str(error.retry_after_seconds)
    elif isinstance(error, errors.UnauthenticatedError):
        response.headers["WWW-Authenticate"] = CHALLENGE
    return response


def internal_error_response(error: Exception) -> Response:
    trace_id = uuid.uuid4().hex
    logger.error("unexpected error in a REST request (trace %s)", trace_id, exc_info=error)
    return error_response(500, 50001, f"Internal error; trace id {trace_id}.")


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods answer in the same error shape as everything else."""
    assert isinstance(exc, HTTPException)
    response = error_response(exc.status_code, exc.status_code, exc.detail)
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:
        # RFC 9110: a 405 lists every method the path allows. One path may be served by
        # several routes (one per method); the router names only the first one's.
        response.headers["Allow"] = ", ".join(sorted(_allowed_methods(request)))
    return response


def _allowed_methods(request: Request) -> set[str]:
    allowed: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            allowed.update(getattr(route, "methods", None) or ())
    return allowed


def _log_refusal(request: Request, code: str, error_code: int, message: str) -> None:
    level = errors.refusal_log_level(code, is_write=request.method != "GET")
    if logger.isEnabledFor(level):
        logger.log(
            level,
            "rest %s %s refused: %s (%s): %s",
            request.method,
            request.url.path,
            error_code,
            code,
            message,
        )


def endpoint(handler: Endpoint) -> Endpoint:
    """Every failure becomes Confluent's error body; nothing unexpected leaks."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except errors.RegistryError as exc:
            _log_refusal(request, exc.code, status_and_code(exc)[1], exc.message)
            return registry_error_response(exc)
        except RestError as exc:
            _log_refusal(request, "BAD_REQUEST", exc.error_code, exc.message)
            return error_response(exc.status, exc.error_code, exc.message)
        except Exception as exc:
            return internal_error_response(exc)

    return wrapped
