"""storage.migrate on a fresh SQLite file and a fresh PostgreSQL database."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import asyncpg
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

from registry.formats import DEFAULT_DIALECT, ParseContext, fingerprint_of, parse_schema
from registry.model import (
    CompatibilityLevel,
    CompatibilityPolicy,
    EventKind,
    ProviderEnforcement,
    RegistryMode,
    SchemaFormat,
    ScopeConfig,
)
from registry.providers import Provider
from registry.types import Sequence, SubjectName, Version
from storage.migrate import alembic_config, upgrade_async
from storage.store import DatabaseStore
from storage.tables import metadata
from tests.integration.helpers import object_schema

ROOT = Path(__file__).resolve().parents[3]
EXPECTED_TABLES = {*metadata.tables, "alembic_version"}
# storage/migrations/env.py: the advisory lock replicas take around their migration.
MIGRATION_LOCK_KEY = 0x5C4E_4D41


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url, poolclass=sa.pool.NullPool)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return set(names)


async def _rows(url: str, query: str) -> list[tuple[object, ...]]:
    engine = create_async_engine(url, poolclass=sa.pool.NullPool)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(sa.text(query))
            return [tuple(row) for row in result]
    finally:
        await engine.dispose()


async def test_upgrading_a_fresh_database_creates_every_table(database_url):
    assert await _tables(database_url) == set()

    await upgrade_async(database_url)

    assert await _tables(database_url) == EXPECTED_TABLES
    assert await _rows(database_url, "SELECT id, last_sequence FROM registry_state") == [(1, 0)]
    assert await _rows(database_url, "SELECT version_num FROM alembic_version") == [(_head(),)]


async def test_upgrading_twice_is_a_no_op_that_keeps_the_data(database_url):
    await upgrade_async(database_url)
    store = DatabaseStore(database_url)
    await store.connect()
    try:
        async with store.write() as tx:
            schema = await tx.insert_schema(SchemaFormat.JSON, object_schema(), "f" * 64)
            await tx.insert_version(SubjectName("kept"), Version(1), schema.id)
            await tx.append_event(
                EventKind.REGISTERED, SubjectName("kept"), version=Version(1), schema=schema
            )
    finally:
        await store.disconnect()

    await upgrade_async(database_url)

    assert await _tables(database_url) == EXPECTED_TABLES
    assert await _rows(database_url, "SELECT id, last_sequence FROM registry_state") == [(1, 1)]
    assert await _rows(database_url, "SELECT subject, version FROM subject_versions") == [
        ("kept", 1)
    ]
    assert await _rows(database_url, "SELECT version_num FROM alembic_version") == [(_head(),)]


async def test_upgrading_from_0001_keeps_compatibility_levels_and_allows_other_settings(
    database_url,
):
    await upgrade_async(database_url, "0001")
    store = DatabaseStore(database_url)
    await store.connect()
    try:
        async with store.write() as tx:
            await tx.set_compatibility(None, CompatibilityLevel.FORWARD)
            await tx.set_compatibility(SubjectName("orders"), CompatibilityLevel.FULL)
    finally:
        await store.disconnect()

    await upgrade_async(database_url)

    assert await _rows(database_url, "SELECT version_num FROM alembic_version") == [(_head(),)]
    assert await _rows(
        database_url, "SELECT subject, compatibility, policy, mode FROM configs ORDER BY subject"
    ) == [("", "FORWARD", None, None), ("orders", "FULL", None, None)]
    store = DatabaseStore(database_url)
    await store.connect()
    try:
        # The level is nullable now: a scope may set only its mode.
        async with store.write() as tx:
            await tx.set_mode(SubjectName("other"), RegistryMode.READONLY)
        assert await store.get_scope_config(SubjectName("orders")) == ScopeConfig(
            compatibility=CompatibilityLevel.FULL
        )
        assert await store.get_scope_config(SubjectName("other")) == ScopeConfig(
            mode=RegistryMode.READONLY
        )
        assert await store.get_scope_config(None) == ScopeConfig(
            compatibility=CompatibilityLevel.FORWARD
        )
    finally:
        await store.disconnect()


async def test_upgrading_a_registry_holding_json_schemas_keeps_reading_them_as_2020_12(
    database_url,
):
    """Before 0005 a JSON Schema without "$schema" was read as 2020-12 and fingerprinted
    so; the upgrade pins the global default dialect there, so the same text still finds
    the same schema. A registry holding none gets the draft-07 default."""
    empty = database_url
    await upgrade_async(empty, "0004")
    await upgrade_async(empty)
    assert await _rows(empty, "SELECT subject, dialect FROM configs") == []

    await _drop_everything(database_url)
    await upgrade_async(database_url, "0004")
    text = '{"properties":{"n":{"type":"integer"}},"type":"object"}'
    legacy = fingerprint_of(SchemaFormat.JSON, text)
    engine = create_async_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.text(
                    "INSERT INTO schemas (id, fingerprint, format, schema_text, created_at) "
                    "VALUES (1, :f, 'JSON', :t, 0)"
                ),
                {"f": legacy, "t": text},
            )
    finally:
        await engine.dispose()

    await upgrade_async(database_url)

    store = DatabaseStore(database_url)
    await store.connect()
    try:
        dialect = (await store.get_scope_config(None)).dialect
    finally:
        await store.disconnect()
    assert dialect == "https://json-schema.org/draft/2020-12/schema"
    assert await _rows(database_url, "SELECT dialect, refs FROM schemas") == [(None, None)]
    again = parse_schema(SchemaFormat.JSON, text, context=ParseContext(dialect=dialect))
    assert again.fingerprint == legacy
    draft_07 = parse_schema(SchemaFormat.JSON, text, context=ParseContext(dialect=DEFAULT_DIALECT))
    assert draft_07.fingerprint != legacy


async def _drop_everything(url: str) -> None:
    engine = create_async_engine(url, poolclass=sa.pool.NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.drop_all)
            await connection.execute(sa.text("DROP TABLE alembic_version"))
    finally:
        await engine.dispose()


def _head() -> str:
    """The newest revision in storage/migrations, so the test needs no edit per migration."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def _upgrade_command(url: str, *, commit_delay: float = 0.0) -> list[str]:
    """A replica's migration in its own interpreter (alembic's context is process-global,
    so replicas are processes, not threads). ``commit_delay`` makes it slow to commit."""
    code = (
        "import sys, time\n"
        "import sqlalchemy.engine\n"
        "delay = float(sys.argv[2])\n"
        "commit = sqlalchemy.engine.Connection.commit\n"
        "def slow_commit(self):\n"
        "    time.sleep(delay)\n"
        "    commit(self)\n"
        "sqlalchemy.engine.Connection.commit = slow_commit\n"
        "from storage.migrate import upgrade\n"
        "upgrade(sys.argv[1])\n"
    )
    return [sys.executable, "-c", code, url, str(commit_delay)]


async def _spawn(command: list[str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )


async def _failures(processes: list[asyncio.subprocess.Process]) -> list[str]:
    outputs = await asyncio.wait_for(
        asyncio.gather(*(process.communicate() for process in processes)), 60
    )
    return [
        stderr.decode(errors="replace")[-3000:]
        for process, (_, stderr) in zip(processes, outputs, strict=True)
        if process.returncode != 0
    ]


async def test_two_replicas_upgrading_one_fresh_postgresql_database_at_once_both_succeed(
    postgres_url,
):
    processes = [await _spawn(_upgrade_command(postgres_url)) for _ in range(2)]

    assert await _failures(processes) == []
    assert await _tables(postgres_url) == EXPECTED_TABLES
    assert await _rows(postgres_url, "SELECT id, last_sequence FROM registry_state") == [(1, 0)]


async def test_a_replica_waiting_for_the_migration_lock_finds_the_migration_committed(
    postgres_url,
):
    # Line both replicas up behind a lock this test holds, so the first one (slow to
    # commit) migrates while the second waits. The second must only get the lock once the
    # first has committed; otherwise it sees an empty database and creates the tables again.
    dsn = postgres_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    holder = await asyncpg.connect(dsn)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        slow = await _spawn(_upgrade_command(postgres_url, commit_delay=0.5))
        await _wait_for_lock_waiters(holder, 1)
        quick = await _spawn(_upgrade_command(postgres_url))
        await _wait_for_lock_waiters(holder, 2)
        await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)

        assert await _failures([slow, quick]) == []
    finally:
        await holder.close()
    assert await _tables(postgres_url) == EXPECTED_TABLES
    assert await _rows(postgres_url, "SELECT id, last_sequence FROM registry_state") == [(1, 0)]


async def _wait_for_lock_waiters(connection: asyncpg.Connection, count: int) -> None:
    query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"

    async with asyncio.timeout(30):
        while True:
            if await connection.fetchval(query) >= count:
                return
            await asyncio.sleep(0.01)


async def test_upgrading_from_0006_keeps_everything_and_stores_provider_rules(database_url):
    await upgrade_async(database_url, "0006")
    engine = create_async_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        async with engine.begin() as connection:
            for statement in (
                "INSERT INTO schemas (id, fingerprint, format, schema_text, created_at) "
                "VALUES (1, 'f1', 'JSON', '{\"type\":\"object\"}', 0)",
                "INSERT INTO subjects (name, deleted, created_at) VALUES ('tools.search', "
                "false, 0)",
                "INSERT INTO subject_versions (subject, version, schema_id, deleted, "
                "created_at, change) VALUES ('tools.search', 1, 1, false, 0, NULL)",
                "INSERT INTO configs (subject, compatibility, policy, mode, dialect) VALUES "
                "('', 'FULL', NULL, NULL, NULL), ('tools.search', NULL, 'LENIENT', NULL, NULL)",
                "INSERT INTO events (sequence, kind, subject, version, schema_id, permanent, "
                "created_at, change) VALUES (1, 'REGISTERED', 'tools.search', 1, 1, false, 0, "
                "NULL)",
                "UPDATE registry_state SET last_sequence = 1",
            ):
                await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()

    await upgrade_async(database_url)

    assert await _rows(database_url, "SELECT version_num FROM alembic_version") == [(_head(),)]
    assert await _rows(
        database_url,
        "SELECT subject, compatibility, policy, providers, provider_enforcement FROM configs "
        "ORDER BY subject",
    ) == [("", "FULL", None, None, None), ("tools.search", None, "LENIENT", None, None)]
    store = DatabaseStore(database_url)
    await store.connect()
    try:
        [event] = await store.list_events_after(Sequence(0), 10)
        assert (event.kind, event.subject, event.schema_text, event.lint_findings) == (
            EventKind.REGISTERED,
            "tools.search",
            '{"type":"object"}',
            (),
        )
        assert [v.version for v in await store.list_live_versions(SubjectName("tools.search"))] == [
            1
        ]
        async with store.write() as tx:
            await tx.set_providers(SubjectName("tools.search"), (Provider.GEMINI, Provider.OPENAI))
            await tx.set_provider_enforcement(None, ProviderEnforcement.ENFORCE)
            await tx.set_providers(SubjectName("quiet"), ())
        assert await store.get_scope_config(SubjectName("tools.search")) == ScopeConfig(
            policy=CompatibilityPolicy.LENIENT, providers=(Provider.GEMINI, Provider.OPENAI)
        )
        assert await store.get_scope_config(None) == ScopeConfig(
            compatibility=CompatibilityLevel.FULL,
            provider_enforcement=ProviderEnforcement.ENFORCE,
        )
        # An empty list is kept as a setting, not read back as "inherited".
        assert await store.get_scope_config(SubjectName("quiet")) == ScopeConfig(providers=())
        async with store.write() as tx:
            await tx.set_providers(SubjectName("quiet"), None)
        assert (
            await _rows(database_url, "SELECT subject FROM configs WHERE subject = 'quiet'") == []
        )
    finally:
        await store.disconnect()
