"""Names each request for the logs, and writes its access line.

Every HTTP request and websocket connection gets a request id: the caller's
``X-Request-ID`` when it is sane, else a new one. It goes back in the answer's
``X-Request-ID``, into ``scope["request_id"]`` (the audit log quotes it) and onto every
log line emitted while the request is handled. A W3C ``traceparent`` from the caller
becomes the current trace context, so the lines (and any span the registry records)
carry the caller's trace id.

With ``access_log`` (the JSON format), this middleware writes the access lines, with
fields instead of uvicorn's quoted request line: an HTTP request's method, path (never
its query string: a GET /graphql can carry a schema there), status, duration and client;
a websocket's connect and disconnect, with its subprotocol and close code. One place sees
every transport's messages, so websockets need nothing from the GraphQL view.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.authentication import WARM_UP_SCOPE_KEY
from app.logs import FIELDS, current_request_id

access_logger = logging.getLogger("app.access")

REQUEST_ID_HEADER = b"x-request-id"

# Request ids a caller may choose: short, and nothing a log line or header must escape.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")

# Paths are quoted in full up to this length: enough for any route the registry serves.
_MAX_PATH = 512

_PROPAGATOR = TraceContextTextMapPropagator()


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def accepted_request_id(value: str | None) -> str | None:
    """The caller's request id, or None when it is missing or not 1 to 128 characters of
    letters, digits, ``.``, ``_`` and ``-`` (a new one is made then)."""
    if value is None or _REQUEST_ID.fullmatch(value) is None:
        return None
    return value


def trace_context(traceparent: list[str]) -> Context | None:
    """The caller's trace context from its ``traceparent`` header fields, or None when
    there is none or it is malformed (W3C Trace Context: version, 32 and 16 lowercase hex
    digits, not all zero, flags; version ``ff`` is invalid). Two fields are ambiguous:
    ignored, as the specification's test suite expects."""
    if len(traceparent) != 1:
        return None
    extracted = _PROPAGATOR.extract({"traceparent": traceparent[0]})
    if not trace.get_current_span(extracted).get_span_context().is_valid:
        return None
    return extracted


class RequestLog:
    def __init__(self, app: ASGIApp, *, access_log: bool = False) -> None:
        self._app = app
        self._access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self._app(scope, receive, send)
            return
        request_id_fields, traceparent = _read_headers(scope)
        given = request_id_fields[0] if len(request_id_fields) == 1 else None
        request_id = scope["request_id"] = accepted_request_id(given) or new_request_id()
        caller_trace = trace_context(traceparent)
        trace_token = otel_context.attach(caller_trace) if caller_trace is not None else None
        request_token = current_request_id.set(request_id)
        try:
            logged = self._access_log and scope.get(WARM_UP_SCOPE_KEY) is not True
            if scope["type"] == "http":
                await self._http(scope, receive, send, request_id, logged=logged)
            else:
                await self._websocket(scope, receive, send, request_id, logged=logged)
        finally:
            current_request_id.reset(request_token)
            if trace_token is not None:
                otel_context.detach(trace_token)

    async def _http(
        self, scope: Scope, receive: Receive, send: Send, request_id: str, *, logged: bool
    ) -> None:
        started = time.perf_counter()
        status: int | None = None

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message = _with_header(message, request_id)
            await send(message)

        try:
            await self._app(scope, receive, sending)
        except BaseException:
            # uvicorn answers 500 when nothing was sent yet; the error is its own line.
            status = status or 500
            raise
        finally:
            if logged:
                _log_http(scope, status, time.perf_counter() - started)

    async def _websocket(
        self, scope: Scope, receive: Receive, send: Send, request_id: str, *, logged: bool
    ) -> None:
        started = time.perf_counter()
        accepted_at: float | None = None
        subprotocol: str | None = None
        close_code: int | None = None
        status: int | None = None

        async def sending(message: Message) -> None:
            nonlocal accepted_at, subprotocol, close_code, status
            kind = message["type"]
            if kind == "websocket.accept":
                message = _with_header(message, request_id)
                subprotocol = message.get("subprotocol")
                await send(message)
                accepted_at = time.perf_counter()
                if logged:
                    _log_websocket(scope, "connect", accepted_at - started, subprotocol)
                return
            if kind == "websocket.close" and close_code is None:
                close_code = int(message.get("code", 1000))
            elif kind == "websocket.http.response.start":
                status = int(message["status"])
            await send(message)

        async def receiving() -> Message:
            nonlocal close_code
            message = await receive()
            if message["type"] == "websocket.disconnect" and close_code is None:
                close_code = int(message.get("code", 1005))
            return message

        try:
            await self._app(scope, receiving, sending)
        finally:
            if logged:
                ended = time.perf_counter()
                if accepted_at is not None:
                    since = ended - accepted_at
                    _log_websocket(scope, "disconnect", since, subprotocol, close_code)
                else:
                    # Refused before the upgrade: uvicorn answers the handshake with 403
                    # (or with the status the application sent).
                    _log_websocket(
                        scope, "refused", ended - started, None, close_code, status or 403
                    )


def _read_headers(scope: Scope) -> tuple[list[str], list[str]]:
    request_ids: list[str] = []
    traceparent: list[str] = []
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER:
            request_ids.append(value.decode("latin-1"))
        elif name == b"traceparent":
            traceparent.append(value.decode("latin-1"))
    return request_ids, traceparent


def _with_header(message: Message, request_id: str) -> Message:
    return {
        **message,
        "headers": [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode())],
    }


def _path(scope: Scope) -> str:
    return str(scope.get("path", ""))[:_MAX_PATH]


def _client(scope: Scope) -> str | None:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else None


def _log_http(scope: Scope, status: int | None, seconds: float) -> None:
    if not access_logger.isEnabledFor(logging.INFO):
        return
    method = str(scope.get("method", ""))
    path = _path(scope)
    duration_ms = round(seconds * 1000, 3)
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": duration_ms,
        "client": _client(scope),
        "http_version": scope.get("http_version"),
    }
    shown = "-" if status is None else status
    access_logger.info("%s %s %s %.1f ms", method, path, shown, duration_ms, extra={FIELDS: fields})


def _log_websocket(
    scope: Scope,
    event: str,
    seconds: float,
    subprotocol: str | None,
    close_code: int | None = None,
    status: int | None = None,
) -> None:
    if not access_logger.isEnabledFor(logging.INFO):
        return
    path = _path(scope)
    duration_ms = round(seconds * 1000, 3)
    fields: dict[str, object] = {
        "method": "WEBSOCKET",
        "path": path,
        "websocket": event,
        "subprotocol": subprotocol,
        "duration_ms": duration_ms,
        "client": _client(scope),
    }
    if event != "connect":
        fields["close_code"] = close_code
    if status is not None:
        fields["status"] = status
    if event == "connect":
        message = f"websocket {path} connected ({subprotocol or 'no subprotocol'})"
    elif event == "disconnect":
        message = f"websocket {path} closed {close_code} after {duration_ms:.1f} ms"
    else:
        message = f"websocket {path} refused {status or 403} (close code {close_code})"
    access_logger.info("%s", message, extra={FIELDS: fields})
