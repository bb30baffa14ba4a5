"""Faults under load: nothing acknowledged may be lost, no event missed or repeated.

    python -m load.chaos                          # 60 s of load, about 70 s in all
    python -m load.chaos --duration 12 --outage 1 # a quick run

Two replicas serve on a private PostgreSQL cluster and a private redis-server (started
here, on free loopback ports, removed afterwards; the shared test services are never
touched). A writer registers schemas through both replicas and records every
acknowledged (subject, version, id); one subscriber per replica resumes with ``after``
whenever its socket drops; a reader measures how long reads stall. Meanwhile faults are
injected in turn: kill -9 of a replica (then restarted on its port), SIGKILL of Redis
(restarted after ``--outage`` seconds), ``pg_ctl stop -m immediate`` (started again after
``--outage`` seconds).

At the end, once both replicas are ready again: acknowledged writes missing from the
database, events a subscriber never received, events it received twice, 5xx answers and
the largest read stall. The exit status is 1 when any of the first three is not zero.
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

from load.chaos_clients import Stream, Tally, read, subscribe, write
from load.common import (
    Managed,
    Processes,
    registry_env,
    run_managed,
    sigterm_as_interrupt,
    write_results,
)

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
        tally.note(f"kill -9 {victim.name}; restarting it")
        started = time.monotonic()
        cluster.replicas[index] = await asyncio.to_thread(
            cluster.procs.start_registry, victim.name, cluster.env, 60.0, cluster.ports[index]
        )
        tally.note(f"{victim.name} ready again after {time.monotonic() - started:.1f} s")
    elif kind == "redis":
        cluster.redis.kill()
        tally.note(f"SIGKILL redis-server; down for {outage:g} s")
        await asyncio.sleep(outage)
        await asyncio.to_thread(cluster.redis.start)
        tally.note("redis-server started again")
    else:
        await asyncio.to_thread(cluster.postgres.stop, "immediate")
        tally.note(f"pg_ctl stop -m immediate; down for {outage:g} s")
        await asyncio.sleep(outage)
        await asyncio.to_thread(cluster.postgres.start)
        tally.note("PostgreSQL started again")


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
    stop = asyncio.Event()
    workers = [
        asyncio.create_task(write(cluster.urls, tally, stop, args.write_interval)),
        asyncio.create_task(read(cluster.urls, tally, stop)),
    ]
    listeners = [asyncio.create_task(subscribe(stream)) for stream in streams]
    rounds = len(FAULTS) * max(1, int(args.duration // 30))
    for round_ in range(rounds):
        due = args.duration * (round_ + 1) / (rounds + 1)
        await asyncio.sleep(max(0.0, due - tally.now()))
        await inject(
            FAULTS[round_ % len(FAULTS)], round_ // len(FAULTS), cluster, tally, args.outage
        )
    await asyncio.sleep(max(0.0, args.duration - tally.now()))
    stop.set()
    await asyncio.gather(*workers)
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
        "streams": streams,
        "last_sequence": last,
        "lost": lost,
        "missed": {s.name: len(expected - s.seen) for s in streams},
        "duplicated": {s.name: s.duplicates for s in streams},
    }


def log_summary(managed: list[Managed]) -> str:
    parts = []
    for m in managed:
        text = m.log_path.read_text(errors="replace") if m.log_path else ""
        lines = text.splitlines()
        refusals = sum(" refused: " in line for line in lines)
        parts.append(
            f"{m.name}: {len(lines)} lines ({refusals} refused requests), "
            f"{text.count('Traceback')} tracebacks"
        )
    return "; ".join(parts)


def report(args: argparse.Namespace, outcome: dict[str, Any], logs: str) -> dict[str, Any]:
    tally: Tally = outcome["tally"]
    fivexx = {status: n for status, n in sorted(tally.statuses.items()) if status >= 500}
    summary = {
        "duration_s": args.duration,
        "outage_s": args.outage,
        "acknowledged_writes": len(tally.acknowledged),
        "lost_acknowledged_writes": len(outcome["lost"]),
        "missed_events": sum(outcome["missed"].values()),
        "duplicated_events": sum(outcome["duplicated"].values()),
        "http_5xx": sum(fivexx.values()),
        "http_5xx_by_status": fivexx,
        "largest_read_stall_s": round(tally.largest_stall, 3),
        "last_sequence": outcome["last_sequence"],
        "write_refusals": dict(tally.refusals),
        "subscriber_reconnects": {s.name: s.reconnects for s in outcome["streams"]},
        "missed_by_subscriber": outcome["missed"],
        "duplicated_by_subscriber": outcome["duplicated"],
        "timeline": tally.timeline,
        "server_logs": logs,
    }
    refusals = ", ".join(f"{k} {v}" for k, v in sorted(tally.refusals.items())) or "none"
    print(
        "\n".join(
            [
                "",
                f"acknowledged writes      {summary['acknowledged_writes']}",
                f"lost acknowledged writes {summary['lost_acknowledged_writes']}",
                f"missed events            {summary['missed_events']} {outcome['missed']} "
                f"(of sequences 1..{outcome['last_sequence']})",
                f"duplicated events        {summary['duplicated_events']} {outcome['duplicated']}",
                f"5xx answers              {summary['http_5xx']} {fivexx or ''}".rstrip(),
                f"largest read stall       {tally.largest_stall:.2f} s "
                f"(ended at {tally.stall_ended_at:.1f} s; {tally.reads} reads)",
                f"write refusals           {refusals}",
                f"subscriber reconnects    {summary['subscriber_reconnects']}",
                f"server logs              {logs}",
            ]
        )
    )
    return summary


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
            cluster = Cluster(procs, postgres, redis, env, replicas, ports)
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
        name
        for name in ("lost_acknowledged_writes", "missed_events", "duplicated_events")
        if summary[name]
    ]
    if failed:
        raise RuntimeError(f"{', '.join(failed)} not zero")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sigterm_as_interrupt()
    with tempfile.TemporaryDirectory(prefix="chaos-") as tmp:
        return run_managed(Path(tmp), lambda procs: run(args, procs, Path(tmp)), "the replicas")


if __name__ == "__main__":
    sys.exit(main())
