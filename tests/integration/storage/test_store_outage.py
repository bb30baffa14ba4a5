"""The store while PostgreSQL goes away and comes back: every driver error that means
"unavailable" becomes STORAGE_UNAVAILABLE, broken connections are discarded, operations
are refused at once while probes find the database unavailable, the pool serves again by
itself, and the outage is logged once, not per query."""

from __future__ import annotations

import asyncio
import collections
import logging
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
from databases.backends.postgres import PostgresConnection

from registry.errors import StorageUnavailableError
from registry.model import EventKind
from registry.types import Sequence, SubjectName
from storage import store as store_module
from storage.migrate import upgrade_async
from storage.store import DatabaseStore
from tests.support.services import PrivatePostgres, private_postgres


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


@pytest.fixture
async def private_store(postgres_server: PrivatePostgres) -> AsyncIterator[DatabaseStore]:
    if not postgres_server.is_running:
        postgres_server.start()
    url = postgres_server.create_database(f"outage_{uuid.uuid4().hex[:12]}")
    await upgrade_async(url)
    store = DatabaseStore(url, pool_min_size=2, pool_max_size=4)
    await store.connect()
    yield store
    if not postgres_server.is_running:
        postgres_server.start()
    await store.disconnect()


async def append_event(store: DatabaseStore, subject: str) -> Sequence:
    async with store.write() as tx:
        event = await tx.append_event(EventKind.SUBJECT_DELETED, SubjectName(subject))
    return event.sequence


async def test_a_long_lived_task_is_served_again_when_postgresql_returns(
    private_store: DatabaseStore,
    postgres_server: PrivatePostgres,
    caplog: pytest.LogCaptureFixture,
) -> None:
    acknowledged = [await append_event(private_store, f"before-{n}") for n in range(5)]
    outcomes: collections.Counter[tuple[str, str]] = collections.Counter()
    phase = "before"
    running = True

    async def read_continuously() -> None:
        # One task for the whole test, like the event hub's poll.
        while running:
            # The phase the read started in: one sent just before the stop (which blocks
            # the loop) may be answered after it.
            started_in = phase
            try:
                await private_store.get_last_sequence()
                outcomes[(started_in, "ok")] += 1
            except StorageUnavailableError:
                outcomes[(started_in, "unavailable")] += 1
            await asyncio.sleep(0.02)

    with caplog.at_level(logging.DEBUG):
        reader = asyncio.create_task(read_continuously())
        await asyncio.sleep(0.3)
        postgres_server.stop()
        phase = "down"
        await asyncio.sleep(1.5)
        refused_at_once = private_store.is_down
        postgres_server.start()
        phase = "back"
        await asyncio.sleep(2.0)
        running = False
        await reader
        last = await private_store.get_last_sequence()

    assert outcomes[("down", "unavailable")] > 0
    assert outcomes[("down", "ok")] == 0
    assert outcomes[("back", "ok")] > 0
    assert refused_at_once and not private_store.is_down
    # Nothing acknowledged before the outage is lost (the crash kept every commit).
    assert last >= acknowledged[-1] == 5
    store_lines = [r.getMessage() for r in caplog.records if r.name == store_module.__name__]
    warnings = [line for line in store_lines if not line.startswith("discarded")]
    assert len(warnings) == 2, store_lines
    assert warnings[0].startswith("database unavailable: ")
    assert warnings[1].startswith("database available again after ")
    assert not [r for r in caplog.records if r.exc_info and r.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.InternalClientError(
            "cannot switch to state 12; another operation (12) is in progress"
        ),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.InterfaceError("cannot perform operation: connection is closed"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError(),
    ],
    ids=lambda error: type(error).__name__,
)
async def test_a_driver_error_that_means_unavailable_is_storage_unavailable(
    private_store: DatabaseStore, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    async def failing(self: PostgresConnection, *args: Any, **kwargs: Any) -> Any:
        raise error

    with monkeypatch.context() as patched:
        for method in ("fetch_all", "fetch_one", "fetch_val"):
            patched.setattr(PostgresConnection, method, failing)
        with pytest.raises(StorageUnavailableError) as raised:
            await private_store.get_last_sequence()
    after = await private_store.get_last_sequence()

    assert raised.value.code == "STORAGE_UNAVAILABLE"
    assert after == 0


async def test_a_failed_release_after_a_commit_does_not_fail_the_write(
    private_store: DatabaseStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = asyncpg.pool.Pool.release
    failed = 0

    async def release_then_fail(self: asyncpg.pool.Pool, *args: Any, **kwargs: Any) -> None:
        nonlocal failed
        await release(self, *args, **kwargs)
        if not failed:
            failed += 1
            raise asyncpg.ConnectionDoesNotExistError("connection lost during release")

    monkeypatch.setattr(asyncpg.pool.Pool, "release", release_then_fail)
    sequence = await append_event(private_store, "committed")
    stored = await private_store.get_last_sequence()

    assert failed == 1
    assert sequence == stored == 1


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose connections the kernel accepts and nobody answers, as when the
    database's host hangs: a connect waits for its timeout."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield int(listener.getsockname()[1])


async def test_once_a_probe_finds_the_database_unavailable_operations_are_refused_at_once(
    silent_port: int,
) -> None:
    store = DatabaseStore(
        f"postgresql+asyncpg://registry@127.0.0.1:{silent_port}/registry",
        pool_min_size=0,
        connect_timeout=0.3,
    )
    await store.connect()
    try:
        started = time.monotonic()
        with pytest.raises(StorageUnavailableError):
            await store.get_last_sequence()
        first = time.monotonic() - started
        for _ in range(1000):  # the probe's verdict, within its timeout
            if store.is_down:
                break
            await asyncio.sleep(0.01)
        refusals = []
        for _ in range(20):
            started = time.monotonic()
            with pytest.raises(StorageUnavailableError) as raised:
                await store.list_subjects()
            refusals.append(time.monotonic() - started)
    finally:
        await store.disconnect()

    assert first >= 0.3  # the operation that found the outage waited for its connect
    assert max(refusals) < 0.05, refusals
    assert raised.value.message == "The database is unavailable; retry later."
