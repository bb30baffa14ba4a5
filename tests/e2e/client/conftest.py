"""The client against a real server: each test runs with the blocking client and the
asyncio one (the blocking one's calls made from a worker thread)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from llm_schema_registry_client import AsyncRegistryClient, RegistryClient
from tests.support.server import ServerProcess


class Blocking:
    """A RegistryClient whose calls are awaited from a thread, so one test body serves
    both clients; ``on_change`` is passed through (its callbacks run on the client's
    thread)."""

    def __init__(self, client: RegistryClient) -> None:
        self.client = client

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.client, name)
        if name in {"on_change", "stats", "cache", "is_live"} or not callable(attribute):
            return attribute

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await asyncio.to_thread(attribute, *args, **kwargs)

        return call


@pytest.fixture(params=["async", "sync"])
async def client(
    request: pytest.FixtureRequest, module_server: ServerProcess
) -> AsyncIterator[Any]:
    if request.param == "async":
        async with AsyncRegistryClient(module_server.url) as async_client:
            yield async_client
    else:
        blocking = await asyncio.to_thread(RegistryClient, module_server.url)
        try:
            yield Blocking(blocking)
        finally:
            await asyncio.to_thread(blocking.close)


def tool_schema(*properties: str, required: tuple[str, ...] = ("city",)) -> str:
    return json.dumps(
        {
            "type": "object",
            "properties": {name: {"type": "string"} for name in properties},
            "required": list(required),
            "additionalProperties": False,
        }
    )


async def wait_until(predicate: Callable[[], bool], seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while True:
            if predicate():
                return
            await asyncio.sleep(0.01)
