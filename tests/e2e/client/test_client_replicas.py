"""The client behind one URL in front of two replicas (PostgreSQL + Redis): the replica
holding its subscription is killed, or stopped (SIGTERM: its sockets are closed with
1012), while changes keep coming through the other, and the client resumes there with
``after``, missing and repeating nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from llm_schema_registry_client import AsyncRegistryClient, Change
from tests.e2e.client.conftest import tool_schema, wait_until
from tests.e2e.conftest import (
    WAIT,
    GraphQLHttp,
    Subscription,
    new_server,
    start_server,
    stop_server,
    unique_subject,
)
from tests.support.tcp_proxy import TcpProxy


@pytest.mark.parametrize("ending", ["killed", "drained"])
async def test_losing_the_replica_under_the_subscription_loses_and_repeats_nothing(
    ending: str,
    postgres_url: str,
    redis_url: str,
    unique_channel: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    env = {
        "REGISTRY_BROADCAST_URL": redis_url,
        "REGISTRY_BROADCAST_CHANNEL": unique_channel,
        "REGISTRY_EVENT_POLL_INTERVAL": "60",  # events travel over Redis, not the poll
    }
    a = await start_server(new_server(postgres_url, tmp_path / "a.log", **env))
    b = await start_server(new_server(postgres_url, tmp_path / "b.log", **env))
    prefix = unique_subject("replicas") + "."
    subjects = [prefix + name for name in ("search", "weather")]
    seen: list[Change] = []
    try:
        async with (
            TcpProxy([a.port, b.port]) as proxy,
            httpx.AsyncClient(timeout=WAIT) as http,
            AsyncRegistryClient(proxy.url) as client,
        ):
            on_b = GraphQLHttp(http, b)
            client.on_change(prefix, seen.append)
            assert await client.start()
            assert proxy.backend_of_last == a.port  # the subscription is on replica a

            async def write(count: int, start: int) -> None:
                for i in range(start, start + count):
                    for subject in subjects:
                        await on_b.register(
                            subject, tool_schema("city", *(f"p{j}" for j in range(i)))
                        )
                    await asyncio.sleep(0.02)

            await write(3, 0)
            await wait_until(lambda: len(seen) == 6)
            writer = asyncio.create_task(write(10, 3))
            await asyncio.sleep(0.1)
            if ending == "killed":
                a.kill()  # SIGKILL: the socket dies with the process
            else:
                assert await stop_server(a) == 0  # SIGTERM: closed with 1012, drained
            await writer
            await wait_until(lambda: len(seen) == 26, seconds=WAIT * 2)
            await asyncio.sleep(0.5)  # room for a repeat to show

            assert proxy.backend_of_last == b.port
            latest = {s: (await client.latest(s)).version for s in subjects}
        async with Subscription(b.ws_url, {"subjectPrefix": prefix, "after": 0}) as reference:
            history = await reference.take(26)
            await reference.assert_quiet(0.3)
    finally:
        await stop_server(b)
        a.kill()

    assert latest == dict.fromkeys(subjects, 13)
    if ending == "drained":
        assert "websocket closed (1012)" in caplog.text
    assert [c.event.sequence for c in seen] == [e["sequence"] for e in history]
    assert [(c.subject, c.event.version) for c in seen] == [
        (e["subject"], e["version"]) for e in history
    ]


async def test_a_subscription_told_it_is_too_slow_resumes_without_a_gap(
    postgres_url: str, tmp_path: Path
) -> None:
    """A burst larger than the server's queue per subscriber (here one outbox poll bringing
    in another replica's changes) ends the subscription with SUBSCRIBER_TOO_SLOW; the
    client subscribes again after the last sequence it applied."""
    a = await start_server(
        new_server(
            postgres_url,
            tmp_path / "a.log",
            REGISTRY_SUBSCRIBER_QUEUE_SIZE="2",
            REGISTRY_EVENT_POLL_INTERVAL="1",
        )
    )
    b = await start_server(new_server(postgres_url, tmp_path / "b.log"))
    subject = unique_subject("slow")
    seen: list[Change] = []
    try:
        async with httpx.AsyncClient(timeout=WAIT) as http, AsyncRegistryClient(a.url) as client:
            client.on_change(subject, seen.append)
            assert await client.start()
            subscriptions = client.watcher.subscriptions
            on_b = GraphQLHttp(http, b)
            await on_b.set_compatibility(subject, "NONE")
            for i in range(12):
                await on_b.register(subject, tool_schema(f"f{i}", required=()))
            await wait_until(lambda: len(seen) == 12, seconds=WAIT * 2)
            await asyncio.sleep(0.3)

            assert client.watcher.subscriptions > subscriptions  # it was told to resume
            assert (await client.latest(subject)).version == 12
    finally:
        await stop_server(b)
        await stop_server(a)

    assert [c.event.version for c in seen] == list(range(1, 13))
    assert len({c.event.sequence for c in seen}) == 12
