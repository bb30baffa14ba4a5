"""EventHub with the real store, on memory://, Redis and PostgreSQL NOTIFY: order, replay,
gaps, fan-out."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any, cast

import pytest
import redis.asyncio as aioredis
from broadcaster import Broadcast

from registry.errors import StorageUnavailableError, SubscriberTooSlowError
from registry.model import ChangeEvent, CompatibilityLevel, EventKind
from registry.ports import RegistryReader
from registry.types import Sequence, SubjectName
from resolvers.config import set_compatibility
from resolvers.context import Services
from resolvers.schemas import register_schema
from resolvers.subjects import delete_subject
from storage.store import DatabaseStore
from subscriptions import hub as hub_module
from subscriptions.hub import EventHub
from tests.integration.helpers import (
    WAIT,
    BroadcastFactory,
    CountingReader,
    HubFactory,
    RecordingPublisher,
    closing,
    object_schema,
    sequences,
    start_reading,
    take,
    titled,
    wait_for_redis_subscribers,
    wait_until,
)

# Long enough that the poll never runs during a test: deliveries come from the broadcast.
NO_POLL = 60.0

HubOpener = Callable[..., Awaitable[EventHub]]


@dataclass(frozen=True)
class Transport:
    url: str
    redis: aioredis.Redis | None = None


@pytest.fixture(params=["memory", "redis", "postgresql"])
def transport(request: pytest.FixtureRequest) -> Transport:
    if request.param == "memory":
        return Transport("memory://")
    if request.param == "postgresql":
        # LISTEN has run when subscribe returns: no wait for the subscription to count.
        return Transport(str(request.getfixturevalue("postgres_server_url")))
    return Transport(
        str(request.getfixturevalue("redis_url")), request.getfixturevalue("redis_client")
    )


@pytest.fixture
def open_hub(
    transport: Transport,
    open_broadcast: BroadcastFactory,
    start_hub: HubFactory,
    unique_channel: str,
) -> HubOpener:
    """A hub on its own broadcast connection, returned once it is subscribed."""
    opened = 0

    async def open_(reader: DatabaseStore, **options: Any) -> EventHub:
        nonlocal opened
        hub = await start_hub(reader, await open_broadcast(transport.url), **options)
        opened += 1
        if transport.redis is not None:
            await wait_for_redis_subscribers(transport.redis, unique_channel, opened)
        return hub

    return open_


@pytest.fixture
def silent() -> RecordingPublisher:
    return RecordingPublisher()


def _quiet(store: DatabaseStore, hub: EventHub, silent: RecordingPublisher) -> Services:
    """Writes that commit but are never announced, as if the replica died after commit."""
    return Services(store=store, publisher=silent, feed=hub)


def _loud(store: DatabaseStore, hub: EventHub) -> Services:
    return Services(store=store, publisher=hub, feed=hub)


async def test_live_events_reach_a_subscriber_in_order_with_their_content(store, open_hub):
    hub = await open_hub(store, poll_interval=NO_POLL)
    services = _loud(store, hub)

    async with closing(hub.subscribe()) as stream:
        first = await start_reading(hub, stream)
        results = [await register_schema(services, f"subject-{n % 2}", titled(n)) for n in range(5)]
        events = [await asyncio.wait_for(first, WAIT), *await take(stream, 4)]

    assert sequences(events) == [1, 2, 3, 4, 5]
    assert [e.subject for e in events] == [r.version.subject for r in results]
    assert [e.version for e in events] == [r.version.version for r in results]
    assert [e.schema_text for e in events] == [r.version.schema.text for r in results]
    assert hub.last_sequence == 5


async def test_the_event_callback_sees_each_event_once_in_order(store, open_hub, silent):
    seen: list[ChangeEvent] = []
    hub = await open_hub(store, poll_interval=NO_POLL, on_event=seen.append)
    quiet = _quiet(store, hub, silent)
    for n in range(1, 4):
        await register_schema(quiet, "orders", titled(n))

    await hub.publish([silent.events[2], silent.events[0], silent.events[2]])
    await register_schema(_loud(store, hub), "orders", titled(4))
    await wait_until(lambda: hub.last_sequence == 4)

    assert sequences(seen) == [1, 2, 3, 4]
    assert seen[:3] == silent.events


async def test_a_live_event_equals_the_one_stored_in_the_outbox(store, open_hub):
    hub = await open_hub(store, poll_interval=NO_POLL)

    async with closing(hub.subscribe()) as stream:
        first = await start_reading(hub, stream)
        await register_schema(_loud(store, hub), "orders", titled(1))
        live = await asyncio.wait_for(first, WAIT)

    assert [live] == await store.list_events_after(Sequence(0), 10)


async def test_subscribing_after_a_sequence_replays_the_outbox_then_continues_live(store, open_hub):
    hub = await open_hub(store, poll_interval=NO_POLL)
    services = _loud(store, hub)
    for n in range(1, 5):
        await register_schema(services, "orders", titled(n))
    await wait_until(lambda: hub.last_sequence == 4)

    async with closing(hub.subscribe(after=Sequence(1))) as stream:
        replayed = [await asyncio.wait_for(anext(stream), WAIT)]
        # Written while the replay is still being read: it must come after 3 and 4.
        await register_schema(services, "orders", titled(5))
        replayed += await take(stream, 3)
        await register_schema(services, "orders", titled(6))
        live = await take(stream, 1)

    assert sequences(replayed) == [2, 3, 4, 5]
    assert sequences(live) == [6]


async def test_replayed_events_announced_later_are_not_delivered_twice(store, open_hub, silent):
    hub = await open_hub(store, poll_interval=NO_POLL)
    for n in range(1, 4):
        await register_schema(_quiet(store, hub, silent), "orders", titled(n))

    async with closing(hub.subscribe(after=Sequence(0))) as stream:
        replayed = [await asyncio.wait_for(anext(stream), WAIT)]
        # The hub now learns of 1..3 and queues them for this subscriber as well.
        await hub.publish(silent.events)
        await wait_until(lambda: hub.last_sequence == 3)
        replayed += await take(stream, 2)
        await register_schema(_loud(store, hub), "orders", titled(4))
        following = await take(stream, 1)

    assert sequences(replayed) == [1, 2, 3]
    assert sequences(following) == [4]


async def test_filters_select_subjects_and_global_config_changes_match_every_filter(
    store, open_hub
):
    hub = await open_hub(store, poll_interval=NO_POLL)
    services = _loud(store, hub)

    async with AsyncExitStack() as stack:
        by_subject = await stack.enter_async_context(closing(hub.subscribe(subject="orders")))
        by_prefix = await stack.enter_async_context(closing(hub.subscribe(subject_prefix="ord")))
        everything = await stack.enter_async_context(closing(hub.subscribe()))
        firsts = [await start_reading(hub, s) for s in (by_subject, by_prefix, everything)]

        await register_schema(services, "orders", titled(1))  # 1
        await register_schema(services, "ordinal", titled(1))  # 2
        await register_schema(services, "users", titled(1))  # 3
        await set_compatibility(services, "users", CompatibilityLevel.NONE)  # 4
        await delete_subject(services, "ordinal")  # 5
        await set_compatibility(services, None, CompatibilityLevel.FULL)  # 6

        seen = [
            [await asyncio.wait_for(first, WAIT), *await take(stream, count - 1)]
            for first, stream, count in zip(
                firsts, (by_subject, by_prefix, everything), (2, 4, 6), strict=True
            )
        ]

    assert [sequences(events) for events in seen] == [[1, 6], [1, 2, 5, 6], [1, 2, 3, 4, 5, 6]]
    assert seen[0][-1].kind is EventKind.CONFIG_CHANGED
    assert seen[0][-1].subject is None


async def test_an_event_announced_before_the_one_preceding_it_is_delivered_after_it(
    store, open_hub, silent
):
    gap_reads: list[None] = []
    hub = await open_hub(store, poll_interval=NO_POLL, on_gap_read=lambda: gap_reads.append(None))
    quiet = _quiet(store, hub, silent)
    for n in range(1, 4):
        await register_schema(quiet, "orders", titled(n))
    first_event, second, third = silent.events

    async with closing(hub.subscribe()) as stream:
        first = await start_reading(hub, stream)
        await hub.publish([first_event])
        delivered = [await asyncio.wait_for(first, WAIT)]
        await hub.publish([third])
        delivered += await take(stream, 2)
        await hub.publish([second])
        await register_schema(_loud(store, hub), "orders", titled(4))
        delivered += await take(stream, 1)

    assert sequences(delivered) == [1, 2, 3, 4]
    assert delivered[1:3] == [second, third]
    # Only the third event skipped ahead; the second came late and the fourth in turn.
    assert len(gap_reads) == 1


async def test_a_committed_event_that_is_never_announced_is_delivered_by_the_poll(
    store, open_hub, silent
):
    recoveries: list[None] = []
    hub = await open_hub(
        store, poll_interval=0.05, on_poll_recovery=lambda: recoveries.append(None)
    )

    async with closing(hub.subscribe()) as stream:
        first = await start_reading(hub, stream)
        await register_schema(_quiet(store, hub, silent), "orders", titled(1))
        event = await asyncio.wait_for(first, WAIT)

    assert [event] == silent.events
    assert len(recoveries) == 1


async def test_one_event_for_many_subscribers_costs_one_outbox_read(store, open_hub, silent):
    counter = CountingReader(store)
    hub = await open_hub(store, poll_interval=NO_POLL)
    quiet = _quiet(store, hub, silent)
    await register_schema(quiet, "orders", titled(1))
    await register_schema(quiet, "orders", titled(2))
    streams = [hub.subscribe() for _ in range(200)]
    readers = [asyncio.create_task(take(stream, 2)) for stream in streams]
    try:
        await wait_until(lambda: hub.subscriber_count == 200)
        counter.calls = 0

        # Announcing only the second event makes the hub read the first from the outbox.
        await hub.publish(silent.events[1:])
        received = await asyncio.wait_for(asyncio.gather(*readers), WAIT)
    finally:
        for reader in readers:
            reader.cancel()
        for stream in streams:
            await stream.aclose()

    assert all(sequences(events) == [1, 2] for events in received)
    assert counter.calls == 1


async def test_a_subscriber_that_falls_too_far_behind_gets_an_overflow_error(
    store, open_hub, silent
):
    hub = await open_hub(store, poll_interval=NO_POLL, max_queue=2)
    for n in range(1, 6):
        await register_schema(_quiet(store, hub, silent), "orders", titled(n))

    async with closing(hub.subscribe()) as stream:
        first = await start_reading(hub, stream)
        # One announcement of the last event delivers all five at once.
        await hub.publish(silent.events[-1:])
        received = [
            await asyncio.wait_for(first, WAIT),
            await asyncio.wait_for(anext(stream), WAIT),
        ]
        with pytest.raises(SubscriberTooSlowError):
            await asyncio.wait_for(anext(stream), WAIT)

    assert sequences(received) == [1, 2]
    assert hub.subscriber_count == 0
    assert hub.last_sequence == 5


@pytest.mark.parametrize(
    "message",
    ["not an event", '{"sequence": 1}', "[1, 2]"],
    ids=["not-json", "incomplete-event", "json-array"],
)
async def test_a_malformed_message_on_the_channel_is_ignored(
    store, open_hub, open_broadcast, transport, unique_channel, message
):
    hub = await open_hub(store, poll_interval=NO_POLL)
    if transport.url.startswith("memory"):
        other = hub._broadcast  # memory:// is per instance: write on the hub's own one
    else:
        other = await open_broadcast(transport.url)

    async with closing(hub.subscribe()) as stream:
        first = await start_reading(hub, stream)
        await other.publish(unique_channel, message)
        await register_schema(_loud(store, hub), "orders", titled(1))
        # Live delivery takes milliseconds; the poll, the only other path, never runs here.
        event = await asyncio.wait_for(first, 1.0)

    assert event.sequence == 1


async def test_a_failed_outbox_read_does_not_stop_live_delivery(
    store: DatabaseStore,
    open_hub: HubOpener,
    silent: RecordingPublisher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hub = await open_hub(store, poll_interval=NO_POLL)
    await register_schema(_quiet(store, hub, silent), "orders", titled(1))
    await register_schema(_quiet(store, hub, silent), "orders", titled(2))
    read_events = store.list_events_after
    failures = 0

    async def flaky_read(sequence: Sequence, limit: int) -> list[ChangeEvent]:
        nonlocal failures
        if failures == 0:
            failures += 1
            raise StorageUnavailableError("Database unavailable: connection reset")
        return await read_events(sequence, limit)

    monkeypatch.setattr(store, "list_events_after", flaky_read)

    async with closing(hub.subscribe()) as stream:
        first = await start_reading(hub, stream)
        # Filling the gap before event 2 fails once (a transient database error).
        await hub.publish(silent.events[1:])
        await wait_until(lambda: failures == 1)
        await register_schema(_loud(store, hub), "orders", titled(3))
        # Live delivery takes milliseconds; the poll, the only other path, never runs here.
        delivered = [await asyncio.wait_for(first, 1.0)]
        delivered += [await asyncio.wait_for(anext(stream), 1.0) for _ in range(2)]

    assert sequences(delivered) == [1, 2, 3]
    await hub.stop()


async def test_a_registration_on_one_replica_reaches_a_subscriber_on_another(
    postgres_url, redis_url, redis_client, open_store, open_broadcast, start_hub, unique_channel
):
    store_a = await open_store(postgres_url)
    store_b = await open_store(postgres_url)
    hub_a = await start_hub(store_a, await open_broadcast(redis_url), poll_interval=NO_POLL)
    hub_b = await start_hub(store_b, await open_broadcast(redis_url), poll_interval=NO_POLL)
    await wait_for_redis_subscribers(redis_client, unique_channel, 2)
    text = object_schema({"a": "string", "b": "integer"})

    async with closing(hub_b.subscribe(subject="orders")) as stream:
        first = await start_reading(hub_b, stream)
        result = await register_schema(_loud(store_a, hub_a), "orders", text)
        event = await asyncio.wait_for(first, WAIT)

    assert (event.sequence, event.kind, event.subject, event.version) == (
        1,
        EventKind.REGISTERED,
        "orders",
        1,
    )
    assert event.schema_id == result.version.schema.id
    assert event.schema_text == result.version.schema.text
    assert hub_b.last_sequence == 1


class _HangingBroadcast:
    """A broadcast whose publish never returns, as with a Redis that stopped answering."""

    def __init__(self) -> None:
        self.attempts = 0
        self.cancelled = 0

    async def publish(self, channel: str, message: Any) -> None:
        self.attempts += 1
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise


async def test_a_publish_that_never_returns_is_abandoned_so_the_mutation_can_answer(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(hub_module, "_PUBLISH_TIMEOUT", 0.1)
    broadcast = _HangingBroadcast()
    # publish touches neither the reader nor a subscription: the hub needs no start.
    hub = EventHub(cast(RegistryReader, object()), cast(Broadcast, broadcast), "unused")
    events = [
        ChangeEvent(sequence=Sequence(n), kind=EventKind.SUBJECT_DELETED, subject=SubjectName("a"))
        for n in (1, 2)
    ]

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger=hub_module.__name__):
        await asyncio.wait_for(hub.publish(events), 5)
    elapsed = time.monotonic() - started

    assert elapsed < 2.5
    assert (broadcast.attempts, broadcast.cancelled) == (2, 2)
    # One line for the trouble, not one per event.
    warnings = [r.getMessage() for r in caplog.records if r.name == hub_module.__name__]
    assert warnings == ["publishing change events failed, replicas poll them: TimeoutError"]
    assert all(r.exc_info is None for r in caplog.records)


async def test_while_the_broadcast_is_down_the_outbox_is_polled_quickly_and_nothing_published(
    store: DatabaseStore, start_hub: HubFactory, silent: RecordingPublisher
) -> None:
    hub = await start_hub(store, poll_interval=NO_POLL, degraded_poll_interval=0.05)
    published: list[str] = []
    original_publish = hub._broadcast.publish

    async def counting_publish(channel: str, message: Any) -> None:
        published.append(message)
        await original_publish(channel, message)

    hub._broadcast.publish = counting_publish  # type: ignore[method-assign]

    async with closing(hub.subscribe()) as stream:
        first = await start_reading(hub, stream)
        hub.broadcast_health.mark_down("redis went away")
        degraded_interval = hub.poll_interval
        await register_schema(_loud(store, hub), "orders", titled(1))
        during = await asyncio.wait_for(first, 1.0)
        hub.broadcast_health.mark_up()
        await register_schema(_quiet(store, hub, silent), "orders", titled(2))
        # Back to the slow poll: an unannounced commit now waits for it.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(anext(stream), 0.5)

    assert degraded_interval == 0.05
    assert hub.poll_interval == NO_POLL
    assert during.sequence == 1
    assert published == []


async def test_outbox_failures_are_logged_once_when_they_start_and_once_when_they_end(
    store: DatabaseStore, start_hub: HubFactory, caplog: pytest.LogCaptureFixture
) -> None:
    failures = 0
    read_last = store.get_last_sequence

    async def flaky_last() -> Sequence:
        nonlocal failures
        if 0 < failures < 6:
            failures += 1
            raise StorageUnavailableError("The database is unavailable; retry later.")
        return await read_last()

    await start_hub(store, poll_interval=0.02)
    with caplog.at_level(logging.DEBUG, logger=hub_module.__name__):
        store.get_last_sequence = flaky_last  # type: ignore[method-assign]
        failures = 1
        await wait_until(lambda: failures == 6)
        await asyncio.sleep(0.1)

    warnings = [
        r for r in caplog.records if r.name == hub_module.__name__ and r.levelno >= logging.INFO
    ]
    assert [r.getMessage() for r in warnings] == [
        "reading the outbox failed, the poll retries it: The database is unavailable; retry later.",
        "reading the outbox works again after 5 failure(s)",
    ]
    assert all(r.exc_info is None for r in warnings)
