"""Conditional GET for every API read: an ``ETag`` on each successful GET answer of the
GraphQL endpoint (queries sent as GET) and of the Confluent REST API, and ``304 Not
Modified`` when the request's ``If-None-Match`` names it (RFC 9110, sections 8.8.3 and
13.1.2).

The tag is a hash of the answer's bytes, so two answers share a tag exactly when they are
the same: a client revalidating ``subject { latest }`` after a registration gets the new
answer, and one whose answer did not change saves the transfer and its parsing. Such
answers can change at any moment, so they are marked ``Cache-Control: no-cache``
(revalidate before each use) and ``Vary: Authorization`` (what a caller may read depends
on its credentials). Answers that already carry a tag or caching policy (the response
cache's immutable ``schema(id)`` answers, GraphiQL's files) are left as they are.
"""

from __future__ import annotations

import hashlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Answers larger than this are streamed through untagged rather than held in memory.
MAX_TAGGED_BYTES = 8 * 1024 * 1024
_UNTAGGED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_KEPT_ON_304 = (b"etag", b"cache-control", b"vary", b"content-location", b"expires")


def entity_tag(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def _opaque(tag: bytes) -> bytes:
    tag = tag.strip()
    return tag[2:] if tag.startswith(b"W/") else tag


def matches(if_none_match: bytes, tag: bytes) -> bool:
    """RFC 9110 13.1.2: ``*``, or any listed tag equal to ``tag`` under the weak
    comparison (a ``W/`` prefix on either side is ignored)."""
    wanted = _opaque(tag)
    for candidate in if_none_match.split(b","):
        candidate = candidate.strip()
        if candidate == b"*" or (candidate and _opaque(candidate) == wanted):
            return True
    return False


class ConditionalGet:
    """Tags the successful GET answers of the routes inside it (see the module doc)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_TAGGED_BYTES) -> None:
        self._app = app
        self._max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] in _UNTAGGED_PATHS:
            await self._app(scope, receive, send)
            return
        if_none_match = b",".join(
            value for name, value in scope.get("headers", ()) if name == b"if-none-match"
        )
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        passing = False

        async def buffered(message: Message) -> None:
            nonlocal start, size, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                names = {name.lower() for name, _ in message.get("headers", ())}
                if message["status"] != 200 or b"etag" in names or b"cache-control" in names:
                    passing = True
                    await send(message)
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self._max_bytes:
                # Too large to hold: the rest goes through as it comes, untagged.
                passing = True
                await send(start)
                for chunk in chunks:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                chunks.clear()
                await send(message)
                return
            chunks.append(body)
            if message.get("more_body", False):
                return
            await _finish(send, start, b"".join(chunks), if_none_match)

        await self._app(scope, receive, buffered)


async def _finish(send: Send, start: Message, body: bytes, if_none_match: bytes) -> None:
    tag = entity_tag(body)
    headers = [
        (name, value)
        for name, value in start.get("headers", ())
        if name.lower() not in (b"content-length", b"vary")
    ]
    vary = [value for name, value in start.get("headers", ()) if name.lower() == b"vary"]
    vary_value = b", ".join([*vary, b"Authorization"]) if vary else b"Authorization"
    headers += [(b"etag", tag), (b"cache-control", b"no-cache"), (b"vary", vary_value)]
    if if_none_match and matches(if_none_match, tag):
        kept = [(name, value) for name, value in headers if name.lower() in _KEPT_ON_304]
        await send({"type": "http.response.start", "status": 304, "headers": kept})
        await send({"type": "http.response.body", "body": b""})
        return
    headers.append((b"content-length", str(len(body)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})
