"""Both websocket protocols, with every client message checked before it is handled.

Strawberry's handlers index into messages as if they were well formed: a frame that is
JSON but not an object (``[]``, ``null``, ``123``) raised inside the server and dropped
the socket without a close frame, ``"variables": "x"`` became INTERNAL_ERROR, and a
numeric ``id`` got no reply. graphql-transport-ws says what to do with an invalid
message: close with 4400 and a reason. The legacy graphql-ws protocol has no close code
for it, so the client gets an ``error`` for the operation (or a ``connection_error``).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionErrorMessage,
    ErrorMessage,
)

from graph.context import GraphContext

_OPERATION_STARTS = frozenset({"subscribe", "start"})
_OPERATION_ENDS = frozenset({"complete", "stop"})
_PAYLOAD_FIELDS: tuple[tuple[str, type, str], ...] = (
    ("variables", dict, "an object"),
    ("operationName", str, "a string"),
    ("extensions", dict, "an object"),
)


def message_problem(message: object) -> str | None:
    """What is wrong with a client message, or None when it is well formed."""
    if not isinstance(message, dict):
        return "a message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "'type' must be a string"
    if kind in _OPERATION_STARTS | _OPERATION_ENDS:
        operation_id = message.get("id")
        if not isinstance(operation_id, str) or not operation_id:
            return "'id' must be a non-empty string"
    if kind in _OPERATION_STARTS:
        payload = message.get("payload")
        if not isinstance(payload, dict):
            return "'payload' must be an object"
        if not isinstance(payload.get("query"), str):
            return "'payload.query' must be a string"
        for key, expected, described in _PAYLOAD_FIELDS:
            value = payload.get(key)
            if value is not None and not isinstance(value, expected):
                return f"'payload.{key}' must be {described} or null"
    return None


class TransportWSHandler(BaseGraphQLTransportWSHandler[GraphContext, None]):
    async def handle_message(self, message: Any) -> None:
        problem = message_problem(message)
        if problem is not None:
            await self.handle_invalid_message(f"Invalid message: {problem}")
            return
        await super().handle_message(message)


class LegacyWSHandler(BaseGraphQLWSHandler[GraphContext, None]):
    async def handle_message(self, message: Any) -> None:
        problem = message_problem(message)
        if problem is None:
            await super().handle_message(message)
            return
        operation_id = message.get("id") if isinstance(message, dict) else None
        error = GraphQLError(f"Invalid message: {problem}").formatted
        if isinstance(operation_id, str) and operation_id:
            await self.send_message(ErrorMessage(type="error", id=operation_id, payload=error))
        else:
            await self.send_message(
                ConnectionErrorMessage(type="connection_error", payload=dict(error))
            )
