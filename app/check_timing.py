"""How long compatibility checks take, whichever checker runs them (inline or workers):
observed in a histogram, and one span per check."""

from __future__ import annotations

import time

from opentelemetry import trace
from prometheus_client import Histogram

from registry.checks import CanonicalSchema, CheckRequest, SchemaSource
from registry.compatibility import Incompatibility
from registry.model import ProviderFinding
from registry.ports import SchemaChecker
from registry.providers.model import Provider

_tracer = trace.get_tracer("llm_schema_registry.app")


class TimedChecker:
    """A ``SchemaChecker`` that observes each compatibility check in ``histogram``, by the
    candidate's format and the level checked. Trivial requests (nothing to compare) are
    answered without a check and not observed; nor are refusals (``ServerBusyError``)
    and failures, which would make the quantiles describe something else."""

    def __init__(self, inner: SchemaChecker, histogram: Histogram) -> None:
        self._inner = inner
        self._histogram = histogram

    async def canonicalize(self, source: SchemaSource) -> CanonicalSchema:
        return await self._inner.canonicalize(source)

    async def render(self, source: SchemaSource, form: str) -> str | None:
        return await self._inner.render(source, form)

    async def find_incompatibilities(self, request: CheckRequest) -> list[Incompatibility]:
        if request.is_trivial:
            return await self._inner.find_incompatibilities(request)
        started = time.perf_counter()
        with _tracer.start_as_current_span(
            "registry.compatibility_check",
            attributes={
                "registry.schema.format": request.candidate.format.value,
                "registry.compatibility.level": request.level.value,
                "registry.compared_versions": len(request.earlier),
            },
        ) as span:
            found = await self._inner.find_incompatibilities(request)
            span.set_attribute("registry.incompatibilities", len(found))
        self._histogram.labels(request.candidate.format.value, request.level.value).observe(
            time.perf_counter() - started
        )
        return found

    async def lint(
        self, source: SchemaSource, providers: tuple[Provider, ...]
    ) -> list[ProviderFinding]:
        return await self._inner.lint(source, providers)
