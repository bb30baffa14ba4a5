"""The GraphQL endpoint: strawberry's ASGI view with the registry's JSON handling,
GraphiQL page, websocket protocol handlers and per-principal context."""

from __future__ import annotations

import functools
import json
from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta
from typing import Any

import orjson
import strawberry
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL

from app.authentication import Authenticator
from app.graphiql import content_security_policy, render_page
from app.principal_limits import PrincipalLimits
from app.request_limits import request_error_response
from app.settings import Settings
from app.socket_tracing import TracedLegacyWSHandler, TracedTransportWSHandler
from graph.context import GraphContext
from graph.websocket import OpenSockets, SocketRef
from registry.access import Principal
from registry.errors import UnauthenticatedError
from resolvers.context import Services

# RFC 6455: a close frame's reason is at most 123 bytes of UTF-8.
_MAX_CLOSE_REASON_BYTES = 123


def close_reason(reason: str) -> str:
    """A reason a close frame can carry. Strawberry's reasons may quote the client's
    message ("Unknown message type: …"): a lone surrogate in it could not be encoded and
    a long one does not fit, and either dropped the socket without a close frame."""
    encoded = reason.encode("utf-8", "replace")[:_MAX_CLOSE_REASON_BYTES]
    return encoded.decode("utf-8", "ignore")


class _SocketAdapter(ASGIWebSocketAdapter):
    async def close(self, code: int, reason: str) -> None:
        await super().close(code, close_reason(reason))


class RegistryGraphQL(GraphQL[GraphContext, None]):
    def __init__(self, schema: strawberry.Schema, settings: Settings) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            keep_alive=True,
            keep_alive_interval=settings.websocket_ping_interval,
            connection_init_wait_timeout=timedelta(seconds=settings.websocket_init_timeout),
        )
        self.services: Services | None = None
        self.authenticator: Authenticator | None = None
        self.open_sockets = OpenSockets()
        self.principal_limits: PrincipalLimits | None = None
        self.graphiql_page = render_page() if settings.graphiql_enabled else ""
        self.graphiql_policy = content_security_policy(self.graphiql_page)

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(
            self.graphiql_page, headers={"Content-Security-Policy": self.graphiql_policy}
        )

    # A traceparent in connection_init parents the socket's operations (app/socket_tracing.py).
    graphql_transport_ws_handler_class = TracedTransportWSHandler
    graphql_ws_handler_class = TracedLegacyWSHandler
    websocket_adapter_class = _SocketAdapter

    def decode_json(self, data: str | bytes) -> object:
        # json.loads recurses once per nesting level: a body (or a websocket message) of
        # a few thousand '[' raised RecursionError, a 500 or a socket dropped without a
        # close frame. Too deep is malformed here: 400, or 4400 on a socket.
        try:
            return super().decode_json(data)
        except RecursionError:
            raise json.JSONDecodeError("The JSON is nested too deeply", "", 0) from None

    def parse_json(self, data: str | bytes) -> Any:
        try:
            parsed = super().parse_json(data)
        except UnicodeDecodeError:
            raise HTTPException(400, "The request body is not valid UTF-8.") from None
        # strawberry assumes an object (or a batch list); anything else would be a 500.
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, "The request body must be a JSON object.")
        return parsed

    def encode_json(self, data: object) -> str:
        # orjson is several times faster than json.dumps; a str (not bytes) keeps
        # websocket frames textual, as both subscription protocols require.
        try:
            return orjson.dumps(data).decode()
        except TypeError:
            # orjson refuses lone surrogates, which an error message may quote from the
            # request; json escapes them as \uXXXX, which is still valid JSON.
            return json.dumps(data, separators=(",", ":"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:
            response = request_error_response(exc.status_code, exc.reason)
        await response(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> GraphContext:
        if self.services is None:
            raise RuntimeError("the registry is not started")
        # The principal the upgrade or request headers named (AuthenticationMiddleware);
        # a websocket may name one later, in connection_init.
        principal: Principal | None = request.scope.get("principal")
        client = request.client.host if request.client else ""
        request_id = str(request.scope.get("request_id", ""))
        services = self.services.for_caller(principal, client=client, request_id=request_id)
        context = GraphContext(
            services=services, request=request, response=response, principal=principal
        )
        limits = self.principal_limits
        if limits is not None:

            def subscription_slot() -> AbstractContextManager[None]:
                if context.principal is None:
                    return nullcontext()
                return limits.acquire_subscription(context.principal.id)

            context.subscription_slot = subscription_slot
        return context

    async def authenticate_socket(self, context: GraphContext, params: dict[str, Any]) -> None:
        if self.authenticator is None or self.services is None:
            raise UnauthenticatedError("The registry is not started.")
        principal = context.principal
        if params or principal is None:
            named = await self.authenticator.authenticate_params(params)
            principal = named or principal
        if principal is None:
            raise UnauthenticatedError(
                "Authentication required: send credentials in connection_init."
            )
        context.principal = principal
        client = context.request.client.host if context.request.client else ""
        context.services = self.services.for_principal(principal, client=client)
        if isinstance(context.response, WebSocket):
            release = None
            if self.principal_limits is not None:
                # Raises RATE_LIMITED (the socket is closed with 4429) when over the limit.
                held = self.principal_limits.acquire_connection(principal.id)
                held.__enter__()
                release = functools.partial(held.__exit__, None, None, None)
            self.open_sockets.add(SocketRef(context.response), principal, release)
