"""Turns exceptions into GraphQL errors with a stable ``extensions.code``.

Domain errors keep their message and code (and, for INCOMPATIBLE_SCHEMA, the structured
incompatibilities). Anything unexpected is logged with a trace id and masked as
INTERNAL_ERROR, so no stack trace or internal message ever reaches a client.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from opentelemetry import trace
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from graph.operations import operation_type, root_fields
from registry.errors import (
    IncompatibleSchemaError,
    ProviderLintFailedError,
    RegistryError,
    refusal_log_level,
)

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "INTERNAL_ERROR"
BAD_USER_INPUT = "BAD_USER_INPUT"
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_REQUEST = "BAD_REQUEST"


# Request errors about the values sent (as opposed to the shape of the document).
_BAD_INPUT = re.compile(
    r"^(Variable '\$\w+' (got invalid value|has invalid value|of required type|of non-null type)"
    r"|Argument '[^']+' of type '[^']+' is required"
    r"|Int cannot represent|Float cannot represent|String cannot represent"
    r"|Boolean cannot represent|Enum '\w+' cannot represent)"
)


def _trace_id() -> str:
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        return f"{context.trace_id:032x}"
    return uuid.uuid4().hex


def _domain_extensions(error: RegistryError) -> dict[str, Any]:
    extensions: dict[str, Any] = {"code": error.code}
    if isinstance(error, IncompatibleSchemaError):
        extensions["messages"] = [item.describe() for item in error.incompatibilities]
        extensions["incompatibilities"] = [item.as_record() for item in error.incompatibilities]
    if isinstance(error, ProviderLintFailedError):
        extensions["findings"] = error.records()
    return extensions


def _with(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


def format_error(error: GraphQLError) -> GraphQLError:
    """The client-facing version of one error."""
    original = error.original_error
    if isinstance(original, GraphQLError):
        original = original.original_error
    if isinstance(original, RegistryError):
        return _with(error, original.message, _domain_extensions(original))
    if original is None:
        if error.extensions and "code" in error.extensions:
            return error
        message = error.message
        if message.startswith("Syntax Error"):
            code = GRAPHQL_PARSE_FAILED
        elif _BAD_INPUT.match(message) or error.path is not None:
            code = BAD_USER_INPUT
        else:
            code = GRAPHQL_VALIDATION_FAILED
        return _with(error, message, {**(error.extensions or {}), "code": code})
    if isinstance(original, InvalidOperationTypeError):
        # A query or mutation sent where only subscriptions are served (the legacy
        # graphql-ws protocol), or an operation type the transport does not allow.
        return _with(
            error,
            f"{original.operation_type.value.capitalize()} operations are not accepted "
            "here: send queries and mutations over HTTP (or graphql-transport-ws).",
            {"code": GRAPHQL_VALIDATION_FAILED},
        )
    if isinstance(original, CannotGetOperationTypeError | MissingQueryError):
        # Nothing to run: no query, only fragments, or no operation by the name given.
        # HTTP refuses these before execution (400); a websocket subscribe gets them here.
        message = (
            original.as_http_error_reason()
            if isinstance(original, CannotGetOperationTypeError)
            else "No GraphQL query found in the request"
        )
        return _with(error, message, {"code": BAD_REQUEST})
    trace_id = _trace_id()
    logger.error("unexpected error (trace id %s)", trace_id, exc_info=original)
    return _with(
        error,
        f"Internal server error (trace id {trace_id}).",
        {"code": INTERNAL_ERROR, "traceId": trace_id},
    )


def _format_result(result: object) -> None:
    errors = getattr(result, "errors", None)
    if errors:
        result.errors = [format_error(e) for e in errors]  # type: ignore[attr-defined]


# Refusals that say "not now": the answer tells the client when to try again, as REST's
# 503 and 429 answers do (the GraphQL answer itself stays HTTP 200, its errors inside).
_RETRY_CODES = frozenset({"SERVER_BUSY", "STORAGE_UNAVAILABLE", "RATE_LIMITED"})


def _ask_to_retry(result: object, response: object) -> None:
    headers = getattr(response, "headers", None)
    if not callable(getattr(headers, "__setitem__", None)):
        return  # a websocket (its request's headers are read-only): the message answers
    assert headers is not None
    seconds = 0
    for error in getattr(result, "errors", None) or ():
        if (error.extensions or {}).get("code") in _RETRY_CODES:
            original = getattr(error, "original_error", None)
            seconds = max(seconds, int(getattr(original, "retry_after_seconds", 1)))
    if seconds:
        headers["Retry-After"] = str(seconds)


def _log_refusals(result: object, op_type: str, fields: list[str]) -> None:
    """One line per refused operation, with its code: a refused registration answers
    HTTP 200 with an error inside, so the access log alone would not show it."""
    for error in getattr(result, "errors", None) or ():
        code = str((error.extensions or {}).get("code", INTERNAL_ERROR))
        if code == INTERNAL_ERROR:
            continue  # already logged with its traceback and trace id
        level = refusal_log_level(code, is_write=op_type == "mutation")
        if logger.isEnabledFor(level):
            logger.log(
                level,
                "graphql %s %s refused: %s: %s",
                op_type,
                ",".join(fields[:4]),
                code,
                error.message,
            )


class RegistryErrorExtension(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        _format_result(context.result)
        # Only refused operations pay for describing the operation.
        if getattr(context.result, "errors", None):
            _log_refusals(context.result, operation_type(context), root_fields(context))
            _ask_to_retry(context.result, getattr(context.context, "response", None))

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Subscriptions: each streamed result, before it is sent."""
        _format_result(result)
        yield
