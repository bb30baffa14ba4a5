"""Bounds on what a client connection may hold, in uvicorn's HTTP protocol.

uvicorn bounds the idle time between requests (keep-alive), but not the time a client
takes to send a request's headers: a client that sends half a request line and then
nothing holds its connection, its file descriptor and its memory for as long as it likes,
and a thousand such clients hold a thousand. ``bounded_http_protocol`` returns uvicorn's
httptools protocol with three more bounds:

- the request headers must arrive within ``header_timeout`` seconds of the connection
  being accepted, or of the first byte of a later request on it;
- a websocket upgrade must be complete within ``handshake_timeout`` seconds of the
  connection being accepted;
- at most ``max_connections`` connections (HTTP and websocket) are served at a time; a
  connection beyond that is answered 503 as soon as it is accepted, and closed.

(The time a request body may take is bounded at the ASGI level: ``app/request_body.py``.)
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger(__name__)

# Reasons a connection is cut, as metric labels.
HEADER_TIMEOUT = "header_timeout"
HANDSHAKE_TIMEOUT = "handshake_timeout"
OVER_LIMIT = "over_limit"


def _response(status: bytes, body: bytes, *headers: bytes) -> bytes:
    lines = [
        b"HTTP/1.1 " + status,
        b"content-type: text/plain; charset=utf-8",
        b"content-length: " + str(len(body)).encode(),
        *headers,
        b"connection: close",
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


_OVER_LIMIT = _response(
    b"503 Service Unavailable", b"Too many connections; retry shortly.", b"retry-after: 1"
)
# How long a refused connection's request is read (and dropped) before it is closed.
_LINGER_SECONDS = 1.0
_HEADERS_LATE = _response(b"408 Request Timeout", b"Request headers not received in time.")
_UPGRADE_LATE = _response(b"408 Request Timeout", b"WebSocket upgrade not requested in time.")


@dataclass
class ConnectionLimits:
    header_timeout: float
    handshake_timeout: float
    max_connections: int
    on_cut: Callable[[str], None] = lambda reason: None
    # Connections accepted beyond the limit and not closed yet; they are in uvicorn's
    # connection set, but hold no place in the limit.
    refused: int = field(default=0, init=False)


def bounded_http_protocol(limits: ConnectionLimits) -> type[asyncio.Protocol]:
    """uvicorn's httptools protocol with ``limits`` (one class per server: the limits and
    the count of refused connections are shared by its connections)."""

    class BoundedHttpProtocol(HttpToolsProtocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._deadline: asyncio.TimerHandle | None = None
            self._accepted_at = 0.0
            self._is_refused = False
            self._awaiting_headers = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._accepted_at = self.loop.time()
            # uvicorn's set holds this connection, open websockets and refused connections.
            if len(self.connections) - limits.refused > limits.max_connections:
                self._refuse()
                return
            self._arm(limits.header_timeout, self._headers_late)

        def _refuse(self) -> None:
            """Answer 503 at once, whatever the client sends or not. Its request is read
            and dropped for a moment (closing with unread data would reset the connection,
            and the client might lose the answer), until it closes (the transport then closes
            too) or that moment ends."""
            self._is_refused = True
            limits.refused += 1
            limits.on_cut(OVER_LIMIT)
            self.transport.write(_OVER_LIMIT)
            if self.transport.can_write_eof():
                self.transport.write_eof()
            self._arm(_LINGER_SECONDS, self.transport.close)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if self._is_refused:
                self._is_refused = False
                limits.refused -= 1
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._is_refused:
                return
            super().data_received(data)
            # The first part of a later request on a kept-alive connection (uvicorn has
            # just cancelled its keep-alive timer): its headers get the same time.
            if self._awaiting_headers and self._deadline is None:
                self._arm(limits.header_timeout, self._headers_late)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._awaiting_headers = True

        def on_headers_complete(self) -> None:
            self._awaiting_headers = False
            self._disarm()
            super().on_headers_complete()

        def handle_websocket_upgrade(self) -> None:
            left = limits.handshake_timeout - (self.loop.time() - self._accepted_at)
            if left <= 0:
                limits.on_cut(HANDSHAKE_TIMEOUT)
                self.transport.write(_UPGRADE_LATE)
                self.transport.close()
                return
            super().handle_websocket_upgrade()
            self._arm(left, self._handshake_late)

        def _arm(self, seconds: float, expired: Callable[[], None]) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(seconds, expired)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _headers_late(self) -> None:
            self._deadline = None
            if self.transport.is_closing():
                return
            if self._awaiting_headers:
                # Part of a request arrived: say why it goes unanswered. A connection that
                # sent nothing is simply closed.
                self.transport.write(_HEADERS_LATE)
            limits.on_cut(HEADER_TIMEOUT)
            self.transport.close()

        def _handshake_late(self) -> None:
            self._deadline = None
            # The transport now belongs to the websocket protocol.
            websocket = self.transport.get_protocol()
            if self.transport.is_closing() or getattr(websocket, "handshake_complete", True):
                return
            limits.on_cut(HANDSHAKE_TIMEOUT)
            self.transport.close()

    return BoundedHttpProtocol


def raise_open_files_limit(wanted: int) -> int:
    """Raise this process's soft limit on open files towards ``wanted`` (each connection
    is one); returns the limit in force. Beyond it, accepting fails until one closes."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft
