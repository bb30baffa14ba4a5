"""Markers by folder, and the real services the integration and e2e suites need.

Services come from TEST_DATABASE_URL and TEST_REDIS_URL (``make services`` writes them).
Without them the tests that need them fail: a skipped test proves nothing, so no suite
is ever skipped, locally or in CI.
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


_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A skipped test proves nothing: any skip fails the run."""
    if _skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped:
        terminalreporter.write_line(
            f"FAILED: {len(_skipped)} test(s) skipped; every suite must run: "
            + ", ".join(_skipped[:5]),
            red=True,
        )


def _require_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(
            f"{name} is not set; run `make test`, or `make services` and source .services/env",
            pytrace=False,
        )
    return value


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
        pytest.fail(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {exc}", pytrace=False)
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
        pytest.fail(f"Redis at TEST_REDIS_URL is unreachable: {exc}", pytrace=False)
    yield client
    await client.aclose()


@pytest.fixture
def unique_channel() -> Iterator[str]:
    yield f"test-events-{uuid.uuid4().hex}"
