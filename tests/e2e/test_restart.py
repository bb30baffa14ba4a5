"""State survives the process: graceful restarts, crashes, and subscriptions resumed
across a restart, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    DELETE_VERSION,
    REGISTER,
    WAIT,
    GraphQLHttp,
    Subscription,
    assert_graceful_exit,
    new_server,
    object_schema,
    start_server,
    stop_server,
    unique_subject,
)
from tests.support.server import ServerProcess

SNAPSHOT = """
query Snapshot($prefix: String!) {
  subjects(prefix: $prefix, includeDeleted: true) {
    name versions deleted compatibility effectiveCompatibility
    latest { version id schema }
  }
  config { compatibility configured }
}
"""
SCHEMA = "query($id: Int!) { schema(id: $id) { id schema versions { subject version } } }"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    return str(request.getfixturevalue("postgres_url"))


class Replica:
    """One server process on a database, restartable on the same database."""

    def __init__(self, database_url: str, log_dir: Path) -> None:
        self.database_url = database_url
        self.log_dir = log_dir
        self.generation = 0
        self.server: ServerProcess | None = None

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"server-{self.generation}.log"

    async def start(self) -> ServerProcess:
        self.generation += 1
        self.server = await start_server(new_server(self.database_url, self.log_path))
        return self.server

    async def stop(self) -> None:
        assert self.server is not None
        assert_graceful_exit(await stop_server(self.server), self.log_path)
        self.server = None

    def crash(self) -> None:
        assert self.server is not None
        self.server.kill()
        self.server = None

    @asynccontextmanager
    async def client(self) -> AsyncIterator[GraphQLHttp]:
        assert self.server is not None
        async with httpx.AsyncClient(timeout=WAIT) as http:
            yield GraphQLHttp(http, self.server)


@pytest.fixture
async def replica(database: str, tmp_path: Path) -> AsyncIterator[Replica]:
    replica = Replica(database, tmp_path)
    await replica.start()
    try:
        yield replica
    finally:
        if replica.server is not None:
            replica.crash()


async def snapshot(client: GraphQLHttp, prefix: str, ids: list[int]) -> dict[str, Any]:
    state = await client.data(SNAPSHOT, {"prefix": prefix})
    state["schemas"] = [(await client.data(SCHEMA, {"id": i}))["schema"] for i in ids]
    return state


async def test_a_graceful_restart_keeps_subjects_versions_ids_and_configs(
    replica: Replica,
) -> None:
    prefix = unique_subject("restart") + "."
    orders, users, closed = f"{prefix}orders", f"{prefix}users", f"{prefix}closed"
    async with replica.client() as client:
        ids = [
            (await client.register(orders, object_schema({"id": "string"})))["id"],
            (await client.register(orders, object_schema({"id": "string", "n": "integer"})))["id"],
            (await client.register(users, object_schema({"email": "string"}, ["email"])))["id"],
            (await client.register(closed, object_schema({"x": "boolean"})))["id"],
        ]
        await client.set_compatibility(users, "FULL_TRANSITIVE")
        await client.set_compatibility(None, "FORWARD")
        await client.data(DELETE_VERSION, {"subject": closed, "version": 1})
        before = await snapshot(client, prefix, ids)

    await replica.stop()
    await replica.start()

    async with replica.client() as client:
        after = await snapshot(client, prefix, ids)
        # 4 registrations, 2 level changes, 1 deletion, numbered from 1 in a new database.
        last_sequence = await client.last_sequence()
        next_registration = await client.register(
            f"{prefix}new", object_schema({"fresh": "string"})
        )

    assert after == before
    assert last_sequence == 7
    assert [s["name"] for s in after["subjects"]] == [closed, orders, users]
    assert after["config"] == {"compatibility": "FORWARD", "configured": "FORWARD"}
    assert next_registration["id"] > max(ids)
    assert next_registration["version"] == 1


async def test_every_acknowledged_registration_survives_a_crash(replica: Replica) -> None:
    prefix = unique_subject("crash") + "."
    acknowledged: list[dict[str, Any]] = []
    enough_acknowledged = asyncio.Event()

    async def register(client: GraphQLHttp, index: int) -> None:
        schema = object_schema({f"field{index}": "string"})
        body = await client.execute(REGISTER, {"subject": f"{prefix}{index % 5}", "schema": schema})
        if body.get("data"):
            acknowledged.append(body["data"]["registerSchema"])
            if len(acknowledged) >= 15:
                enough_acknowledged.set()

    async with replica.client() as client:
        await client.set_compatibility(None, "NONE")
        tasks = [asyncio.create_task(register(client, i)) for i in range(40)]
        async with asyncio.timeout(WAIT):
            await enough_acknowledged.wait()
        replica.crash()
        await asyncio.gather(*tasks, return_exceptions=True)

    await replica.start()
    async with replica.client() as client:
        found = [
            await client.data(
                "query($s: String!, $v: Int!) { subject(name: $s) { version(number: $v) { id } } }",
                {"s": item["subject"], "v": item["version"]},
            )
            for item in acknowledged
        ]
        subjects = (await client.data(SNAPSHOT, {"prefix": prefix}))["subjects"]

    assert len(acknowledged) >= 15
    assert [f["subject"]["version"]["id"] for f in found] == [a["id"] for a in acknowledged]
    for subject in subjects:
        # Versions stay consecutive: a crash leaves no hole and no half-written version.
        assert subject["versions"] == list(range(1, len(subject["versions"]) + 1))


async def test_a_subscription_resumed_after_a_restart_gets_the_missed_events(
    replica: Replica,
) -> None:
    subject = unique_subject("resume-restart")
    assert replica.server is not None
    async with replica.client() as client:
        # The database is new: every event of this test comes after sequence 0.
        async with Subscription(replica.server.ws_url, {"subject": subject, "after": 0}) as changes:
            await client.register(subject, object_schema({"a": "string"}))
            last_seen = (await changes.next())["sequence"]
        await client.register(subject, object_schema({"a": "string", "b": "string"}))
        await client.set_compatibility(subject, "NONE")

    await replica.stop()
    server = await replica.start()

    async with replica.client() as client:
        await client.register(subject, object_schema({"c": "integer"}))
        async with Subscription(server.ws_url, {"subject": subject, "after": last_seen}) as resumed:
            missed = await resumed.take(3)
            await client.register(subject, object_schema({"d": "integer"}))
            live = await resumed.next()
            await resumed.assert_quiet(0.3)

    assert [(e["kind"], e["version"]) for e in missed] == [
        ("REGISTERED", 2),
        ("CONFIG_CHANGED", None),
        ("REGISTERED", 3),
    ]
    assert (live["kind"], live["version"]) == ("REGISTERED", 4)
    sequences = [e["sequence"] for e in [*missed, live]]
    assert sequences == list(range(last_seen + 1, last_seen + 5))
