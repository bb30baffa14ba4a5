"""The per-request GraphQL context."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from registry.access import Principal
from resolvers.context import Services


@dataclass(slots=True)
class GraphContext:
    services: Services
    request: Any = None
    response: Any = None
    principal: Principal | None = None
    """Who asks; None until authenticated (a websocket authenticates in connection_init)."""
    connection_params: dict[str, Any] = field(default_factory=dict)
    subscription_slot: Callable[[], AbstractContextManager[None]] = nullcontext
    """Held for a subscription's life: refuses one over the principal's limit."""
    loaders: dict[str, Any] = field(default_factory=dict)
    """Batch loaders of this context (graph/loaders.py), made on first use."""
