"""Registration -> delivery latency of schemaChanges at several subscriber counts, and the
server memory each idle subscriber costs.

    python -m load.bench_fanout                          # SQLite + memory://, 1,100,1000
    python -m load.bench_fanout --replicas 2             # 2 servers, PostgreSQL + Redis
    python -m load.bench_fanout --subscribers 1,10 --quick

Subscribers are raw graphql-transport-ws clients in separate processes
(load.fanout_client); with replicas they are split evenly across them and registrations
go through replica 1. Latency = client receive time - driver time just before sending the
registerSchema mutation (same machine clock), over every (subscriber, event) pair.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import math
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from load.common import (
    REGISTER,
    SET_COMPATIBILITY,
    Managed,
    Processes,
    cpu_seconds,
    fresh_postgres_database,
    graphql,
    machine_info,
    raise_nofile_limit,
    registry_env,
    rss_kb,
    run_managed,
    sigterm_as_interrupt,
    source_state,
    tool_schema,
    write_results,
)
from load.fanout_group import ClientGroup
from load.fanout_report import analyze, markdown

SUBJECT = "bench"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", default="1,100,1000", help="comma-separated counts")
    parser.add_argument("--events", type=int, default=20, help="timed registrations per count")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between them")
    parser.add_argument("--replicas", type=int, default=1, help=">1: PostgreSQL + Redis")
    parser.add_argument(
        "--services",
        action="store_true",
        help="PostgreSQL (TEST_DATABASE_URL) + Redis (TEST_REDIS_URL) even with one replica",
    )
    parser.add_argument("--per-process", type=int, default=1000, help="sockets per client process")
    parser.add_argument("--settle", type=float, default=2.0, help="idle seconds before RSS reads")
    parser.add_argument("--log-level", default="warning")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 1,50 subscribers, 5 events"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.subscribers, args.events, args.interval, args.settle = "1,50", 5, 0.1, 0.5
    args.counts = [int(n) for n in args.subscribers.split(",") if n.strip()]
    if args.replicas < 1 or any(n < 1 for n in args.counts):
        parser.error("--replicas and every subscriber count must be >= 1")
    args.services = args.services or args.replicas > 1
    return args


class Registrar:
    """Registers new versions of SUBJECT through one replica; each is a new content."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=30)
        self.revisions = itertools.count(1)

    def register(self) -> tuple[int, float, float]:
        """Returns (version, time just before sending, time the response arrived)."""
        body = {
            "query": REGISTER,
            "variables": {"subject": SUBJECT, "schema": tool_schema(next(self.revisions))},
        }
        request = self.client.build_request("POST", "/graphql", json=body)
        sent = time.time()
        response = self.client.send(request)
        answered = time.time()
        response.raise_for_status()
        payload = response.json()
        if payload.get("errors") or not payload["data"]["registerSchema"]["isNewVersion"]:
            raise RuntimeError(f"registration failed: {payload}")
        return int(payload["data"]["registerSchema"]["version"]), sent, answered


def subscriber_gauge(server: Managed) -> int:
    text = httpx.get(server.url + "/metrics", timeout=10).text
    for line in text.splitlines():
        if line.startswith("registry_subscribers "):
            return int(float(line.split()[1]))
    return -1


def wait_for_gauges(servers: list[Managed], expected: list[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        seen = [subscriber_gauge(s) for s in servers]
        if seen == expected:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"servers report {seen} subscribers, expected {expected}")
        time.sleep(0.1)


def measure(
    args: argparse.Namespace, n: int, servers: list[Managed], registrar: Registrar
) -> dict[str, Any]:
    replicas = len(servers)
    ws_urls = [s.url.replace("http://", "ws://", 1) + "/graphql" for s in servers]
    # Subscriber i is on replica i % replicas; process j holds subscribers j, j+P, j+2P...
    processes = math.ceil(n / args.per_process)
    chunks = [[ws_urls[i % replicas] for i in range(j, n, processes)] for j in range(processes)]
    replica_of = [[i % replicas for i in range(j, n, processes)] for j in range(processes)]
    expected = [len(range(r, n, replicas)) for r in range(replicas)]

    wait_for_gauges(servers, [0] * replicas, 30)
    time.sleep(args.settle)
    rss_before = [rss_kb(s.pid) for s in servers]
    connect_timeout = 30 + n / 20
    print(f"[{n}] connecting {n} subscribers in {processes} process(es)", file=sys.stderr)
    group = ClientGroup(chunks, concurrency=100, timeout=connect_timeout)
    try:
        connected, errors = group.wait_ready(connect_timeout)
        if connected != n:
            raise RuntimeError(f"{connected}/{n} subscribers connected: {errors}")
        wait_for_gauges(servers, expected, connect_timeout)
        time.sleep(args.settle)
        rss_after = [rss_kb(s.pid) for s in servers]

        # Subscribed on the server is not yet proven delivered-to: an event must reach all.
        for attempt in itertools.count(1):
            version, _, _ = registrar.register()
            if group.wait_all(version, n, timeout=5):
                break
            if attempt == 5:
                raise RuntimeError("warm-up events did not reach every subscriber")

        print(f"[{n}] {args.events} timed registrations", file=sys.stderr)
        cpu_before = [cpu_seconds(s.pid) for s in servers]
        client_cpu_before = group.cpu_seconds()
        timed: list[tuple[int, float, float]] = []
        start = time.monotonic()
        wall_start = time.time()
        for k in range(args.events):
            time.sleep(max(0.0, start + k * args.interval - time.monotonic()))
            timed.append(registrar.register())
        all_delivered = group.wait_all(timed[-1][0], n, timeout=30 + n / 50)
        server_cpu_each = [cpu_seconds(s.pid) - b for s, b in zip(servers, cpu_before, strict=True)]
        server_cpu = sum(server_cpu_each)
        timed_wall = time.time() - wall_start
        client_cpu = group.cpu_seconds() - client_cpu_before
        received, client_errors = group.collect()
    finally:
        group.close()

    return analyze(
        timed,
        received,
        replica_of,
        expected,
        {
            "subscribers": n,
            "client_processes": processes,
            "all_delivered_in_time": all_delivered,
            "client_errors": client_errors,
            "server_cpu_s": server_cpu,
            "client_cpu_s": client_cpu,
            "server_cpu_each_s": server_cpu_each,
            "timed_wall_s": timed_wall,
            "rss_kb_before": rss_before,
            "rss_kb_after": rss_after,
        },
    )


def start_servers(
    args: argparse.Namespace, procs: Processes, stack: contextlib.ExitStack, workdir: Path
) -> tuple[list[Managed], str]:
    if not args.services:
        env = registry_env(
            f"sqlite+aiosqlite:///{workdir / 'registry.db'}", log_level=args.log_level
        )
        return [procs.start_registry("registry-1", env)], "sqlite + memory://"
    database, redis = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_REDIS_URL")
    if not database or not redis:
        raise SystemExit(
            "PostgreSQL + Redis need TEST_DATABASE_URL and TEST_REDIS_URL (source .services/env)"
        )
    env = registry_env(
        stack.enter_context(fresh_postgres_database(database)),
        broadcast_url=redis,
        channel=f"bench-{uuid.uuid4().hex}",
        log_level=args.log_level,
    )
    # One after the other: the first applies the migrations.
    servers = [procs.start_registry(f"registry-{i + 1}", env) for i in range(args.replicas)]
    return servers, "postgresql + redis://"


def run(
    args: argparse.Namespace, procs: Processes, stack: contextlib.ExitStack, workdir: Path
) -> None:
    raise_nofile_limit(max(args.counts) * 2 + 4096)
    servers, backend = start_servers(args, procs, stack, workdir)
    registrar = Registrar(servers[0].url)
    stack.callback(registrar.client.close)
    graphql(registrar.client, servers[0].url, SET_COMPATIBILITY, subject=SUBJECT)
    registrar.register()
    results = [measure(args, n, servers, registrar) for n in args.counts]
    header = (
        f"schemaChanges fan-out: {len(servers)} replica(s), {backend}, {args.events} "
        f"registrations {args.interval:g} s apart per count, {os.cpu_count()} CPUs shared "
        "by servers and clients."
    )
    print(markdown(results, header))
    largest = max(results, key=lambda r: r["subscribers"])
    print(
        f"\nServer memory per idle subscriber at {largest['subscribers']}: "
        f"{largest['rss_kb_per_subscriber']:.1f} KB (RSS {largest['rss_kb_before']} -> "
        f"{largest['rss_kb_after']} KB). Missed deliveries: {sum(r['missed'] for r in results)}."
    )
    path = write_results(
        f"fanout-{len(servers)}r",
        {
            "benchmark": "bench_fanout",
            "args": vars(args),
            "backend": backend,
            "readyz_status": [s.readyz_status for s in servers],
            "machine": {**machine_info(), "load_average_at_end": os.getloadavg()},
            "source": source_state(),
            "results": results,
        },
    )
    print(f"\nJSON: {path}")
    if any(r["missed"] or r["client_errors"] for r in results):
        raise RuntimeError("deliveries were missed or clients saw errors (see the JSON)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sigterm_as_interrupt()
    multiprocessing.set_start_method("spawn", force=True)
    with (
        tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        workdir = Path(tmp)
        # Inside the stack: servers stop before their database is dropped.
        return run_managed(
            workdir, lambda procs: run(args, procs, stack, workdir), "clients and servers"
        )


if __name__ == "__main__":
    sys.exit(main())
