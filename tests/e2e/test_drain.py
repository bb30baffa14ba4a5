"""A replica stopped (SIGTERM) under load, beside another that goes on: two servers on one
PostgreSQL database and one broadcast (Redis, or PostgreSQL NOTIFY).

While several clients register and read on replica a and subscribers of both websocket
protocols listen there, a gets SIGTERM. What a replica promises when it drains:

- every registration a client saw acknowledged is in the registry afterwards;
- no request gets a 5xx or loses its connection once its answer has begun; one that
  could not get in (refused, or its idle keep-alive connection closed before the server
  read it) was not carried out, and is carried out when retried on b;
- each subscriber is closed with 1012 (Service Restart) and a reason naming ``after``;
  resubscribing to b after its last sequence, it gets every later event once, those
  committed on b during and after the drain included;
- a exits with status 0, its drain within REGISTRY_SHUTDOWN_TIMEOUT.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedError
from websockets.typing import Subprotocol

from app.server import SERVICE_RESTART, SERVICE_RESTART_REASON
from tests.e2e.conftest import (
    GRAPHQL_TRANSPORT_WS,
    LEGACY_GRAPHQL_WS,
    REGISTER,
    WAIT,
    GraphQLHttp,
    new_server,
    object_schema,
    poll,
    start_server,
    stop_server,
    unique_subject,
)
from tests.support.server import ROOT, ServerProcess

SHUTDOWN_TIMEOUT = 5  # REGISTRY_SHUTDOWN_TIMEOUT, as server_env sets it
# Room for the process to start its shutdown and close the database and broadcast.
EXIT_MARGIN = 5
WRITERS = 4
READERS = 2
SUBSCRIBERS_PER_PROTOCOL = 2
# Before the SIGTERM, and on b afterwards: enough for the load to be under way.
ACKS_BEFORE_SIGTERM = 2 * WRITERS
OPERATIONS_ON_B = 3
CHANGES = """
subscription($after: Int) {
  schemaChanges(after: $after) { sequence kind subject version id }
}
"""
LATEST = "query($s: String!) { subject(name: $s) { latest { version id } } }"


@dataclass
class Replicas:
    a: ServerProcess
    b: ServerProcess
    on_b: GraphQLHttp
    a_log: Path


@asynccontextmanager
async def two_replicas(
    database_url: str, broadcast_url: str, channel: str, log_dir: Path
) -> AsyncIterator[Replicas]:
    env = {
        "REGISTRY_BROADCAST_URL": broadcast_url,
        "REGISTRY_BROADCAST_CHANNEL": channel,
        "REGISTRY_SHUTDOWN_TIMEOUT": str(SHUTDOWN_TIMEOUT),
        "REGISTRY_EVENT_POLL_INTERVAL": "60",  # events travel over the broadcast
    }
    # One after the other: the first applies the migrations.
    a = await start_server(new_server(database_url, log_dir / "a.log", **env))
    try:
        b = await start_server(new_server(database_url, log_dir / "b.log", **env))
        try:
            async with httpx.AsyncClient(timeout=WAIT) as http:
                yield Replicas(a, b, GraphQLHttp(http, b), log_dir / "a.log")
        finally:
            await stop_server(b)
    finally:
        a.kill()


@dataclass
class Outcome:
    """One HTTP exchange as the client lived it."""

    replica: str
    response: httpx.Response | None = None
    error: str | None = None
    answer_began: bool = False


@dataclass
class LoadClient:
    """A client that sends to replica a until a request cannot get in there, then to b
    (as a load balancer would once a stops listening), with a keep-alive pool."""

    name: str
    replicas: Replicas
    http: httpx.AsyncClient
    outcomes: list[Outcome] = field(default_factory=list)
    on_a: bool = True

    @property
    def base_url(self) -> str:
        return (self.replicas.a if self.on_a else self.replicas.b).url

    async def send(self, method: str, path: str, body: dict[str, Any] | None) -> Outcome:
        outcome = Outcome("a" if self.on_a else "b")

        async def trace(event: str, info: dict[str, Any]) -> None:
            # From here on, the server had the whole request and had begun its answer.
            if event == "http11.receive_response_headers.complete":
                outcome.answer_began = True

        try:
            outcome.response = await self.http.request(
                method, self.base_url + path, json=body, extensions={"trace": trace}
            )
        except httpx.TransportError as exc:
            outcome.error = f"{type(exc).__name__}: {exc}"
        self.outcomes.append(outcome)
        if outcome.response is None and not outcome.answer_began and self.on_a:
            self.on_a = False
        return outcome

    def done_on_b(self) -> int:
        return sum(1 for o in self.outcomes if o.replica == "b" and o.response is not None)


@dataclass
class Acknowledged:
    subject: str
    version: int
    id: int
    replica: str
    retried: bool
    is_new: bool


async def write_until(
    client: LoadClient, stop: asyncio.Event, acknowledged: list[Acknowledged]
) -> None:
    number = 0
    while not stop.is_set():
        subject = f"{client.name}-{number}"
        number += 1
        body = {
            "query": REGISTER,
            "variables": {"subject": subject, "schema": object_schema({subject: "string"})},
        }
        outcome = await client.send("POST", "/graphql", body)
        retried = outcome.response is None and not outcome.answer_began and outcome.replica == "a"
        if retried:
            # It could not get in: the same registration, on b now.
            outcome = await client.send("POST", "/graphql", body)
        response = outcome.response
        if response is None or response.status_code != 200:
            continue
        registered = response.json()["data"]["registerSchema"]
        acknowledged.append(
            Acknowledged(
                subject,
                registered["version"],
                registered["id"],
                outcome.replica,
                retried,
                registered["isNewVersion"],
            )
        )


async def read_until(
    client: LoadClient,
    stop: asyncio.Event,
    acknowledged: list[Acknowledged],
    wrong: list[object],
    *,
    rest: bool,
) -> None:
    index = 0
    while not stop.is_set():
        if not acknowledged:
            await asyncio.sleep(0.01)
            continue
        subject = acknowledged[index % len(acknowledged)].subject
        index += 7
        if rest:
            outcome = await client.send("GET", f"/subjects/{subject}/versions/latest", None)
        else:
            body = {"query": LATEST, "variables": {"s": subject}}
            outcome = await client.send("POST", "/graphql", body)
        if outcome.response is not None and outcome.response.status_code == 200:
            found = outcome.response.json()
            version = found["version"] if rest else found["data"]["subject"]["latest"]["version"]
            if version != 1:
                wrong.append(found)


@dataclass
class ResumingSubscriber:
    """``schemaChanges`` on replica a from the start; when a closes the socket, the same
    subscription on b after the last sequence received."""

    subprotocol: str
    replicas: Replicas
    sequences: list[int] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    closed_by_a: tuple[int | None, str | None] | None = None

    @property
    def last_sequence(self) -> int:
        return self.sequences[-1] if self.sequences else 0

    async def run(self) -> None:
        self.closed_by_a = await self._listen(self.replicas.a.ws_url, after=0)
        await self._listen(self.replicas.b.ws_url, after=self.last_sequence)

    async def _listen(self, url: str, *, after: int) -> tuple[int | None, str | None]:
        """Until the server closes the socket: its close code and reason."""
        legacy = self.subprotocol == LEGACY_GRAPHQL_WS
        async with connect(url, subprotocols=[Subprotocol(self.subprotocol)]) as socket:
            await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            start = {"query": CHANGES, "variables": {"after": after}}
            await socket.send(
                json.dumps(
                    {"type": "start" if legacy else "subscribe", "id": "1", "payload": start}
                )
            )
            try:
                async for raw in socket:
                    await self._receive(socket, json.loads(raw))
            except ConnectionClosedError:
                pass  # any code but 1000 and 1001; 1012 among them
            return socket.close_code, socket.close_reason

    async def _receive(self, socket: ClientConnection, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "ping":
            await socket.send(json.dumps({"type": "pong"}))
        elif kind in ("next", "data"):
            assert "errors" not in message["payload"], message
            event = message["payload"]["data"]["schemaChanges"]
            self.events.append(event)
            self.sequences.append(event["sequence"])
        elif kind not in ("ka", "pong"):
            raise AssertionError(f"unexpected message {message}")


def drained_requests(log: str) -> int:
    """Access lines written after uvicorn began its shutdown: requests a had read before
    it stopped listening, answered during the drain."""
    _, _, after = log.partition("Shutting down")
    return sum(1 for line in after.splitlines() if '"POST /graphql' in line or '"GET /' in line)


async def test_a_replica_drained_under_load_loses_no_acknowledged_write_or_event(
    postgres_url: str, shared_broadcast_url: str, unique_channel: str, tmp_path: Path
) -> None:
    prefix = unique_subject("drain")
    acknowledged: list[Acknowledged] = []
    wrong: list[object] = []
    stop = asyncio.Event()
    async with (
        two_replicas(postgres_url, shared_broadcast_url, unique_channel, tmp_path) as replicas,
        httpx.AsyncClient(timeout=WAIT) as http_a,
    ):
        subscribers = [
            ResumingSubscriber(subprotocol, replicas)
            for subprotocol in (GRAPHQL_TRANSPORT_WS, LEGACY_GRAPHQL_WS)
            for _ in range(SUBSCRIBERS_PER_PROTOCOL)
        ]
        listening = [asyncio.create_task(s.run()) for s in subscribers]
        on_a = GraphQLHttp(http_a, replicas.a)
        await on_a.wait_for_subscribers(len(subscribers))

        clients = [
            LoadClient(f"{prefix}-{kind}{i}", replicas, httpx.AsyncClient(timeout=WAIT))
            for kind, count in (("w", WRITERS), ("r", READERS))
            for i in range(count)
        ]
        writers, readers = clients[:WRITERS], clients[WRITERS:]
        load = [asyncio.create_task(write_until(c, stop, acknowledged)) for c in writers] + [
            asyncio.create_task(read_until(c, stop, acknowledged, wrong, rest=i % 2 == 0))
            for i, c in enumerate(readers)
        ]

        async def acknowledged_count() -> int:
            return len(acknowledged)

        async def fewest_on_b() -> int:
            return min(c.done_on_b() for c in clients)

        async def lowest_sequence() -> int:
            return min(s.last_sequence for s in subscribers)

        try:
            await poll(acknowledged_count, lambda count: count >= ACKS_BEFORE_SIGTERM)
            started = time.monotonic()
            exit_code = await stop_server(replicas.a)
            drain_seconds = time.monotonic() - started
            # The load goes on, on b, until every client has been served there.
            await poll(fewest_on_b, lambda count: count >= OPERATIONS_ON_B, within=WAIT * 2)
        finally:
            stop.set()
            await asyncio.gather(*load)
            for client in clients:
                await client.http.aclose()

        # After the drain: more changes on b alone.
        for number in range(3):
            subject = f"{prefix}-after-{number}"
            registered = await replicas.on_b.register(subject, object_schema({"x": "string"}))
            acknowledged.append(
                Acknowledged(subject, registered["version"], registered["id"], "b", False, True)
            )
        last = await replicas.on_b.last_sequence()
        try:
            await poll(lowest_sequence, lambda lowest: lowest >= last, within=WAIT * 2)
        finally:
            for task in listening:
                task.cancel()
            ended = await asyncio.gather(*listening, return_exceptions=True)
        # A subscriber that failed (rather than being cancelled here) says why.
        assert [e for e in ended if not isinstance(e, asyncio.CancelledError)] == []

        listed = (await replicas.on_b.http.get(f"{replicas.b.url}/subjects")).json()

    outcomes = [o for c in clients for o in c.outcomes]
    log = replicas.a_log.read_text(errors="replace")

    # (4) A drain, not a kill at the timeout.
    assert exit_code == 0, log[-3000:]
    assert "timeout graceful shutdown exceeded" not in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    assert drain_seconds < SHUTDOWN_TIMEOUT + EXIT_MARGIN, drain_seconds
    # Requests a had begun were answered while it drained.
    assert drained_requests(log) > 0, log[-3000:]

    # (2) Nothing failed once the server had it: no 5xx, no answer cut short.
    assert [o for o in outcomes if o.response is not None and o.response.status_code >= 500] == []
    assert [o for o in outcomes if o.response is None and o.answer_began] == []
    assert [o for o in outcomes if o.response is None and o.replica == "b"] == []
    assert all(o.response.status_code == 200 for o in outcomes if o.response is not None)
    # Every client met a's end (a request that could not get in) and went on on b.
    assert all(not c.on_a and c.done_on_b() >= OPERATIONS_ON_B for c in clients)

    assert wrong == []
    # A request a did not answer was not carried out there: retried on b, it was new.
    assert [a for a in acknowledged if a.retried and not a.is_new] == []

    # (1) Every acknowledged registration is in the registry, read from b.
    assert {a.replica for a in acknowledged} == {"a", "b"}
    assert {a.subject for a in acknowledged} <= set(listed)
    acknowledged_events = {(a.subject, a.version, a.id) for a in acknowledged}

    # (3) 1012 with the remedy, then every event once and in order, on either side of it.
    for subscriber in subscribers:
        assert subscriber.closed_by_a == (SERVICE_RESTART, SERVICE_RESTART_REASON)
        assert "after" in SERVICE_RESTART_REASON
        assert subscriber.sequences == list(range(1, last + 1)), subscriber.subprotocol
        seen = {(e["subject"], e["version"], e["id"]) for e in subscriber.events}
        assert acknowledged_events <= seen
        assert len(seen) == last


def test_the_readme_quotes_the_close_reason_a_stopping_replica_sends() -> None:
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert f"`{SERVICE_RESTART}` (Service Restart)" in readme
    assert f"`{SERVICE_RESTART_REASON}`" in readme
    # RFC 6455: a close frame's reason is at most 123 bytes of UTF-8.
    assert len(SERVICE_RESTART_REASON.encode()) <= 123
