"""A websocket's trace context from its ``connection_init``.

Browsers cannot set headers on a websocket upgrade, so a client may put its W3C
``traceparent`` in the ``connection_init`` payload instead (``{"traceparent": "00-…"}``),
next to its credentials. It is read as ``RequestLog`` reads the header (a malformed one is
ignored) and becomes the parent of the spans of every operation the socket runs; one in
the payload wins over one on the upgrade request.
"""

from __future__ import annotations

from contextvars import Token
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.context import Context

from app.request_log import trace_context
from graph.websocket import LegacyWSHandler, TransportWSHandler


def _attach(payload: object) -> Token[Context] | None:
    if not isinstance(payload, dict):
        return None
    value = payload.get("traceparent")
    if not isinstance(value, str):
        return None
    caller = trace_context([value])
    return otel_context.attach(caller) if caller is not None else None


class TracedTransportWSHandler(TransportWSHandler):
    # The handler reads messages and starts each operation's task in the socket's own
    # task: the context attached here is the one every operation's task copies.
    _trace_token: Token[Context] | None = None

    async def handle_connection_init(self, message: Any) -> None:
        if not self.connection_init_received and self._trace_token is None:
            self._trace_token = _attach(message.get("payload"))
        await super().handle_connection_init(message)

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            if self._trace_token is not None:
                otel_context.detach(self._trace_token)


class TracedLegacyWSHandler(LegacyWSHandler):
    _trace_token: Token[Context] | None = None

    async def handle_connection_init(self, message: Any) -> None:
        if self._trace_token is None:
            self._trace_token = _attach(message.get("payload"))
        await super().handle_connection_init(message)

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            if self._trace_token is not None:
                otel_context.detach(self._trace_token)
