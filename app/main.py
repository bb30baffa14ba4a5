"""The Starlette application: GraphQL, health, metrics; the lifespan wires implementations."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

import strawberry
from opentelemetry.sdk.trace.export import SpanExporter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send

from app.authentication import AuthenticationMiddleware, Authenticator
from app.check_pool import ProcessChecker
from app.check_timing import TimedChecker
from app.cors import cors_middleware
from app.etags import ConditionalGet
from app.graphiql import ASSETS_PATH, asset_routes
from app.graphql_view import RegistryGraphQL
from app.keys import Argon2Hasher, KeyVerifier
from app.metrics import HttpMetricsMiddleware, Metrics, graphql_metrics_extension
from app.principal_limits import PrincipalLimits
from app.rate_limit import create_rate_limiter
from app.request_body import RequestBodyTimeout
from app.request_limits import BodySizeLimit, request_error_response
from app.request_log import RequestLog
from app.response_cache import ResponseCache
from app.security_headers import SecurityHeaders
from app.settings import Settings
from app.startup import EXIT_CONFIGURATION, StartupError
from app.tokens import build_token_verifier
from app.tracing import GraphQLTracing, HttpTracing, configure_tracing, publish_span
from app.urls import mask_url
from app.version import commit, version
from app.warm_up import warm_up
from graph.limits import QueryLimits
from graph.schema import build_schema
from registry.errors import RegistryError
from registry.model import ChangeEvent, EventKind
from resolvers.context import INLINE_CHECKER, Services
from rest.errors import http_exception_handler
from rest.routes import OPENAPI_PATH, rest_routes
from storage.migrate import upgrade_async
from storage.store import DatabaseStore
from subscriptions.broadcast import create_broadcast
from subscriptions.hub import EventHub

logger = logging.getLogger(__name__)


class _CacheFirstPublisher:
    """Applies each committed event to this replica's response caches before announcing
    it, so a read that follows a change here never sees the state before it (read your
    writes). Other replicas apply it when the event reaches them through the hub."""

    def __init__(self, hub: EventHub, caches: Sequence[ResponseCache]) -> None:
        self._hub = hub
        self._caches = caches

    async def publish(self, events: Sequence[ChangeEvent]) -> None:
        with publish_span(events):
            for event in events:
                for cache in self._caches:
                    cache.observe(event)
            await self._hub.publish(events)


def _reason(error: BaseException) -> str:
    """The first line of the innermost cause: what the driver or server said."""
    if isinstance(error, TimeoutError):
        return "no answer in time (REGISTRY_STARTUP_TIMEOUT)"
    while error.__cause__ is not None:
        error = error.__cause__
    lines = str(error).strip().splitlines()
    reason = mask_url(lines[0]) if lines else type(error).__name__
    if "no such table" in reason or ("relation" in reason and "does not exist" in reason):
        reason += (
            "; the database has no registry tables: run `llm-schema-registry migrate` "
            "or set REGISTRY_MIGRATE_ON_START=true"
        )
    return reason


Lifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]


class RegistryApp(Starlette):
    """Starlette, except that a startup failure is reported to the server as its one-line
    reason rather than a traceback: a failed startup is a configuration or availability
    problem (named in a ``StartupError``), not a bug."""

    def __init__(self, *, registry_lifespan: Lifespan, **options: Any) -> None:
        super().__init__(**options)
        self._registry_lifespan = registry_lifespan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await super().__call__(scope, receive, send)
            return
        started = False
        await receive()  # lifespan.startup
        try:
            async with self._registry_lifespan(self):
                started = True
                await send({"type": "lifespan.startup.complete"})
                await receive()  # lifespan.shutdown
        except BaseException as exc:
            failed = "lifespan.shutdown.failed" if started else "lifespan.startup.failed"
            if isinstance(exc, StartupError):
                await send({"type": failed, "message": exc.message})
                return
            await send({"type": failed, "message": traceback.format_exc()})
            raise
        await send({"type": "lifespan.shutdown.complete"})


def _executable_schema(settings: Settings, metrics: Metrics, *, traced: bool) -> strawberry.Schema:
    schema = build_schema(
        QueryLimits(
            max_cost=settings.max_query_cost,
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_query_aliases,
        ),
        introspection_for_all=settings.introspection == "all",
    )
    # Metrics first so that it observes errors after RegistryErrorExtension formatted them
    # (the "after" halves of the hooks run in reverse order).
    extensions: list[Any] = [graphql_metrics_extension(metrics), *schema.extensions]
    if traced:
        extensions.append(GraphQLTracing)
    schema.extensions = tuple(extensions)
    return schema


def create_app(
    settings: Settings | None = None, *, span_exporter: SpanExporter | None = None
) -> RegistryApp:
    """``span_exporter``: where spans go instead of ``REGISTRY_OTEL_EXPORTER``'s choice."""
    settings = settings or Settings()
    traced = configure_tracing(settings, span_exporter)
    metrics = Metrics(version=version(), commit=commit(settings.build_commit))
    store = DatabaseStore(
        settings.database_url.get_secret_value(),
        pool_min_size=settings.db_pool_min_size,
        pool_max_size=settings.db_pool_max_size,
        query_timeout=settings.database_query_timeout,
        version_cache_subjects=settings.version_cache_subjects,
    )
    broadcast = create_broadcast(settings.broadcast_url.get_secret_value())
    metrics.watch_broadcast(lambda: broadcast.health.is_up, lambda: broadcast.health.reconnects)
    metrics.watch_database(lambda: not (store.is_down or store.is_failing), store.pool_connections)
    graphql_app = RegistryGraphQL(_executable_schema(settings, metrics, traced=traced), settings)
    tokens = build_token_verifier(settings)
    if tokens is not None and not settings.auth:
        raise StartupError(
            "REGISTRY_JWT_ISSUER is set but REGISTRY_AUTH is not true: tokens would be "
            "ignored; set REGISTRY_AUTH=true (or unset the REGISTRY_JWT_* settings)",
            EXIT_CONFIGURATION,
        )
    authenticator = Authenticator(KeyVerifier(store), tokens, required=settings.auth)
    graphql_app.authenticator = authenticator
    limiter = create_rate_limiter(
        settings, on_refused=lambda backend: metrics.access_refused.labels("rate", backend).inc()
    )
    if settings.auth:
        # Per principal: without authentication every caller is the same local one.
        graphql_app.principal_limits = PrincipalLimits.from_settings(
            settings, on_refused=lambda kind: metrics.access_refused.labels(kind, "memory").inc()
        )
    # The GraphQL endpoint's cache, then the REST API's (built with the middleware).
    caches: list[ResponseCache] = []
    cache = ResponseCache(
        graphql_app,
        path="/graphql",
        max_entries=settings.response_cache_entries,
        on_hit=lambda kind: metrics.response_cache_hits.labels(kind).inc(),
        created=caches.append,
    )
    hub_holder: dict[str, EventHub] = {}
    database_setting = (
        f"REGISTRY_DATABASE_URL={mask_url(settings.database_url.get_secret_value())!r}"
    )
    broadcast_setting = (
        f"REGISTRY_BROADCAST_URL={mask_url(settings.broadcast_url.get_secret_value())!r}"
    )

    def on_event(event: ChangeEvent) -> None:
        metrics.observe_event(event, time.time())
        # Versions this replica keeps (storage/version_cache.py): its own writes dropped
        # them at commit, the other replicas' are dropped here, in sequence order.
        store.observe(event)
        if event.kind is EventKind.KEY_REVOKED and event.key_id is not None:
            # Before any later event reaches a subscriber (the hub calls this first).
            graphql_app.open_sockets.revoke(event.key_id)
            return
        for each in caches:
            each.observe(event)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Each step registers its undo as soon as it succeeds, so a later step's failure
        # releases everything opened before it (an open SQLite connection's thread would
        # otherwise keep the process alive after uvicorn gives up).
        async with AsyncExitStack() as opened:
            if settings.migrate_on_start:
                await startup_step(
                    "migrating the database",
                    database_setting,
                    upgrade_async(settings.database_url.get_secret_value()),
                    bounded=False,
                )
            # First: the workers start in the background while the steps below run.
            checker = await start_checker(opened)
            await startup_step("opening the database", database_setting, store.connect())
            opened.push_async_callback(store.disconnect)
            await startup_step("reading the database", database_setting, store.get_last_sequence())
            await startup_step(
                "connecting to the broadcast", broadcast_setting, broadcast.connect()
            )
            opened.push_async_callback(broadcast.disconnect)
            hub = EventHub(
                store,
                broadcast,
                settings.broadcast_channel,
                poll_interval=settings.event_poll_interval,
                max_queue=settings.subscriber_queue_size,
                on_event=on_event,
                on_gap_read=metrics.outbox_gap_reads.inc,
                on_poll_recovery=metrics.outbox_poll_recoveries.inc,
            )
            await startup_step("subscribing to change events", broadcast_setting, hub.start())
            opened.push_async_callback(hub.stop)
            hub_holder["hub"] = hub
            metrics.subscribers.set_function(lambda: hub.subscriber_count)
            if tokens is not None:
                opened.push_async_callback(tokens.aclose)
            if limiter is not None:
                opened.push_async_callback(limiter.aclose)
            graphql_app.services = app.state.services = Services(
                store=store,
                publisher=_CacheFirstPublisher(hub, caches),
                feed=hub,
                max_schema_bytes=settings.max_schema_bytes,
                checker=TimedChecker(checker or INLINE_CHECKER, metrics.compatibility_checks),
                key_hasher=Argon2Hasher(),
                audit_log=store,
                on_registration=lambda outcome: metrics.registrations.labels(outcome).inc(),
            )
            # Ready (and listening) only once the workers have started and the first
            # requests' one-time costs are paid: a replica that restarts takes traffic warm.
            if checker is not None:
                await checker.wait_started(settings.startup_timeout)
            await warm_up(app, settings.startup_timeout)
            # Objects created at startup live for the process: keep them out of every
            # collection, and collect less often, so GC pauses stay off the event path.
            gc.collect()
            gc.freeze()
            gc.set_threshold(50_000, 20, 20)
            logger.info(
                "registry %s ready (database %s, broadcast %s%s)",
                version(),
                store.url.split("://")[0],
                settings.broadcast_url.get_secret_value().split("://")[0],
                "" if broadcast.health.is_up else ", degraded: events by outbox poll",
            )
            try:
                yield
            finally:
                graphql_app.services = app.state.services = None
                hub_holder.pop("hub", None)

    async def start_checker(opened: AsyncExitStack) -> ProcessChecker | None:
        if settings.check_workers == 0:
            return None
        checker = ProcessChecker(
            settings.check_workers,
            settings.check_queue,
            on_finished=lambda outcome: metrics.check_outcomes.labels(outcome).inc(),
        )
        opened.push_async_callback(checker.stop)
        setting = f"REGISTRY_CHECK_WORKERS={settings.check_workers}"
        await startup_step("starting the check workers", setting, checker.start())
        metrics.check_jobs.labels("running").set_function(lambda: checker.running)
        metrics.check_jobs.labels("queued").set_function(lambda: checker.queued)
        return checker

    async def startup_step(
        what: str, setting: str, step: Awaitable[object], *, bounded: bool = True
    ) -> None:
        try:
            await asyncio.wait_for(step, settings.startup_timeout if bounded else None)
        except Exception as exc:
            logger.debug("startup step failed: %s", what, exc_info=True)
            raise StartupError(f"{what} failed ({setting}): {_reason(exc)}") from exc

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        hub = hub_holder.get("hub")
        try:
            await store.ping()
        except RegistryError as exc:
            return JSONResponse({"status": "unavailable", "reason": exc.message}, 503)
        if hub is None:
            return JSONResponse({"status": "starting"}, 503)
        body: dict[str, object] = {"status": "ok", "lastSequence": hub.last_sequence}
        # A replica whose broadcast is down still serves every request correctly; only
        # its subscribers' events come by the (faster) outbox poll: ready, and says so.
        health = broadcast.health
        if health.is_up:
            body["broadcast"] = "up"
        else:
            body["broadcast"] = "degraded"
            body["broadcastReason"] = health.reason
            body["broadcastDownSeconds"] = round(health.down_seconds, 1)
        body["eventPollInterval"] = hub.poll_interval
        return JSONResponse(body)

    async def metrics_endpoint(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def registry_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RegistryError)
        if request.url.path == "/graphql":
            # Raised before GraphQL could read the request (a body streamed past the
            # size limit): answered in GraphQL's error shape, as every /graphql error is.
            return request_error_response(exc.http_status, exc.message, exc.code)
        return JSONResponse({"code": exc.code, "message": exc.message}, exc.http_status)

    async def index(request: Request) -> Response:
        """Where things are, for a person or a script that opens the server's root."""
        return JSONResponse(
            {
                "name": "llm-schema-registry",
                "version": version(),
                "graphql": "/graphql",
                "graphiql": "/graphql" if settings.graphiql_enabled else None,
                "subscriptions": "/graphql (graphql-transport-ws, graphql-ws)",
                "rest": "/",
                "openapi": "/openapi.json",
                "health": "/healthz",
                "ready": "/readyz",
                "metrics": "/metrics",
            }
        )

    # Confluent's REST API at the root, so this server's URL works as schema.registry.url.
    confluent = rest_routes()
    app = RegistryApp(
        registry_lifespan=lifespan,
        routes=[
            Route("/", index, methods=["GET"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            Route("/graphql", cache),
            WebSocketRoute("/graphql", cache),
            *(asset_routes() if settings.graphiql_enabled else []),
            *confluent,
        ],
        exception_handlers={
            RegistryError: registry_error,
            StarletteHTTPException: http_exception_handler,
        },
    )
    # Innermost: API reads get an ETag and answer If-None-Match with 304 (app/etags.py).
    app.add_middleware(ConditionalGet)
    # The REST API's GET reads, kept until the next event (app/response_cache.py).
    app.add_middleware(
        ResponseCache,
        path="",
        rest=True,
        max_entries=settings.response_cache_entries,
        on_hit=lambda kind: metrics.response_cache_hits.labels(kind).inc(),
        skip_paths=frozenset({"/", "/graphql", "/healthz", "/readyz", "/metrics", OPENAPI_PATH}),
        skip_prefixes=(ASSETS_PATH,),
        created=caches.append,
    )
    # Next: who is asking is known to every route (and to the response cache).
    app.add_middleware(
        AuthenticationMiddleware,
        authenticator=authenticator,
        limiter=limiter,
        failure_burst=settings.auth_failure_burst,
        open_paths=frozenset({"/", "/healthz", "/readyz", "/metrics", OPENAPI_PATH}),
        open_prefixes=(ASSETS_PATH,),
    )
    # Added before the metrics middleware, so they run inside it: a refused body is
    # counted as the 413 (or 408) it is answered with.
    app.add_middleware(BodySizeLimit, max_bytes=settings.request_bytes_limit)
    app.add_middleware(
        RequestBodyTimeout,
        total=settings.body_timeout,
        idle=settings.body_idle_timeout,
        on_timeout=lambda reason: metrics.connections_cut.labels(reason).inc(),
    )
    app.add_middleware(HttpMetricsMiddleware, metrics=metrics, routes=confluent)
    # Outside authentication: preflights carry no credentials, and a browser frontend
    # must be able to read a 401 or 429.
    cors = cors_middleware(settings)
    if cors is not None:
        app.add_middleware(cors.cls, *cors.args, **cors.kwargs)
    # Every response gets them, errors and refusals included.
    app.add_middleware(SecurityHeaders)
    if traced:
        # Inside RequestLog, which makes the caller's traceparent the current context.
        app.add_middleware(HttpTracing, routes=confluent)
    # Outermost: names the request (X-Request-ID, traceparent) for every line logged
    # while it is handled, and times it whole for its access line.
    app.add_middleware(RequestLog, access_log=settings.log_format == "json")
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.response_cache = cache
    return app
