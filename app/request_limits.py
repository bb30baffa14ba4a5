"""Bounds on what one request may send, enforced while it arrives.

A body is counted as it is read and refused as soon as it passes the limit (a declared
``Content-Length`` over it is refused before any byte is read), so a 50 MB body never
reaches memory. GraphQL answers in its own error shape, REST in Confluent's.
"""

from __future__ import annotations

import json

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.errors import PayloadTooLargeError

_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: PayloadTooLargeError.code,
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
}


def request_error_response(status: int, message: str, code: str | None = None) -> Response:
    """A request GraphQL could not even read, answered as a GraphQL error (the
    GraphQL-over-HTTP shape: an ``errors`` list, no ``data``)."""
    code = code or _CODES.get(status, "BAD_REQUEST")
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    # json escapes lone surrogates that a message may quote from the request.
    return Response(json.dumps(body), status_code=status, media_type="application/json")


def too_large_message(limit: int) -> str:
    return f"The request is larger than {limit} bytes (REGISTRY_MAX_REQUEST_BYTES)."


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, graphql_path: str = "/graphql") -> None:
        self._app = app
        self._max = max_bytes
        self._graphql_path = graphql_path

    def _refusal(self, scope: Scope) -> Response:
        message = too_large_message(self._max)
        if scope["path"].startswith(self._graphql_path):
            return request_error_response(413, message)
        return Response(
            json.dumps({"error_code": 413, "message": message}),
            status_code=413,
            media_type="application/vnd.schemaregistry.v1+json",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        if len(scope.get("query_string", b"")) > self._max or self._declared(scope) > self._max:
            await self._refusal(scope)(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._max:
                    raise PayloadTooLargeError(too_large_message(self._max))
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, counting_receive, watching_send)
        except PayloadTooLargeError:
            if started:
                raise
            await self._refusal(scope)(scope, receive, send)

    @staticmethod
    def _declared(scope: Scope) -> int:
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0
        return 0
