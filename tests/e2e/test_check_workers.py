"""Compatibility checks run in worker processes: while a long check runs, the replica
keeps answering, and work beyond the queue is refused with SERVER_BUSY."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    REGISTER,
    WAIT,
    GraphQLHttp,
    new_server,
    poll,
    sqlite_file_url,
    unique_subject,
)
from tests.support.server import ROOT, ServerProcess

CHECK = """
query Check($subject: String!, $schema: String!) {
  checkCompatibility(subject: $subject, schema: $schema) { isCompatible }
}
"""
READ = "query Read($id: Int!) { schema(id: $id) { id schema } }"


def heavy_schema(tag: str, branches: int = 30) -> str:
    """A large schema whose FULL check against another of its kind takes a worker about
    half a second: every branch of one must be compared with every branch of the other."""
    document = {
        "description": "padding " * 1200,
        "anyOf": [
            {
                "type": "object",
                "properties": {f"k{i}": {"const": f"{tag}{i}"}, "v": {"minimum": i}},
                "required": [f"k{i}"],
            }
            for i in range(branches)
        ],
    }
    return json.dumps(document)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("check-workers")
    server = new_server(
        sqlite_file_url(directory),
        directory / "server.log",
        REGISTRY_CHECK_WORKERS="1",
        REGISTRY_CHECK_QUEUE="1",
    ).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def gql(server: ServerProcess) -> AsyncIterator[GraphQLHttp]:
    async with httpx.AsyncClient(timeout=60) as client:
        yield GraphQLHttp(client, server)


class CheckMetrics:
    def __init__(self, text: str) -> None:
        self.running = self._value(text, r'registry_check_jobs\{state="running"\}')
        self.queued = self._value(text, r'registry_check_jobs\{state="queued"\}')
        self.done = self._value(text, r'registry_check_outcomes_total\{outcome="done"\}')
        self.busy = self._value(text, r'registry_check_outcomes_total\{outcome="busy"\}')

    @staticmethod
    def _value(text: str, series: str) -> float:
        found = re.search(rf"^{series} (\S+)$", text, re.MULTILINE)
        return float(found.group(1)) if found else 0.0


async def check_metrics(gql: GraphQLHttp) -> CheckMetrics:
    return CheckMetrics((await gql.http.get(f"{gql.server.url}/metrics")).text)


async def heavy_subject(gql: GraphQLHttp) -> str:
    subject = unique_subject("heavy")
    await gql.set_compatibility(subject, "FULL")
    await gql.register(subject, heavy_schema("a"))
    return subject


async def test_reads_are_answered_while_a_registration_is_being_checked(
    gql: GraphQLHttp,
) -> None:
    subject = await heavy_subject(gql)
    probe = await gql.register(unique_subject("probe"), '{"type": "string"}')
    registrations: list[dict[str, Any]] = []

    async def register_back_to_back() -> None:
        async with httpx.AsyncClient(timeout=60) as client:
            writer = GraphQLHttp(client, gql.server)
            for number in range(1000):
                schema = heavy_schema(f"b{number}-")
                registrations.append(
                    await writer.error(REGISTER, {"subject": subject, "schema": schema})
                )

    async def answered_inside_one_check() -> bool:
        """/healthz and schema(id) answered between two looks at the same running check:
        a check was running at the first look and at the second, and none finished in
        between. On the event loop, no request could be answered during a check."""
        before = await check_metrics(gql)
        if before.running < 1:
            return False
        health = await gql.http.get(f"{gql.server.url}/healthz")
        read = await gql.data(READ, {"id": probe["id"]})
        after = await check_metrics(gql)
        assert health.status_code == 200
        assert read["schema"]["schema"] == probe["schema"]
        return after.running >= 1 and after.done == before.done

    writer = asyncio.create_task(register_back_to_back())
    try:
        await poll(answered_inside_one_check, lambda answered: answered, within=60, interval=0.005)
        assert not writer.done()  # registering all along
    finally:
        writer.cancel()
    assert all(e["extensions"]["code"] == "INCOMPATIBLE_SCHEMA" for e in registrations)


async def test_checks_beyond_the_queue_are_refused_with_server_busy(gql: GraphQLHttp) -> None:
    subject = await heavy_subject(gql)
    busy_before = (await check_metrics(gql)).busy

    # One worker and a queue of one: two checks fill them for a second or so.
    checks = [
        asyncio.create_task(gql.data(CHECK, {"subject": subject, "schema": heavy_schema(tag)}))
        for tag in ("c", "d")
    ]
    await poll(lambda: check_metrics(gql), lambda m: m.running == 1 and m.queued == 1)
    refused_answer = await gql.post(CHECK, {"subject": subject, "schema": heavy_schema("e")})
    refused = refused_answer.json()["errors"][0]
    rest = await gql.http.post(
        f"{gql.server.url}/compatibility/subjects/{subject}/versions/latest",
        json={"schemaType": "JSON", "schema": heavy_schema("f")},
    )
    answers = await asyncio.wait_for(asyncio.gather(*checks), WAIT * 6)

    assert refused["extensions"]["code"] == "SERVER_BUSY"
    # GraphQL answers inside HTTP 200, and says when to retry, as REST does.
    assert refused_answer.headers["retry-after"] == "1"
    assert rest.status_code == 503
    assert rest.headers["retry-after"] == "1"
    assert rest.json()["error_code"] == 50301
    assert [a["checkCompatibility"]["isCompatible"] for a in answers] == [False, False]
    assert (await check_metrics(gql)).busy == busy_before + 2


def test_the_cli_module_imports_nothing_of_the_server() -> None:
    """multiprocessing runs the parent's main module again in each worker it starts
    (``python -m app.cli`` for a replica): importing it must stay cheap."""
    heavy = ("uvicorn", "starlette", "sqlalchemy", "alembic", "asyncpg", "strawberry")
    code = f"import sys, app.cli; print([m for m in {heavy!r} if m in sys.modules])"
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert completed.stdout.strip() == "[]"


def children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def test_the_workers_end_when_the_server_is_killed(tmp_path: Path) -> None:
    server = new_server(sqlite_file_url(tmp_path), tmp_path / "server.log").start()

    async def descendants() -> set[int]:
        return {pid for child in children(server.pid) for pid in {child, *children(child)}}

    try:
        # The resource tracker, the fork server and its two workers (started in the
        # background once the server is up).
        pool = await poll(descendants, lambda pids: len(pids) == 4)
    finally:
        server.kill()

    async def ended() -> set[int]:
        return {pid for pid in pool if is_running(pid)}

    assert await poll(ended, lambda left: not left) == set()
