"""A fast path for the hottest reads, keyed by the request itself (GET query string or
POST body) and the caller's subject scopes, served again byte for byte without running
GraphQL.

Immutable answers: schema contents never change for an id (ids are never reused), so the
response to a query that selects only immutable fields of ``schema(id)`` stays right
until a permanent deletion makes the id unresolvable; GET responses are cacheable by HTTP
caches for good.

Live answers: the other reads a gateway or frontend repeats (``subject``, ``subjects``,
``config``, ``schema``, ``lookupSchema``, ``exportSchema``, ``checkCompatibility``) depend
only on what is stored, and what is stored changes only with an event. So they are kept
until this replica applies its next event, whatever its subject (the answer may read
other subjects: references, ``referencedBy``): its own changes before the mutation
answers (read-your-writes), the other replicas' as the event hub delivers them in
sequence order. A read that was running when an event was applied is not kept (a fence on
a generation counter), so no answer older than the last event applied is ever served.
``validatePayload`` is not cached: its answer is a function of the payload, which a
gateway does not send twice.
"""

from __future__ import annotations

import functools
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

from app.etags import entity_tag, matches
from registry.access import PrincipalKind
from registry.model import ChangeEvent

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Root fields whose answer depends only on stored state and the request's arguments.
_LIVE_ROOT_FIELDS = frozenset(
    {
        "subject",
        "subjects",
        "schema",
        "config",
        "lookupSchema",
        "exportSchema",
        "checkCompatibility",
        "__typename",
    }
)
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


@functools.lru_cache(maxsize=1024)
def is_live_document(query: str) -> bool:
    """True for a single query operation whose root fields all read stored state only
    (``_LIVE_ROOT_FIELDS``); fragments and directives are fine, since the variables they
    may read are part of the key."""
    try:
        document = parse(query)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return False
    selections = operations[0].selection_set.selections
    return bool(selections) and all(
        isinstance(sel, FieldNode) and sel.name.value in _LIVE_ROOT_FIELDS for sel in selections
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
    __slots__ = ("body", "content_type", "etag", "live")

    def __init__(
        self, body: bytes, *, live: bool = False, content_type: bytes = b"application/json"
    ) -> None:
        self.body = body
        self.live = live
        self.content_type = content_type
        self.etag = entity_tag(body)


class ResponseCache:
    """The GraphQL endpoint's cache (``path``), or, with ``rest``, the one of the REST
    API's GET reads: every one is a live answer, keyed by path and query string, kept
    when it is a 200 (its content type kept with it)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        path: str,
        max_entries: int,
        on_hit: Callable[[str], None] | None = None,
        rest: bool = False,
        skip_paths: frozenset[str] = frozenset(),
        skip_prefixes: tuple[str, ...] = (),
        created: Callable[[ResponseCache], None] | None = None,
    ) -> None:
        """``on_hit`` is told of each answer served from the cache, by kind: ``shared``
        (cached for every caller) or ``private`` (for one principal). ``created`` is told
        of the new cache (a middleware is built by Starlette, and whoever applies events
        needs to reach it)."""
        self._app = app
        self._path = path
        self._rest = rest
        self._skip_paths = skip_paths
        self._skip_prefixes = skip_prefixes
        self._max_entries = max_entries
        self._entries: OrderedDict[_Key, _Entry] = OrderedDict()
        self._on_hit = on_hit
        self._generation = 0
        self._live_generation = 0
        self._live_keys: set[_Key] = set()
        self._bytes = 0
        if created is not None:
            created(self)

    def clear(self) -> None:
        self._generation += 1
        self._live_generation += 1
        self._entries.clear()
        self._live_keys.clear()
        self._bytes = 0

    def observe(self, event: ChangeEvent) -> None:
        """Every event ends the live answers; a permanent deletion ends them all."""
        if event.is_permanent:
            self.clear()
            return
        self._live_generation += 1
        for key in self._live_keys:
            entry = self._entries.pop(key, None)
            if entry is not None:
                self._bytes -= len(entry.body) + len(key[1])
        self._live_keys.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _applies(self, scope: Scope) -> bool:
        if self._max_entries == 0 or scope["type"] != "http":
            return False
        if self._rest:
            path: str = scope["path"]
            return (
                scope["method"] == "GET"
                and path not in self._skip_paths
                and not path.startswith(self._skip_prefixes)
            )
        return scope["path"] == self._path and scope["method"] in ("GET", "POST")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._applies(scope):
            await self._app(scope, receive, send)
            return
        method: str = scope["method"]
        if self._rest:
            raw: bytes = scope["path"].encode() + b"?" + scope.get("query_string", b"")
        elif method == "GET":
            raw = scope.get("query_string", b"")
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
        if self._rest:
            capture = self._capturing(send, key, is_private=is_private, live=True)
            await self._app(scope, receive, capture)
            return
        query = _query_of(method, raw)
        if query is None:
            await self._app(scope, receive, send)
            return
        if is_cacheable_document(query):
            live = False
        elif is_live_document(query):
            live = True
        else:
            await self._app(scope, receive, send)
            return
        capture = self._capturing(send, key, is_private=is_private, live=live)
        await self._app(scope, receive, capture)

    def _capturing(self, send: Send, key: _Key, *, is_private: bool, live: bool) -> Send:
        """Holds the response start until the body is known, so that a cacheable first
        response already carries the ETag (and, for GET, Cache-Control) of later hits."""
        generation = (self._generation, self._live_generation if live else 0)
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
            if held["status"] == 200 and (self._rest or _response_is_cacheable(body)):
                content_type = next(
                    (v for k, v in held.get("headers", []) if k.lower() == b"content-type"),
                    b"application/json",
                )
                entry = _Entry(body, live=live, content_type=content_type)
                # A purge (or, for a live answer, any event) that happened while this
                # read ran may have made it stale.
                if generation == (self._generation, self._live_generation if live else 0):
                    self._store(key, entry)
                headers = [
                    (name, value)
                    for name, value in held.get("headers", [])
                    if name.lower() not in (b"etag", b"cache-control", b"vary")
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
        if entry.live:
            self._live_keys.add(key)
        self._bytes += size
        while len(self._entries) > self._max_entries or self._bytes > _MAX_TOTAL_BYTES:
            evicted_key, evicted = self._entries.popitem(last=False)
            self._live_keys.discard(evicted_key)
            self._bytes -= len(evicted.body) + len(evicted_key[1])


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
    if is_get and entry.live:
        # Right until the next change: a cache must ask again (If-None-Match) each time.
        headers.append((b"cache-control", b"no-cache"))
        headers.append((b"vary", b"Authorization"))
    elif is_get:
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
        (b"content-type", entry.content_type),
        *_cache_headers(entry, is_get=is_get, is_private=is_private),
    ]
    if is_get:
        for name, value in scope.get("headers", ()):
            if name == b"if-none-match" and matches(value, entry.etag):
                await send({"type": "http.response.start", "status": 304, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
    headers.append((b"content-length", str(len(entry.body)).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": entry.body})
