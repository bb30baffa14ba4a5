"""The one background subscription that keeps the cache current.

Start without a gap: read the sequence the registry has reached (``/readyz``'s
``lastSequence``), subscribe ``after`` it, and only then let snapshots be read, so that
every change committed after the point is delivered and every change before it is in
what the snapshots read. After a cut, subscribe again ``after`` the last sequence applied,
with exponential backoff and jitter; sequences are global, so the new socket may land on
another replica. Events at or below the last applied sequence are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from llm_schema_registry_client import documents
from llm_schema_registry_client.cache import Cache
from llm_schema_registry_client.errors import RegistryError
from llm_schema_registry_client.models import Change, ChangeEvent, SchemaVersion
from llm_schema_registry_client.protocol import Connection, ConnectionLost, Item
from llm_schema_registry_client.transport import Backoff, GraphQLHttp

logger = logging.getLogger("llm_schema_registry_client")

# Close codes after which trying again with the same credentials cannot help.
_FATAL_CLOSE_CODES = {4401: "credentials refused", 4403: "key revoked or forbidden"}
_FATAL_ERROR_CODES = {"UNAUTHENTICATED", "FORBIDDEN"}
CHANGE_KINDS = frozenset({"REGISTERED", "VERSION_DELETED", "SUBJECT_DELETED"})


class Watcher:
    def __init__(
        self,
        *,
        http: GraphQLHttp,
        ws_url: str,
        authorization: str | None,
        cache: Cache,
        prefix: Callable[[], str],
        interested: Callable[[str], bool],
        on_change: Callable[[Change], Awaitable[None]],
        prepare: Callable[[str, SchemaVersion | None], Awaitable[None]],
        backoff: Backoff,
        timeout: float,
    ) -> None:
        self._http = http
        self._ws_url = ws_url
        self._authorization = authorization
        self._cache = cache
        self._prefix = prefix
        self._interested = interested
        self._on_change = on_change
        self._prepare = prepare
        self._backoff = backoff
        self._timeout = timeout
        self._task: asyncio.Task[None] | None = None
        self._connection: Connection | None = None
        self._queue: asyncio.Queue[Item] | None = None
        self._ready = asyncio.Event()
        self.is_live = False
        self.has_exact_start = False
        self.failure: Exception | None = None
        self.subscriptions = 0  # subscriptions started, reconnects included
        self.subscribed_prefix: str | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="registry-watcher")

    async def wait_ready(self, seconds: float) -> bool:
        """Until the subscription is open (True), or ``seconds`` pass, or it failed."""
        self.start()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._ready.wait()
        return self.is_live

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.is_live = False

    def rescope(self) -> None:
        """The watched prefix changed: subscribe again (after the last sequence)."""
        if self._queue is not None and self.subscribed_prefix != self._prefix():
            self._queue.put_nowait(("rescope", None))

    async def execute(
        self, query: str, variables: dict[str, Any], operation: str
    ) -> dict[str, Any]:
        """On the watcher's socket when it is open, else over HTTP."""
        connection = self._connection
        if connection is not None and connection.lost is None:
            try:
                return await connection.execute(query, variables, seconds=self._timeout)
            except RegistryError as exc:
                # The registry's answer (a refusal) stands; only a lost socket or a busy
                # server is worth asking again over HTTP.
                if not exc.is_retryable:
                    raise
        return await self._http.execute(operation, query, variables)

    async def _run(self) -> None:
        attempt = 0
        while True:
            immediate = False
            try:
                immediate = await self._session()
                attempt = 0
            except asyncio.CancelledError:
                raise
            except ConnectionLost as exc:
                if exc.code in _FATAL_CLOSE_CODES:
                    self._fail(exc, _FATAL_CLOSE_CODES[exc.code])
                    return
                logger.warning("registry subscription lost: %s", exc)
            except RegistryError as exc:
                if exc.code in _FATAL_ERROR_CODES:
                    self._fail(exc, exc.code)
                    return
                logger.warning("registry subscription failed: %s", exc)
            except (OSError, TimeoutError, ValueError) as exc:
                logger.warning("registry subscription failed: %s: %s", type(exc).__name__, exc)
            except Exception as exc:
                # A hook or a bug must not end the watch for good; it is logged, retried.
                logger.exception("registry watcher error: %s", exc)
            finally:
                self.is_live = False
                self._queue = None
                if self._connection is not None:
                    await self._connection.close()
                    self._connection = None
            if not immediate:
                delay = self._backoff.delay(attempt)
                attempt += 1
                await asyncio.sleep(delay)

    def _fail(self, exc: Exception, why: str) -> None:
        logger.error("registry subscription stopped (%s): %s", why, exc)
        self.failure = exc
        self._ready.set()

    async def _session(self) -> bool:
        """One connection: returns True to subscribe again at once (rescoped, or told to
        resume), raises when the connection failed."""
        if self._cache.last_sequence is None:
            head = await self._http.last_sequence()
            self.has_exact_start = head is not None
            if head is None:
                logger.warning(
                    "the registry's last sequence could not be read (/readyz); changes "
                    "committed while the subscription starts may be missed"
                )
            else:
                self._cache.set_floor(head)
        connection = await Connection.open(
            self._ws_url, authorization=self._authorization, seconds=self._timeout
        )
        self._connection = connection
        prefix = self._prefix()
        after = self._cache.last_sequence
        queue = await connection.stream(
            documents.SCHEMA_CHANGES, {"subjectPrefix": prefix or None, "after": after}
        )
        self._queue = queue
        self.subscribed_prefix = prefix
        self.subscriptions += 1
        self.is_live = True
        self._ready.set()
        logger.info("watching registry changes under %r after %s", prefix, after)
        while True:
            kind, value = await queue.get()
            if kind == "next":
                payload: dict[str, Any] = value
                if payload.get("errors"):
                    return self._on_error(payload["errors"])
                await self._apply(ChangeEvent.read(payload["data"]["schemaChanges"]))
            elif kind == "error":
                return self._on_error(value)
            elif kind == "rescope":
                return True
            elif kind == "complete":
                raise ConnectionLost(None, "the server completed the subscription")
            else:
                raise value if isinstance(value, ConnectionLost) else ConnectionLost(None, "")

    def _on_error(self, errors: list[dict[str, Any]]) -> bool:
        error = RegistryError.from_graphql(errors)
        if error.code == "SUBSCRIBER_TOO_SLOW":
            logger.warning("registry subscription fell behind; resuming: %s", error.message)
            return True
        if error.code == "BAD_USER_INPUT" and "after" in error.message:
            # The registry's history is not the one these sequences came from (a restored
            # database): nothing cached about latest versions can be trusted.
            logger.warning("registry history changed (%s); reading everything again", error)
            self._cache.forget()
            return True
        raise error

    async def _apply(self, event: ChangeEvent) -> None:
        received = time.time()
        interested = event.subject is not None and self._interested(event.subject)
        applied = self._cache.apply_event(event, track=interested)
        if not applied.is_new or event.kind not in CHANGE_KINDS or event.subject is None:
            return
        latest = applied.latest
        if applied.refetch or (not applied.known and interested):
            latest = await self._refetch(event.subject)
        await self._prepare(event.subject, latest)
        await self._on_change(Change(event, latest, received))

    async def _refetch(self, subject: str) -> SchemaVersion | None:
        """The latest after a deletion of the cached one. The watcher applies nothing
        while it waits, so the read cannot be overtaken by an event."""
        token = self._cache.token()
        data = await self.execute(documents.LATEST, {"subject": subject}, "Latest")
        found = (data.get("subject") or {}).get("latest")
        latest = None if found is None else SchemaVersion.read(found)
        self._cache.apply_snapshot(subject, latest, token)
        return latest
