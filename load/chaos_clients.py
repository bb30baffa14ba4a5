"""The load of ``load.chaos``: a writer and resumable subscribers, and the ``Tally`` that
counts what they, the reader (``load/chaos_reader.py``) and the hostile client
(``load/chaos_hostile.py``) were answered."""

from __future__ import annotations

import asyncio
import bisect
import collections
import json
import math
import time
from dataclasses import dataclass, field

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException
from websockets.typing import Subprotocol

from load.common import REGISTER, tool_schema

SUBSCRIPTION = "subscription($after: Int) { schemaChanges(after: $after) { sequence } }"
SUBJECTS = 8
# Reads that waited longer than this are listed in the results.
SLOW = 0.05


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
class Gap:
    """The longest time one kind of read went without data (between two reads that
    returned it), and when that stretch ended."""

    last_ok: float = 0.0
    longest: float = 0.0
    ended_at: float = 0.0


@dataclass
class Tally:
    started: float = field(default_factory=time.monotonic)
    acknowledged: list[tuple[str, int, int]] = field(default_factory=list)
    refusals: collections.Counter[str] = field(default_factory=collections.Counter)
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    # 503 with Retry-After and the storage code, answered while PostgreSQL was down.
    designed_503: int = 0
    # Every other 5xx, and every GraphQL INTERNAL_ERROR, by who got it and what it said.
    server_errors: collections.Counter[str] = field(default_factory=collections.Counter)
    # [stopped, serving again] for each PostgreSQL outage, in seconds since the start.
    outages: list[list[float]] = field(default_factory=list)
    reads: int = 0
    unanswered_reads: int = 0
    largest_stall: float = 0.0
    stall_ended_at: float = 0.0
    stall_what: str = ""
    gaps: dict[str, Gap] = field(default_factory=dict)
    # Reads that waited more than SLOW for their answer: when, what, how long.
    slow_reads: list[str] = field(default_factory=list)
    # (start, name) of each stretch of the run: before the faults, then one per fault;
    # and the longest a read sent in each waited.
    phases: list[tuple[float, str]] = field(default_factory=lambda: [(0.0, "no fault yet")])
    phase_stalls: dict[str, float] = field(default_factory=dict)
    # The same for reads of the control, a bare app no fault touches: the machine's share.
    control_stall: float = 0.0
    phase_control_stalls: dict[str, float] = field(default_factory=dict)
    timeline: list[str] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.started

    def note(self, text: str) -> None:
        self.timeline.append(f"{self.now():6.1f} s  {text}")
        print(self.timeline[-1], flush=True)

    def fault(self, name: str) -> None:
        self.phases.append((self.now(), name))

    def postgres_stopped(self) -> None:
        self.outages.append([self.now(), math.inf])

    def postgres_serving(self) -> None:
        self.outages[-1][1] = self.now()

    def during_outage(self, sent: float, answered: float) -> bool:
        return any(sent <= end and answered >= start for start, end in self.outages)

    def judge(self, who: str, response: httpx.Response, sent: float) -> str:
        """Counts one HTTP answer; returns its error code (GraphQL ``extensions.code`` or
        REST ``error_code``), empty when it carried none."""
        code = _error_code(response)
        has_retry_after = response.headers.get("retry-after") is not None
        self.record(who, response.status_code, code, has_retry_after, sent, self.now())
        return code

    def record(
        self, who: str, status: int, code: str, has_retry_after: bool, sent: float, answered: float
    ) -> None:
        self.statuses[status] += 1
        if status >= 500:
            designed = (
                status == 503
                and has_retry_after
                and code == "50001"
                and self.during_outage(sent, answered)
            )
            if designed:
                self.designed_503 += 1
            else:
                self.server_errors[f"{who}: {status} {code or '-'}"] += 1
        elif code == "INTERNAL_ERROR":
            self.server_errors[f"{who}: {status} {code}"] += 1

    def read(self, line: str) -> None:
        """One line of the reader process (``load/chaos_reader.py``), counted once the
        run is over: its times are the machine's monotonic clock."""
        fields = line.split()
        sent, answered = float(fields[0]) - self.started, float(fields[1]) - self.started
        kind, port, status, code = fields[2], fields[3], int(fields[4]), fields[6].strip("-")
        waited = answered - sent
        phase = self.phases[bisect.bisect_right(self.phases, (sent, "\uffff")) - 1][1]
        if kind == "control":
            self.control_stall = max(self.control_stall, waited)
            self.phase_control_stalls[phase] = max(self.phase_control_stalls.get(phase, 0), waited)
            return
        if status == 0:
            self.unanswered_reads += 1
            return
        self.record("reader", status, code, fields[5] == "1", sent, answered)
        # A REST read of a subject not written yet (40401) is an answer from the database.
        has_data = status in (200, 404) and code in ("", "40401")
        self.reads += 1
        what = f"{kind} from :{port}: {status} {code}".rstrip()
        if waited > self.largest_stall:
            self.largest_stall, self.stall_ended_at, self.stall_what = waited, answered, what
        if waited > SLOW:
            self.slow_reads.append(f"{sent:7.2f} s  {what}: {waited * 1000:.0f} ms")
        self.phase_stalls[phase] = max(self.phase_stalls.get(phase, 0.0), waited)
        gap = self.gaps.setdefault(kind, Gap(last_ok=sent))
        if has_data:
            if answered - gap.last_ok > gap.longest:
                gap.longest, gap.ended_at = answered - gap.last_ok, answered
            gap.last_ok = answered


def _error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    if "error_code" in body:
        return str(body["error_code"])
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str((errors[0].get("extensions") or {}).get("code", ""))
    return ""


async def write(urls: list[str], tally: Tally, stop: asyncio.Event, interval: float) -> None:
    async with httpx.AsyncClient(timeout=5.0) as http:
        n = 0
        while not stop.is_set():
            n += 1
            url = urls[n % 2]
            subject = f"chaos.{n % SUBJECTS}"
            variables = {"subject": subject, "schema": tool_schema(n)}
            sent = tally.now()
            try:
                response = await http.post(
                    url + "/graphql", json={"query": REGISTER, "variables": variables}
                )
            except httpx.HTTPError as exc:
                tally.refusals[f"connection ({type(exc).__name__})"] += 1
            else:
                code = tally.judge("writer", response, sent)
                body = response.json() if response.status_code == 200 else {}
                if body.get("data") and body["data"].get("registerSchema"):
                    item = body["data"]["registerSchema"]
                    tally.acknowledged.append((subject, item["version"], item["id"]))
                else:
                    tally.refusals[code or f"HTTP {response.status_code}"] += 1
            await asyncio.sleep(interval)


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
