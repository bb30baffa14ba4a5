"""What every use case receives: the ports, and the limits that apply to input."""

from __future__ import annotations

from dataclasses import dataclass

from registry.ports import ChangeFeed, EventPublisher, RegistryStore

DEFAULT_MAX_SCHEMA_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Services:
    store: RegistryStore
    publisher: EventPublisher
    feed: ChangeFeed
    max_schema_bytes: int = DEFAULT_MAX_SCHEMA_BYTES
