"""AsyncRegistryClient: every call of the registry's GraphQL API a client needs, a cache of
schemas by id and of latest versions kept live by one subscription, change hooks and
provider tool lists."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import httpx

from llm_schema_registry_client import documents
from llm_schema_registry_client.cache import Cache, ExportKey
from llm_schema_registry_client.errors import RegistryError
from llm_schema_registry_client.models import (
    TOOL_TARGETS,
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
from llm_schema_registry_client.transport import (
    Backoff,
    GraphQLHttp,
    RequestStats,
    authorization,
    websocket_url,
)
from llm_schema_registry_client.watcher import Watcher

logger = logging.getLogger("llm_schema_registry_client")

ChangeCallback = Callable[[Change], Awaitable[None] | None]
# A snapshot overtaken by events this many times in a row is returned without caching.
_SNAPSHOT_ATTEMPTS = 5
# Export refusals that say the version itself is gone, not that the provider refuses it.
_GONE_CODES = frozenset({"SUBJECT_NOT_FOUND", "VERSION_NOT_FOUND"})


def _references(references: Sequence[Reference | dict[str, Any]] | None) -> list[Any] | None:
    if references is None:
        return None
    return [r.as_input() if isinstance(r, Reference) else dict(r) for r in references]


def _tool_target(provider: Provider | str) -> ExportTarget:
    try:
        return TOOL_TARGETS[Provider(str(provider).upper())]
    except ValueError:
        known = ", ".join(p.value for p in Provider)
        raise ValueError(f"unknown provider {provider!r}; expected one of {known}") from None


class AsyncRegistryClient:
    """``watch``: subject prefixes whose latest versions are cached and kept live (default:
    every subject). ``on_change`` and ``tools`` add their prefixes to it."""

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
        http: httpx.AsyncClient | None = None,
    ) -> None:
        credentials = authorization(api_key, token)
        self._timeout = timeout
        self._http = GraphQLHttp(
            url,
            authorization=credentials,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            http=http,
        )
        self.cache = Cache()
        self._scope: set[str] = {""} if watch is None else set(watch)
        self._hooks: list[tuple[str, ChangeCallback]] = []
        self._tool_sets: set[tuple[str, ExportTarget]] = set()
        self._watcher = Watcher(
            http=self._http,
            ws_url=websocket_url(url),
            authorization=credentials,
            cache=self.cache,
            prefix=self._subscription_prefix,
            interested=self._is_interested,
            on_change=self._dispatch,
            prepare=self._prepare,
            backoff=backoff or Backoff(base=0.1, cap=5.0),
            timeout=timeout,
        )

    # -- lifecycle -----------------------------------------------------------------------

    async def __aenter__(self) -> AsyncRegistryClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._watcher.stop()
        await self._http.aclose()

    async def start(self) -> bool:
        """Open the subscription now rather than on first use; True once it is live and
        covers every watched prefix (hooks added before see every change from then on)."""
        return await self._wait_covered(self._subscription_prefix())

    @property
    def is_live(self) -> bool:
        """The subscription is open: cached latest versions are current."""
        return self._watcher.is_live

    @property
    def stats(self) -> RequestStats:
        """HTTP requests made to the registry, by operation."""
        return self._http.stats

    @property
    def watcher(self) -> Watcher:
        return self._watcher

    # -- calls ---------------------------------------------------------------------------

    async def register(
        self,
        subject: str,
        schema: str,
        format: str = "JSON",
        references: Sequence[Reference | dict[str, Any]] | None = None,
    ) -> RegisteredSchema:
        """Register ``schema`` as the next version of ``subject``. Retried after a failed
        request: registering content already live under the subject returns its version
        and writes nothing (``is_new_version`` is then False)."""
        variables = {
            "subject": subject,
            "schema": schema,
            "format": format,
            "references": _references(references),
        }
        data = await self._http.execute("Register", documents.REGISTER, variables)
        registered = RegisteredSchema.read(data["registerSchema"])
        self.cache.put_schema(registered.as_version().content())
        return registered

    async def get_schema(self, schema_id: int) -> Schema:
        """A schema by global id; ids never change content, so each is read once."""
        cached = self.cache.schema(schema_id)
        if cached is not None:
            return cached
        data = await self._http.execute("Schema", documents.SCHEMA, {"id": schema_id})
        if data.get("schema") is None:
            raise RegistryError("SCHEMA_NOT_FOUND", f"No schema has id {schema_id}.")
        schema = Schema.read(data["schema"])
        self.cache.put_schema(schema)
        return schema

    async def latest(self, subject: str) -> SchemaVersion:
        """The newest live version. Under a watched prefix it is read once, then kept
        current by the subscription: later calls make no request."""
        if not self._covers(subject):
            return _found(subject, await self._read_latest(subject))
        if not self._watcher.is_live:
            await self._watcher.wait_ready(self._timeout)
        known, cached = self.cache.latest(subject)
        if known and self._watcher.failure is None:
            return _found(subject, cached)
        return _found(subject, await self._snapshot(subject))

    def cached_latest(self, subject: str) -> tuple[bool, SchemaVersion | None]:
        """(True, latest) when the cache can answer without a request."""
        if self._watcher.failure is not None or not self._covers(subject):
            return False, None
        return self.cache.latest(subject)

    async def version(self, subject: str, number: int) -> SchemaVersion:
        data = await self._http.execute(
            "Version", documents.VERSION, {"subject": subject, "number": number}
        )
        found = data.get("subject")
        if found is None:
            raise RegistryError("SUBJECT_NOT_FOUND", f"Subject '{subject}' not found.")
        version = SchemaVersion.read(found["version"])
        self.cache.put_schema(version.content())
        return version

    async def check(
        self,
        subject: str,
        schema: str,
        format: str = "JSON",
        version: int | None = None,
        references: Sequence[Reference | dict[str, Any]] | None = None,
    ) -> CompatibilityCheck:
        """Would ``schema`` be accepted as the next version (against ``version`` only,
        when given)? Nothing is stored."""
        variables = {
            "subject": subject,
            "schema": schema,
            "format": format,
            "version": version,
            "references": _references(references),
        }
        data = await self._http.execute("Check", documents.CHECK, variables)
        return CompatibilityCheck.read(data["checkCompatibility"])

    async def lint(
        self, schema: str, provider: str, tool_name: str | None = None
    ) -> list[LintFinding]:
        """The documented rules of ``provider`` (OPENAI, ANTHROPIC, ANTHROPIC_STRICT,
        GEMINI) that a JSON Schema, and a tool name, break."""
        variables = {"schema": schema, "provider": provider.upper(), "toolName": tool_name}
        data = await self._http.execute("Lint", documents.LINT, variables)
        return [LintFinding.read(item) for item in data["lintSchema"]]

    async def export(
        self,
        subject: str,
        target: ExportTarget | str,
        version: int | None = None,
        name: str | None = None,
        description: str | None = None,
    ) -> SchemaExport:
        """A version (the latest by default) as a provider's SDK takes it."""
        variables = {
            "subject": subject,
            "target": str(target).upper(),
            "version": version,
            "name": name,
            "description": description,
        }
        data = await self._http.execute("Export", documents.EXPORT, variables)
        return SchemaExport.read(data["exportSchema"])

    async def validate(
        self,
        subject: str,
        payload: Any,
        version: int | None = None,
        message_name: str | None = None,
    ) -> PayloadValidation:
        variables = {
            "subject": subject,
            "payload": payload,
            "version": version,
            "messageName": message_name,
        }
        data = await self._http.execute("Validate", documents.VALIDATE, variables)
        return PayloadValidation.read(data["validatePayload"])

    async def validate_many(
        self,
        subject: str,
        payloads: Sequence[Any],
        version: int | None = None,
        message_name: str | None = None,
    ) -> list[PayloadValidation]:
        variables = {
            "subject": subject,
            "payloads": list(payloads),
            "version": version,
            "messageName": message_name,
        }
        data = await self._http.execute("ValidateMany", documents.VALIDATE_MANY, variables)
        return [PayloadValidation.read(item) for item in data["validatePayloads"]]

    # -- change hooks --------------------------------------------------------------------

    def on_change(self, subject_or_prefix: str, callback: ChangeCallback) -> Callable[[], None]:
        """Call ``callback`` with a ``Change`` for every registration and deletion under
        ``subject_or_prefix`` (a subject name matches itself and the names it begins),
        once per event, in commit order, after the cache has applied it, from the moment
        the subscription covers it (``await start()`` to wait for that). A coroutine
        function is awaited; an exception is logged and the watch goes on. Returns a
        function that removes the hook."""
        hook = (subject_or_prefix, callback)
        self._hooks.append(hook)
        self._widen(subject_or_prefix)

        def remove() -> None:
            if hook in self._hooks:
                self._hooks.remove(hook)

        return remove

    async def _dispatch(self, change: Change) -> None:
        for prefix, callback in list(self._hooks):
            if not change.subject.startswith(prefix):
                continue
            try:
                result = callback(change)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                logger.exception("on_change callback for %r failed", prefix)

    # -- provider tool lists -------------------------------------------------------------

    async def tools(self, prefix: str, provider: Provider | str) -> list[Any]:
        """The tool list for ``provider``'s SDK (OPENAI, ANTHROPIC, GEMINI): the exported
        document of every live subject under ``prefix``, by subject name. Kept live: after
        the first call it is computed from the cache, and the watcher fetches the export
        of a new version before it calls the hooks. A version the registry will not export
        for the provider is left out, logged once and listed by ``tool_refusals()``."""
        return [item.document for item in await self.tool_exports(prefix, provider)]

    async def tool_exports(self, prefix: str, provider: Provider | str) -> list[SchemaExport]:
        """``tools()`` with each document's subject, version, schema id and name."""
        exports, _ = await self._tool_list(prefix, _tool_target(provider))
        return exports

    async def tool_refusals(self, prefix: str, provider: Provider | str) -> list[ToolRefusal]:
        """The live versions under ``prefix`` that ``tools()`` leaves out, by subject name,
        each with the registry's refusal (``PROVIDER_LINT_FAILED`` and its findings, or
        ``BAD_USER_INPUT`` for a schema that is not JSON Schema). Kept live as ``tools()``
        is: a new version that the provider takes moves the subject back to the list."""
        _, refused = await self._tool_list(prefix, _tool_target(provider))
        return refused

    def cached_tool_exports(
        self, prefix: str, provider: Provider | str
    ) -> list[SchemaExport] | None:
        """The tool list when the cache holds all of it (no request), else None."""
        found = self._cached_tool_list(prefix, _tool_target(provider))
        return None if found is None else found[0]

    def cached_tool_refusals(
        self, prefix: str, provider: Provider | str
    ) -> list[ToolRefusal] | None:
        """``tool_refusals()`` when the cache holds all of it (no request), else None."""
        found = self._cached_tool_list(prefix, _tool_target(provider))
        return None if found is None else found[1]

    async def _tool_list(
        self, prefix: str, target: ExportTarget
    ) -> tuple[list[SchemaExport], list[ToolRefusal]]:
        cached = self._cached_tool_list(prefix, target)
        if cached is not None:
            return cached
        self._tool_sets.add((prefix, target))
        self._widen(prefix)
        if await self._wait_covered(prefix) and not self.cache.is_listed(prefix):
            await self._list(prefix)
        versions = await self._latest_under(prefix)
        await self._fetch_exports([(v.subject, v.id, target.value) for v in versions], versions)
        return self._split(versions, target)

    def _cached_tool_list(
        self, prefix: str, target: ExportTarget
    ) -> tuple[list[SchemaExport], list[ToolRefusal]] | None:
        if (
            (prefix, target) not in self._tool_sets
            or self._watcher.failure is not None
            or not self.cache.is_listed(prefix)
            or self.cache.unknown_under(prefix)
        ):
            return None
        versions = self.cache.subjects_under(prefix)
        keys = [(v.subject, v.id, target.value) for v in versions]
        if self.cache.missing_exports(keys):
            return None
        return self._split(versions, target)

    def _split(
        self, versions: list[SchemaVersion], target: ExportTarget
    ) -> tuple[list[SchemaExport], list[ToolRefusal]]:
        """The exports of ``versions`` and the refusals, each under the version it is for
        (the same content registered again under a later version shares its export)."""
        exports: list[SchemaExport] = []
        refused: list[ToolRefusal] = []
        for version in versions:
            found = self.cache.export((version.subject, version.id, target.value))
            if isinstance(found, SchemaExport):
                exports.append(
                    found
                    if found.version == version.version
                    else dataclasses.replace(found, version=version.version)
                )
            elif isinstance(found, RegistryError):
                refused.append(
                    ToolRefusal(version.subject, version.version, version.id, target.value, found)
                )
        return exports, refused

    async def _latest_under(self, prefix: str) -> list[SchemaVersion]:
        if not self.cache.is_listed(prefix):
            # Not live: read the listing without keeping it.
            data = await self._http.execute(
                "LatestUnder", documents.LATEST_UNDER, {"prefix": prefix or None}
            )
            return [
                SchemaVersion.read(item["latest"])
                for item in data["subjects"]
                if item.get("latest") is not None
            ]
        for subject in self.cache.unknown_under(prefix):
            await self._snapshot(subject)
        return self.cache.subjects_under(prefix)

    async def _fetch_exports(self, keys: list[ExportKey], versions: list[SchemaVersion]) -> None:
        by_key = {(v.subject, v.id): v for v in versions}
        missing = self.cache.missing_exports(keys)
        await asyncio.gather(
            *(self._fetch_export(by_key[(s, i)], ExportTarget(t)) for s, i, t in missing)
        )

    async def _fetch_export(self, version: SchemaVersion, target: ExportTarget) -> None:
        key = (version.subject, version.id, target.value)
        variables = {"subject": version.subject, "target": target.value, "version": version.version}
        try:
            data = await self._watcher.execute(documents.EXPORT, variables, "Export")
        except RegistryError as exc:
            if exc.is_retryable:
                raise
            if exc.code in _GONE_CODES:
                # Deleted while its export was asked for: the deletion's event follows.
                logger.info("%s version %d is gone: %s", version.subject, version.version, exc)
                return
            if self.cache.export(key) is None:
                logger.warning(
                    "%s version %d (schema %d) left out of the %s tool list: %s%s",
                    version.subject,
                    version.version,
                    version.id,
                    target.value,
                    exc,
                    _describe_findings(exc),
                )
            self.cache.put_export(key, exc)
            return
        self.cache.put_export(key, SchemaExport.read(data["exportSchema"]))

    async def _prepare(self, subject: str, latest: SchemaVersion | None) -> None:
        """Before hooks run: the exports a tool list under this subject will need."""
        if latest is None:
            return
        for prefix, target in list(self._tool_sets):
            if (
                subject.startswith(prefix)
                and self.cache.export((subject, latest.id, target.value)) is None
            ):
                try:
                    await self._fetch_export(latest, target)
                except RegistryError as exc:
                    logger.warning("export of %s for %s failed: %s", subject, target, exc)

    # -- scope and snapshots -------------------------------------------------------------

    def _subscription_prefix(self) -> str:
        return common_prefix(self._scope)

    def _covers(self, subject: str) -> bool:
        return any(subject.startswith(prefix) for prefix in self._scope)

    def _is_interested(self, subject: str) -> bool:
        return any(subject.startswith(p) for p, _ in self._hooks) or any(
            subject.startswith(p) for p, _ in self._tool_sets
        )

    def _widen(self, prefix: str) -> None:
        if not self._covers(prefix):
            self._scope.add(prefix)
            self._watcher.rescope()
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # started by the first call made in a loop
        self._watcher.start()

    async def _wait_covered(self, prefix: str) -> bool:
        """Until the open subscription covers ``prefix``; False if it does not in time.
        A snapshot of a prefix read before would miss what a narrower one skipped."""
        try:
            async with asyncio.timeout(self._timeout):
                while True:
                    await self._watcher.wait_ready(self._timeout)
                    if not self._watcher.is_live:
                        return False
                    subscribed = self._watcher.subscribed_prefix
                    if subscribed is not None and prefix.startswith(subscribed):
                        return True
                    await asyncio.sleep(0.01)
        except TimeoutError:
            return False

    async def _read_latest(self, subject: str) -> SchemaVersion | None:
        data = await self._http.execute("Latest", documents.LATEST, {"subject": subject})
        found = (data.get("subject") or {}).get("latest")
        return None if found is None else SchemaVersion.read(found)

    async def _snapshot(self, subject: str) -> SchemaVersion | None:
        """Read the latest and cache it, unless the subscription is not open or events
        for the subject keep overtaking the read."""
        for _ in range(_SNAPSHOT_ATTEMPTS):
            live = self._watcher.is_live and self._watcher.failure is None
            token = self.cache.token()
            latest = await self._read_latest(subject)
            if not live:
                return latest
            if self.cache.apply_snapshot(subject, latest, token):
                return latest
        return latest

    async def _list(self, prefix: str) -> None:
        token = self.cache.token()
        data = await self._http.execute(
            "LatestUnder", documents.LATEST_UNDER, {"prefix": prefix or None}
        )
        listing = {
            item["name"]: None if item.get("latest") is None else SchemaVersion.read(item["latest"])
            for item in data["subjects"]
        }
        for subject in self.cache.apply_listing(prefix, listing, token):
            await self._snapshot(subject)


def common_prefix(prefixes: Iterable[str]) -> str:
    """The longest string every prefix starts with (one subscription covers them all)."""
    items = sorted(prefixes)
    if not items:
        return ""
    first, last = items[0], items[-1]
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


def _describe_findings(error: RegistryError) -> str:
    described = [
        f"{item.get('ruleId')} at {item.get('pointer') or '#'}: {item.get('message')}"
        for item in error.findings
    ]
    return "; findings: " + "; ".join(described) if described else ""


def _found(subject: str, latest: SchemaVersion | None) -> SchemaVersion:
    if latest is None:
        raise RegistryError("SUBJECT_NOT_FOUND", f"Subject '{subject}' has no live version.")
    return latest
