"""Clients for the Confluent-compatible REST API of the real server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from tests.support.server import ServerProcess

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


def json_schema(properties: dict[str, str], required: list[str] | None = None) -> str:
    """A closed JSON Schema object with the given ``name -> type`` properties."""
    return json.dumps(
        {
            "type": "object",
            "properties": {name: {"type": kind} for name, kind in properties.items()},
            "required": required or [],
            "additionalProperties": False,
        }
    )


def schema_body(text: str, **extra: Any) -> dict[str, Any]:
    return {"schemaType": "JSON", "schema": text, **extra}


@pytest.fixture
def rest(module_server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=module_server.url, headers={"Content-Type": CONTENT_TYPE}, timeout=10
    ) as client:
        yield client


@pytest.fixture
def new_registry_client(
    module_server: ServerProcess,
) -> Iterator[Callable[[], SchemaRegistryClient]]:
    """Fresh Confluent clients (empty caches), each closed after the test."""
    opened: list[SchemaRegistryClient] = []

    def open_client() -> SchemaRegistryClient:
        # The server root, as schema.registry.url points at any Confluent registry.
        opened.append(SchemaRegistryClient({"url": module_server.url}))
        return opened[-1]

    yield open_client
    for client in opened:
        client.close()


@pytest.fixture
def registry_client(
    new_registry_client: Callable[[], SchemaRegistryClient],
) -> SchemaRegistryClient:
    return new_registry_client()
