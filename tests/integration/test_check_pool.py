"""The check workers: real processes, counted jobs, a bounded queue, and a new pool
when a worker dies."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator
from concurrent.futures.process import BrokenProcessPool

import pytest

from app import check_pool
from app.check_pool import ProcessChecker
from registry.checks import CheckRequest, EarlierSchema, SchemaSource
from registry.errors import InvalidSchemaError, ServerBusyError
from registry.model import CompatibilityLevel, SchemaFormat
from registry.types import Version
from tests.integration.helpers import wait_until

WAIT = 30.0


def slow_request(tag: str) -> CheckRequest:
    """A FULL check of about a fifth of a second: every branch against every branch."""

    def branches(prefix: str) -> str:
        return json.dumps(
            {
                "anyOf": [
                    {"properties": {f"k{i}": {"const": f"{prefix}{i}"}}, "required": [f"k{i}"]}
                    for i in range(20)
                ]
            }
        )

    earlier = (EarlierSchema(Version(1), SchemaSource(SchemaFormat.JSON, branches("a"))),)
    candidate = SchemaSource(SchemaFormat.JSON, branches(tag))
    return CheckRequest(candidate, CompatibilityLevel.FULL, earlier)


@pytest.fixture
async def outcomes() -> list[str]:
    return []


@pytest.fixture
async def workers(outcomes: list[str]) -> AsyncIterator[ProcessChecker]:
    checker = ProcessChecker(workers=1, queue=1, on_finished=outcomes.append)
    await checker.start()
    try:
        yield checker
    finally:
        await checker.stop()


async def test_a_worker_answers_as_the_domain_does(workers: ProcessChecker) -> None:
    found = await asyncio.wait_for(workers.find_incompatibilities(slow_request("b")), WAIT)
    large = json.dumps({"type": "object", "description": "x" * 10_000})

    assert found and {i.code for i in found} == {"COMBINED_SCHEMA_CHANGED"}
    assert (
        await workers.canonicalize(SchemaSource(SchemaFormat.JSON, large))
    ).canonical == json.dumps(json.loads(large), sort_keys=True, separators=(",", ":"))
    with pytest.raises(InvalidSchemaError):
        await workers.canonicalize(SchemaSource(SchemaFormat.JSON, "{" + " " * 10_000))


async def test_parses_slow_for_their_size_go_to_a_worker(
    workers: ProcessChecker, outcomes: list[str]
) -> None:
    small_json = SchemaSource(SchemaFormat.JSON, '{"type": "string"}')
    small_proto = SchemaSource(
        SchemaFormat.PROTOBUF, 'syntax = "proto3"; message A { int32 a = 1; }'
    )
    # An Avro record past its format's inline size, though under the JSON one.
    fields = [{"name": f"f{i}", "type": "string"} for i in range(80)]
    avro = SchemaSource(
        SchemaFormat.AVRO, json.dumps({"type": "record", "name": "R", "fields": fields})
    )

    await workers.canonicalize(small_json)
    assert outcomes == []
    parsed = await workers.canonicalize(small_proto)
    assert outcomes == ["done"]
    await workers.canonicalize(avro)
    assert outcomes == ["done", "done"]
    assert "message A" in parsed.canonical
    assert await workers.render(small_proto, "serialized")
    assert outcomes == ["done", "done", "done"]


async def test_a_job_beyond_the_queue_is_refused_and_the_others_complete(
    workers: ProcessChecker, outcomes: list[str]
) -> None:
    jobs = [asyncio.create_task(workers.find_incompatibilities(slow_request(t))) for t in "bc"]
    await asyncio.sleep(0)  # both submitted: one running, one waiting

    with pytest.raises(ServerBusyError):
        await workers.find_incompatibilities(slow_request("d"))
    await asyncio.wait_for(asyncio.gather(*jobs), WAIT)
    await wait_until(lambda: workers.pending == 0, within=WAIT)

    assert sorted(outcomes) == ["busy", "done", "done"]


async def test_an_abandoned_job_is_counted_until_its_worker_is_done(
    workers: ProcessChecker,
) -> None:
    await asyncio.wait_for(workers.find_incompatibilities(slow_request("b")), WAIT)
    job = asyncio.create_task(workers.find_incompatibilities(slow_request("c")))
    await asyncio.sleep(0.02)
    job.cancel()

    assert workers.pending == 1
    await wait_until(lambda: workers.pending == 0, within=WAIT)


async def test_after_a_worker_dies_the_next_jobs_get_new_workers(
    workers: ProcessChecker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check_pool, "INLINE_PARSE_CHARS", 0)
    await workers.canonicalize(SchemaSource(SchemaFormat.JSON, "{}"))
    executor = workers._executor
    assert executor is not None
    for pid in list(executor._processes):
        os.kill(pid, signal.SIGKILL)

    failed = 0
    async with asyncio.timeout(WAIT):
        while True:
            try:
                await workers.canonicalize(SchemaSource(SchemaFormat.JSON, '{"type": "string"}'))
                break
            except BrokenProcessPool:
                failed += 1
    assert failed <= 1
    assert workers._executor is not executor


async def test_a_request_abandoned_while_the_workers_start_leaves_them_starting(
    outcomes: list[str],
) -> None:
    checker = ProcessChecker(workers=1, queue=1, on_finished=outcomes.append)
    await checker.start()
    try:
        abandoned = asyncio.create_task(checker.find_incompatibilities(slow_request("b")))
        await asyncio.sleep(0)
        abandoned.cancel()

        found = await asyncio.wait_for(checker.find_incompatibilities(slow_request("c")), WAIT)

        assert found
        assert checker.pending == 0
    finally:
        await checker.stop()
