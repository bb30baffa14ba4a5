"""A real JWKS endpoint for the tests: a small Starlette app under uvicorn, in a thread,
on a port of its own. The key set it serves, and how it misbehaves, can be changed while
it runs; it counts the requests it receives."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.support.tokens import SigningKey

Behaviour = Literal["serve", "error", "not-json", "not-a-jwks", "hang"]


class JwksServer:
    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.behaviour: Behaviour = "serve"
        self.requests = 0
        self._socket = socket.socket()
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = int(self._socket.getsockname()[1])
        app = Starlette(routes=[Route("/jwks.json", self._jwks)])
        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="off",
            ws="none",
            log_config=None,
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/jwks.json"

    def publish(self, *keys: SigningKey) -> None:
        self.keys = [key.public_jwk for key in keys]

    def start(self) -> JwksServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the JWKS server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stops listening: from now on connections are refused."""
        if not self._thread.is_alive():
            return
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    async def _jwks(self, request: Request) -> Response:
        self.requests += 1
        if self.behaviour == "error":
            return PlainTextResponse("upstream trouble", status_code=503)
        if self.behaviour == "not-json":
            return PlainTextResponse("<html>login</html>")
        if self.behaviour == "not-a-jwks":
            return JSONResponse({"issuer": "x"})
        if self.behaviour == "hang":
            await asyncio.sleep(30)
        return JSONResponse({"keys": self.keys})


@contextmanager
def running_jwks_server(*keys: SigningKey) -> Iterator[JwksServer]:
    server = JwksServer()
    server.publish(*keys)
    server.start()
    try:
        yield server
    finally:
        server.stop()
