"""A fast path for the hottest read: a schema by id.

Schema contents never change for an id (ids are never reused), so the response to a
query that selects only immutable fields of ``schema(id)`` can be served again byte for
byte, keyed by the request itself (GET query string or POST body), without running
GraphQL. Responses carry an ETag; GET responses are also cacheable by HTTP caches.
Permanent deletions can make an id unresolvable, so they clear the cache (every replica
sees them through the event hub).
"""

from __future__ import annotations

import functools
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import orjson
from graphql import (
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
)

from registry.access import PrincipalKind
from registry.model import ChangeEvent

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_IMMUTABLE_SCHEMA_FIELDS = frozenset({"id", "schema", "format", "__typename"})
# A schema's references are part of its identity, so they never change for an id either.
_IMMUTABLE_REFERENCE_FIELDS = frozenset({"name", "subject", "version", "__typename"})
_MAX_KEY_BYTES = 16 * 1024
# Responses larger than this are served but not kept; all entries share a byte budget.
_MAX_ENTRY_BYTES = 256 * 1024
_MAX_TOTAL_BYTES = 64 * 1024 * 1024


# Who an answer may be served to again: every caller (authentication off), or the callers
# that see the same subjects (the same scopes see the same schema ids).
_EVERYONE = "*"
_Key = tuple[str, bytes, str]


def _audience(scope: Scope) -> str | None:
    """The cache partition of a request; None when it must not touch the cache (no
    credentials where they are required: the request is refused further in)."""
    if "principal" not in scope:
        return _EVERYONE
    principal = scope["principal"]
    if principal is None:
        return None
    if principal.kind is PrincipalKind.LOCAL:
        return _EVERYONE
    return "scopes:" + "\n".join(principal.scopes.patterns)


def _only_immutable(selection_set: SelectionSetNode | None) -> bool:
    if selection_set is None:
        return False
    return all(
        isinstance(sel, FieldNode)
        and not sel.directives
        and (
            (sel.name.value in _IMMUTABLE_SCHEMA_FIELDS and sel.selection_set is None)
            or (sel.name.value == "references" and _only_reference_fields(sel.selection_set))
        )
        for sel in selection_set.selections
    )


def _only_reference_fields(selection_set: SelectionSetNode | None) -> bool:
    return selection_set is not None and all(
        isinstance(sel, FieldNode)
        and sel.name.value in _IMMUTABLE_REFERENCE_FIELDS
        and not sel.directives
        and sel.selection_set is None
        for sel in selection_set.selections
    )


@functools.lru_cache(maxsize=1024)
def is_cacheable_document(query: str) -> bool:
    """True for a single query operation with one root field, ``schema(...)``, selecting
    only immutable subfields (no fragments, no directives)."""
    try:
        document = parse(query)
    except GraphQLError:
        return False
    if len(document.definitions) != 1:
        return False
    operation = document.definitions[0]
    if not isinstance(operation, OperationDefinitionNode):
        return False
    if operation.operation is not OperationType.QUERY or operation.directives:
        return False
    selections = operation.selection_set.selections
    if len(selections) != 1:
        return False
    root = selections[0]
    return (
        isinstance(root, FieldNode)
        and root.name.value == "schema"
        and not root.directives
        and _only_immutable(root.selection_set)
    )


def _query_of(method: str, raw: bytes) -> str | None:
    """The GraphQL document a request carries, or None when it cannot be read cheaply."""
    try:
        if method == "GET":
            values = parse_qs(raw.decode("utf-8"), strict_parsing=False).get("query")
            return values[0] if values else None
        payload = orjson.loads(raw)
        query = payload.get("query") if isinstance(payload, dict) else None
        return query if isinstance(query, str) else None
    except (UnicodeDecodeError, orjson.JSONDecodeError):
        return None


def _response_is_cacheable(body: bytes) -> bool:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict) or payload.get("errors"):
        return False
    return all(value is not None for value in data.values())


class _Entry:
    __slots__ = ("body", "etag")

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.etag = b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


class ResponseCache:
    def __init__(
        self,
        app: ASGIApp,
        *,
        path: str,
        max_entries: int,
        on_hit: Callable[[str], None] | None = None,
    ) -> None:
        """``on_hit`` is told of each answer served from the cache, by kind: ``shared``
        (cached for every caller) or ``private`` (for one principal)."""
        self._app = app
        self._path = path
        self._max_entries = max_entries
        self._entries: OrderedDict[_Key, _Entry] = OrderedDict()
        self._on_hit = on_hit
        self._generation = 0
        self._bytes = 0

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()
        self._bytes = 0

    def observe(self, event: ChangeEvent) -> None:
        if event.is_permanent:
            self.clear()

    def __len__(self) -> int:
        return len(self._entries)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self._max_entries == 0
            or scope["type"] != "http"
            or scope["path"] != self._path
            or scope["method"] not in ("GET", "POST")
        ):
            await self._app(scope, receive, send)
            return
        method: str = scope["method"]
        if method == "GET":
            raw: bytes = scope.get("query_string", b"")
        else:
            raw, receive = await _buffer_body(receive)
        audience = _audience(scope)
        if len(raw) > _MAX_KEY_BYTES or audience is None:
            await self._app(scope, receive, send)
            return
        key = (method, raw, audience)
        is_private = audience != _EVERYONE
        entry = self._entries.get(key)
        if entry is not None:
            if self._on_hit is not None:
                self._on_hit("private" if is_private else "shared")
            await _send_cached(scope, send, entry, is_get=method == "GET", is_private=is_private)
            return
        query = _query_of(method, raw)
        if query is None or not is_cacheable_document(query):
            await self._app(scope, receive, send)
            return
        await self._app(scope, receive, self._capturing(send, key, is_private=is_private))

    def _capturing(self, send: Send, key: _Key, *, is_private: bool) -> Send:
        """Holds the response start until the body is known, so that a cacheable first
        response already carries the ETag (and, for GET, Cache-Control) of later hits."""
        generation = self._generation
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                # Streamed responses are never cached; pass them through as they come.
                await send(start)
                start = None
                for chunk in chunks[:-1]:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                chunks.clear()
                await send(message)
                return
            body = b"".join(chunks)
            held, start = start, None
            if held["status"] == 200 and _response_is_cacheable(body):
                entry = _Entry(body)
                # A purge that happened while this read ran may have made it stale.
                if generation == self._generation:
                    self._store(key, entry)
                headers = [
                    (name, value)
                    for name, value in held.get("headers", [])
                    if name.lower() not in (b"etag", b"cache-control")
                ]
                headers.extend(_cache_headers(entry, is_get=key[0] == "GET", is_private=is_private))
                held = {**held, "headers": headers}
            await send(held)
            await send(message)

        return capture

    def _store(self, key: _Key, entry: _Entry) -> None:
        size = len(entry.body) + len(key[1])
        if size > _MAX_ENTRY_BYTES:
            return
        previous = self._entries.pop(key, None)
        if previous is not None:
            self._bytes -= len(previous.body) + len(key[1])
        self._entries[key] = entry
        self._bytes += size
        while len(self._entries) > self._max_entries or self._bytes > _MAX_TOTAL_BYTES:
            (_, raw, _), evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted.body) + len(raw)


async def _buffer_body(receive: Receive) -> tuple[bytes, Receive]:
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _cache_headers(
    entry: _Entry, *, is_get: bool, is_private: bool = False
) -> list[tuple[bytes, bytes]]:
    headers = [(b"etag", entry.etag)]
    if is_get:
        # The content of an id never changes; only a permanent delete can make the id
        # unresolvable, and a client holding the old content may keep using it. An
        # answer given to credentials is for that client's cache only.
        scope = b"private" if is_private else b"public"
        headers.append((b"cache-control", scope + b", max-age=31536000, immutable"))
    return headers


async def _send_cached(
    scope: Scope, send: Send, entry: _Entry, *, is_get: bool, is_private: bool
) -> None:
    headers = [
        (b"content-type", b"application/json"),
        *_cache_headers(entry, is_get=is_get, is_private=is_private),
    ]
    if is_get:
        for name, value in scope.get("headers", ()):
            if name == b"if-none-match" and entry.etag in value:
                await send({"type": "http.response.start", "status": 304, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
    headers.append((b"content-length", str(len(entry.body)).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": entry.body})
