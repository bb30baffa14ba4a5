"""The PostgreSQL LISTEN/NOTIFY backend on the real server: messages between replicas in
order, events too large for a NOTIFY, and a link that comes back by itself after its
connection is terminated, cut silently or missing at startup, each change logged once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import urlsplit

import asyncpg
import pytest
from broadcaster import Broadcast
from broadcaster._base import Subscriber

from registry.model import EventKind
from resolvers.context import Services
from resolvers.schemas import register_schema
from subscriptions import postgres_backend
from subscriptions.broadcast import BroadcastHealth, create_broadcast
from subscriptions.postgres_backend import (
    APPLICATION_NAME,
    MAX_PAYLOAD_BYTES,
    PostgresNotifyBackend,
    asyncpg_dsn,
)
from tests.integration.helpers import (
    WAIT,
    BroadcastFactory,
    HubFactory,
    StoreFactory,
    closing,
    object_schema,
    start_reading,
    wait_until,
)
from tests.support.server import free_port
from tests.support.tcp_proxy import TcpProxy

NO_POLL = 60.0


class Link:
    def __init__(self, broadcast: Broadcast, backend: PostgresNotifyBackend) -> None:
        self.broadcast = broadcast
        self.backend = backend

    @property
    def health(self) -> BroadcastHealth:
        return self.backend.health


Opener = Callable[..., Awaitable[Link]]


@pytest.fixture
async def open_link() -> AsyncIterator[Opener]:
    opened: list[Broadcast] = []

    async def open_(url: str, **options: float) -> Link:
        backend = PostgresNotifyBackend(url, retry_first=0.05, retry_cap=0.2, **options)
        broadcast = Broadcast(backend=backend)
        await broadcast.connect()
        opened.append(broadcast)
        return Link(broadcast, backend)

    yield open_
    for broadcast in reversed(opened):
        await broadcast.disconnect()


@pytest.fixture
async def admin(postgres_server_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(asyncpg_dsn(postgres_server_url))
    yield connection
    await connection.close()


def through(proxy_port: int, url: str) -> str:
    """``url`` with its host and port replaced by the proxy's."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{proxy_port}" if credentials else f"127.0.0.1:{proxy_port}"
    return parts._replace(netloc=netloc).geturl()


async def receive(subscriber: Subscriber) -> str:
    return (await asyncio.wait_for(subscriber.get(), WAIT)).message


async def test_a_postgres_url_gets_the_notify_backend_and_is_up(
    postgres_server_url: str, open_broadcast: BroadcastFactory
) -> None:
    broadcast = create_broadcast(postgres_server_url)
    await broadcast.connect()
    try:
        is_up = broadcast.health.is_up
    finally:
        await broadcast.disconnect()

    assert isinstance(broadcast._backend, PostgresNotifyBackend)
    assert is_up


@pytest.mark.parametrize(
    "channel_suffix", ["", ".Mixed Case", "-" + "long" * 20], ids=["plain", "quoted", "hashed"]
)
async def test_messages_from_one_replica_reach_another_in_order_on_their_channel_only(
    postgres_server_url: str, open_link: Opener, unique_channel: str, channel_suffix: str
) -> None:
    channel = unique_channel + channel_suffix
    sender = await open_link(postgres_server_url)
    receiver = await open_link(postgres_server_url)

    async with receiver.broadcast.subscribe(channel) as subscriber:
        await sender.broadcast.publish(f"{channel}-other", "elsewhere")
        for n in range(5):
            await sender.broadcast.publish(channel, f"message {n}")
        received = [await receive(subscriber) for _ in range(5)]

    assert received == [f"message {n}" for n in range(5)]


async def test_a_message_as_large_as_a_notify_carries_arrives_whole(
    postgres_server_url: str, open_link: Opener, unique_channel: str
) -> None:
    link = await open_link(postgres_server_url)
    message = "é" * ((MAX_PAYLOAD_BYTES - 1) // 2) + "x"
    assert len(message.encode()) == MAX_PAYLOAD_BYTES

    async with link.broadcast.subscribe(unique_channel) as subscriber:
        await link.broadcast.publish(unique_channel, message)
        received = await receive(subscriber)

    assert received == message


async def test_an_event_larger_than_a_notify_reaches_the_other_replica_whole(
    postgres_url: str,
    open_store: StoreFactory,
    open_broadcast: BroadcastFactory,
    start_hub: HubFactory,
) -> None:
    store_a = await open_store(postgres_url)
    store_b = await open_store(postgres_url)
    hub_a = await start_hub(store_a, await open_broadcast(postgres_url), poll_interval=NO_POLL)
    hub_b = await start_hub(store_b, await open_broadcast(postgres_url), poll_interval=NO_POLL)
    properties = {f"field_{n:04d}_with_a_long_name": "string" for n in range(600)}
    text = object_schema(properties)
    assert len(text.encode()) > 3 * MAX_PAYLOAD_BYTES

    async with closing(hub_b.subscribe(subject="orders")) as stream:
        first = await start_reading(hub_b, stream)
        result = await register_schema(
            Services(store=store_a, publisher=hub_a, feed=hub_a), "orders", text
        )
        # The poll never runs here: the announcement made hub b read the outbox.
        event = await asyncio.wait_for(first, WAIT)

    assert (event.sequence, event.kind, event.subject, event.version) == (
        1,
        EventKind.REGISTERED,
        "orders",
        1,
    )
    assert event.schema_text == result.version.schema.text
    assert hub_b.last_sequence == 1


async def test_a_terminated_connection_reconnects_and_delivers_on_the_same_subscription(
    postgres_server_url: str,
    open_link: Opener,
    admin: asyncpg.Connection,
    unique_channel: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sender = await open_link(postgres_server_url)
    receiver = await open_link(postgres_server_url)

    with caplog.at_level(logging.DEBUG, logger=postgres_backend.__name__):
        async with receiver.broadcast.subscribe(unique_channel) as subscriber:
            await sender.broadcast.publish(unique_channel, "before")
            before = await receive(subscriber)
            pid = receiver.backend.server_pid
            name = await admin.fetchval(
                "SELECT application_name FROM pg_stat_activity WHERE pid = $1", pid
            )
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
            await wait_until(lambda: not receiver.health.is_up)
            down_reason = receiver.health.reason
            await wait_until(lambda: receiver.health.is_up)
            await sender.broadcast.publish(unique_channel, "after")
            after = await receive(subscriber)

    assert (before, after) == ("before", "after")
    assert name == APPLICATION_NAME
    assert down_reason == "ConnectionError: connection closed by the server"
    assert receiver.health.reconnects == 1
    assert receiver.backend.server_pid != pid
    records = [r for r in caplog.records if r.name == postgres_backend.__name__]
    assert [r.getMessage().split(" (")[0].split(" to ")[0] for r in records] == [
        "broadcast lost",
        "broadcast reconnected",
    ]
    assert all(r.exc_info is None for r in records)


async def test_a_publish_while_the_link_is_down_fails_clearly(
    open_link: Opener, unique_channel: str
) -> None:
    link = await open_link(f"postgresql://registry:secret@127.0.0.1:{free_port()}/registry")

    with pytest.raises(ConnectionError, match=r"no connection to postgresql at 127\.0\.0\.1"):
        await link.broadcast.publish(unique_channel, "lost")

    assert not link.health.is_up


async def test_a_silent_cut_is_noticed_by_the_keepalive_then_the_link_comes_back(
    postgres_server_url: str, open_link: Opener, unique_channel: str
) -> None:
    server_port = urlsplit(postgres_server_url).port or 5432
    async with TcpProxy([server_port]) as proxy:
        sender = await open_link(postgres_server_url)
        receiver = await open_link(through(proxy.port, postgres_server_url), liveness_interval=0.2)
        async with receiver.broadcast.subscribe(unique_channel) as subscriber:
            assert receiver.health.is_up
            proxy.freeze()
            try:
                await wait_until(lambda: not receiver.health.is_up)
                reason = receiver.health.reason
            finally:
                proxy.thaw()
            await wait_until(lambda: receiver.health.is_up, within=3 * WAIT)
            await sender.broadcast.publish(unique_channel, "resumed")
            resumed = await receive(subscriber)

    assert reason is not None and "keepalive" in reason
    assert resumed == "resumed"
    assert receiver.health.reconnects == 1


async def test_a_link_started_without_postgres_connects_once_it_appears(
    postgres_server_url: str,
    open_link: Opener,
    unique_channel: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server_port = urlsplit(postgres_server_url).port or 5432
    proxy = TcpProxy([server_port])
    with caplog.at_level(logging.WARNING, logger=postgres_backend.__name__):
        link = await open_link(through(proxy.port, postgres_server_url))
        async with link.broadcast.subscribe(unique_channel) as subscriber:
            degraded = not link.health.is_up
            async with proxy:
                await wait_until(lambda: link.health.is_up)
                await link.broadcast.publish(unique_channel, "first")
                first = await receive(subscriber)

    assert degraded
    assert first == "first"
    # The first connection, however late, is not a reconnection.
    assert link.health.reconnects == 0
    messages = [r.getMessage() for r in caplog.records if r.name == postgres_backend.__name__]
    assert messages[0].startswith("broadcast unreachable at startup (postgresql at"), messages
    assert messages[1].startswith("broadcast reconnected to postgresql at"), messages
    assert "secret" not in " ".join(messages).replace(unique_channel, "")


async def test_an_unreachable_postgres_connects_degraded_and_leaves_no_task_behind() -> None:
    before = {t for t in asyncio.all_tasks() if not t.done()}
    port = free_port()
    broadcast = create_broadcast(f"postgresql://registry:hidden@127.0.0.1:{port}/registry")

    await asyncio.wait_for(broadcast.connect(), 10)
    async with broadcast.subscribe("a-channel"):
        health = broadcast.health
        assert not health.is_up
        assert health.reason is not None and str(port) in health.reason
        assert "hidden" not in health.reason
    await broadcast.disconnect()
    await asyncio.sleep(0)

    leftover = {t for t in asyncio.all_tasks() if not t.done()} - before
    assert leftover == set()
