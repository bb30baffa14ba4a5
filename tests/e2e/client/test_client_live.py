"""The live cache against real servers: a cached latest costs no request, hooks see every
change once and in order, deletions are followed, and a cut or a restarted server is
resumed with ``after`` without a missed or repeated event."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from llm_schema_registry_client import AsyncRegistryClient, Change, RegistryClient
from tests.e2e.client.conftest import tool_schema, wait_until
from tests.e2e.conftest import (
    DELETE_SUBJECT,
    DELETE_VERSION,
    GraphQLHttp,
    new_server,
    sqlite_file_url,
    start_server,
    stop_server,
    unique_subject,
)
from tests.support.server import ServerProcess
from tests.support.tcp_proxy import TcpProxy


async def test_a_cached_latest_costs_no_request_after_the_first(client: Any) -> None:
    subject = unique_subject("cached")
    await client.register(subject, tool_schema("city"))
    await client.latest(subject)
    before = client.stats.total

    for _ in range(20):
        assert (await client.latest(subject)).version == 1

    assert client.stats.total == before


async def test_hooks_see_each_change_once_in_order_and_latest_follows(client: Any) -> None:
    prefix = unique_subject("hooks") + "."
    seen: list[Change] = []
    client.on_change(prefix, seen.append)
    await client.start()  # hooks see what is committed once the subscription is open
    subject = prefix + "weather"
    await client.register(subject, tool_schema("city"))
    await wait_until(lambda: len(seen) == 1)
    await client.register(subject, tool_schema("city", "unit"))
    await client.register(subject, tool_schema("city", "unit", "lang"))
    await wait_until(lambda: len(seen) == 3)
    before = client.stats.total

    latest = await client.latest(subject)

    assert [c.event.version for c in seen] == [1, 2, 3]
    assert [c.latest.version for c in seen if c.latest] == [1, 2, 3]
    sequences = [c.event.sequence for c in seen]
    assert sequences == sorted(set(sequences))
    assert latest.version == 3 and client.stats.total == before


async def test_deleting_the_latest_version_falls_back_to_the_one_before(
    client: Any, gql_http: GraphQLHttp
) -> None:
    subject = unique_subject("deleted")
    seen: list[Change] = []
    client.on_change(subject, seen.append)
    await client.start()
    await client.register(subject, tool_schema("city"))
    await client.register(subject, tool_schema("city", "unit"))
    await wait_until(lambda: len(seen) == 2)
    assert (await client.latest(subject)).version == 2

    await gql_http.data(DELETE_VERSION, {"subject": subject, "version": 2})
    await wait_until(lambda: len(seen) == 3)

    assert seen[-1].event.kind == "VERSION_DELETED"
    assert seen[-1].latest is not None and seen[-1].latest.version == 1
    assert (await client.latest(subject)).version == 1

    await gql_http.data(DELETE_SUBJECT, {"subject": subject})
    await wait_until(lambda: len(seen) == 4)
    assert seen[-1].event.kind == "SUBJECT_DELETED" and seen[-1].latest is None
    known, cached = client.cache.latest(subject)
    assert known and cached is None


async def test_a_failing_callback_is_logged_and_the_watch_goes_on(client: Any) -> None:
    subject = unique_subject("failing")
    seen: list[int] = []

    def broken(change: Change) -> None:
        raise RuntimeError("a bug in the application's hook")

    client.on_change(subject, broken)
    client.on_change(subject, lambda change: seen.append(change.event.version or 0))
    await client.start()
    await client.register(subject, tool_schema("city"))
    await client.register(subject, tool_schema("city", "unit"))

    await wait_until(lambda: seen == [1, 2])
    assert client.is_live


async def test_an_async_callback_is_awaited_in_order(module_server: ServerProcess) -> None:
    subject = unique_subject("awaited")
    seen: list[int] = []

    async def slow(change: Change) -> None:
        await asyncio.sleep(0.05 if change.event.version == 1 else 0)
        seen.append(change.event.version or 0)

    async with AsyncRegistryClient(module_server.url) as client:
        client.on_change(subject, slow)
        await client.start()
        for properties in (("city",), ("city", "unit"), ("city", "unit", "lang")):
            await client.register(subject, tool_schema(*properties))
        await wait_until(lambda: len(seen) == 3)

    assert seen == [1, 2, 3]


def test_sync_callbacks_run_on_the_clients_thread_and_may_call_the_client(
    module_server: ServerProcess,
) -> None:
    import threading

    subject = unique_subject("threads")
    seen: list[tuple[str, int]] = []
    done = threading.Event()
    with RegistryClient(module_server.url) as client:

        def hook(change: Change) -> None:
            # Calling the client from a callback must not deadlock.
            latest = client.latest(subject)
            seen.append((threading.current_thread().name, latest.version))
            done.set()

        client.on_change(subject, hook)
        client.start()
        client.register(subject, tool_schema("city"))
        assert done.wait(10)

    assert seen[0][1] == 1
    assert seen[0][0].startswith("registry-client")
    assert seen[0][0] != threading.current_thread().name


async def _register_series(http: GraphQLHttp, subject: str, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        await http.register(subject, tool_schema("city", *(f"p{j}" for j in range(i + 1))))


async def test_a_cut_connection_is_resumed_after_the_last_sequence(tmp_path: Path) -> None:
    server = await start_server(new_server(sqlite_file_url(tmp_path), tmp_path / "s.log"))
    subject = unique_subject("cut")
    seen: list[Change] = []
    try:
        async with (
            TcpProxy([server.port]) as proxy,
            httpx.AsyncClient(timeout=10) as http,
            AsyncRegistryClient(proxy.url) as client,
        ):
            direct = GraphQLHttp(http, server)
            client.on_change(subject, seen.append)
            await client.start()
            await _register_series(direct, subject, 3)
            await wait_until(lambda: len(seen) == 3)
            subscriptions = client.watcher.subscriptions

            for round_ in range(3):
                proxy.cut()
                # Changes made while the client is cut off arrive after it reconnects.
                await _register_series(direct, subject, 2, start=3 + 2 * round_)
                expected = 5 + 2 * round_
                await wait_until(lambda: len(seen) == expected)  # noqa: B023

            assert client.watcher.subscriptions >= subscriptions + 3
            assert (await client.latest(subject)).version == 9
    finally:
        await stop_server(server)

    assert [c.event.version for c in seen] == list(range(1, 10))
    sequences = [c.event.sequence for c in seen]
    assert sequences == sorted(set(sequences))


async def test_a_restarted_server_is_resumed_without_missing_or_repeating(tmp_path: Path) -> None:
    database = sqlite_file_url(tmp_path)
    server = await start_server(new_server(database, tmp_path / "s.log"))
    port = server.port
    subject = unique_subject("restart")
    seen: list[Change] = []
    try:
        async with httpx.AsyncClient(timeout=10) as http, AsyncRegistryClient(server.url) as client:
            client.on_change(subject, seen.append)
            await client.start()
            await _register_series(GraphQLHttp(http, server), subject, 2)
            await wait_until(lambda: len(seen) == 2)

            await stop_server(server)
            server = ServerProcess(server.env, port=port, log_path=tmp_path / "s2.log")
            await start_server(server)
            await _register_series(GraphQLHttp(http, server), subject, 2, start=2)
            await wait_until(lambda: len(seen) == 4, seconds=20)
            await asyncio.sleep(0.3)  # room for a repeat to show

            assert client.is_live
            assert (await client.latest(subject)).version == 4
    finally:
        await stop_server(server)

    assert [c.event.version for c in seen] == [1, 2, 3, 4]
    assert len({c.event.sequence for c in seen}) == 4
