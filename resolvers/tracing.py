"""One span per use case, whichever transport asked (GraphQL or the REST API).

Only OpenTelemetry's API is used here: without the SDK (installed by app/tracing.py when
tracing is on) every span is a no-op, as a logger without handlers. The span is named
``registry.<use case>``; the subject it concerns, when there is one, is the
``registry.subject`` attribute, never part of the name.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from opentelemetry import trace

_tracer = trace.get_tracer("llm_schema_registry.resolvers")
# Subjects are checked inside the use case: an attribute never holds more than this.
_MAX_SUBJECT = 256

P = ParamSpec("P")
R = TypeVar("R")


def use_case(name: str) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Record each call of the decorated use case as the span ``registry.<name>``, with
    its ``subject`` argument (when it has one, and it is a string) as ``registry.subject``."""

    def decorate(function: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        signature = inspect.signature(function)
        has_subject = "subject" in signature.parameters
        span_name = f"registry.{name}"

        @functools.wraps(function)
        async def traced(*args: P.args, **kwargs: P.kwargs) -> R:
            with _tracer.start_as_current_span(span_name) as span:
                if has_subject and span.is_recording():
                    subject = signature.bind_partial(*args, **kwargs).arguments.get("subject")
                    if isinstance(subject, str):
                        span.set_attribute("registry.subject", subject[:_MAX_SUBJECT])
                return await function(*args, **kwargs)

        return traced

    return decorate
