"""Two server processes sharing one PostgreSQL database and one broadcast channel; the
tests on the ``replicas`` fixture run over Redis and over PostgreSQL NOTIFY."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    WAIT,
    GraphQLHttp,
    Subscription,
    SubscriptionError,
    new_server,
    object_schema,
    poll,
    start_server,
    stop_server,
    unique_subject,
)
from tests.support.server import ServerProcess

VERSIONS = "query($s: String!) { subject(name: $s) { versions latest { version } } }"


@dataclass
class Replicas:
    a: ServerProcess
    b: ServerProcess
    client_a: GraphQLHttp
    client_b: GraphQLHttp

    def client(self, index: int) -> GraphQLHttp:
        return self.client_a if index % 2 == 0 else self.client_b


@pytest.fixture
async def replicas(
    postgres_url: str, shared_broadcast_url: str, unique_channel: str, tmp_path: Path
) -> AsyncIterator[Replicas]:
    env = {
        "REGISTRY_BROADCAST_URL": shared_broadcast_url,
        "REGISTRY_BROADCAST_CHANNEL": unique_channel,
        # Far beyond any wait here: events must travel over the broadcast, not the poll.
        "REGISTRY_EVENT_POLL_INTERVAL": "60",
    }
    # One after the other: the first applies the migrations.
    a = await start_server(new_server(postgres_url, tmp_path / "a.log", **env))
    try:
        b = await start_server(new_server(postgres_url, tmp_path / "b.log", **env))
        try:
            async with (
                httpx.AsyncClient(timeout=WAIT) as http_a,
                httpx.AsyncClient(timeout=WAIT) as http_b,
            ):
                yield Replicas(a, b, GraphQLHttp(http_a, a), GraphQLHttp(http_b, b))
        finally:
            await stop_server(b)
    finally:
        await stop_server(a)


def assert_gap_free(events: list[dict[str, Any]]) -> None:
    sequences = [e["sequence"] for e in events]
    assert sequences == list(range(1, len(events) + 1)), sequences


async def test_a_subscriber_on_one_replica_receives_a_registration_made_on_the_other(
    replicas: Replicas,
) -> None:
    subject = unique_subject("cross")
    async with Subscription(replicas.a.ws_url, {"subject": subject}) as changes:
        await replicas.client_a.wait_for_subscribers(1)
        registered = await replicas.client_b.register(subject, object_schema({"x": "string"}))
        event = await changes.next()

    assert event["kind"] == "REGISTERED"
    assert (event["subject"], event["version"], event["id"]) == (
        subject,
        1,
        registered["id"],
    )
    assert event["schema"] == registered["schema"]


async def test_concurrent_registrations_to_one_subject_across_replicas_get_versions_1_to_n(
    replicas: Replicas,
) -> None:
    subject = unique_subject("race")
    count = 20
    await replicas.client_a.set_compatibility(subject, "NONE")

    async with (
        Subscription(replicas.a.ws_url, {"after": 0}) as on_a,
        Subscription(replicas.b.ws_url, {"after": 0}) as on_b,
    ):
        results = await asyncio.gather(
            *(
                replicas.client(i).register(subject, object_schema({f"field{i}": "string"}))
                for i in range(count)
            )
        )
        seen_a = await on_a.take(count + 1, seconds=WAIT * 2)
        seen_b = await on_b.take(count + 1, seconds=WAIT * 2)
        await on_a.assert_quiet(0.3)

    assert sorted(r["version"] for r in results) == list(range(1, count + 1))
    assert len({r["id"] for r in results}) == count
    assert all(r["isNewVersion"] for r in results)
    for client in (replicas.client_a, replicas.client_b):
        found = (await client.data(VERSIONS, {"s": subject}))["subject"]
        assert found == {"versions": list(range(1, count + 1)), "latest": {"version": count}}
    # Every change, seen through either replica, in commit order without a gap.
    assert_gap_free(seen_a)
    assert seen_a == seen_b
    assert seen_a[0]["kind"] == "CONFIG_CHANGED"
    registered = {(e["version"], e["id"]) for e in seen_a[1:]}
    assert registered == {(r["version"], r["id"]) for r in results}


async def test_the_same_content_registered_concurrently_on_both_replicas_gets_one_id(
    replicas: Replicas,
) -> None:
    subjects = [unique_subject("shared") for _ in range(5)]
    schema = object_schema({"shared": "string", "count": "integer"}, ["shared"])

    async with Subscription(replicas.a.ws_url, {"after": 0}) as on_a:
        results = await asyncio.gather(
            *(
                client.register(subject, schema)
                for subject in subjects
                for client in (replicas.client_a, replicas.client_b)
            )
        )
        events = await on_a.take(len(subjects))
        await on_a.assert_quiet(0.5)

    assert len({r["id"] for r in results}) == 1
    assert {r["version"] for r in results} == {1}
    for subject in subjects:
        mine = [r for r in results if r["subject"] == subject]
        assert sorted(r["isNewVersion"] for r in mine) == [False, True]
    assert_gap_free(events)
    assert sorted(e["subject"] for e in events) == sorted(subjects)
    assert {e["kind"] for e in events} == {"REGISTERED"}


@asynccontextmanager
async def replicas_without_shared_broadcast(
    database_url: str, log_dir: Path, **env_a: str
) -> AsyncIterator[Replicas]:
    """Two replicas whose broadcasts are each in-process (memory://): one learns of the
    other's changes only through the outbox poll, as after lost publishes."""
    a = await start_server(new_server(database_url, log_dir / "a.log", **env_a))
    try:
        b = await start_server(new_server(database_url, log_dir / "b.log"))
        try:
            async with (
                httpx.AsyncClient(timeout=WAIT) as http_a,
                httpx.AsyncClient(timeout=WAIT) as http_b,
            ):
                yield Replicas(a, b, GraphQLHttp(http_a, a), GraphQLHttp(http_b, b))
        finally:
            await stop_server(b)
    finally:
        await stop_server(a)


async def test_without_a_shared_broadcast_changes_still_arrive_from_the_outbox(
    postgres_url: str, tmp_path: Path
) -> None:
    subject = unique_subject("outbox")
    async with (
        replicas_without_shared_broadcast(
            postgres_url, tmp_path, REGISTRY_EVENT_POLL_INTERVAL="0.2"
        ) as replicas,
        Subscription(replicas.a.ws_url, {"subject": subject}) as changes,
    ):
        await replicas.client_a.wait_for_subscribers(1)
        await replicas.client_b.set_compatibility(subject, "NONE")
        results = [
            await replicas.client_b.register(subject, object_schema({f"f{i}": "string"}))
            for i in range(5)
        ]
        events = await changes.take(6)
        await changes.assert_quiet(0.5)

    assert_gap_free(events)
    assert [e["kind"] for e in events] == ["CONFIG_CHANGED"] + ["REGISTERED"] * 5
    assert [e["id"] for e in events[1:]] == [r["id"] for r in results]


async def test_a_subscriber_that_falls_behind_is_told_to_resume_and_can(
    postgres_url: str, tmp_path: Path
) -> None:
    """A burst larger than the subscriber queue (here: one outbox poll bringing in another
    replica's changes) ends the subscription; the client resumes with ``after``."""
    subject = unique_subject("overflow")
    count = 12
    async with replicas_without_shared_broadcast(
        postgres_url,
        tmp_path,
        REGISTRY_SUBSCRIBER_QUEUE_SIZE="2",
        REGISTRY_EVENT_POLL_INTERVAL="1",
    ) as replicas:
        await replicas.client_b.set_compatibility(subject, "NONE")
        async with Subscription(replicas.a.ws_url, {"subject": subject, "after": 0}) as changes:
            await changes.take(1)
            await replicas.client_a.wait_for_subscribers(1)
            await asyncio.gather(
                *(
                    replicas.client_b.register(subject, object_schema({f"f{i}": "string"}))
                    for i in range(count)
                )
            )
            before_overflow: list[dict[str, Any]] = []
            while True:
                try:
                    before_overflow.append(await changes.next(seconds=WAIT))
                except SubscriptionError as exc:
                    errors = exc.errors
                    break
        last_seen = before_overflow[-1]["sequence"] if before_overflow else 1
        async with Subscription(
            replicas.a.ws_url, {"subject": subject, "after": last_seen}
        ) as resumed:
            rest = await resumed.take(count + 1 - last_seen)
            await resumed.assert_quiet(0.3)

    assert_gap_free([{"sequence": 1}, *before_overflow, *rest])
    assert len(before_overflow) < count
    code = errors[0]["extensions"]["code"]
    # Falling behind is an expected condition with a remedy the server knows (the hub's
    # message names the sequence to resume after), not an internal error.
    assert code != "INTERNAL_ERROR", errors
    assert "after" in errors[0]["message"], errors


def described(text: str) -> str:
    """One version per text: a description change is a new (PATCH) version."""
    return json.dumps({"type": "object", "description": text})


async def test_reads_of_latest_never_go_back_and_see_their_own_writes(
    replicas: Replicas,
) -> None:
    """Reads of a subject's latest version, raced against registrations on the other
    replica: no reader ever sees an older latest after a newer one, on either replica or
    transport; the replica that registered answers its own new version at once; the
    other converges as the event reaches it."""
    subject = unique_subject("race")
    await replicas.client_a.register(subject, described("v1"))
    last = 12
    writing = True
    seen: dict[str, list[int]] = {"graphql-a": [], "graphql-b": [], "rest-b": [], "validate-b": []}

    async def read(name: str) -> int:
        client = replicas.client_a if name.endswith("-a") else replicas.client_b
        if name.startswith("rest"):
            url = f"{client.server.url}/subjects/{subject}/versions/latest"
            return int((await client.http.get(url)).json()["version"])
        if name.startswith("validate"):
            query = "query($s: String!) { validatePayload(subject: $s, payload: {}) { version } }"
            return int((await client.data(query, {"s": subject}))["validatePayload"]["version"])
        found = await client.data(VERSIONS, {"s": subject})
        return int(found["subject"]["latest"]["version"])

    async def reader(name: str) -> None:
        while writing:
            seen[name].append(await read(name))

    async def writer() -> list[tuple[int, int, int]]:
        own = []
        for number in range(2, last + 1):
            done = await replicas.client_a.register(subject, described(f"v{number}"))
            # Read-your-writes, on the replica that made the change, both transports.
            rest = await replicas.client_a.http.get(
                f"{replicas.a.url}/subjects/{subject}/versions/latest"
            )
            own.append((done["version"], await read("graphql-a"), rest.json()["version"]))
        return own

    readers = [asyncio.create_task(reader(name)) for name in seen]
    try:
        own = await writer()
    finally:
        writing = False
        await asyncio.gather(*readers)

    assert own == [(n, n, n) for n in range(2, last + 1)]
    for name, versions in seen.items():
        assert versions, name
        assert versions == sorted(versions), (name, versions)
    # Replica b sees more than one version while the writes go on, then the last one.
    assert len(set(seen["graphql-b"])) > 1, seen["graphql-b"]
    await poll(lambda: read("graphql-b"), lambda version: version == last)
    await poll(lambda: read("rest-b"), lambda version: version == last)
