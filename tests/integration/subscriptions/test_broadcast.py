"""create_broadcast on a real Redis: what one replica publishes, the subscribed ones receive."""

from __future__ import annotations

import asyncio

from broadcaster._base import Event

from subscriptions.broadcast import create_broadcast
from subscriptions.redis_backend import ReconnectingRedisBackend
from tests.integration.helpers import WAIT, wait_for_redis_subscribers


async def test_a_redis_url_gets_the_reconnecting_backend_and_is_up(redis_url, open_broadcast):
    broadcast = await open_broadcast(redis_url)

    assert isinstance(broadcast._backend, ReconnectingRedisBackend)
    assert broadcast.health.is_up


async def test_a_message_published_after_subscribing_is_delivered(
    redis_client, redis_url, open_broadcast, unique_channel
):
    # The first subscription of a fresh broadcast is the case broadcaster 0.3.1's own
    # backend gets wrong with redis-py 8: its listener wakes before SUBSCRIBE completes,
    # exits, and nothing is ever delivered.
    broadcast = await open_broadcast(redis_url)

    async with broadcast.subscribe(unique_channel) as subscriber:
        await broadcast.publish(unique_channel, "hello")
        received = await asyncio.wait_for(subscriber.get(), WAIT)

    assert received == Event(unique_channel, "hello")


async def test_a_message_from_one_replica_reaches_another_in_order(
    redis_client, redis_url, open_broadcast, unique_channel
):
    sender = await open_broadcast(redis_url)
    receiver = await open_broadcast(redis_url)

    async with receiver.subscribe(unique_channel) as subscriber:
        await wait_for_redis_subscribers(redis_client, unique_channel, 1)
        for n in range(5):
            await sender.publish(unique_channel, f"message {n}")
        received = [await asyncio.wait_for(subscriber.get(), WAIT) for _ in range(5)]

    assert [event.message for event in received] == [f"message {n}" for n in range(5)]
    assert {event.channel for event in received} == {unique_channel}


async def test_messages_on_other_channels_are_not_delivered(
    redis_client, redis_url, open_broadcast, unique_channel
):
    broadcast = await open_broadcast(redis_url)

    async with broadcast.subscribe(unique_channel) as subscriber:
        await broadcast.publish(f"{unique_channel}-other", "elsewhere")
        await broadcast.publish(unique_channel, "here")
        received = await asyncio.wait_for(subscriber.get(), WAIT)

    assert received.message == "here"


async def test_a_memory_url_gets_a_working_in_process_broadcast(open_broadcast, unique_channel):
    broadcast = await open_broadcast("memory://")

    async with broadcast.subscribe(unique_channel) as subscriber:
        await broadcast.publish(unique_channel, "local")
        received = await asyncio.wait_for(subscriber.get(), WAIT)

    assert received.message == "local"
    assert not isinstance(create_broadcast("memory://")._backend, ReconnectingRedisBackend)
    assert broadcast.health.is_up
