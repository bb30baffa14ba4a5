"""Requests a replica serves to itself before it listens.

The first request a process serves pays for what is built on first use: Starlette's
middleware stack, the first GraphQL execution, the first compilation of a database query.
On a busy 2-core machine a fresh replica's first reads took 25 to 40 ms where later ones
took 2 to 5; warmed up, and with its check workers started before it listens, about 10.
A replica listens only once it is ready (``app/startup.py``), so paying for it here
keeps it from every client.
"""

from __future__ import annotations

import asyncio
import logging

from app.authentication import WARM_UP_SCOPE_KEY
from app.response_cache import ASGIApp, Message

logger = logging.getLogger(__name__)

# A read of each API that needs the database and is answered without an error (a refusal
# would be logged and counted as one).
_REQUESTS = (
    ("POST", "/graphql", b'{"query":"{ schema(id: 0) { id schema format } }"}'),
    ("GET", "/subjects", b""),
)


async def warm_up(app: ASGIApp, within: float) -> None:
    """Serves ``_REQUESTS`` through ``app`` and drops the answers; a failure is logged,
    never raised (the startup steps before it have checked what the replica needs)."""
    try:
        async with asyncio.timeout(within):
            for method, path, body in _REQUESTS:
                await _serve_one(app, method, path, body)
    except Exception as exc:
        logger.debug("warming up failed: %s", exc, exc_info=True)


async def _serve_one(app: ASGIApp, method: str, path: str, body: bytes) -> None:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"localhost"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": None,
        "server": None,
        # Served by the replica to itself, never from the network (a client cannot put a
        # key in the ASGI scope): authentication lets it through as the local principal.
        WARM_UP_SCOPE_KEY: True,
    }
    received = False

    async def receive() -> Message:
        nonlocal received
        if received:
            return {"type": "http.disconnect"}
        received = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            logger.debug("warming up: %s %s answered %s", method, path, message["status"])

    await app(scope, receive, send)
