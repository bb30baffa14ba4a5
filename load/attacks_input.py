"""Hostile input (attacks of ``load.attacks``): catastrophic regular expressions, a fragment
bomb and bodies far over the request limit. Each request must be answered, or refused,
within the answer limit, with the verdict or refusal expected; oversized bodies must not
grow the replica's memory by their size."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from load.attack_kit import Outcome, Target, attack, summarize
from load.common import LOOPBACK, REGISTER, percentile
from load.hostile_inputs import (
    CHECK,
    GRAPHQL_BODY,
    REGEX_CASES,
    REST_BODY,
    compact,
    error_code,
    fragment_bomb,
    send_large_body,
    send_large_message,
)

# What an oversized body may add to the replica's resident memory: the body is refused
# as it arrives, so at most the request limit (4 MiB by default) is ever held, and a
# 50 MB body that reached memory would show at once.
RSS_GROWTH_LIMIT = 20 * 1024 * 1024
BODY_BYTES = 50 * 1024 * 1024

Sender = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]
# What one answer was: "ok ..." when it was the one expected.
Check = Callable[[httpx.Response], str]
Request = tuple[str, Sender, Check]


async def _hammer(
    target: Target, requests: list[Request]
) -> tuple[list[float], list[str], list[str]]:
    """Sends ``requests`` round-robin from ``input_clients`` clients for ``input_seconds``;
    returns every request's seconds, every answer's outcome and the unexpected ones."""
    seconds: list[float] = []
    outcomes: list[str] = []
    problems: list[str] = []
    cycle = itertools.cycle(requests)
    deadline = time.monotonic() + target.scale.input_seconds

    async def client() -> None:
        async with httpx.AsyncClient(base_url=target.url, timeout=60) as http:
            while time.monotonic() < deadline:
                name, send, check = next(cycle)
                started = time.monotonic()
                response = await send(http)
                seconds.append(time.monotonic() - started)
                outcome = check(response)
                outcomes.append(outcome)
                if not outcome.startswith("ok"):
                    problems.append(f"{name}: {outcome}")

    await asyncio.gather(*(client() for _ in range(target.scale.input_clients)))
    return seconds, outcomes, problems


def _timing(seconds: list[float], limit: float) -> str:
    return (
        f"p50 {percentile(seconds, 50) * 1000:.0f} ms, longest "
        f"{max(seconds, default=0) * 1000:.0f} ms (limit {limit * 1000:.0f} ms)"
    )


def _graphql(query: str, **variables: Any) -> Sender:
    body = {"query": query, "variables": variables}
    return lambda http: http.post("/graphql", json=body)


def _rest_register(subject: str, schema: str) -> Sender:
    body = {"schemaType": "JSON", "schema": schema}
    return lambda http: http.post(f"/subjects/{subject}/versions", json=body)


def _expect_check(code: str) -> Check:
    def check(response: httpx.Response) -> str:
        payload = _json(response.content)
        data = payload.get("data") if isinstance(payload, dict) else None
        report = (data or {}).get("checkCompatibility") or {}
        found = [item["code"] for item in report.get("incompatibilities") or []]
        if report.get("isCompatible") is False and found == [code]:
            return f"ok check {code}"
        return f"{response.status_code} {error_code(payload) or found}"

    return check


def _expect_code(status: int, code: str) -> Check:
    def check(response: httpx.Response) -> str:
        found = error_code(_json(response.content))
        if response.status_code == status and found == code:
            return f"ok {status} {code}"
        return f"{response.status_code} {found or '-'}"

    return check


@attack("regex")
async def regex(target: Target) -> Outcome:
    """``^(a+)+$`` beside names and enum values of 28 to 30 letters then "!": checked with
    checkCompatibility, registered through GraphQL and through REST (each refused as
    incompatible, having run the pattern on every name and value)."""
    stamp = time.time_ns()
    requests: list[Request] = []
    async with httpx.AsyncClient(base_url=target.url, timeout=60) as http:
        for case, (before, after, code) in REGEX_CASES.items():
            subject = f"attack.regex.{case}.{stamp}"
            await http.post(
                "/graphql",
                json={
                    "query": REGISTER,
                    "variables": {"subject": subject, "schema": compact(before)},
                },
            )
            schema = compact(after)
            requests += [
                (
                    f"check {case}",
                    _graphql(CHECK, subject=subject, schema=schema),
                    _expect_check(code),
                ),
                (
                    f"registerSchema {case}",
                    _graphql(REGISTER, subject=subject, schema=schema),
                    _expect_code(200, "INCOMPATIBLE_SCHEMA"),
                ),
                (
                    f"REST POST {case}",
                    _rest_register(subject, schema),
                    _expect_code(409, "409"),
                ),
            ]
    seconds, outcomes, problems = await _hammer(target, requests)
    detail = (
        f"{len(seconds)} requests from {target.scale.input_clients} clients, "
        f"{_timing(seconds, target.answer_limit)}: {summarize(outcomes)}"
    )
    return Outcome(max(seconds, default=0), target.answer_limit, detail, problems)


@attack("fragment-bomb")
async def fragment_bomb_attack(target: Target) -> Outcome:
    """The ~770-byte document whose fragments expand to 2**20 selections, by POST and by
    GET, refused as QUERY_TOO_COMPLEX before anything runs."""
    query = fragment_bomb()
    expected = _expect_code(200, "QUERY_TOO_COMPLEX")
    requests: list[Request] = [
        ("POST", lambda http: http.post("/graphql", json={"query": query}), expected),
        ("GET", lambda http: http.get("/graphql", params={"query": query}), expected),
    ]
    seconds, outcomes, problems = await _hammer(target, requests)
    detail = (
        f"{len(query)}-byte document, {len(seconds)} requests from "
        f"{target.scale.input_clients} clients, {_timing(seconds, target.answer_limit)}: "
        f"{summarize(outcomes)}"
    )
    return Outcome(max(seconds, default=0), target.answer_limit, detail, problems)


async def _resident_bytes(http: httpx.AsyncClient) -> float:
    text = (await http.get("/metrics")).text
    match = re.search(r"^process_resident_memory_bytes (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else float("nan")


@attack("body-size")
async def body_size(target: Target) -> Outcome:
    """50 MB bodies: a GraphQL variable and a REST schema, each with Content-Length and
    in chunks without it, and a 50 MB websocket message; refused with 413 (GraphQL
    PAYLOAD_TOO_LARGE, REST error_code 413) and close code 1009, while the replica's
    resident memory (its /metrics) is sampled."""
    ws_url = target.url.replace("http://", "ws://") + "/graphql"
    seconds: list[float] = []
    outcomes: list[str] = []
    problems: list[str] = []
    sent: list[int] = []
    async with httpx.AsyncClient(base_url=target.url, timeout=30) as http:
        before = await _resident_bytes(http)
        peak = before

        async def sample() -> None:
            nonlocal peak
            while True:
                peak = max(peak, await _resident_bytes(http))
                await asyncio.sleep(0.05)

        sampler = asyncio.create_task(sample())
        try:
            for _ in range(target.scale.body_rounds):
                for path, parts, code in (
                    ("/graphql", GRAPHQL_BODY, "PAYLOAD_TOO_LARGE"),
                    ("/subjects/attack.body/versions", REST_BODY, "413"),
                ):
                    for chunked in (False, True):
                        answer = await send_large_body(
                            LOOPBACK, target.port, path, parts, BODY_BYTES, chunked=chunked
                        )
                        name = f"{path} {'chunked' if chunked else 'Content-Length'}"
                        found = error_code(_json(answer.body))
                        outcome = f"{answer.status} {found or '-'}"
                        seconds.append(answer.seconds)
                        sent.append(answer.sent)
                        outcomes.append(outcome)
                        if (answer.status, found) != (413, code):
                            problems.append(f"{name}: {outcome}")
                close_code, took = await send_large_message(ws_url, BODY_BYTES)
                seconds.append(took)
                outcomes.append(f"ws close {close_code}")
                if close_code != 1009:
                    problems.append(f"websocket message: close {close_code}")
            await asyncio.sleep(0.2)
        finally:
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
        after = await _resident_bytes(http)
    mb = 1024 * 1024
    if peak - before > RSS_GROWTH_LIMIT:
        problems.append(f"resident memory grew by {(peak - before) / mb:.0f} MB")
    detail = (
        f"{len(seconds)} requests of 50 MB, each sent until refused "
        f"(at most {max(sent, default=0) / mb:.1f} MB sent), "
        f"longest {max(seconds, default=0) * 1000:.0f} ms: {summarize(outcomes)}; RSS "
        f"{before / mb:.0f} MB before, {peak / mb:.0f} MB peak, {after / mb:.0f} MB after"
    )
    return Outcome(max(seconds, default=0), target.answer_limit, detail, problems)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None
