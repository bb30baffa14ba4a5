"""Faults under load: nothing acknowledged may be lost, no event missed or repeated, no
server error but the designed 503s, and no read left waiting.

    python -m load.chaos                          # 60 s of load, about 70 s in all
    python -m load.chaos --duration 12 --outage 1 # a quick run

Two replicas serve on a private PostgreSQL cluster and a private redis-server (started
here, on free loopback ports, removed afterwards; the shared test services are never
touched). A writer registers schemas through both replicas and records every
acknowledged (subject, version, id); one subscriber per replica resumes with ``after``
whenever its socket drops; a reader reads, every 20 ms, a subject's latest version over
REST (which needs the database) and a schema by id over GraphQL (which the response cache
serves), and times each answer; a hostile client sends malformed and abusive requests
(``load/chaos_hostile.py``). Meanwhile faults are injected in turn: kill -9 of a replica
(then restarted on its port), SIGKILL of Redis (restarted after ``--outage`` seconds),
``pg_ctl stop -m immediate`` (started again after ``--outage`` seconds).

At the end, once both replicas are ready again: acknowledged writes missing from the
database, events a subscriber never received, events it received twice, 5xx answers (the
designed ones, 503 with Retry-After and error code 50001 between a PostgreSQL stop and
both replicas' readiness after it, apart from any other), hostile requests not answered
as expected, and the largest read stall: the longest a read waited for an answer, any
answer (a 503 refusal counts: the replica answered). The exit status is 1 when any of
these is not zero, or the stall reaches --max-stall-ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from load import chaos_hostile
from load.chaos_clients import Stream, Tally, subscribe, write
from load.chaos_reader import Reader
from load.chaos_report import log_summary, report
from load.common import (
    REGISTER,
    Managed,
    Processes,
    free_port,
    registry_env,
    run_managed,
    sigterm_as_interrupt,
    tool_schema,
    write_results,
)
from load.common import wait_ready as wait_until_ready

# The same private servers the fault tests use (never the shared test services).
from tests.support.services import PrivatePostgres, PrivateRedis, private_postgres

FAULTS = ("replica", "redis", "postgres")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--outage", type=float, default=3.0, help="seconds Redis/PG stay down")
    parser.add_argument("--write-interval", type=float, default=0.05, help="seconds per write")
    parser.add_argument("--settle", type=float, default=30.0, help="seconds to catch up after")
    parser.add_argument(
        "--hostile-interval", type=float, default=0.02, help="seconds per hostile request"
    )
    parser.add_argument("--max-stall-ms", type=float, default=100.0, help="largest read stall")
    parser.add_argument("--no-json", action="store_true", help="do not write load/results/")
    return parser.parse_args(argv)


@dataclass
class Cluster:
    procs: Processes
    postgres: PrivatePostgres
    redis: PrivateRedis
    env: dict[str, str]
    replicas: list[Managed]
    ports: list[int]
    control: str

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]


async def inject(kind: str, round_: int, cluster: Cluster, tally: Tally, outage: float) -> None:
    if kind == "replica":
        index = round_ % 2
        victim = cluster.replicas[index]
        victim.process.kill()
        victim.process.wait()
        cluster.procs.stop(victim)
        tally.fault(f"kill -9 {victim.name} ({round_ + 1})")
        tally.note(f"kill -9 {victim.name}; restarting it")
        started = time.monotonic()
        cluster.replicas[index] = await asyncio.to_thread(
            cluster.procs.start_registry, victim.name, cluster.env, 60.0, cluster.ports[index]
        )
        tally.note(f"{victim.name} ready again after {time.monotonic() - started:.1f} s")
    elif kind == "redis":
        tally.fault(f"Redis SIGKILL ({round_ + 1})")
        cluster.redis.kill()
        tally.note(f"SIGKILL redis-server; down for {outage:g} s")
        await asyncio.sleep(outage)
        await asyncio.to_thread(cluster.redis.start)
        tally.note("redis-server started again")
    else:
        tally.fault(f"PostgreSQL stop ({round_ + 1})")
        tally.postgres_stopped()
        await asyncio.to_thread(cluster.postgres.stop, "immediate")
        tally.note(f"pg_ctl stop -m immediate; down for {outage:g} s")
        await asyncio.sleep(outage)
        await asyncio.to_thread(cluster.postgres.start)
        tally.note("PostgreSQL started again")
        await wait_ready(cluster.urls, 30.0)
        tally.postgres_serving()
        tally.note("both replicas ready again")


async def database_state(url: str) -> tuple[int, set[tuple[str, int, int]]]:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    connection = await asyncpg.connect(dsn)
    try:
        last = await connection.fetchval("SELECT last_sequence FROM registry_state WHERE id = 1")
        rows = await connection.fetch("SELECT subject, version, schema_id FROM subject_versions")
    finally:
        await connection.close()
    return int(last), {(r["subject"], r["version"], r["schema_id"]) for r in rows}


async def wait_ready(urls: list[str], within: float) -> None:
    async with httpx.AsyncClient(timeout=2.0) as http, asyncio.timeout(within):
        for url in urls:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(url + "/readyz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)


async def chaos(args: argparse.Namespace, cluster: Cluster, database_url: str) -> dict[str, Any]:
    tally = Tally()
    streams = [
        Stream(m.name, f"ws://127.0.0.1:{port}/graphql")
        for m, port in zip(cluster.replicas, cluster.ports, strict=True)
    ]
    async with httpx.AsyncClient(timeout=10.0) as http:
        registered = await http.post(
            cluster.urls[0] + "/graphql",
            json={
                "query": REGISTER,
                "variables": {"subject": "chaos.read", "schema": tool_schema()},
            },
        )
    schema_id = int(registered.json()["data"]["registerSchema"]["id"])
    await chaos_hostile.prepare(cluster.urls)
    hostile = chaos_hostile.Hostile()
    reader = Reader(cluster.urls, schema_id, cluster.control)
    await asyncio.to_thread(reader.start)
    try:
        stop = asyncio.Event()
        began = tally.now()
        workers = [
            asyncio.create_task(write(cluster.urls, tally, stop, args.write_interval)),
            asyncio.create_task(
                chaos_hostile.attack(cluster.urls, tally, hostile, stop, args.hostile_interval)
            ),
        ]
        listeners = [asyncio.create_task(subscribe(stream)) for stream in streams]
        rounds = len(FAULTS) * max(1, int(args.duration // 30))
        for round_ in range(rounds):
            due = began + args.duration * (round_ + 1) / (rounds + 1)
            await asyncio.sleep(max(0.0, due - tally.now()))
            await inject(
                FAULTS[round_ % len(FAULTS)], round_ // len(FAULTS), cluster, tally, args.outage
            )
        await asyncio.sleep(max(0.0, began + args.duration - tally.now()))
        stop.set()
        await asyncio.gather(*workers)
    finally:
        await asyncio.to_thread(reader.stop)
    for line in reader.lines:
        tally.read(line)
    tally.note("load stopped; waiting for both replicas and subscribers to catch up")
    await wait_ready(cluster.urls, args.settle)
    last, stored = await database_state(database_url)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(args.settle):
            await asyncio.gather(*(stream.reach(last) for stream in streams))
    for listener in listeners:
        listener.cancel()
    await asyncio.gather(*listeners, return_exceptions=True)
    lost = [item for item in tally.acknowledged if item not in stored]
    expected = set(range(1, last + 1))
    return {
        "tally": tally,
        "hostile": hostile,
        "streams": streams,
        "last_sequence": last,
        "lost": lost,
        "missed": {s.name: len(expected - s.seen) for s in streams},
        "duplicated": {s.name: s.duplicates for s in streams},
    }


def start_control(procs: Processes, workdir: Path) -> Managed:
    """A bare Starlette app serving precomputed bytes, read beside the replicas: how long
    it takes to answer is the delay the machine itself adds at that moment."""
    body = workdir / "control.json"
    body.write_text(tool_schema())
    port = free_port()
    argv = [sys.executable, "-m", "load.baseline_app", "--port", str(port), "--body-file"]
    control = procs.start("control", [*argv, str(body)])
    control.url = f"http://127.0.0.1:{port}"
    wait_until_ready(control, "/healthz", 30.0)
    return control


def run(args: argparse.Namespace, procs: Processes, workdir: Path) -> None:
    with private_postgres() as postgres:
        redis = PrivateRedis(workdir / "redis").start()
        try:
            database_url = postgres.create_database()
            env = registry_env(
                database_url,
                broadcast_url=redis.url,
                channel=f"chaos-{uuid.uuid4().hex}",
                extra={"REGISTRY_SHUTDOWN_TIMEOUT": "3"},
            )
            # One after the other: the first applies the migrations.
            replicas = [procs.start_registry(f"replica-{n}", env) for n in ("a", "b")]
            ports = [int(m.url.rsplit(":", 1)[1]) for m in replicas]
            control = start_control(procs, workdir)
            cluster = Cluster(procs, postgres, redis, env, replicas, ports, control.url)
            print(
                f"chaos: {args.duration:g} s of writes, reads and two subscribers on two "
                f"replicas (PostgreSQL :{postgres.port}, Redis :{redis.port}); faults: "
                f"{', '.join(FAULTS)}, outages of {args.outage:g} s",
                flush=True,
            )
            outcome = asyncio.run(chaos(args, cluster, database_url))
            summary = report(args, outcome, log_summary(cluster.replicas))
        finally:
            procs.stop_all()
            redis.stop()
    if not args.no_json:
        print(f"JSON: {write_results('chaos', summary)}")
    failed = [
        f"{name} not zero"
        for name in (
            "lost_acknowledged_writes",
            "missed_events",
            "duplicated_events",
            "other_server_errors",
            "unexpected_hostile_answers",
        )
        if summary[name]
    ]
    if not summary["largest_read_stall_s"] * 1000 < args.max_stall_ms:
        failed.append(f"largest read stall not under {args.max_stall_ms:g} ms")
    if failed:
        raise RuntimeError(", ".join(failed))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sigterm_as_interrupt()
    with tempfile.TemporaryDirectory(prefix="chaos-") as tmp:
        return run_managed(Path(tmp), lambda procs: run(args, procs, Path(tmp)), "the replicas")


if __name__ == "__main__":
    sys.exit(main())
