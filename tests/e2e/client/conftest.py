"""The client against a real server: each test runs with the blocking client and the
asyncio one (the blocking one's calls made from a worker thread)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from llm_schema_registry_client import AsyncRegistryClient, RegistryClient
from tests.e2e.conftest import GraphQLHttp
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


def strict_tool_schema(*properties: str, nullable: tuple[str, ...] = ()) -> str:
    """What OpenAI's strict mode takes: a closed object whose every property is required,
    an optional one (``nullable``) spelled as a nullable type."""
    return json.dumps(
        {
            "type": "object",
            "properties": {
                name: {"type": ["string", "null"] if name in nullable else "string"}
                for name in properties
            },
            "required": list(properties),
            "additionalProperties": False,
        }
    )


def open_tool_schema(
    *properties: str, required: tuple[str, ...] = ("city",), nullable: tuple[str, ...] = ()
) -> str:
    """What Gemini's Schema object takes: no additionalProperties (it cannot close an
    object), optional properties simply not required."""
    return json.dumps(
        {
            "type": "object",
            "properties": {
                name: {"type": ["string", "null"] if name in nullable else "string"}
                for name in properties
            },
            "required": list(required),
        }
    )


SET_POLICY = """
mutation SetPolicy($subject: String!, $policy: CompatibilityPolicy) {
  setCompatibility(subject: $subject, policy: $policy) { policy }
}
"""


async def set_policy(gql_http: GraphQLHttp, subject: str, policy: str) -> None:
    """LLM lets a strict-mode tool gain a nullable parameter; LENIENT lets an open object
    gain a property (STRICT refuses both)."""
    data = await gql_http.data(SET_POLICY, {"subject": subject, "policy": policy})
    assert data["setCompatibility"]["policy"] == policy


async def wait_until(predicate: Callable[[], bool], seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while True:
            if predicate():
                return
            await asyncio.sleep(0.01)
