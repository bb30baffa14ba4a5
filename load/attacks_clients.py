"""Slow clients, a connection flood and heavy registrations (attacks of ``load.attacks``):
each holds connections or jobs the replica must cut or get through within its limits."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx

from load.attack_kit import Outcome, Target, attack, summarize
from load.bench_compat import build_schema
from load.common import LOOPBACK, REGISTER, percentile

SET_CONFIG = """
mutation($subject: String!, $level: CompatibilityLevel, $policy: CompatibilityPolicy) {
  setCompatibility(subject: $subject, level: $level, policy: $policy) { compatibility }
}
"""


# Raw connections


async def _open(target: Target, first: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(LOOPBACK, target.port)
    writer.write(first)
    return reader, writer


async def _held_until_closed(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    opened: float,
    give_up: float,
    dribble: bytes = b"",
    every: float = 1.0,
) -> tuple[float, bytes]:
    """Seconds from ``opened`` until the server closes the connection (``give_up`` when it
    never does), and what it sent; meanwhile ``dribble`` is sent every ``every`` seconds,
    as an attacker keeping its request alive would."""
    answer = b""
    try:
        async with asyncio.timeout(give_up):
            while True:
                try:
                    async with asyncio.timeout(every):
                        chunk = await reader.read(4096)
                except TimeoutError:
                    if dribble:
                        writer.write(dribble)
                    continue
                if not chunk:
                    return time.monotonic() - opened, answer
                answer += chunk
    except TimeoutError:
        return give_up, answer or b"still open"
    except OSError:
        return time.monotonic() - opened, answer
    finally:
        writer.close()


def _status(answer: bytes) -> str:
    if answer.startswith(b"HTTP/1.1 "):
        return answer[9:12].decode()
    return answer.decode() or "closed"


@attack("slowloris")
async def slowloris(target: Target) -> Outcome:
    """Half-sent requests, each adding a header byte every second."""
    scale = target.scale
    limit = scale.header_timeout + target.slack
    request = b"GET /healthz HTTP/1.1\r\nHost: registry\r\nX-Slow: "

    async def one() -> tuple[float, bytes]:
        opened = time.monotonic()
        reader, writer = await _open(target, request)
        return await _held_until_closed(reader, writer, opened, limit + 5, b"a")

    results = await asyncio.gather(*(one() for _ in range(scale.slowloris)))
    held = max(seconds for seconds, _ in results)
    statuses = summarize([_status(answer) for _, answer in results])
    return Outcome(held, limit, f"{scale.slowloris} half-sent requests: {statuses}")


@attack("trickled-body")
async def trickled_body(target: Target) -> Outcome:
    """Request bodies sent a byte at a time, never pausing for the idle timeout."""
    scale = target.scale
    limit = scale.body_timeout + target.slack
    head = (
        b"POST /graphql HTTP/1.1\r\nHost: registry\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100000\r\n\r\n{"
    )

    async def one() -> tuple[float, bytes]:
        opened = time.monotonic()
        reader, writer = await _open(target, head)
        every = scale.body_idle_timeout / 2
        return await _held_until_closed(reader, writer, opened, limit + 5, b" ", every)

    results = await asyncio.gather(*(one() for _ in range(scale.trickled)))
    held = max(seconds for seconds, _ in results)
    statuses = summarize([_status(answer) for _, answer in results])
    return Outcome(held, limit, f"{scale.trickled} trickled bodies: {statuses}")


@attack("flood")
async def flood(target: Target) -> Outcome:
    """More connections than the replica's limit, opened at once and held without a
    word: those within the limit until the header timeout, the others answered 503."""
    scale = target.scale
    count = scale.max_connections + scale.flood_beyond
    limit = scale.header_timeout + target.slack

    async def one() -> tuple[float, bytes]:
        opened = time.monotonic()
        try:
            async with asyncio.timeout(limit):
                reader, writer = await _open(target, b"")
        except (OSError, TimeoutError):
            return time.monotonic() - opened, b"not accepted (listen backlog full)"
        return await _held_until_closed(reader, writer, opened, limit + 5)

    results = await asyncio.gather(*(one() for _ in range(count)))
    held = max(seconds for seconds, _ in results)
    statuses = summarize([_status(answer) for _, answer in results])
    detail = f"{count} silent connections (limit {scale.max_connections}): {statuses}"
    return Outcome(held, limit, detail)


def _versions(count: int) -> Iterator[str]:
    """A 200-property, 5-level schema (11.5 KB), then versions that each add an optional
    property somewhere: all compatible under FULL_TRANSITIVE with the LENIENT policy, and
    all structurally different, so no check is answered from an earlier one."""
    schema = build_schema()
    for number in range(count):
        schema = copy.deepcopy(schema)
        node = schema
        for _ in range(number % 5):
            node = node["properties"]["nested"]
        node["properties"][f"added_{number}"] = {"type": "string"}
        yield json.dumps(schema, separators=(",", ":"))


@attack("registrations")
async def registrations(target: Target) -> Outcome:
    """Large schemas registered back to back under FULL_TRANSITIVE, each checked against
    every earlier version (the history is built first, with checks off)."""
    scale = target.scale
    subject = f"attack.large.{time.time_ns()}"
    versions = _versions(scale.history + 10_000)
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=target.url, timeout=60) as client:

        async def call(query: str, **variables: Any) -> dict[str, Any]:
            response = await client.post("/graphql", json={"query": query, "variables": variables})
            payload: dict[str, Any] = response.json()
            if payload.get("errors"):
                raise RuntimeError(f"GraphQL errors: {payload['errors']}")
            return payload

        await call(SET_CONFIG, subject=subject, level="NONE", policy="LENIENT")
        for _ in range(scale.history):
            await call(REGISTER, subject=subject, schema=next(versions))
        await call(SET_CONFIG, subject=subject, level="FULL_TRANSITIVE", policy="LENIENT")
        deadline = time.monotonic() + scale.register_seconds
        while time.monotonic() < deadline:
            started = time.monotonic()
            await call(REGISTER, subject=subject, schema=next(versions))
            latencies.append((time.monotonic() - started) * 1000)
    detail = (
        f"{len(latencies)} registrations after {scale.history} versions, "
        f"p50 {percentile(latencies, 50):.0f} ms, max {max(latencies, default=0):.0f} ms"
    )
    return Outcome(None, None, detail)
