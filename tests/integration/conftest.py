"""Connected, migrated stores; broadcasts; started hubs; Services wired like the app's.

Everything opened here is closed in teardown, hubs before broadcasts before stores.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from broadcaster import Broadcast

from app import check_pool
from app.check_pool import ProcessChecker
from registry.ports import RegistryReader, SchemaChecker
from resolvers.context import INLINE_CHECKER, Services
from storage.migrate import upgrade_async
from storage.store import DatabaseStore
from subscriptions.broadcast import create_broadcast
from subscriptions.hub import EventHub
from tests.integration.helpers import BroadcastFactory, HubFactory, StoreFactory


def _copy_sqlite_template(template: Path, url: str) -> bool:
    """Start a SQLite database that does not exist yet as a copy of ``template``."""
    prefix = "sqlite+aiosqlite:///"
    path = Path(url.removeprefix(prefix))
    if not url.startswith(prefix) or path.exists():
        return False
    shutil.copyfile(template, path)
    return True


@pytest.fixture(scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated once; copying it is much faster than migrating per test."""
    path = tmp_path_factory.mktemp("sqlite-template") / "registry.db"
    await upgrade_async(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
async def open_store(sqlite_template: Path) -> AsyncIterator[StoreFactory]:
    """Migrates ``url`` and returns a connected store; separate calls give separate pools,
    as separate replicas would have. A SQLite file that does not exist yet starts as a
    copy of the migrated template (storage/test_migrations.py covers migrating SQLite)."""
    opened: list[DatabaseStore] = []

    async def open_(url: str, **options: Any) -> DatabaseStore:
        if not await asyncio.to_thread(_copy_sqlite_template, sqlite_template, url):
            await upgrade_async(url)
        store = DatabaseStore(url, **options)
        await store.connect()
        opened.append(store)
        return store

    yield open_
    for store in reversed(opened):
        await store.disconnect()


@pytest.fixture
async def store(database_url: str, open_store: StoreFactory) -> DatabaseStore:
    return await open_store(database_url)


@pytest.fixture
async def open_broadcast() -> AsyncIterator[BroadcastFactory]:
    opened: list[Broadcast] = []

    async def open_(url: str) -> Broadcast:
        broadcast = create_broadcast(url)
        await broadcast.connect()
        opened.append(broadcast)
        return broadcast

    yield open_
    for broadcast in reversed(opened):
        await broadcast.disconnect()


@pytest.fixture
async def start_hub(
    open_broadcast: BroadcastFactory, open_store: StoreFactory, unique_channel: str
) -> AsyncIterator[HubFactory]:
    """Starts an ``EventHub``; defaults to a fresh memory:// broadcast and the test's
    unique channel. Depends on the store and broadcast factories so it is torn down first."""
    started: list[EventHub] = []

    async def start(
        reader: RegistryReader,
        broadcast: Broadcast | None = None,
        *,
        channel: str = unique_channel,
        **options: Any,
    ) -> EventHub:
        if broadcast is None:
            broadcast = await open_broadcast("memory://")
        hub = EventHub(reader, broadcast, channel, **options)
        await hub.start()
        started.append(hub)
        return hub

    yield start
    # Stop every hub even if one fails to stop, then report the first failure.
    errors: list[Exception] = []
    for hub in reversed(started):
        try:
            await hub.stop()
        except Exception as exc:
            errors.append(exc)
    if errors:
        raise errors[0]


@pytest.fixture
async def hub(store: DatabaseStore, start_hub: HubFactory) -> EventHub:
    return await start_hub(store)


@pytest.fixture
def checker() -> SchemaChecker:
    """Where the use cases parse and check schemas: inline unless a module asks for
    ``any_checker``."""
    return INLINE_CHECKER


@pytest.fixture(params=["inline", "workers"])
async def any_checker(request: pytest.FixtureRequest) -> AsyncIterator[SchemaChecker]:
    """Each test using this runs with schema work inline and in a worker process (every
    job goes to the worker: INLINE_PARSE_CHARS is lowered to 0)."""
    if request.param == "inline":
        yield INLINE_CHECKER
        return
    workers = ProcessChecker(workers=1, queue=100)
    await workers.start()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(check_pool, "INLINE_PARSE_CHARS", 0)
            yield workers
    finally:
        await workers.stop()


@pytest.fixture
def services(store: DatabaseStore, hub: EventHub, checker: SchemaChecker) -> Services:
    return Services(store=store, publisher=hub, feed=hub, checker=checker)
