"""The reconnecting Redis backend against a private redis-server that the tests kill,
pause and restart: the link comes back by itself, on the same subscriptions, and each
change of state is logged once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from broadcaster import Broadcast
from broadcaster._base import Subscriber

from subscriptions import redis_backend
from subscriptions.broadcast import BroadcastHealth
from subscriptions.redis_backend import ReconnectingRedisBackend
from tests.integration.helpers import WAIT, wait_until
from tests.support.services import PrivateRedis

CHANNEL = "backend-test"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    yield server
    server.stop()


Opener = Callable[..., Awaitable[tuple[Broadcast, BroadcastHealth]]]


@pytest.fixture
async def open_link() -> AsyncIterator[Opener]:
    opened: list[Broadcast] = []

    async def open_(url: str, **options: float) -> tuple[Broadcast, BroadcastHealth]:
        backend = ReconnectingRedisBackend(url, retry_first=0.05, retry_cap=0.2, **options)
        broadcast = Broadcast(backend=backend)
        await broadcast.connect()
        opened.append(broadcast)
        return broadcast, backend.health

    yield open_
    for broadcast in reversed(opened):
        await broadcast.disconnect()


async def receive(subscriber: Subscriber) -> str:
    return (await asyncio.wait_for(subscriber.get(), WAIT)).message


async def test_a_killed_and_restarted_redis_delivers_again_on_the_same_subscription(
    redis_server: PrivateRedis, open_link: Opener
) -> None:
    redis_server.start()
    sender, _ = await open_link(redis_server.url)
    receiver, health = await open_link(redis_server.url)

    async with receiver.subscribe(CHANNEL) as subscriber:
        await sender.publish(CHANNEL, "before")
        before = await receive(subscriber)
        redis_server.kill()
        await wait_until(lambda: not health.is_up)
        down_reason = health.reason
        redis_server.start()
        await wait_until(lambda: health.is_up)
        await sender.publish(CHANNEL, "after")
        after = await receive(subscriber)

    assert (before, after) == ("before", "after")
    assert down_reason is not None and "ConnectionError" in down_reason
    assert health.reconnects == 1


async def test_each_change_of_state_is_logged_once_without_a_traceback(
    redis_server: PrivateRedis, open_link: Opener, caplog: pytest.LogCaptureFixture
) -> None:
    redis_server.start()
    broadcast, health = await open_link(redis_server.url)

    with caplog.at_level(logging.DEBUG, logger=redis_backend.__name__):
        async with broadcast.subscribe(CHANNEL):
            redis_server.kill()
            await wait_until(lambda: not health.is_up)
            # Several reconnection attempts fail meanwhile (0.05 s, 0.1 s, then every 0.2 s).
            await asyncio.sleep(1.0)
            redis_server.start()
            await wait_until(lambda: health.is_up)

    records = [r for r in caplog.records if r.name == redis_backend.__name__]
    assert [r.getMessage().split(" (")[0].split(" to ")[0] for r in records] == [
        "broadcast lost",
        "broadcast reconnected",
    ]
    assert all(r.exc_info is None for r in records)


async def test_a_link_started_without_redis_connects_once_redis_appears(
    redis_server: PrivateRedis, open_link: Opener, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=redis_backend.__name__):
        broadcast, health = await open_link(redis_server.url)
        async with broadcast.subscribe(CHANNEL) as subscriber:
            assert not health.is_up
            redis_server.start()
            await wait_until(lambda: health.is_up)
            await broadcast.publish(CHANNEL, "first")
            first = await receive(subscriber)

    assert first == "first"
    # The first connection, however late, is not a reconnection.
    assert health.reconnects == 0
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith("broadcast unreachable at startup"), messages
    assert len(messages) == 2, messages


async def test_a_redis_that_stops_answering_is_declared_lost_then_found_again(
    redis_server: PrivateRedis, open_link: Opener
) -> None:
    redis_server.start()
    broadcast, health = await open_link(redis_server.url, liveness_interval=0.2)

    async with broadcast.subscribe(CHANNEL) as subscriber:
        redis_server.pause()
        try:
            await wait_until(lambda: not health.is_up)
            reason = health.reason
        finally:
            redis_server.resume()
        await wait_until(lambda: health.is_up)
        await broadcast.publish(CHANNEL, "resumed")
        resumed = await receive(subscriber)

    assert reason is not None and "PING" in reason
    assert resumed == "resumed"


async def test_a_redis_that_accepts_but_never_answers_does_not_hold_startup(
    redis_server: PrivateRedis, open_link: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redis_backend, "CONNECT_TIMEOUT", 0.3)
    redis_server.start()
    redis_server.pause()
    try:
        started = asyncio.get_running_loop().time()
        broadcast, health = await open_link(redis_server.url)
        took = asyncio.get_running_loop().time() - started
        degraded = not health.is_up
    finally:
        redis_server.resume()

    async with broadcast.subscribe(CHANNEL) as subscriber:
        await wait_until(lambda: health.is_up)
        await broadcast.publish(CHANNEL, "answered")
        answered = await receive(subscriber)

    assert degraded
    assert took < 2.0
    assert answered == "answered"
