"""Registration -> on_change latency of the Python client, against a bare
graphql-transport-ws subscriber receiving the same events in the same run.

    python -m load.bench_client_latency                 # 100 registrations, SQLite + memory://
    python -m load.bench_client_latency --services      # PostgreSQL + Redis
    python -m load.bench_client_latency --quick         # smoke run: 5 registrations

Both receivers run in processes of their own (load.client_latency_worker) on the same
subject; the driver registers a new version, ``--interval`` seconds apart, and takes the
time just before sending each registerSchema mutation. Latency = receipt time - that
time (one machine clock), per receiver and registration; the client's overhead is the
difference for each registration.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

from load.common import (
    REGISTER,
    SET_COMPATIBILITY,
    Managed,
    Processes,
    fresh_postgres_database,
    graphql,
    machine_info,
    percentile,
    registry_env,
    run_managed,
    sigterm_as_interrupt,
    source_state,
    tool_schema,
    write_results,
)

MODES = ("bare", "client")
LABELS = {"bare": "bare graphql-transport-ws subscriber (baseline)", "client": "client on_change"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100, help="timed registrations")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between them")
    parser.add_argument(
        "--services",
        action="store_true",
        help="PostgreSQL + Redis from TEST_DATABASE_URL/TEST_REDIS_URL",
    )
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--quick", action="store_true", help="smoke run: 5 registrations")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.interval = 5, 0.05
    if args.events < 1:
        parser.error("--events must be >= 1")
    return args


class Receiver:
    """A worker process whose JSON lines are read by a thread into a queue."""

    def __init__(self, procs: Processes, mode: str, url: str, subject: str) -> None:
        self.mode = mode
        self.received: dict[int, float] = {}
        self.sequences: list[int] = []
        self._lines: queue.Queue[str] = queue.Queue()
        argv = [sys.executable, "-m", "load.client_latency_worker", "--mode", mode]
        self.process = subprocess.Popen(
            [*argv, "--url", url, "--subject", subject],
            cwd=Path(__file__).resolve().parents[1],
            stdout=subprocess.PIPE,
            stderr=open(procs.workdir / f"{mode}.log", "ab"),  # noqa: SIM115
            text=True,
        )
        self.managed = Managed(mode, self.process, procs.workdir / f"{mode}.log")  # type: ignore[arg-type]
        procs.started.append(self.managed)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.strip())

    def wait_ready(self, timeout: float) -> None:
        if self._lines.get(timeout=timeout) != "ready":
            raise RuntimeError(f"{self.mode} receiver did not start")

    def drain(self) -> None:
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                return
            item = json.loads(line)
            self.received[int(item["version"])] = float(item["at"])
            self.sequences.append(int(item["sequence"]))

    def wait_for(self, version: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.drain()
            if version in self.received:
                return True
            time.sleep(0.01)
        return False


def register(client: httpx.Client, url: str, subject: str, revision: int) -> tuple[int, float]:
    body = {"query": REGISTER, "variables": {"subject": subject, "schema": tool_schema(revision)}}
    request = client.build_request("POST", url + "/graphql", json=body)
    sent = time.time()
    response = client.send(request)
    response.raise_for_status()
    payload = response.json()
    if payload.get("errors"):
        raise RuntimeError(f"registration failed: {payload['errors']}")
    return int(payload["data"]["registerSchema"]["version"]), sent


def summarize(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {
        "p50_ms": percentile(ms, 50),
        "p99_ms": percentile(ms, 99),
        "max_ms": max(ms) if ms else float("nan"),
    }


def start_registry(
    args: argparse.Namespace, procs: Processes, stack: contextlib.ExitStack
) -> tuple[Managed, str]:
    if not args.services:
        database = f"sqlite+aiosqlite:///{procs.workdir / 'registry.db'}"
        return procs.start_registry(
            "registry", registry_env(database, log_level=args.log_level)
        ), "sqlite + memory://"
    server_url, redis = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_REDIS_URL")
    if not server_url or not redis:
        raise SystemExit(
            "--services needs TEST_DATABASE_URL and TEST_REDIS_URL (source .services/env)"
        )
    env = registry_env(
        stack.enter_context(fresh_postgres_database(server_url)),
        broadcast_url=redis,
        channel=f"bench-{uuid.uuid4().hex}",
        log_level=args.log_level,
    )
    return procs.start_registry("registry", env), "postgresql + redis://"


def run(args: argparse.Namespace, procs: Processes, stack: contextlib.ExitStack) -> None:
    server, backend = start_registry(args, procs, stack)
    subject = "bench.client_latency"
    http = stack.enter_context(httpx.Client(timeout=30))
    graphql(http, server.url, SET_COMPATIBILITY, subject=subject)
    receivers = {mode: Receiver(procs, mode, server.url, subject) for mode in MODES}
    for receiver in receivers.values():
        receiver.wait_ready(60)
    revision = 0
    # Warm-up: both receivers are proven subscribed before anything is timed.
    for attempt in range(10):
        revision += 1
        version, _ = register(http, server.url, subject, revision)
        if all(r.wait_for(version, 5) for r in receivers.values()):
            break
        if attempt == 9:
            raise RuntimeError("warm-up registrations did not reach both receivers")
    timed: list[tuple[int, float]] = []
    start = time.monotonic()
    for k in range(args.events):
        time.sleep(max(0.0, start + k * args.interval - time.monotonic()))
        revision += 1
        timed.append(register(http, server.url, subject, revision))
    last = timed[-1][0]
    for receiver in receivers.values():
        receiver.wait_for(last, 30)

    latencies = {
        mode: [r.received[v] - sent for v, sent in timed if v in r.received]
        for mode, r in receivers.items()
    }
    missed = {mode: len(timed) - len(values) for mode, values in latencies.items()}
    repeated = {mode: len(r.sequences) - len(set(r.sequences)) for mode, r in receivers.items()}
    overhead = [
        receivers["client"].received[v] - receivers["bare"].received[v]
        for v, _ in timed
        if v in receivers["client"].received and v in receivers["bare"].received
    ]
    results = {mode: summarize(values) for mode, values in latencies.items()}
    results["client_minus_bare"] = summarize(overhead)

    print(
        f"Registration -> receipt, {args.events} registrations {args.interval:g} s apart, "
        f"one registry ({backend}), {os.cpu_count()} CPUs shared by all processes.\n"
    )
    print("| receiver | p50 ms | p99 ms | max ms | missed | repeated |")
    print("|---|---:|---:|---:|---:|---:|")
    for mode in MODES:
        row = results[mode]
        print(
            f"| {LABELS[mode]} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | "
            f"{row['max_ms']:.1f} | {missed[mode]} | {repeated[mode]} |"
        )
    extra = results["client_minus_bare"]
    print(
        f"| client - baseline, per registration | {extra['p50_ms']:.1f} | "
        f"{extra['p99_ms']:.1f} | {extra['max_ms']:.1f} | - | - |"
    )
    path = write_results(
        "client-latency",
        {
            "benchmark": "bench_client_latency",
            "args": vars(args),
            "backend": backend,
            "machine": {**machine_info(), "load_average_at_end": os.getloadavg()},
            "source": source_state(),
            "results": results,
            "missed": missed,
            "repeated": repeated,
        },
    )
    print(f"\nJSON: {path}")
    if any(missed.values()) or any(repeated.values()):
        raise RuntimeError(f"missed {missed}, repeated {repeated}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sigterm_as_interrupt()
    with (
        tempfile.TemporaryDirectory(prefix="bench-client-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        return run_managed(Path(tmp), lambda procs: run(args, procs, stack), "receivers and server")


if __name__ == "__main__":
    sys.exit(main())
