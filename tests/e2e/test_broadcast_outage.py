"""Two replicas on one PostgreSQL database and a private Redis that the tests kill
(SIGKILL) and restart, or start late: events keep arriving, by the outbox poll while
Redis is away, over pub/sub again once it is back, with no gap and no duplicate."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    WAIT,
    GraphQLHttp,
    Subscription,
    new_server,
    object_schema,
    poll,
    start_server,
    stop_server,
    unique_subject,
)
from tests.support.server import ServerProcess
from tests.support.services import PrivateRedis

# Only pub/sub, or the degraded poll (0.1 s), can deliver an event within this.
SLOW_POLL = 30.0
TIMELY = 2.0


@dataclass
class Pair:
    a: ServerProcess
    b: ServerProcess
    client_a: GraphQLHttp
    client_b: GraphQLHttp
    logs: tuple[Path, Path]

    @property
    def clients(self) -> tuple[GraphQLHttp, GraphQLHttp]:
        return self.client_a, self.client_b

    async def broadcast_up(self) -> list[float]:
        return [await c.metric("registry_broadcast_up") for c in self.clients]

    async def wait_broadcast(self, up: float) -> None:
        await poll(self.broadcast_up, lambda values: values == [up, up], within=WAIT)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    yield server
    server.stop()


@asynccontextmanager
async def replicas(postgres_url: str, redis_url: str, log_dir: Path) -> AsyncIterator[Pair]:
    env = {
        "REGISTRY_BROADCAST_URL": redis_url,
        "REGISTRY_BROADCAST_CHANNEL": unique_subject("channel"),
        "REGISTRY_EVENT_POLL_INTERVAL": str(SLOW_POLL),
    }
    logs = (log_dir / "a.log", log_dir / "b.log")
    a = await start_server(new_server(postgres_url, logs[0], **env))
    try:
        b = await start_server(new_server(postgres_url, logs[1], **env))
        try:
            async with httpx.AsyncClient(timeout=WAIT) as http:
                yield Pair(a, b, GraphQLHttp(http, a), GraphQLHttp(http, b), logs)
        finally:
            await stop_server(b)
    finally:
        await stop_server(a)


async def register_and_time(
    writer: GraphQLHttp, changes: Subscription, subject: str, index: int
) -> tuple[dict[str, Any], float]:
    """Registers a new version; returns the event as received and how long it took."""
    started = time.monotonic()
    await writer.register(subject, object_schema({f"f{index}": "string"}))
    event = await changes.next()
    return event, time.monotonic() - started


def log_lines(path: Path, text: str) -> list[str]:
    return [line for line in path.read_text(errors="replace").splitlines() if text in line]


async def test_a_redis_killed_and_restarted_under_writes_loses_no_event_and_pubsub_returns(
    postgres_url: str, redis_server: PrivateRedis, tmp_path: Path
) -> None:
    redis_server.start()
    subject = unique_subject("outage")
    acknowledged: list[int] = []
    writing = True

    async with replicas(postgres_url, redis_server.url, tmp_path) as pair:
        await pair.client_a.set_compatibility(subject, "NONE")

        async def write_continuously() -> None:
            index = 0
            while writing:
                index += 1
                registered = await pair.client_a.register(
                    subject, object_schema({f"w{index}": "string"})
                )
                acknowledged.append(registered["version"])
                await asyncio.sleep(0.05)

        async with (
            Subscription(pair.b.ws_url, {"subject": subject, "after": 0}) as on_b,
            Subscription(pair.a.ws_url, {"subject": subject, "after": 0}) as on_a,
        ):
            await on_b.next()  # the CONFIG_CHANGED above
            writer = asyncio.create_task(write_continuously())
            await asyncio.sleep(0.5)
            redis_server.kill()
            await pair.wait_broadcast(0.0)
            degraded = await pair.client_b.readiness()
            acknowledged_at_loss = len(acknowledged)
            await asyncio.sleep(1.0)
            acknowledged_while_down = len(acknowledged) - acknowledged_at_loss
            redis_server.start()
            await pair.wait_broadcast(1.0)
            await asyncio.sleep(0.5)
            writing = False
            await writer
            # Everything written so far, on both replicas, in order.
            streamed_b = await on_b.take(len(acknowledged))
            streamed_a = await on_a.take(len(acknowledged) + 1)
            # And now only pub/sub can be this quick: the poll runs every 30 s.
            after_recovery, took = await register_and_time(pair.client_a, on_b, subject, 0)
            await on_b.assert_quiet(0.3)
        ready = await pair.client_b.readiness()
        reconnects = [await c.metric("registry_broadcast_reconnects_total") for c in pair.clients]

    assert degraded["broadcast"] == "degraded"
    assert "ConnectionError" in degraded["broadcastReason"]
    assert degraded["eventPollInterval"] == 0.1
    # Writes went on while Redis was down (how many depends on the machine's load).
    assert acknowledged_while_down >= 1
    assert [e["version"] for e in streamed_b] == acknowledged
    sequences = [e["sequence"] for e in streamed_b]
    assert sequences == list(range(sequences[0], sequences[0] + len(sequences)))
    assert streamed_a[1:] == streamed_b
    assert after_recovery["version"] == acknowledged[-1] + 1
    assert took < TIMELY
    assert ready["broadcast"] == "up"
    assert ready["eventPollInterval"] == SLOW_POLL
    assert reconnects == [1.0, 1.0]
    for log in pair.logs:
        assert len(log_lines(log, "broadcast lost")) == 1
        assert len(log_lines(log, "broadcast reconnected")) == 1
        assert "Traceback" not in log.read_text()


async def test_a_replica_started_while_redis_is_down_serves_then_recovers_pubsub(
    postgres_url: str, redis_server: PrivateRedis, tmp_path: Path
) -> None:
    subject = unique_subject("late-redis")

    async with replicas(postgres_url, redis_server.url, tmp_path) as pair:
        degraded = await pair.client_b.readiness()
        await pair.client_a.set_compatibility(subject, "NONE")
        async with Subscription(pair.b.ws_url, {"subject": subject, "after": 0}) as changes:
            assert (await changes.next())["kind"] == "CONFIG_CHANGED"
            by_poll, poll_took = await register_and_time(pair.client_a, changes, subject, 1)
            redis_server.start()
            await pair.wait_broadcast(1.0)
            by_pubsub, pubsub_took = await register_and_time(pair.client_a, changes, subject, 2)
            await changes.assert_quiet(0.3)
        reconnects = await pair.client_b.metric("registry_broadcast_reconnects_total")

    assert degraded["status"] == "ok"
    assert degraded["broadcast"] == "degraded"
    assert [by_poll["version"], by_pubsub["version"]] == [1, 2]
    assert by_pubsub["sequence"] == by_poll["sequence"] + 1
    assert poll_took < TIMELY
    assert pubsub_took < TIMELY
    # The first connection, however late, is not a reconnection.
    assert reconnects == 0
    for log in pair.logs:
        assert len(log_lines(log, "broadcast unreachable at startup")) == 1
        assert len(log_lines(log, "broadcast reconnected")) == 1
        assert "Traceback" not in log.read_text()
