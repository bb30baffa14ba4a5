"""OpenTelemetry setup: a tracer provider, and spans per GraphQL operation when enabled."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

from app.settings import Settings

_configured = False


def configure_tracing(settings: Settings) -> bool:
    """Install a tracer provider once per process; returns whether spans are exported."""
    global _configured
    if settings.otel_exporter == "none":
        return False
    if not _configured:
        provider = TracerProvider(
            resource=Resource.create({"service.name": settings.otel_service_name})
        )
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
        trace.set_tracer_provider(provider)
        _configured = True
    return True
