"""Subscriber processes for ``bench_fanout``: many raw graphql-transport-ws clients on one
asyncio loop, driven over a ``multiprocessing`` pipe.

Receiving stays minimal (``recv()``, take ``time.time()``, keep the raw text) so that the
client adds as little as possible to the latency it measures; messages are parsed only
when the driver asks.

Commands (tuples) and replies:
    ("count", version) -> how many subscribers have received ``version`` or later
    ("collect",)       -> {"received": [{version: receive_time}, ...], "errors": [...]}
    ("close",)         -> closes every socket, replies "closed", exits
At start, once every socket is acknowledged and subscribed (or failed): ("ready", ok, errors).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from multiprocessing.connection import Connection
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

SUBSCRIPTION = (
    'subscription { schemaChanges(subject: "bench") { sequence kind subject version id schema } }'
)


class Subscriber:
    __slots__ = ("errors", "parsed", "raw", "socket", "url", "versions")

    def __init__(self, url: str) -> None:
        self.url = url
        self.raw: list[tuple[float, str | bytes]] = []
        self.parsed = 0
        self.versions: dict[int, float] = {}
        self.errors: list[str] = []
        self.socket: ClientConnection | None = None

    async def open(self, gate: asyncio.Semaphore, handshake_seconds: float) -> None:
        async with gate:
            self.socket = await connect(
                self.url,
                subprotocols=[Subprotocol("graphql-transport-ws")],
                compression=None,
                ping_interval=None,
                open_timeout=handshake_seconds,
                max_size=2**22,
            )
            await self.socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            ack = json.loads(await asyncio.wait_for(self.socket.recv(), handshake_seconds))
            if ack.get("type") != "connection_ack":
                raise RuntimeError(f"expected connection_ack, got {ack}")
            await self.socket.send(
                json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
            )

    async def receive(self) -> None:
        assert self.socket is not None
        try:
            while True:
                message = await self.socket.recv()
                received_at = time.time()
                if len(message) < 64 and '"ping"' in str(message):
                    # graphql-transport-ws: a ping must be answered with a pong.
                    await self.socket.send(json.dumps({"type": "pong"}))
                    continue
                self.raw.append((received_at, message))
        except ConnectionClosed as exc:
            self.errors.append(f"closed: {exc}")

    def parse(self) -> None:
        for received_at, message in self.raw[self.parsed :]:
            payload: dict[str, Any] = json.loads(message)
            kind = payload.get("type")
            if kind == "next":
                data = payload["payload"]
                if data.get("errors"):
                    self.errors.append(f"GraphQL errors: {data['errors']}")
                    continue
                event = data["data"]["schemaChanges"]
                if event["kind"] == "REGISTERED":
                    if event["version"] in self.versions:
                        self.errors.append(f"duplicate version {event['version']}")
                    elif self.versions and event["version"] < max(self.versions):
                        self.errors.append(f"out of order version {event['version']}")
                    self.versions[event["version"]] = received_at
            elif kind != "pong":
                self.errors.append(f"unexpected message {str(payload)[:200]}")
        self.parsed = len(self.raw)

    def newest(self) -> int:
        self.parse()
        return max(self.versions, default=0)


async def serve(
    conn: Connection, urls: list[str], concurrency: int, handshake_seconds: float
) -> None:
    subscribers = [Subscriber(url) for url in urls]
    gate = asyncio.Semaphore(concurrency)
    opened = await asyncio.gather(
        *(s.open(gate, handshake_seconds) for s in subscribers), return_exceptions=True
    )
    errors = [repr(r) for r in opened if isinstance(r, BaseException)]
    readers = [asyncio.create_task(s.receive()) for s in subscribers if s.socket is not None]
    conn.send(("ready", len(readers), errors[:10]))
    loop = asyncio.get_running_loop()
    try:
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command[0] == "count":
                conn.send(sum(1 for s in subscribers if s.newest() >= command[1]))
            elif command[0] == "collect":
                for s in subscribers:
                    s.parse()
                conn.send(
                    {
                        "received": [s.versions for s in subscribers],
                        "errors": [e for s in subscribers for e in s.errors][:20],
                    }
                )
            elif command[0] == "close":
                break
    finally:
        for task in readers:
            task.cancel()
        await asyncio.gather(
            *(s.socket.close() for s in subscribers if s.socket is not None),
            return_exceptions=True,
        )
        with contextlib.suppress(OSError):
            conn.send("closed")


def run(conn: Connection, urls: list[str], concurrency: int, handshake_seconds: float) -> None:
    """Process entry point."""
    runner: Any = asyncio.run
    with contextlib.suppress(ImportError):
        import uvloop

        runner = uvloop.run
    # Ctrl-C reaches the whole process group; the driver reports and cleans up.
    with contextlib.suppress(KeyboardInterrupt, EOFError, BrokenPipeError):
        runner(serve(conn, urls, concurrency, handshake_seconds))
