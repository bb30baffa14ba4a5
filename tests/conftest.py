"""Markers by folder, and the real services the integration and e2e suites need.

Services come from TEST_DATABASE_URL and TEST_REDIS_URL (``make services`` writes them).
Without them the suites that need them are skipped with a reason locally, and fail when
REGISTRY_REQUIRE_SERVICES=1 or CI is set: CI must never pass by skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis

_FOLDER_MARKERS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(__file__).parent
    for item in items:
        relative = Path(str(item.path)).relative_to(root)
        if relative.parts and relative.parts[0] in _FOLDER_MARKERS:
            item.add_marker(getattr(pytest.mark, relative.parts[0]))


def _services_required() -> bool:
    return bool(os.environ.get("REGISTRY_REQUIRE_SERVICES") or os.environ.get("CI"))


def _require_env(name: str) -> str:
    value = os.environ.get(name)
    if value:
        return value
    message = f"{name} is not set; run `make services` and source .services/env"
    if _services_required():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _plain_postgres_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The test server's URL (SQLAlchemy form), pointing at its maintenance database."""
    return _require_env("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def redis_url() -> str:
    return _require_env("TEST_REDIS_URL")


@pytest.fixture
async def postgres_url(postgres_server_url: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin_dsn = _plain_postgres_dsn(postgres_server_url)
    try:
        admin = await asyncpg.connect(admin_dsn)
    except (OSError, asyncpg.PostgresError) as exc:
        if _services_required():
            pytest.fail(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base, _, _ = postgres_server_url.rpartition("/")
    yield f"{base}/{name}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs on both embedded SQLite and real PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    try:
        await client.ping()  # type: ignore[misc]
    except (OSError, aioredis.ConnectionError) as exc:
        await client.aclose()
        if _services_required():
            pytest.fail(f"Redis at TEST_REDIS_URL is unreachable: {exc}", pytrace=False)
        pytest.skip(f"Redis unreachable: {exc}")
    yield client
    await client.aclose()


@pytest.fixture
def unique_channel() -> Iterator[str]:
    yield f"test-events-{uuid.uuid4().hex}"
