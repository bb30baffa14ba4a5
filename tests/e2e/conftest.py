"""Real servers (``python -m app.cli serve`` in a subprocess) and small clients to drive them.

HTTP goes through httpx; subscriptions through gql's websocket transport, over either
graphql-transport-ws or the legacy graphql-ws subprotocol. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from tests.support.server import ServerProcess

T = TypeVar("T")
GRAPHQL_TRANSPORT_WS = WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL
LEGACY_GRAPHQL_WS = WebsocketsTransport.APOLLO_SUBPROTOCOL
WAIT = 10.0

REGISTER = """
mutation Register($subject: String!, $schema: String!) {
  registerSchema(subject: $subject, schema: $schema) {
    subject version id schema isNewVersion
  }
}
"""
SET_COMPATIBILITY = """
mutation SetCompatibility($subject: String, $level: CompatibilityLevel) {
  setCompatibility(subject: $subject, level: $level) { subject compatibility configured }
}
"""
DELETE_SUBJECT = """
mutation DeleteSubject($subject: String!, $permanent: Boolean! = false) {
  deleteSubject(subject: $subject, permanent: $permanent)
}
"""
DELETE_VERSION = """
mutation DeleteVersion($subject: String!, $version: Int!, $permanent: Boolean! = false) {
  deleteSchemaVersion(subject: $subject, version: $version, permanent: $permanent)
}
"""
SCHEMA_CHANGES = """
subscription Changes($subject: String, $subjectPrefix: String, $after: Int) {
  schemaChanges(subject: $subject, subjectPrefix: $subjectPrefix, after: $after) {
    sequence kind subject version id schema format compatibility permanent timestamp committedAt
  }
}
"""


async def poll(
    probe: Callable[[], Awaitable[T]],
    is_done: Callable[[T], bool],
    *,
    within: float = WAIT,
    interval: float = 0.02,
) -> T:
    """Call ``probe`` until ``is_done`` accepts its value; TimeoutError after ``within``."""
    async with asyncio.timeout(within):
        while True:
            value = await probe()
            if is_done(value):
                return value
            await asyncio.sleep(interval)


def unique_subject(prefix: str = "e2e") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def object_schema(
    properties: dict[str, str], required: list[str] | None = None, *, closed: bool = True
) -> str:
    """A JSON Schema object with the given ``name -> type`` properties."""
    document: dict[str, Any] = {
        "type": "object",
        "properties": {name: {"type": kind} for name, kind in properties.items()},
        "required": required if required is not None else [],
    }
    if closed:
        document["additionalProperties"] = False
    return json.dumps(document)


def server_env(database_url: str, **overrides: str) -> dict[str, str]:
    env = {
        "REGISTRY_DATABASE_URL": database_url,
        "REGISTRY_BROADCAST_URL": "memory://",
        "REGISTRY_EVENT_POLL_INTERVAL": "0.2",
        "REGISTRY_SHUTDOWN_TIMEOUT": "5",
        # info: uvicorn logs the end of a graceful shutdown, which restart tests check.
        "REGISTRY_LOG_LEVEL": "info",
        "REGISTRY_OTEL_EXPORTER": "none",
    }
    env.update(overrides)
    return env


def new_server(database_url: str, log_path: Path | None = None, **env: str) -> ServerProcess:
    return ServerProcess(server_env(database_url, **env), log_path=log_path)


def sqlite_file_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'registry.db'}"


def assert_graceful_exit(code: int, log_path: Path) -> None:
    """The server ran its shutdown to the end after SIGTERM (not killed at the timeout).

    uvicorn re-raises the SIGTERM it handled once shutdown is done, so the exit status is
    -SIGTERM rather than 0; test_operations pins the status itself.
    """
    log = log_path.read_text(errors="replace")
    assert code in (0, -signal.SIGTERM), f"exit status {code}\n{log[-3000:]}"
    assert "Application shutdown complete" in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]


async def start_server(server: ServerProcess) -> ServerProcess:
    """Start without blocking the event loop (open websockets keep being served)."""
    return await asyncio.to_thread(server.start)


async def stop_server(server: ServerProcess) -> int:
    return await asyncio.to_thread(server.stop)


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server on a fresh SQLite file for a whole module; tests use unique subjects."""
    directory = tmp_path_factory.mktemp("registry")
    server = new_server(sqlite_file_url(directory), directory / "server.log").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["redis", "postgresql"])
def shared_broadcast_url(request: pytest.FixtureRequest, postgres_url: str) -> str:
    """The broadcast replicas share: Redis pub/sub, or NOTIFY on the registry's database
    (``postgres_url``, in the driver form REGISTRY_DATABASE_URL takes)."""
    if request.param == "redis":
        return str(request.getfixturevalue("redis_url"))
    return postgres_url


class GraphQLHttp:
    """POSTs GraphQL documents and checks the envelope."""

    def __init__(self, client: httpx.AsyncClient, server: ServerProcess) -> None:
        self.http = client
        self.server = server

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        return await self.http.post(self.server.graphql_url, json=payload)

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.post(query, variables)
        assert response.status_code < 500, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = await self.execute(query, variables)
        assert not body.get("errors"), body
        data: dict[str, Any] = body["data"]
        return data

    async def error(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = await self.execute(query, variables)
        assert body.get("errors"), body
        error: dict[str, Any] = body["errors"][0]
        return error

    async def register(self, subject: str, schema: str) -> dict[str, Any]:
        data = await self.data(REGISTER, {"subject": subject, "schema": schema})
        registered: dict[str, Any] = data["registerSchema"]
        return registered

    async def set_compatibility(self, subject: str | None, level: str | None) -> dict[str, Any]:
        data = await self.data(SET_COMPATIBILITY, {"subject": subject, "level": level})
        config: dict[str, Any] = data["setCompatibility"]
        return config

    async def readiness(self) -> dict[str, Any]:
        response = await self.http.get(f"{self.server.url}/readyz")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def last_sequence(self) -> int:
        return int((await self.readiness())["lastSequence"])

    async def metric(self, name: str) -> float:
        """The value of one series: an unlabelled metric, or a name with its labels."""
        text = (await self.http.get(f"{self.server.url}/metrics")).text
        match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
        assert match is not None, f"{name} not exposed"
        return float(match.group(1))

    async def wait_for_subscribers(self, count: int) -> None:
        """Until exactly ``count`` subscriptions are open on the server."""
        await poll(lambda: self.metric("registry_subscribers"), lambda value: value == count)


@pytest.fixture
async def gql_http(module_server: ServerProcess) -> AsyncIterator[GraphQLHttp]:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        yield GraphQLHttp(client, module_server)


class SubscriptionError(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


class Subscription:
    """One ``schemaChanges`` subscription on its own websocket, read from a queue.

    The connection lives in a background task so a test can make changes while it waits;
    leaving the context completes the subscription and closes the socket.
    """

    def __init__(
        self,
        ws_url: str,
        variables: dict[str, Any],
        *,
        subprotocol: str = GRAPHQL_TRANSPORT_WS,
        query: str = SCHEMA_CHANGES,
    ) -> None:
        self._ws_url = ws_url
        self._request = GraphQLRequest(query, variable_values=variables)
        self._subprotocol = subprotocol
        self._items: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.negotiated: str | None = None

    async def __aenter__(self) -> Subscription:
        self._task = asyncio.create_task(self._run())
        connected = asyncio.create_task(self._connected.wait())
        try:
            async with asyncio.timeout(WAIT):
                await asyncio.wait({connected, self._task}, return_when=asyncio.FIRST_COMPLETED)
            if not self._connected.is_set():
                item = None if self._items.empty() else self._items.get_nowait()
                raise AssertionError(f"the subscription did not connect: {item}")
        except BaseException:
            await self.close()
            raise
        finally:
            connected.cancel()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        try:
            async with asyncio.timeout(WAIT):
                await self._task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
        self._task = None

    async def _run(self) -> None:
        transport = WebsocketsTransport(
            url=self._ws_url, subprotocols=[self._subprotocol], close_timeout=2
        )
        try:
            async with Client(transport=transport, fetch_schema_from_transport=False) as session:
                self.negotiated = transport.subprotocol
                self._connected.set()
                async for result in session.subscribe(self._request):
                    await self._items.put(("event", result["schemaChanges"]))
                await self._items.put(("end", None))
        except TransportQueryError as exc:
            await self._items.put(("error", exc.errors or []))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._items.put(("exception", exc))

    async def _next_item(self, seconds: float) -> tuple[str, Any]:
        async with asyncio.timeout(seconds):
            return await self._items.get()

    async def next(self, seconds: float = WAIT) -> dict[str, Any]:
        kind, value = await self._next_item(seconds)
        if kind == "error":
            raise SubscriptionError(value)
        if kind == "exception":
            raise value
        assert kind == "event", "the subscription ended"
        event: dict[str, Any] = value
        return event

    async def take(self, count: int, seconds: float = WAIT) -> list[dict[str, Any]]:
        async with asyncio.timeout(seconds):
            return [await self.next(seconds) for _ in range(count)]

    async def next_error(self, seconds: float = WAIT) -> list[dict[str, Any]]:
        kind, value = await self._next_item(seconds)
        assert kind == "error", f"expected an error, got {kind}: {value}"
        errors: list[dict[str, Any]] = value
        return errors

    async def wait_closed(self, seconds: float = WAIT) -> str:
        """Until the server ends the stream; returns how it ended (end, error, exception)."""
        async with asyncio.timeout(seconds):
            while True:
                kind, _ = await self._items.get()
                if kind != "event":
                    return kind

    async def assert_quiet(self, seconds: float = 0.5) -> None:
        """Nothing more arrives within ``seconds``."""
        try:
            kind, value = await self._next_item(seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected {kind}: {value}")
