"""The per-request GraphQL context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from resolvers.context import Services


@dataclass(slots=True)
class GraphContext:
    services: Services
    request: Any = None
    response: Any = None
