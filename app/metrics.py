"""Prometheus metrics. Labels are route templates and operation names, never raw input."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.routing import BaseRoute, Match, Route
from strawberry.extensions import SchemaExtension

from app.response_cache import ASGIApp, Message, Receive, Scope, Send
from graph.operations import operation_type, root_fields
from registry.model import ChangeEvent


class Metrics:
    def __init__(self, version: str = "", commit: str = "") -> None:
        self.registry = CollectorRegistry()
        # The standard process_*, python_info and python_gc_* series; their collectors
        # read the process itself, so sharing them across registries is safe.
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(collector)
        Info(
            "registry_build",
            "The running build: package version and source commit (empty when unknown).",
            registry=self.registry,
        ).info({"version": version, "commit": commit})
        self.http_requests = Counter(
            "registry_http_requests_total",
            "HTTP requests by route, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.http_duration = Histogram(
            "registry_http_request_duration_seconds",
            "HTTP request latency by route.",
            ["route"],
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.graphql_operations = Counter(
            "registry_graphql_operations_total",
            "GraphQL operations by type, root field and outcome (ok or an error code).",
            ["type", "field", "outcome"],
            registry=self.registry,
        )
        self.response_cache_hits = Counter(
            "registry_response_cache_hits_total",
            "Reads (GraphQL and REST) answered from the response cache, by kind: shared "
            "(an answer for every caller) or private (one principal's).",
            ["kind"],
            registry=self.registry,
        )
        for kind in ("shared", "private"):
            self.response_cache_hits.labels(kind)
        self.registrations = Counter(
            "registry_registrations_total",
            "Schema registrations (GraphQL and REST) by outcome: created, existing (the "
            "content was already a version of the subject) or the error code.",
            ["outcome"],
            registry=self.registry,
        )
        self.compatibility_checks = Histogram(
            "registry_compatibility_check_seconds",
            "Compatibility checks by the candidate's format and the level checked, "
            "including any wait for a check worker.",
            ["format", "level"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.event_delivery_lag = Histogram(
            "registry_event_delivery_lag_seconds",
            "From an event's commit to its hand-over to this replica's subscribers.",
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.outbox_gap_reads = Counter(
            "registry_outbox_gap_reads_total",
            "Broadcast messages that skipped ahead, so the events between were read from "
            "the outbox.",
            registry=self.registry,
        )
        self.outbox_poll_recoveries = Counter(
            "registry_outbox_poll_recoveries_total",
            "Outbox checks that found committed events the broadcast had not delivered "
            "(lost or late publishes, or the broadcast down).",
            registry=self.registry,
        )
        self.events_delivered = Counter(
            "registry_events_total",
            "Change events delivered to this replica's hub.",
            ["kind"],
            registry=self.registry,
        )
        self.subscribers = Gauge(
            "registry_subscribers",
            "Open schemaChanges subscriptions on this replica.",
            registry=self.registry,
        )
        self.connections = Gauge(
            "registry_connections",
            "Open client connections (HTTP and websocket) on this replica.",
            registry=self.registry,
        )
        self.connections_cut = Counter(
            "registry_connections_cut_total",
            "Requests or connections cut short: header_timeout, body_timeout, "
            "handshake_timeout, over_limit (beyond REGISTRY_MAX_CONNECTIONS).",
            ["reason"],
            registry=self.registry,
        )
        self.check_jobs = Gauge(
            "registry_check_jobs",
            "Schema checks and parses in the worker processes: running, or queued for one.",
            ["state"],
            registry=self.registry,
        )
        self.access_refused = Counter(
            "registry_access_refused_total",
            "Requests refused for who sent them: rate (per-principal request rate, by where "
            "the bucket lives: redis, memory), connections, subscriptions (per principal).",
            ["limit", "backend"],
            registry=self.registry,
        )
        self.check_outcomes = Counter(
            "registry_check_outcomes_total",
            "Jobs the check workers finished (done, failed) or refused because the queue "
            "was full (busy).",
            ["outcome"],
            registry=self.registry,
        )

    def observe_event(self, event: ChangeEvent, now: float) -> None:
        """An event the hub hands to subscribers; ``now`` is wall-clock time, as the
        commit time is (clocks of replicas and database host are assumed in sync)."""
        self.events_delivered.labels(event.kind.value).inc()
        if event.created_at > 0:
            self.event_delivery_lag.observe(max(0.0, now - event.created_at))

    def watch_database(
        self, is_up: Callable[[], bool], pool: Callable[[], tuple[int, int, int]]
    ) -> None:
        """``registry_database_up`` and ``registry_db_pool_connections{state}``, read from
        the store at each scrape; ``pool`` gives connections in use, idle and at most."""
        self.registry.register(_DatabaseCollector(is_up, pool))

    def watch_broadcast(self, is_up: Callable[[], bool], reconnects: Callable[[], int]) -> None:
        """``registry_broadcast_up`` and ``registry_broadcast_reconnects_total``, read
        from the broadcast's health at each scrape."""
        self.registry.register(_BroadcastCollector(is_up, reconnects))


class _BroadcastCollector(Collector):
    def __init__(self, is_up: Callable[[], bool], reconnects: Callable[[], int]) -> None:
        self._is_up = is_up
        self._reconnects = reconnects

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "registry_broadcast_up",
            "1 while change events travel over the broadcast; 0 while it is down and "
            "events are delivered by polling the outbox.",
            value=1.0 if self._is_up() else 0.0,
        )
        yield CounterMetricFamily(
            "registry_broadcast_reconnects",
            "Times the broadcast link was re-established after being lost.",
            value=self._reconnects(),
        )


class _DatabaseCollector(Collector):
    def __init__(self, is_up: Callable[[], bool], pool: Callable[[], tuple[int, int, int]]) -> None:
        self._is_up = is_up
        self._pool = pool

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "registry_database_up",
            "1 while the database answers; 0 once an operation found it unavailable, "
            "until one succeeds again.",
            value=1.0 if self._is_up() else 0.0,
        )
        in_use, idle, most = self._pool()
        pool = GaugeMetricFamily(
            "registry_db_pool_connections",
            "Database connections of this replica: in_use, idle, and max (the pool's "
            "size limit; SQLite holds one).",
            labels=["state"],
        )
        for state, value in (("in_use", in_use), ("idle", idle), ("max", most)):
            pool.add_metric([state], float(value))
        yield pool


_KNOWN_ROUTES = ("/graphql", "/metrics", "/healthz", "/readyz")


class HttpMetricsMiddleware:
    """``routes`` (the REST API's) are labelled by their template, e.g.
    ``/subjects/{subject}/versions``, so label values stay bounded."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Sequence[BaseRoute] = ()) -> None:
        self._app = app
        self._metrics = metrics
        self._routes = tuple(routes)

    def _route_label(self, scope: Scope) -> str:
        path = scope["path"]
        if path in _KNOWN_ROUTES:
            return str(path)
        for route in self._routes:
            match, _ = route.matches(scope)
            if match is not Match.NONE and isinstance(route, Route):
                return route.path
        return "other"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        route = self._route_label(scope)
        started = time.perf_counter()
        status = 500

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, observe)
        finally:
            self._metrics.http_requests.labels(route, scope["method"], str(status)).inc()
            self._metrics.http_duration.labels(route).observe(time.perf_counter() - started)


def graphql_metrics_extension(metrics: Metrics) -> type[SchemaExtension]:
    """A strawberry extension counting operations by root field and outcome."""

    class GraphQLMetrics(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            yield
            context = self.execution_context
            op_type = operation_type(context)
            fields = root_fields(context)
            errors = getattr(context.result, "errors", None) or []
            outcome = "ok"
            if errors:
                extensions = errors[0].extensions or {}
                outcome = str(extensions.get("code", "ERROR"))
            if outcome in ("GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"):
                # Unvalidated documents may name any field: keep label values bounded.
                fields = ["invalid"]
            for field in fields[:4]:
                metrics.graphql_operations.labels(op_type, field, outcome).inc()

    return GraphQLMetrics
