"""Small builders and bounded waits shared by the integration tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from collections.abc import Sequence as Seq
from contextlib import aclosing

import redis.asyncio as aioredis
from broadcaster import Broadcast

from registry.model import ChangeEvent
from registry.ports import RegistryReader
from registry.types import Sequence
from storage.store import DatabaseStore
from subscriptions.hub import EventHub

WAIT = 5.0

StoreFactory = Callable[..., Awaitable[DatabaseStore]]
BroadcastFactory = Callable[[str], Awaitable[Broadcast]]
HubFactory = Callable[..., Awaitable[EventHub]]


def object_schema(
    properties: dict[str, str] | None = None,
    *,
    required: Seq[str] = (),
    title: str | None = None,
    indent: int | None = None,
    sort_keys: bool = False,
) -> str:
    """A JSON Schema object with one typed property per entry (default: ``a`` as a string).

    ``title`` makes distinct but mutually compatible contents; ``indent`` and
    ``sort_keys`` change the text without changing the canonical form."""
    document: dict[str, object] = {
        "type": "object",
        "properties": {
            name: {"type": kind} for name, kind in (properties or {"a": "string"}).items()
        },
    }
    if required:
        document["required"] = list(required)
    if title is not None:
        document["title"] = title
    return json.dumps(document, indent=indent, sort_keys=sort_keys)


def titled(number: int) -> str:
    """The ``number``-th of a family of distinct schemas that are all compatible."""
    return object_schema(title=f"revision {number}")


class RecordingPublisher:
    """An ``EventPublisher`` that only remembers: the events stay committed but unannounced."""

    def __init__(self) -> None:
        self.events: list[ChangeEvent] = []

    async def publish(self, events: Seq[ChangeEvent]) -> None:
        self.events.extend(events)


class CountingReader:
    """Counts outbox reads made through a reader (wraps ``list_events_after`` in place)."""

    def __init__(self, reader: RegistryReader) -> None:
        self.calls = 0
        original = reader.list_events_after

        async def counted(sequence: Sequence, limit: int) -> list[ChangeEvent]:
            self.calls += 1
            return await original(sequence, limit)

        reader.list_events_after = counted  # type: ignore[method-assign]


async def wait_until(condition: Callable[[], bool], within: float = WAIT) -> None:
    """Poll ``condition`` every few milliseconds; fail after ``within`` seconds."""
    async with asyncio.timeout(within):
        while True:
            if condition():
                return
            await asyncio.sleep(0.005)


async def take(stream: AsyncIterator[ChangeEvent], count: int) -> list[ChangeEvent]:
    """The next ``count`` events of ``stream``, each within the bounded wait."""
    return [await asyncio.wait_for(anext(stream), WAIT) for _ in range(count)]


async def start_reading(
    hub: EventHub, stream: AsyncIterator[ChangeEvent]
) -> asyncio.Task[ChangeEvent]:
    """Await the first event of ``stream`` in a task, returning once the hub counts the
    subscription: a hub subscription only exists after its first ``anext``."""
    before = hub.subscriber_count

    async def first() -> ChangeEvent:
        return await anext(stream)

    task = asyncio.create_task(first())
    await wait_until(lambda: hub.subscriber_count > before or task.done())
    return task


def closing(
    stream: AsyncIterator[ChangeEvent],
) -> aclosing[AsyncGenerator[ChangeEvent, None]]:
    """``aclosing`` for a feed typed as a plain iterator (every feed is a generator)."""
    assert isinstance(stream, AsyncGenerator)
    return aclosing(stream)


def sequences(events: Seq[ChangeEvent]) -> list[int]:
    return [event.sequence for event in events]


async def wait_for_redis_subscribers(client: aioredis.Redis, channel: str, count: int) -> None:
    """SUBSCRIBE is acknowledged asynchronously: ask Redis until it counts the subscribers."""

    async with asyncio.timeout(WAIT):
        while True:
            [(_, number)] = await client.pubsub_numsub(channel)
            if number >= count:
                return
            await asyncio.sleep(0.005)
