"""The hostile client of ``load.chaos``: malformed and abusive requests, to either replica in
turn, for the whole run. Each must be refused as the client error it is, or answered with
its verdict; while PostgreSQL is down, those that need the database may be refused with
the designed ``STORAGE_UNAVAILABLE`` (REST: 503 with Retry-After). Any other 5xx, an
INTERNAL_ERROR or a websocket closed as a server error counts against the replicas."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.typing import Subprotocol

from load.chaos_clients import Tally
from load.common import LOOPBACK, REGISTER
from load.hostile_inputs import (
    CHECK,
    GRAPHQL_BODY,
    NAMED_AFTER,
    NAMED_BEFORE,
    compact,
    fragment_bomb,
    send_large_body,
)

REGEX_SUBJECT = "chaos.regex"
# Close codes that mean the server failed, not the client (1011: internal error).
SERVER_CLOSE_CODES = (1011, 4500)


@dataclass
class Hostile:
    """What the hostile requests were answered, by kind, and those not expected."""

    outcomes: collections.Counter[str] = field(default_factory=collections.Counter)
    unexpected: collections.Counter[str] = field(default_factory=collections.Counter)

    @property
    def sent(self) -> int:
        return sum(self.outcomes.values())


# A request: (replica base URL, HTTP client, tally) -> its outcome, such as "400 BAD_REQUEST".
Send = Callable[[str, httpx.AsyncClient, Tally], Awaitable[str]]
JSON = {"Content-Type": "application/json"}
UNAVAILABLE = ("200 STORAGE_UNAVAILABLE", "503 50001")


def _http(method: str, path: str, **options: Any) -> Send:
    async def send(url: str, http: httpx.AsyncClient, tally: Tally) -> str:
        sent = tally.now()
        response = await http.request(method, url + path, **options)
        code = tally.judge("hostile", response, sent)
        if not code and response.status_code == 200:
            body = response.json()
            data = body.get("data") if isinstance(body, dict) else None
            if isinstance(data, dict) and data.get("checkCompatibility"):
                found = data["checkCompatibility"]["incompatibilities"]
                code = ",".join(item["code"] for item in found) or "compatible"
            elif isinstance(body, dict) and "is_compatible" in body:
                code = f"is_compatible={str(body['is_compatible']).lower()}"
        return f"{response.status_code} {code}".rstrip()

    return send


def _ws_frame(frame: str) -> Send:
    async def send(url: str, http: httpx.AsyncClient, tally: Tally) -> str:
        ws_url = url.replace("http://", "ws://") + "/graphql"
        async with connect(
            ws_url, subprotocols=[Subprotocol("graphql-transport-ws")], open_timeout=5
        ) as socket:
            await socket.send(json.dumps({"type": "connection_init"}))
            await asyncio.wait_for(socket.recv(), 5)
            await socket.send(frame)
            code = await _close_code(socket.recv)
        if code in SERVER_CLOSE_CODES:
            tally.server_errors[f"hostile ws {frame}: close {code}"] += 1
        return "still open" if code is None else f"close {code}"

    return send


async def _close_code(receive: Callable[[], Awaitable[object]]) -> int | None:
    """The code the server closed the socket with (0: without a close frame), or None
    when it was still open after 5 s."""
    try:
        async with asyncio.timeout(5):
            while True:
                await receive()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else 0
    except TimeoutError:
        return None


def _body_over_limit() -> Send:
    async def send(url: str, http: httpx.AsyncClient, tally: Tally) -> str:
        port = int(url.rsplit(":", 1)[1])
        answer = await send_large_body(
            LOOPBACK, port, "/graphql", GRAPHQL_BODY, 50 * 1024 * 1024, chunked=False, give_up=10
        )
        if answer.status >= 500:
            tally.server_errors[f"hostile body-over-limit: {answer.status}"] += 1
        return f"{answer.status}"

    return send


def requests() -> dict[str, tuple[Send, tuple[str, ...]]]:
    """Each hostile request, and the outcomes expected of it."""
    regex = compact(NAMED_AFTER)
    check = {"query": CHECK, "variables": {"subject": REGEX_SUBJECT, "schema": regex}}
    register = {"query": REGISTER, "variables": {"subject": REGEX_SUBJECT, "schema": regex}}
    rest = {"schemaType": "JSON", "schema": regex}
    table: dict[str, tuple[Send, tuple[str, ...]]] = {
        "invalid UTF-8 body": (
            _http(
                "POST", "/graphql", content=b'{"query": "{ __typename \xff\xfe }"}', headers=JSON
            ),
            ("400 BAD_REQUEST",),
        ),
        '"variables":"x"': (
            _http("POST", "/graphql", json={"query": "{ __typename }", "variables": "x"}),
            ("400 BAD_REQUEST",),
        ),
        "%C0%AF in a REST path": (
            _http("GET", "/subjects/%C0%AF/versions/latest"),
            ("422 42208",),
        ),
        "wrong content type": (
            _http(
                "POST",
                "/subjects/chaos.hostile/versions",
                content=b'{"schema": "{}"}',
                headers={"Content-Type": "text/plain"},
            ),
            ("415 415",),
        ),
        "fragment bomb": (
            _http("POST", "/graphql", json={"query": fragment_bomb()}),
            ("200 QUERY_TOO_COMPLEX",),
        ),
        "regex bomb, checkCompatibility": (
            _http("POST", "/graphql", json=check),
            ("200 PROPERTY_ADDED_TO_OPEN_MODEL", *UNAVAILABLE),
        ),
        "regex bomb, registerSchema": (
            _http("POST", "/graphql", json=register),
            ("200 INCOMPATIBLE_SCHEMA", *UNAVAILABLE),
        ),
        "regex bomb, REST compatibility": (
            _http("POST", f"/compatibility/subjects/{REGEX_SUBJECT}/versions/latest", json=rest),
            ("200 is_compatible=false", *UNAVAILABLE),
        ),
        "body over the limit": (_body_over_limit(), ("413",)),
    }
    for frame in ("[]", "null", "123"):
        table[f"websocket frame {frame}"] = (_ws_frame(frame), ("close 4400",))
    return table


async def prepare(urls: list[str]) -> None:
    """The subject the regex bombs are checked against, and one check of it by each
    replica, whose check workers are then running: the run measures faults, not the
    cluster's own first seconds."""
    check = {"subject": REGEX_SUBJECT, "schema": compact(NAMED_AFTER)}
    async with httpx.AsyncClient(timeout=30) as http:
        variables = {"subject": REGEX_SUBJECT, "schema": compact(NAMED_BEFORE)}
        await http.post(urls[0] + "/graphql", json={"query": REGISTER, "variables": variables})
        for url in urls:
            await http.post(url + "/graphql", json={"query": CHECK, "variables": check})


async def attack(
    urls: list[str], tally: Tally, hostile: Hostile, stop: asyncio.Event, interval: float
) -> None:
    """A hostile request every ``interval`` seconds, the kinds in turn, the replicas in
    turn."""
    table = requests()
    kinds = itertools.cycle(table)
    async with httpx.AsyncClient(timeout=5.0) as http:
        for n in itertools.count():
            if stop.is_set():
                return
            kind = next(kinds)
            send, expected = table[kind]
            try:
                outcome = await send(urls[n % 2], http, tally)
            except (OSError, TimeoutError, httpx.HTTPError, WebSocketException):
                outcome = "no answer"  # a replica killed or restarting
            hostile.outcomes[f"{kind}: {outcome}"] += 1
            if outcome not in expected and outcome != "no answer":
                hostile.unexpected[f"{kind}: {outcome}"] += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
