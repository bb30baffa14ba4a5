"""Attacks on one replica while a client reads a schema by id every 100 ms.

    python -m load.attacks            # default timeouts (about 1.5 minutes)
    python -m load.attacks --quick    # small counts, timeouts of a second or two (seconds)
    python -m load.attacks --only slowloris,flood

Attacks, one after another: 1,000 half-sent requests (slowloris), trickled request bodies,
a flood of silent connections beyond REGISTRY_MAX_CONNECTIONS, large FULL_TRANSITIVE
registrations back to back. For each: how long the longest attacking connection was held before the
replica cut it (its limit: the setting plus --slack), and the reads' p50/p99 while it ran.
A read's latency counts from when it was due, so a stalled replica is not hidden by the
reads it delayed. Exit status 1 when a read failed, the reads' p99 exceeded --max-p99-ms
during an attack, or an attack was held longer than its limit.

Another attack is an async function ``(Target) -> Outcome`` decorated with ``@attack``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from load.bench_compat import build_schema
from load.common import (
    LOOPBACK,
    REGISTER,
    Processes,
    graphql,
    percentile,
    raise_nofile_limit,
    registry_env,
    run_managed,
    sigterm_as_interrupt,
    tool_schema,
)

READ = "query($id:Int!){schema(id:$id){id schema}}"
READ_INTERVAL = 0.1
SET_CONFIG = """
mutation($subject: String!, $level: CompatibilityLevel, $policy: CompatibilityPolicy) {
  setCompatibility(subject: $subject, level: $level, policy: $policy) { compatibility }
}
"""


@dataclass(frozen=True)
class Scale:
    """The replica's settings for the run, and how hard each attack pushes."""

    header_timeout: float
    body_timeout: float
    body_idle_timeout: float
    keep_alive_timeout: int
    max_connections: int
    slowloris: int
    trickled: int
    flood_beyond: int
    history: int
    register_seconds: float
    baseline_seconds: float

    def env(self) -> dict[str, str]:
        return {
            "REGISTRY_HEADER_TIMEOUT": str(self.header_timeout),
            "REGISTRY_BODY_TIMEOUT": str(self.body_timeout),
            "REGISTRY_BODY_IDLE_TIMEOUT": str(self.body_idle_timeout),
            "REGISTRY_KEEP_ALIVE_TIMEOUT": str(self.keep_alive_timeout),
            "REGISTRY_MAX_CONNECTIONS": str(self.max_connections),
        }


# The replica's defaults, except the connection limit: a flood beyond 10,000 needs more
# open files than a workstation allows.
FULL = Scale(10.0, 30.0, 10.0, 5, 1_500, 1_000, 20, 500, 30, 10.0, 5.0)
QUICK = Scale(1.0, 1.5, 0.5, 1, 60, 40, 3, 20, 3, 1.0, 0.5)


@dataclass(frozen=True)
class Target:
    url: str
    port: int
    scale: Scale
    slack: float


@dataclass
class Outcome:
    """``held``: seconds the longest attacking connection (or job) lasted; None when the
    attack holds nothing the replica must cut. ``limit``: what ``held`` may reach."""

    held: float | None
    limit: float | None
    detail: str

    @property
    def outlived(self) -> bool:
        return self.held is not None and self.limit is not None and self.held > self.limit


Attack = Callable[[Target], Awaitable[Outcome]]
ATTACKS: dict[str, Attack] = {}


def attack(name: str) -> Callable[[Attack], Attack]:
    """Add an attack to the run (in definition order)."""

    def register(function: Attack) -> Attack:
        ATTACKS[name] = function
        return function

    return register


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


def _count(statuses: list[str]) -> str:
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))


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
    statuses = _count([_status(answer) for _, answer in results])
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
    statuses = _count([_status(answer) for _, answer in results])
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
    statuses = _count([_status(answer) for _, answer in results])
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


# The reader


@dataclass
class Reader:
    """Reads ``schema(id)`` every 100 ms in a process of its own (so the attacks' own
    work in this one delays none of its reads); each sample is (when it was due, latency
    from then in ms, whether it succeeded)."""

    url: str
    schema_id: int
    samples: list[tuple[float, float, bool]] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)
    _process: subprocess.Popen[str] | None = None
    _thread: threading.Thread | None = None

    def start(self) -> None:
        argv = [sys.executable, "-m", "load.attacks", "--read", f"{self.url} {self.schema_id}"]
        self._process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, text=True, start_new_session=True
        )
        self._thread = threading.Thread(target=self._collect, name="reader", daemon=True)
        self._thread.start()

    def _collect(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            if line.startswith("ready"):
                self.ready.set()
                continue
            due, ms, ok = line.split()
            self.samples.append((float(due), float(ms), ok == "1"))

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
        if self._thread is not None:
            self._thread.join(10)

    def during(self, start: float, end: float) -> list[tuple[float, bool]]:
        return [(ms, ok) for due, ms, ok in list(self.samples) if start <= due <= end]


def read_forever(url: str, schema_id: int) -> None:
    """The reader process: one line per read on stdout (the monotonic clock is the
    machine's, so the parent can place each read within an attack)."""
    body = {"query": READ, "variables": {"id": schema_id}}
    with httpx.Client(base_url=url, timeout=30) as client:
        client.post("/graphql", json=body)  # connected, and the response cached
        print("ready", flush=True)
        due = time.monotonic()
        while True:
            try:
                response = client.post("/graphql", json=body)
                ok = response.status_code == 200 and "errors" not in response.json()
            except httpx.HTTPError:
                ok = False
            print(f"{due:.6f} {(time.monotonic() - due) * 1000:.3f} {int(ok)}", flush=True)
            due += READ_INTERVAL
            time.sleep(max(0.0, due - time.monotonic()))


# The run


def _row(
    name: str, outcome: Outcome | None, reads: list[tuple[float, bool]], max_p99: float
) -> tuple[str, bool]:
    latencies = [ms for ms, _ in reads]
    failed = sum(1 for _, ok in reads if not ok)
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    problems = []
    if failed:
        problems.append(f"{failed} reads failed")
    if p99 > max_p99:
        problems.append(f"p99 over {max_p99:g} ms")
    if outcome is not None and outcome.outlived:
        problems.append("held past its limit")
    held = "-" if outcome is None or outcome.held is None else f"{outcome.held:.1f}"
    limit = "-" if outcome is None or outcome.limit is None else f"{outcome.limit:.1f}"
    detail = "" if outcome is None else outcome.detail
    result = "; ".join(problems) or "ok"
    line = (
        f"| {name} | {held} | {limit} | {len(reads)} | {p50:.1f} | {p99:.1f} | {result} | "
        f"{detail} |"
    )
    return line, not problems


async def _run_attacks(target: Target, reader: Reader, names: list[str], max_p99: float) -> bool:
    print("| attack | held s | limit s | reads | p50 ms | p99 ms | result | detail |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    started = time.monotonic()
    await asyncio.sleep(target.scale.baseline_seconds)
    line, passed = _row("(none)", None, reader.during(started, time.monotonic()), max_p99)
    print(line, flush=True)
    for name in names:
        started = time.monotonic()
        outcome = await ATTACKS[name](target)
        line, ok = _row(name, outcome, reader.during(started, time.monotonic()), max_p99)
        print(line, flush=True)
        passed = passed and ok
    return passed


def run(args: argparse.Namespace, procs: Processes, workdir: Path) -> bool:
    scale = QUICK if args.quick else FULL
    names = args.only.split(",") if args.only else list(ATTACKS)
    unknown = sorted(set(names) - set(ATTACKS))
    if unknown:
        raise RuntimeError(f"unknown attacks {unknown}; known: {', '.join(ATTACKS)}")
    raise_nofile_limit(scale.max_connections + scale.flood_beyond + scale.slowloris + 512)
    database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'registry.db'}"
    env = registry_env(database_url, extra=scale.env())
    replica = procs.start_registry("replica", env)
    with httpx.Client(timeout=30) as client:
        data = graphql(client, replica.url, REGISTER, subject="attack.read", schema=tool_schema())
    schema_id = int(data["registerSchema"]["id"])
    print(
        f"replica: {replica.url}, {', '.join(f'{k}={v}' for k, v in scale.env().items())}; "
        f"reads of schema {schema_id} every {READ_INTERVAL * 1000:.0f} ms",
        flush=True,
    )
    reader = Reader(replica.url, schema_id)
    reader.start()
    try:
        if not reader.ready.wait(30):
            raise RuntimeError("the reader did not start")
        port = int(replica.url.rsplit(":", 1)[1])
        target = Target(replica.url, port, scale, args.slack)
        return asyncio.run(_run_attacks(target, reader, names, args.max_p99_ms))
    finally:
        reader.stop()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small counts, short timeouts")
    parser.add_argument("--only", default="", help=f"comma-separated, of: {', '.join(ATTACKS)}")
    parser.add_argument("--max-p99-ms", type=float, default=100.0)
    parser.add_argument("--slack", type=float, default=2.0, help="seconds past each setting")
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    parser.add_argument("--read", default="", help=argparse.SUPPRESS)  # the reader process
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.read:
        url, schema_id = args.read.split()
        with contextlib.suppress(KeyboardInterrupt, BrokenPipeError):
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            read_forever(url, int(schema_id))
        return 0
    sigterm_as_interrupt()
    passed = [False]
    with tempfile.TemporaryDirectory(prefix="attacks-") as tmp:

        def body(procs: Processes) -> None:
            passed[0] = run(args, procs, Path(tmp))

        status = run_managed(Path(tmp), body, "the replica")
    if status == 0 and not passed[0]:
        print("FAILED: see the result column", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
