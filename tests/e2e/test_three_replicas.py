"""Three server processes on one PostgreSQL database, sharing events over Redis pub/sub or
over PostgreSQL NOTIFY (each test runs on both): changes made on any replica reach the
subscribers of every replica in one order, a subscriber whose replica is killed resumes on
another, and each replica's reads follow the events it received."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    WAIT,
    GraphQLHttp,
    Subscription,
    new_server,
    object_schema,
    start_server,
    stop_server,
    unique_subject,
)
from tests.support.server import ServerProcess

LATEST = "query($s: String!) { subject(name: $s) { latest { version id } } }"


@dataclass
class Cluster:
    servers: list[ServerProcess]
    clients: list[GraphQLHttp]


@pytest.fixture
async def cluster(
    postgres_url: str, shared_broadcast_url: str, unique_channel: str, tmp_path: Path
) -> AsyncIterator[Cluster]:
    env = {
        "REGISTRY_BROADCAST_URL": shared_broadcast_url,
        "REGISTRY_BROADCAST_CHANNEL": unique_channel,
        # Far beyond any wait here: events must travel over the broadcast, not the poll.
        "REGISTRY_EVENT_POLL_INTERVAL": "60",
    }
    servers: list[ServerProcess] = []
    async with AsyncExitStack() as stack:
        # One after the other: the first applies the migrations.
        for name in "abc":
            server = await start_server(new_server(postgres_url, tmp_path / f"{name}.log", **env))
            stack.push_async_callback(stop_server, server)
            servers.append(server)
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=WAIT))
        yield Cluster(servers, [GraphQLHttp(http, server) for server in servers])


def assert_consecutive(events: list[dict[str, Any]]) -> None:
    sequences = [e["sequence"] for e in events]
    assert sequences == list(range(sequences[0], sequences[0] + len(sequences))), sequences


def growing(number: int, *, description: str = "") -> str:
    """The ``number``-th of a family of schemas, each compatible with those before it."""
    document = json.loads(object_schema({f"f{n}": "string" for n in range(number + 1)}))
    if description:
        document["description"] = description
    return json.dumps(document)


async def latest_version(client: GraphQLHttp, subject: str) -> tuple[int, int]:
    """The subject's latest version as GraphQL and REST answer it on one replica."""
    found = (await client.data(LATEST, {"s": subject}))["subject"]["latest"]["version"]
    rest = await client.http.get(f"{client.server.url}/subjects/{subject}/versions/latest")
    assert rest.status_code == 200, rest.text
    return int(found), int(rest.json()["version"])


async def test_changes_made_on_every_replica_reach_every_replica_in_one_order(
    cluster: Cluster,
) -> None:
    prefix = unique_subject("three")
    subjects = [f"{prefix}-{n}" for n in range(3)]
    # One replica's schemas are larger than a PostgreSQL NOTIFY carries.
    descriptions = ["", "ü" * 6000, "short"]
    rounds = 4
    async with AsyncExitStack() as stack:
        streams = [
            await stack.enter_async_context(
                Subscription(server.ws_url, {"subjectPrefix": prefix, "after": 0})
            )
            for server in cluster.servers
        ]
        for client in cluster.clients:
            await client.wait_for_subscribers(1)
        registered: list[dict[str, Any]] = []
        for number in range(rounds):
            # Each replica registers a version of its own subject, all at once.
            registered += await asyncio.gather(
                *(
                    client.register(subject, growing(number, description=description))
                    for client, subject, description in zip(
                        cluster.clients, subjects, descriptions, strict=True
                    )
                )
            )
        count = len(registered)
        seen = [await stream.take(count) for stream in streams]
        for stream in streams:
            await stream.assert_quiet(0.3)

    assert count == 3 * rounds
    # No gap, no duplicate, and the same order on every replica.
    assert_consecutive(seen[0])
    assert seen[1] == seen[0]
    assert seen[2] == seen[0]
    assert {(e["subject"], e["version"], e["id"], e["schema"]) for e in seen[0]} == {
        (r["subject"], r["version"], r["id"], r["schema"]) for r in registered
    }
    assert max(len(e["schema"].encode()) for e in seen[0]) > 12_000
    for subject in subjects:
        versions = [e["version"] for e in seen[0] if e["subject"] == subject]
        assert versions == list(range(1, rounds + 1))


async def test_a_subscriber_whose_replica_is_killed_resumes_on_another_without_a_gap(
    cluster: Cluster,
) -> None:
    subject = unique_subject("resume")
    a, b, c = cluster.clients
    await a.set_compatibility(subject, "NONE")
    async with Subscription(cluster.servers[2].ws_url, {"subject": subject, "after": 0}) as on_c:
        await c.wait_for_subscribers(1)
        for n in range(3):
            await (a, b)[n % 2].register(subject, object_schema({f"before{n}": "string"}))
        before = await on_c.take(4)
        cluster.servers[2].kill()
        ended = await on_c.wait_closed()
    # Changes made while the subscriber is away, on both surviving replicas.
    for n in range(4):
        await (a, b)[n % 2].register(subject, object_schema({f"during{n}": "string"}))
    resume_after = before[-1]["sequence"]
    async with Subscription(
        cluster.servers[1].ws_url, {"subject": subject, "after": resume_after}
    ) as on_b:
        missed = await on_b.take(4)
        await b.wait_for_subscribers(1)
        live = await a.register(subject, object_schema({"after": "string"}))
        following = await on_b.next()
        await on_b.assert_quiet(0.3)

    assert ended in ("end", "exception")
    assert [e["kind"] for e in before] == ["CONFIG_CHANGED"] + ["REGISTERED"] * 3
    stream = before + missed + [following]
    assert_consecutive(stream)
    assert [e["version"] for e in stream[1:]] == list(range(1, 9))
    assert following["id"] == live["id"]


async def test_reads_on_every_replica_show_a_change_once_its_event_arrived_there(
    cluster: Cluster,
) -> None:
    subject = unique_subject("cached")
    writer, *readers = cluster.clients
    await writer.register(subject, growing(0))
    async with AsyncExitStack() as stack:
        streams = [
            await stack.enter_async_context(
                Subscription(client.server.ws_url, {"subject": subject})
            )
            for client in readers
        ]
        for client in readers:
            await client.wait_for_subscribers(1)
        # Each reader has answered version 1 (and keeps it between requests).
        cached = [await latest_version(client, subject) for client in readers]
        registered = await writer.register(subject, growing(1))
        arrived = [await stream.next() for stream in streams]
        # Read at once, without retrying: the event's arrival is the promise.
        after = [await latest_version(client, subject) for client in readers]

    assert cached == [(1, 1), (1, 1)]
    assert [e["version"] for e in arrived] == [2, 2]
    assert after == [(2, 2), (2, 2)]
    assert registered["version"] == 2
