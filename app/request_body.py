"""A bound on the time a request body may take to arrive.

uvicorn hands the body to the application as it arrives and waits as long as the client
likes between two parts: a client that trickles a byte every few seconds holds its
connection, and the request's task, indefinitely. Here each wait for a part is bounded
(``idle`` seconds), and so is the whole body (``total`` seconds from the request's
start); past either the request is answered 408 and its connection closed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from app.response_cache import ASGIApp, Message, Receive, Scope, Send

BODY_TIMEOUT = "body_timeout"

_MESSAGE = b"Request body not received in time."


class _BodyLate(BaseException):
    """Unwinds the application from the ``receive`` that waited too long. Not an
    ``Exception``: the handlers' catch-alls (which answer 500 and log a traceback) let it
    through to the middleware, which answers for them."""


def _has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return value.strip() not in (b"", b"0")
        if name == b"transfer-encoding":
            return True
    return False


class RequestBodyTimeout:
    def __init__(
        self,
        app: ASGIApp,
        *,
        total: float,
        idle: float,
        on_timeout: Callable[[str], None] = lambda reason: None,
    ) -> None:
        self._app = app
        self._total = total
        self._idle = idle
        self._on_timeout = on_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self._app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._total
        is_complete = False
        is_answered = False

        async def receive_in_time() -> Message:
            nonlocal is_complete
            if is_complete:
                return await receive()
            try:
                async with asyncio.timeout(min(self._idle, deadline - loop.time())):
                    message = await receive()
            except TimeoutError:
                raise _BodyLate from None
            is_complete = message["type"] != "http.request" or not message.get("more_body")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal is_answered
            is_answered = True
            await send(message)

        try:
            await self._app(scope, receive_in_time, tracking_send)
        except _BodyLate:
            self._on_timeout(BODY_TIMEOUT)
            if is_answered:
                # The application had started its answer: it cannot become a 408.
                return
            await send(
                {
                    "type": "http.response.start",
                    "status": 408,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(_MESSAGE)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": _MESSAGE})
