"""uvicorn, configured for a registry replica: the bounds of ``app/connections.py`` on
every connection, keep-alive and listen backlog from the settings, and a SIGTERM drain
that closes each websocket with 1012 and a reason, then exits with status 0."""

from __future__ import annotations

import logging
import signal
import socket
import sys
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from app.connections import ConnectionLimits, bounded_http_protocol, raise_open_files_limit
from app.main import RegistryApp
from app.metrics import Metrics
from app.settings import Settings

logger = logging.getLogger("llm_schema_registry")

# 1012 is "Service Restart" (IANA WebSocket close code registry): the server is going
# away, another may serve the client. The reason is at most 123 bytes (RFC 6455).
SERVICE_RESTART = 1012
SERVICE_RESTART_REASON = (
    "Replica stopping: reconnect and resubscribe with after = the last sequence received"
)


class DrainingWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websocket protocol, whose shutdown (SIGTERM) closes an open socket with
    1012 and a reason telling the client what to do, rather than 1012 alone. Either
    subscription protocol's client sees the same close frame: it is below both."""

    def shutdown(self) -> None:
        if self.close_sent or not self.handshake_complete or self.initial_response is not None:
            # Closing already, mid-handshake (a 500) or an HTTP answer: uvicorn's way.
            super().shutdown()
            return
        self.stop_keepalive()
        # The application's receive ends as if the client had left; its sends from now
        # on are refused (the connection is closing) and dropped by the handlers.
        self.queue.put_nowait(
            {
                "type": "websocket.disconnect",
                "code": SERVICE_RESTART,
                "reason": SERVICE_RESTART_REASON,
            }
        )
        self.conn.send_close(SERVICE_RESTART, SERVICE_RESTART_REASON)
        self.transport.write(b"".join(self.conn.data_to_send()))
        # Not waiting for the client's close frame: the drain is not held by a slow one.
        self.transport.close()


class RegistryServer(uvicorn.Server):
    """uvicorn re-raises a caught SIGTERM once it has shut down, so the process ends
    with status 143. For a replica, SIGTERM is the normal end of its life: once drained,
    exit 0 so that process managers do not record a failure."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if sig == signal.SIGTERM and sig in self._captured_signals:
            self._captured_signals.remove(sig)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets)
        except OSError as exc:
            # The bound socket listens only now (app/startup.py): another process that
            # bound the same port while neither listened may have listened first.
            logger.error("cannot listen on the port: %s", exc.strerror or exc)
            await self.lifespan.shutdown()
            sys.exit(STARTUP_FAILURE)


def build_server(app: RegistryApp, settings: Settings, host: str, port: int) -> RegistryServer:
    metrics: Metrics = app.state.metrics
    limits = ConnectionLimits(
        header_timeout=settings.header_timeout,
        handshake_timeout=settings.websocket_handshake_timeout,
        max_connections=settings.max_connections,
        on_cut=lambda reason: metrics.connections_cut.labels(reason).inc(),
    )
    _ensure_open_files(settings.max_connections)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=settings.log_level,
        # Logging is configured once (app/logs.py): uvicorn's lines share its format.
        log_config=None,
        # In JSON, the access lines are the application's (app/request_log.py), with fields.
        access_log=settings.log_format == "text",
        loop="auto",
        http=bounded_http_protocol(limits),
        # The handshake bound (app/connections.py) reads this implementation's state;
        # it is uvicorn's websockets-sansio with a drain that says why it closes.
        ws=DrainingWebSocketProtocol,
        # permessage-deflate roughly doubles the memory each idle subscriber costs.
        ws_per_message_deflate=settings.websocket_per_message_deflate,
        # A larger message closes the socket with 1009 (message too big).
        ws_max_size=settings.request_bytes_limit,
        ws_ping_interval=settings.websocket_ping_interval,
        timeout_keep_alive=settings.keep_alive_timeout,
        backlog=settings.listen_backlog,
        timeout_graceful_shutdown=round(settings.shutdown_timeout),
        lifespan="on",
        # No "server: uvicorn": the software and its version are nobody's business.
        server_header=False,
    )
    server = RegistryServer(config)
    metrics.connections.set_function(lambda: len(server.server_state.connections))
    return server


def _ensure_open_files(max_connections: int) -> None:
    # Each connection is a file descriptor; the database, broadcast and workers need some.
    wanted = max_connections + 256
    limit = raise_open_files_limit(wanted)
    if limit < wanted:
        logger.warning(
            "the open-files limit is %d, below REGISTRY_MAX_CONNECTIONS=%d plus 256: "
            "connections beyond it wait in the listen backlog",
            limit,
            max_connections,
        )
