"""OpenTelemetry setup: the process's tracer provider and its exporter, the GraphQL
operation span, and one server span per HTTP request.

Spans are named by what was done, never by what it was done to: a route's template
(``GET /subjects/{subject}/versions``), an operation's type and name, a use case. Subject
names go in the ``registry.subject`` attribute; schema bodies and GraphQL documents go
nowhere (a document can carry a schema inline, and a schema can be large or private).
"""

from __future__ import annotations

import random
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from graphql import GraphQLResolveInfo
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.trace import (
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
)
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import LifecycleStep
from strawberry.extensions.tracing import OpenTelemetryExtension

from app.authentication import WARM_UP_SCOPE_KEY
from app.settings import Settings
from app.startup import EXIT_CONFIGURATION, StartupError
from registry.model import ChangeEvent

_tracer = trace.get_tracer("llm_schema_registry.app")

OTLP_PROTOCOLS = ("http/protobuf", "grpc")
# Requests that would drown the traces: probes and scrapes, every few seconds.
_UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_KNOWN_ROUTES = frozenset({"/", "/graphql"})

# Exporters already sending this process's spans (one processor each, whichever app
# asked first: the tracer provider is process-wide, as OpenTelemetry's API makes it).
_exporting: list[SpanExporter] = []
# The exporter each REGISTRY_OTEL_EXPORTER value built: the CLI checks the settings before
# it touches anything, and the app it then creates sends through the same exporter.
_built: dict[str, SpanExporter] = {}


def configure_tracing(settings: Settings, exporter: SpanExporter | None = None) -> bool:
    """Install the process's tracer provider and the exporter ``REGISTRY_OTEL_EXPORTER``
    names (or ``exporter``: spans kept in memory by a test); returns whether spans are
    recorded. Exporter settings that cannot work are a ``StartupError``."""
    if exporter is None:
        if settings.otel_exporter == "none":
            return False
        exporter = _built.get(settings.otel_exporter)
        if exporter is None:
            exporter = _built[settings.otel_exporter] = build_exporter(settings)
    provider = _process_provider(settings)
    if not any(each is exporter for each in _exporting):
        provider.add_span_processor(BatchSpanProcessor(exporter))
        _exporting.append(exporter)
    return True


def build_exporter(settings: Settings) -> SpanExporter:
    if settings.otel_exporter == "console":
        return ConsoleSpanExporter()
    protocol = settings.otel_exporter_otlp_protocol or "http/protobuf"
    if protocol not in OTLP_PROTOCOLS:
        raise StartupError(
            f"invalid setting OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r} (or "
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL): expected http/protobuf or grpc",
            EXIT_CONFIGURATION,
        )
    # The exporters read OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout, compression,
    # certificates) themselves, as the OTLP exporter specification has every SDK do.
    try:
        if protocol == "grpc":
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
                OTLPSpanExporter as GrpcExporter,
            )

            return GrpcExporter()
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
            OTLPSpanExporter as HttpExporter,
        )

        exporter = HttpExporter()
    except Exception as exc:
        raise StartupError(
            f"invalid OTLP exporter settings (OTEL_EXPORTER_OTLP_*, protocol {protocol}): "
            f"{_first_line(exc)}",
            EXIT_CONFIGURATION,
        ) from None
    endpoint = getattr(exporter, "_endpoint", None)
    if isinstance(endpoint, str) and not _is_http_url(endpoint):
        raise StartupError(
            f"invalid setting OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT): {endpoint!r} "
            "is not an http:// or https:// URL with a host (protocol http/protobuf)",
            EXIT_CONFIGURATION,
        )
    return exporter


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _is_http_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def _process_provider(settings: Settings) -> TracerProvider:
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        # Installed earlier in this process (by another app, or by a program that
        # embeds the registry): spans go where it sends them too.
        return current
    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.otel_service_name})
    )
    trace.set_tracer_provider(provider)
    return provider


def _omit_arguments(args: dict[str, Any], info: GraphQLResolveInfo[Any]) -> dict[str, Any]:
    """Resolver arguments are subjects and schema bodies: none become span attributes."""
    return {}


class GraphQLTracing(OpenTelemetryExtension):
    """Strawberry's spans (operation, parsing, validation, one per resolver), without
    the document or the arguments: the operation span is named by the operation's type
    and the client's name for it (``GraphQL mutation: Register``)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(arg_filter=_omit_arguments, **options)

    def on_operation(self) -> Generator[None, None, None]:
        # Under the HTTP request's server span, internal; a websocket's operations have
        # no span above them here, and are the server's part of their trace.
        is_nested = trace.get_current_span().is_recording()
        kind = SpanKind.INTERNAL if is_nested else SpanKind.SERVER
        span = self._tracer.start_span("GraphQL operation", kind=kind)
        self._span_holder[LifecycleStep.OPERATION] = span
        span.set_attribute("component", "graphql")
        try:
            yield
        finally:
            context = self.execution_context
            name = context.operation_name
            try:
                operation = context.operation_type.value
            except RuntimeError:
                operation = ""  # the document did not parse: no operation to name
            if operation:
                span.set_attribute("graphql.operation.type", operation)
            if name:
                span.set_attribute("graphql.operation.name", name)
            label = f"{operation}:" if name else operation
            span.update_name(" ".join(filter(None, ("GraphQL", label, name))))
            errors = getattr(context.result, "errors", None)
            if errors:
                span.set_status(Status(StatusCode.ERROR))
                code = (errors[0].extensions or {}).get("code")
                if isinstance(code, str):
                    span.set_attribute("registry.error_code", code)
            span.end()


@contextmanager
def publish_span(events: Sequence[ChangeEvent]) -> Iterator[None]:
    """Around announcing committed events (the caches here, then the other replicas)."""
    with _tracer.start_as_current_span(
        "registry.publish",
        kind=SpanKind.PRODUCER,
        attributes={"registry.events": len(events)},
    ):
        yield


# An unsampled parent: the requests a replica serves itself before it listens record no
# span (a warm-up trace would show every restart as traffic).
_NOT_SAMPLED = trace.set_span_in_context(
    NonRecordingSpan(
        SpanContext(
            trace_id=random.getrandbits(128) or 1,
            span_id=random.getrandbits(64) or 1,
            is_remote=True,
            trace_flags=TraceFlags(TraceFlags.DEFAULT),
        )
    )
)


class HttpTracing:
    """One server span per HTTP request, named ``METHOD route-template`` (the REST API's
    ``routes`` by their template, so no subject name is part of a span's name), with the
    caller's ``traceparent`` (made current by ``RequestLog``) as its parent. Websockets are
    traced by their operations; probes and scrapes are not traced."""

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute] = ()) -> None:
        self._app = app
        self._routes = tuple(routes)

    def _route(self, scope: Scope) -> str | None:
        path = str(scope["path"])
        if path in _KNOWN_ROUTES:
            return path
        for route in self._routes:
            match, _ = route.matches(scope)
            if match is not Match.NONE and isinstance(route, Route):
                return route.path
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in _UNTRACED_PATHS:
            await self._app(scope, receive, send)
            return
        if scope.get(WARM_UP_SCOPE_KEY) is True:
            token = otel_context.attach(_NOT_SAMPLED)
            try:
                await self._app(scope, receive, send)
            finally:
                otel_context.detach(token)
            return
        method = str(scope["method"])
        route = self._route(scope)
        attributes: dict[str, str | int] = {"http.request.method": method}
        if route is not None:
            attributes["http.route"] = route
        name = f"{method} {route}" if route is not None else method
        status = 500

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        with _tracer.start_as_current_span(
            name, kind=SpanKind.SERVER, attributes=attributes
        ) as span:
            try:
                await self._app(scope, receive, observe)
            finally:
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
