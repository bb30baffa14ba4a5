"""Attacks on one replica while a client reads a schema by id every 100 ms.

    python -m load.attacks            # default timeouts (about 2 minutes)
    python -m load.attacks --quick    # small counts, timeouts of a second or two (seconds)
    python -m load.attacks --only slowloris,flood

Attacks, one after another (``load/attacks_clients.py``): 1,000 half-sent requests
(slowloris), trickled request bodies, a flood of silent connections beyond
REGISTRY_MAX_CONNECTIONS, large FULL_TRANSITIVE registrations back to back; then hostile
input (``load/attacks_input.py``): catastrophic regular expressions checked and registered,
a fragment bomb, 50 MB bodies and websocket messages. For each: how long the longest
attacking connection or request lasted before the replica cut, refused or answered it
(its limit: the setting plus --slack for connections, --answer-limit for requests), what
it was answered, and the reads' p50/p99/max while it ran, beside a baseline of reads with
no attack measured first in the same run. A read's latency counts from when it was due,
so a stalled replica is not hidden by the reads it delayed. Exit status 1 when a read
failed, the reads' p99 reached --max-p99-ms during an attack, an attack was held longer
than its limit, or a request was not refused or answered as expected.

Another attack is an async function ``(Target) -> Outcome`` decorated with ``@attack``
(``load/attack_kit.py``), in a module imported below.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from load import attacks_clients, attacks_input
from load.attack_kit import ATTACKS, FULL, QUICK, Outcome, Target
from load.common import (
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

# Imported for their @attack registrations; attacks run in this order.
ATTACK_MODULES = (attacks_clients, attacks_input)
READ = "query($id:Int!){schema(id:$id){id schema}}"
READ_INTERVAL = 0.1


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
    if not p99 < max_p99:
        problems.append(f"p99 not under {max_p99:g} ms")
    if outcome is not None and outcome.outlived:
        problems.append("held past its limit")
    if outcome is not None and outcome.problems:
        shown = "; ".join(sorted(set(outcome.problems))[:5])
        problems.append(f"{len(outcome.problems)} unexpected answers ({shown})")
    held = "-" if outcome is None or outcome.held is None else f"{outcome.held:.2f}"
    limit = "-" if outcome is None or outcome.limit is None else f"{outcome.limit:.1f}"
    detail = "" if outcome is None else outcome.detail
    result = "; ".join(problems) or "ok"
    line = (
        f"| {name} | {held} | {limit} | {len(reads)} | {p50:.1f} | {p99:.1f} | "
        f"{max(latencies, default=float('nan')):.1f} | {result} | {detail} |"
    )
    return line, not problems


async def _run_attacks(target: Target, reader: Reader, names: list[str], max_p99: float) -> bool:
    print("| attack | held s | limit s | reads | p50 ms | p99 ms | max ms | result | detail |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---|")
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
        target = Target(replica.url, port, scale, args.slack, args.answer_limit)
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
    parser.add_argument(
        "--answer-limit",
        type=float,
        default=1.0,
        help="seconds a request carrying hostile input may take to be answered or refused",
    )
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
