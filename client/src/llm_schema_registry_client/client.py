"""RegistryClient: the same calls as AsyncRegistryClient, blocking.

It runs an AsyncRegistryClient on an event loop in a background thread (the watcher lives
there too) and waits for each call. Cached answers (``latest``, ``get_schema``, ``tools``)
are read from the cache directly, without a trip to that thread. ``on_change`` callbacks
run one at a time, in order, on a callback thread of the client's, so a callback may call
the client itself.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from llm_schema_registry_client.aclient import AsyncRegistryClient
from llm_schema_registry_client.cache import Cache
from llm_schema_registry_client.models import (
    Change,
    CompatibilityCheck,
    ExportTarget,
    LintFinding,
    PayloadValidation,
    Provider,
    Reference,
    RegisteredSchema,
    Schema,
    SchemaExport,
    SchemaVersion,
    ToolRefusal,
)
from llm_schema_registry_client.transport import Backoff, RequestStats

logger = logging.getLogger("llm_schema_registry_client")
T = TypeVar("T")


class RegistryClient:
    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        token: str | None = None,
        watch: Iterable[str] | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: Backoff | None = None,
    ) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="registry-client", daemon=True
        )
        self._thread.start()
        self._callbacks = ThreadPoolExecutor(1, thread_name_prefix="registry-client-callbacks")
        self._closed = False

        async def build() -> AsyncRegistryClient:
            return AsyncRegistryClient(
                url,
                api_key=api_key,
                token=token,
                watch=watch,
                timeout=timeout,
                retries=retries,
                backoff=backoff,
            )

        self._async = self._run(build())

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if self._closed:
            coroutine.close()
            raise RuntimeError("the client is closed")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    # -- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._run(self._async.close())
        self._closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self._callbacks.shutdown(wait=True)

    def start(self) -> bool:
        return self._run(self._async.start())

    @property
    def is_live(self) -> bool:
        return self._async.is_live

    @property
    def stats(self) -> RequestStats:
        return self._async.stats

    @property
    def cache(self) -> Cache:
        return self._async.cache

    @property
    def async_client(self) -> AsyncRegistryClient:
        """The client running in the background thread (call it only from there)."""
        return self._async

    # -- calls ---------------------------------------------------------------------------

    def register(
        self,
        subject: str,
        schema: str,
        format: str = "JSON",
        references: Sequence[Reference | dict[str, Any]] | None = None,
    ) -> RegisteredSchema:
        return self._run(self._async.register(subject, schema, format, references))

    def get_schema(self, schema_id: int) -> Schema:
        cached = self._async.cache.schema(schema_id)
        if cached is not None:
            return cached
        return self._run(self._async.get_schema(schema_id))

    def latest(self, subject: str) -> SchemaVersion:
        if self._async.is_live:
            known, cached = self._async.cached_latest(subject)
            if known and cached is not None:
                return cached
        return self._run(self._async.latest(subject))

    def version(self, subject: str, number: int) -> SchemaVersion:
        return self._run(self._async.version(subject, number))

    def check(
        self,
        subject: str,
        schema: str,
        format: str = "JSON",
        version: int | None = None,
        references: Sequence[Reference | dict[str, Any]] | None = None,
    ) -> CompatibilityCheck:
        return self._run(self._async.check(subject, schema, format, version, references))

    def lint(self, schema: str, provider: str, tool_name: str | None = None) -> list[LintFinding]:
        return self._run(self._async.lint(schema, provider, tool_name))

    def export(
        self,
        subject: str,
        target: ExportTarget | str,
        version: int | None = None,
        name: str | None = None,
        description: str | None = None,
    ) -> SchemaExport:
        return self._run(self._async.export(subject, target, version, name, description))

    def validate(
        self,
        subject: str,
        payload: Any,
        version: int | None = None,
        message_name: str | None = None,
    ) -> PayloadValidation:
        return self._run(self._async.validate(subject, payload, version, message_name))

    def validate_many(
        self,
        subject: str,
        payloads: Sequence[Any],
        version: int | None = None,
        message_name: str | None = None,
    ) -> list[PayloadValidation]:
        return self._run(self._async.validate_many(subject, payloads, version, message_name))

    # -- hooks and tool lists ------------------------------------------------------------

    def on_change(
        self, subject_or_prefix: str, callback: Callable[[Change], None]
    ) -> Callable[[], None]:
        """As AsyncRegistryClient.on_change; ``callback`` runs on the client's callback
        thread, one change at a time in commit order. Returns once the subscription
        covers the prefix (or the client's timeout passed), so every change committed
        after this call is reported."""

        def run(change: Change) -> None:
            try:
                callback(change)
            except Exception:
                logger.exception("on_change callback for %r failed", subject_or_prefix)

        def hand_over(change: Change) -> None:
            if not self._closed:
                self._callbacks.submit(run, change)

        async def add() -> Callable[[], None]:
            remove = self._async.on_change(subject_or_prefix, hand_over)
            await self._async.start()
            return remove

        remove = self._run(add())

        def remove_hook() -> None:
            self._loop.call_soon_threadsafe(remove)

        return remove_hook

    def tools(self, prefix: str, provider: Provider | str) -> list[Any]:
        return [item.document for item in self.tool_exports(prefix, provider)]

    def tool_exports(self, prefix: str, provider: Provider | str) -> list[SchemaExport]:
        cached = self._async.cached_tool_exports(prefix, provider)
        if cached is not None:
            return cached
        return self._run(self._async.tool_exports(prefix, provider))

    def tool_refusals(self, prefix: str, provider: Provider | str) -> list[ToolRefusal]:
        cached = self._async.cached_tool_refusals(prefix, provider)
        if cached is not None:
            return cached
        return self._run(self._async.tool_refusals(prefix, provider))
