"""One receiver for load.bench_client_latency, in a process of its own: prints ``ready``,
then one JSON line per change received on SUBJECT: ``{"version": n, "sequence": s,
"at": <time.time() at receipt>}``.

    python -m load.client_latency_worker --mode bare   --url http://127.0.0.1:8000 --subject s
    python -m load.client_latency_worker --mode client --url http://127.0.0.1:8000 --subject s

bare: a graphql-transport-ws subscriber with nothing else (the baseline); client: the
Python client's on_change hook (AsyncRegistryClient: its subscription, cache and dispatch).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from llm_schema_registry_client import AsyncRegistryClient, Change

SUBSCRIPTION = """
subscription($subject: String) {
  schemaChanges(subject: $subject) { sequence kind subject version id schema format }
}
"""


def emit(version: int | None, sequence: int, at: float) -> None:
    sys.stdout.write(json.dumps({"version": version, "sequence": sequence, "at": at}) + "\n")
    sys.stdout.flush()


async def bare(url: str, subject: str) -> None:
    ws_url = url.replace("http://", "ws://", 1) + "/graphql"
    async with connect(ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        while json.loads(await socket.recv()).get("type") != "connection_ack":
            pass
        message = {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": SUBSCRIPTION, "variables": {"subject": subject}},
        }
        await socket.send(json.dumps(message))
        print("ready", flush=True)
        async for raw in socket:
            at = time.time()
            data = json.loads(raw)
            if data.get("type") == "ping":
                await socket.send(json.dumps({"type": "pong"}))
            elif data.get("type") == "next":
                event = data["payload"]["data"]["schemaChanges"]
                emit(event["version"], event["sequence"], at)


async def client(url: str, subject: str) -> None:
    def hook(change: Change) -> None:
        emit(change.event.version, change.event.sequence, time.time())

    async with AsyncRegistryClient(url, watch=[subject]) as registry:
        registry.on_change(subject, hook)
        if not await registry.start():
            raise SystemExit("the client's subscription did not open")
        print("ready", flush=True)
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["bare", "client"], required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--subject", required=True)
    args = parser.parse_args()
    asyncio.run(
        bare(args.url, args.subject) if args.mode == "bare" else client(args.url, args.subject)
    )


if __name__ == "__main__":
    main()
