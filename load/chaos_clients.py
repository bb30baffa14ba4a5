"""The load of ``load.chaos``: a writer, a reader and resumable subscribers, each keeping
count of what it was answered."""

from __future__ import annotations

import asyncio
import collections
import json
import time
from dataclasses import dataclass, field

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException
from websockets.typing import Subprotocol

from load.common import REGISTER, tool_schema

SUBSCRIPTION = "subscription($after: Int) { schemaChanges(after: $after) { sequence } }"
SUBJECTS = 8


@dataclass
class Stream:
    """One subscriber: what it received, across every reconnection."""

    name: str
    ws_url: str
    last: int = 0
    seen: set[int] = field(default_factory=set)
    duplicates: int = 0
    reconnects: int = 0
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    advanced: asyncio.Event = field(default_factory=asyncio.Event)

    def observe(self, sequence: int) -> None:
        if sequence in self.seen or sequence <= self.last:
            self.duplicates += 1
        self.seen.add(sequence)
        self.last = max(self.last, sequence)
        self.advanced.set()

    async def reach(self, sequence: int) -> None:
        while self.last < sequence:
            self.advanced.clear()
            await self.advanced.wait()


@dataclass
class Tally:
    started: float = field(default_factory=time.monotonic)
    acknowledged: list[tuple[str, int, int]] = field(default_factory=list)
    refusals: collections.Counter[str] = field(default_factory=collections.Counter)
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    reads: int = 0
    largest_stall: float = 0.0
    stall_ended_at: float = 0.0
    timeline: list[str] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.started

    def note(self, text: str) -> None:
        self.timeline.append(f"{self.now():6.1f} s  {text}")
        print(self.timeline[-1], flush=True)


async def write(urls: list[str], tally: Tally, stop: asyncio.Event, interval: float) -> None:
    async with httpx.AsyncClient(timeout=5.0) as http:
        n = 0
        while not stop.is_set():
            n += 1
            url = urls[n % 2]
            subject = f"chaos.{n % SUBJECTS}"
            variables = {"subject": subject, "schema": tool_schema(n)}
            try:
                response = await http.post(
                    url + "/graphql", json={"query": REGISTER, "variables": variables}
                )
            except httpx.HTTPError as exc:
                tally.refusals[f"connection ({type(exc).__name__})"] += 1
            else:
                tally.statuses[response.status_code] += 1
                body = response.json() if response.status_code == 200 else {}
                if body.get("data") and body["data"].get("registerSchema"):
                    item = body["data"]["registerSchema"]
                    tally.acknowledged.append((subject, item["version"], item["id"]))
                elif body.get("errors"):
                    tally.refusals[body["errors"][0]["extensions"].get("code", "?")] += 1
                else:
                    tally.refusals[f"HTTP {response.status_code}"] += 1
            await asyncio.sleep(interval)


async def read(urls: list[str], tally: Tally, stop: asyncio.Event) -> None:
    """Reads the latest version of a subject, from either replica; a stall is the time
    between two successful reads."""
    last_ok = time.monotonic()
    async with httpx.AsyncClient(timeout=5.0) as http:
        n = 0
        while not stop.is_set():
            n += 1
            ok = False
            for url in (urls[n % 2], urls[(n + 1) % 2]):
                try:
                    response = await http.get(url + "/subjects/chaos.1/versions/latest")
                except httpx.HTTPError:
                    continue
                tally.statuses[response.status_code] += 1
                if response.status_code in (200, 404):
                    ok = True
                    break
            now = time.monotonic()
            if ok:
                tally.reads += 1
                if now - last_ok > tally.largest_stall:
                    tally.largest_stall = now - last_ok
                    tally.stall_ended_at = tally.now()
                last_ok = now
            await asyncio.sleep(0.02)


async def subscribe(stream: Stream) -> None:
    """graphql-transport-ws, resuming with ``after`` each time the socket drops."""
    while True:
        try:
            async with connect(
                stream.ws_url,
                subprotocols=[Subprotocol("graphql-transport-ws")],
                open_timeout=3,
                ping_interval=None,
                max_size=2**22,
            ) as socket:
                await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
                await socket.recv()
                payload = {"query": SUBSCRIPTION, "variables": {"after": stream.last}}
                await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
                async for raw in socket:
                    message = json.loads(raw)
                    kind = message.get("type")
                    if kind == "next":
                        stream.observe(int(message["payload"]["data"]["schemaChanges"]["sequence"]))
                    elif kind == "ping":
                        await socket.send(json.dumps({"type": "pong"}))
                    elif kind in ("error", "complete"):
                        errors = message.get("payload") or [{}]
                        stream.errors[errors[0].get("extensions", {}).get("code", kind)] += 1
                        break
        except (OSError, TimeoutError, WebSocketException) as exc:
            stream.errors[type(exc).__name__] += 1
        stream.reconnects += 1
        await asyncio.sleep(0.2)
