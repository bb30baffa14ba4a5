"""Both websocket protocols, with every client message checked before it is handled.

Strawberry's handlers index into messages as if they were well formed: a frame that is
JSON but not an object (``[]``, ``null``, ``123``) raised inside the server and dropped
the socket without a close frame, ``"variables": "x"`` became INTERNAL_ERROR, and a
numeric ``id`` got no reply. graphql-transport-ws says what to do with an invalid
message: close with 4400 and a reason. The legacy graphql-ws protocol has no close code
for it, so the client gets an ``error`` for the operation (or a ``connection_error``).

An operation may also finish after its socket was closed (an invalid message closes it
while a subscribe is still being prepared, or the client left): the send is refused
(by Starlette once the close is sent, by strawberry while it is under way), and the
answer, which has nowhere to go, is dropped rather than logged as a failed task.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any, Protocol

from graphql import GraphQLError
from starlette.websockets import WebSocketDisconnected
from strawberry.http.exceptions import WebSocketDisconnected as SocketGone
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionErrorMessage,
    ErrorMessage,
)

from graph.context import GraphContext
from registry.access import Principal
from registry.errors import RateLimitedError, UnauthenticatedError

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
    async def send_message(self, message: Any) -> None:
        with contextlib.suppress(WebSocketDisconnected, SocketGone):
            await super().send_message(message)

    async def handle_message(self, message: Any) -> None:
        problem = message_problem(message)
        if problem is not None:
            await self.handle_invalid_message(f"Invalid message: {problem}")
            return
        await super().handle_message(message)

    async def handle_connection_init(self, message: Any) -> None:
        # A malformed or repeated init is strawberry's to refuse (4400, 4429).
        payload = message.get("payload", {})
        is_first = isinstance(payload, dict) and not self.connection_init_received
        if is_first and not await _authenticate(self, payload):
            self.connection_init_received = True
            return
        await super().handle_connection_init(message)

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            _forget(self)


class LegacyWSHandler(BaseGraphQLWSHandler[GraphContext, None]):
    async def send_message(self, message: Any) -> None:
        with contextlib.suppress(WebSocketDisconnected, SocketGone):
            await super().send_message(message)

    async def handle_connection_init(self, message: Any) -> None:
        payload = message.get("payload")
        if (payload is None or isinstance(payload, dict)) and not await _authenticate(
            self, payload
        ):
            return
        await super().handle_connection_init(message)

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            _forget(self)

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


class SocketAuthenticator(Protocol):
    async def __call__(self, context: GraphContext, params: dict[str, Any]) -> None:
        """Authenticate the socket from its ``connection_init`` payload (or the upgrade
        request's header, already in the context) and bind the principal to the context;
        raise ``UnauthenticatedError`` to refuse it."""


class Closable(Protocol):
    async def close(self, code: int, reason: str) -> None: ...


class SocketRef:
    """A socket as a set member (by identity), closed from outside its handler."""

    __slots__ = ("_socket",)

    def __init__(self, socket: Closable) -> None:
        self._socket = socket

    def __hash__(self) -> int:
        return id(self._socket)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SocketRef) and other._socket is self._socket

    async def close(self, code: int, reason: str) -> None:
        # Already closed (the client left first): nothing to do.
        with contextlib.suppress(RuntimeError):
            await self._socket.close(code, reason)


class OpenSockets:
    """The authenticated sockets of this replica, by principal: a revoked key or an
    expired token closes its sockets (4403), whether or not they are subscribed."""

    def __init__(self) -> None:
        self._by_key: dict[str, set[Closable]] = {}
        self._timers: dict[Closable, asyncio.TimerHandle] = {}
        self._releases: dict[Closable, Callable[[], object]] = {}
        self._closing: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._timers) + sum(len(s) for s in self._by_key.values())

    def add(
        self, socket: Closable, principal: Principal, release: Callable[[], object] | None = None
    ) -> None:
        """Watch ``socket``; ``release`` runs once when it is removed (it ends, or is
        closed for its principal)."""
        if release is not None:
            self._releases[socket] = release
        if principal.key_id is not None:
            self._by_key.setdefault(principal.key_id, set()).add(socket)
        if principal.expires_at is not None:
            loop = asyncio.get_running_loop()
            delay = max(0.0, principal.expires_at - time.time())
            self._timers[socket] = loop.call_later(delay, self._close, socket, "Token expired")

    def remove(self, socket: Closable) -> None:
        release = self._releases.pop(socket, None)
        if release is not None:
            release()
        timer = self._timers.pop(socket, None)
        if timer is not None:
            timer.cancel()
        for key_id, sockets in list(self._by_key.items()):
            sockets.discard(socket)
            if not sockets:
                del self._by_key[key_id]

    def revoke(self, key_id: str) -> None:
        for socket in self._by_key.pop(key_id, set()):
            self._close(socket, "API key revoked")

    def _close(self, socket: Closable, reason: str) -> None:
        self.remove(socket)
        task = asyncio.get_running_loop().create_task(socket.close(4403, reason))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)


async def _authenticate(
    handler: BaseGraphQLTransportWSHandler[GraphContext, None]
    | BaseGraphQLWSHandler[GraphContext, None],
    payload: object,
) -> bool:
    authenticate: SocketAuthenticator | None = getattr(handler.view, "authenticate_socket", None)
    if authenticate is None:
        return True
    params = payload if isinstance(payload, dict) else {}
    try:
        await authenticate(handler.context, params)
    except UnauthenticatedError as exc:
        await handler.websocket.close(code=4401, reason=exc.message[:120])
        return False
    except RateLimitedError as exc:
        # graphql-transport-ws's code for "too many" (it uses it for repeated inits).
        await handler.websocket.close(code=4429, reason=exc.message[:120])
        return False
    return True


def _forget(
    handler: BaseGraphQLTransportWSHandler[GraphContext, None]
    | BaseGraphQLWSHandler[GraphContext, None],
) -> None:
    sockets: OpenSockets | None = getattr(handler.view, "open_sockets", None)
    socket = getattr(handler.context, "response", None)
    if sockets is not None and socket is not None:
        sockets.remove(SocketRef(socket))
