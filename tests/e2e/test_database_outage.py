"""A replica serving on a private PostgreSQL cluster that stops at once (``pg_ctl stop -m
immediate``, as a crash or a failover does) and starts again: requests are refused as
STORAGE_UNAVAILABLE, never as internal errors, readiness says so, and the replica serves
again by itself with everything acknowledged before the outage."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    REGISTER,
    WAIT,
    GraphQLHttp,
    Subscription,
    new_server,
    object_schema,
    poll,
    start_server,
    stop_server,
)
from tests.support.services import PrivatePostgres, private_postgres

SUBJECTS = "{ subjects { name versions } }"
REST_SCHEMA = {"schemaType": "JSON", "schema": object_schema({"rest": "string"})}


@pytest.fixture
def postgres_server() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


def outcome(response: httpx.Response) -> str:
    """What one request answered: a GraphQL error code, a REST status/code, or ok."""
    body: dict[str, Any] = response.json()
    if "errors" in body:
        return str(body["errors"][0]["extensions"]["code"])
    if "error_code" in body:
        retry_after = response.headers.get("retry-after")
        return f"{response.status_code}/{body['error_code']}/retry-after={retry_after}"
    return f"ok {response.status_code}"


async def test_an_outage_is_storage_unavailable_and_the_replica_recovers_by_itself(
    postgres_server: PrivatePostgres, tmp_path: Path
) -> None:
    url = postgres_server.create_database()
    log = tmp_path / "server.log"
    server = await start_server(new_server(url, log))
    try:
        async with (
            httpx.AsyncClient(timeout=WAIT) as http,
            Subscription(server.ws_url, {"after": 0}) as changes,
        ):
            client = GraphQLHttp(http, server)
            acknowledged = [
                await client.register(f"before-{n}", object_schema({"n": "integer"}))
                for n in range(5)
            ]
            await changes.take(5)

            postgres_server.stop()
            answers: list[str] = []
            for n in range(10):
                answers.append(outcome(await client.post(SUBJECTS)))
                mutation = await client.post(
                    REGISTER, {"subject": f"during-{n}", "schema": object_schema({"x": "string"})}
                )
                answers.append(outcome(mutation))
                answers.append(outcome(await http.get(f"{server.url}/subjects")))
                answers.append(
                    outcome(
                        await http.post(f"{server.url}/subjects/rest/versions", json=REST_SCHEMA)
                    )
                )
                await asyncio.sleep(0.05)
            readiness = await http.get(f"{server.url}/readyz")
            await asyncio.sleep(0.5)  # a few outbox polls fail meanwhile

            postgres_server.start()
            await poll(
                lambda: http.get(f"{server.url}/readyz"),
                lambda response: response.status_code == 200,
                within=WAIT,
            )
            after = await client.register("after", object_schema({"n": "integer"}))
            subjects = {s["name"]: s["versions"] for s in (await client.data(SUBJECTS))["subjects"]}
            live = await changes.next()
            await changes.assert_quiet(0.3)
    finally:
        await stop_server(server)

    assert set(answers) == {
        "STORAGE_UNAVAILABLE",
        "503/50001/retry-after=1",
    }, answers
    assert readiness.status_code == 503
    assert readiness.json()["status"] == "unavailable"
    assert all(subjects[a["subject"]] == [a["version"]] for a in acknowledged)
    assert not [name for name in subjects if name.startswith("during-")]
    assert (live["subject"], live["sequence"]) == ("after", 6)
    assert after["version"] == 1

    lines = log.read_text(errors="replace").splitlines()
    assert not [line for line in lines if "Traceback" in line or "INTERNAL_ERROR" in line]
    # Each refused request is one line; everything else about the outage a few lines.
    refusals = [line for line in lines if " refused: " in line]
    assert len(refusals) == len(answers)
    other = [
        line
        for line in lines
        if " refused: " not in line and "uvicorn" not in line and "alembic" not in line
    ]
    assert len(other) <= 12, "\n".join(other)


async def test_a_hung_database_holds_no_request_for_ever(
    postgres_server: PrivatePostgres, tmp_path: Path
) -> None:
    """PostgreSQL stops answering without closing anything (every server process
    SIGSTOPped): each request that needs it is answered STORAGE_UNAVAILABLE within the
    query or connect timeout instead of waiting for ever; answers kept in memory and the
    probes go on; once it answers again the replica serves by itself."""
    url = postgres_server.create_database()
    log = tmp_path / "server.log"
    server = await start_server(new_server(url, log, REGISTRY_DATABASE_QUERY_TIMEOUT="1"))
    try:
        async with httpx.AsyncClient(timeout=60) as http:
            client = GraphQLHttp(http, server)
            first = await client.register("hung", object_schema({"n": "integer"}))
            by_id = "query($i: Int!) { schema(id: $i) { id schema } }"
            kept = await client.data(by_id, {"i": first["id"]})

            postgres_server.freeze()
            try:
                answers: list[tuple[str, float]] = []
                for n in range(3):
                    started = asyncio.get_running_loop().time()
                    mutation = await client.post(
                        REGISTER, {"subject": f"hung-{n}", "schema": object_schema({"x": "string"})}
                    )
                    answers.append((outcome(mutation), asyncio.get_running_loop().time() - started))
                    started = asyncio.get_running_loop().time()
                    listing = await http.get(f"{server.url}/subjects?deleted=true&n={n}")
                    answers.append((outcome(listing), asyncio.get_running_loop().time() - started))
                served = await client.data(by_id, {"i": first["id"]})
                alive = await http.get(f"{server.url}/healthz")
                readiness = await http.get(f"{server.url}/readyz")
            finally:
                postgres_server.thaw()

            await poll(
                lambda: http.get(f"{server.url}/readyz"),
                lambda response: response.status_code == 200,
                within=30,
            )
            after = await client.register("hung-after", object_schema({"n": "integer"}))
    finally:
        await stop_server(server)

    assert {code for code, _ in answers} <= {"STORAGE_UNAVAILABLE", "503/50001/retry-after=1"}
    # Bounded by the 1 s query timeout or the 5 s connect timeout, never open-ended.
    assert max(seconds for _, seconds in answers) < 15, answers
    assert served == kept
    assert alive.status_code == 200
    assert readiness.status_code == 503
    assert after["version"] == 1
    lines = log.read_text(errors="replace").splitlines()
    assert not [line for line in lines if "Traceback" in line or "INTERNAL_ERROR" in line]
