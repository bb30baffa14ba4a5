"""Reads of one schema by id: GraphQL (cached POST, cached GET, uncached POST) against a
raw Starlette endpoint returning the same bytes, in the same run on the same machine.

    python -m load.bench_reads                 # temp SQLite, 10 s per case
    python -m load.bench_reads --quick         # smoke run
    python -m load.bench_reads --fresh-postgres  # a new database on TEST_DATABASE_URL

Servers and the load generator share the machine's cores; cases run in interleaved
rounds (order reversed every other round) so drift and noise hit every case alike.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from load import loadgen
from load.common import (
    LOOPBACK,
    REGISTER,
    Managed,
    Processes,
    cpu_seconds,
    free_port,
    fresh_postgres_database,
    graphql,
    machine_cpu_seconds,
    machine_info,
    registry_env,
    run_managed,
    sigterm_as_interrupt,
    source_state,
    tool_schema,
    wait_ready,
    write_results,
)
from load.reads_report import markdown, summarize

QUERY = "query($id:Int!){schema(id:$id){id schema format}}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="measured seconds per case")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved slices per case")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured seconds per case")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--load-generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="auto: wrk when installed, else load.http_load",
    )
    parser.add_argument("--database-url", help="registry database (default: a temp SQLite file)")
    parser.add_argument(
        "--fresh-postgres",
        action="store_true",
        help="a new database on TEST_DATABASE_URL's server, dropped afterwards",
    )
    parser.add_argument("--log-level", default="warning", help="uvicorn level for all servers")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 s per case, 1 round")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.rounds, args.warmup = 2, 1, 1
    args.rounds = max(1, min(args.rounds, args.duration))
    return args


def start_servers(
    procs: Processes, database_url: str, log_level: str, workdir: Path
) -> tuple[Managed, Managed, Managed, int, bytes]:
    """The cached registry, the uncached one (same database) and the baseline serving the
    cached registry's exact response bytes. Returns them, the schema id and those bytes."""
    env = registry_env(database_url, log_level=log_level)
    cached = procs.start_registry("registry", env)
    with httpx.Client(timeout=10) as client:
        registered = graphql(
            client, cached.url, REGISTER, subject="tools.search_flights", schema=tool_schema()
        )["registerSchema"]
        schema_id = int(registered["id"])
        response = client.post(
            cached.url + "/graphql", json={"query": QUERY, "variables": {"id": schema_id}}
        )
        response.raise_for_status()
        body = response.content
    uncached = procs.start_registry(
        "registry-uncached", {**env, "REGISTRY_RESPONSE_CACHE_ENTRIES": "0"}
    )
    body_file = workdir / "baseline-body.json"
    body_file.write_bytes(body)
    port = free_port()
    baseline = procs.start(
        "baseline",
        [
            sys.executable,
            "-m",
            "load.baseline_app",
            "--port",
            str(port),
            "--body-file",
            str(body_file),
            "--log-level",
            log_level,
        ],
    )
    baseline.url = f"http://{LOOPBACK}:{port}"
    wait_ready(baseline, "/healthz", 30)
    return cached, uncached, baseline, schema_id, body


def build_targets(
    cached: Managed, uncached: Managed, baseline: Managed, schema_id: int
) -> dict[str, tuple[Managed, loadgen.Target]]:
    post_body = json.dumps(
        {"query": QUERY, "variables": {"id": schema_id}}, separators=(",", ":")
    ).encode()
    query_string = urlencode({"query": QUERY, "variables": json.dumps({"id": schema_id})})
    return {
        "baseline": (baseline, loadgen.Target(baseline.url + "/schema")),
        "baseline_post": (baseline, loadgen.Target(baseline.url + "/schema", "POST", post_body)),
        "graphql_post": (cached, loadgen.Target(cached.url + "/graphql", "POST", post_body)),
        "graphql_get": (cached, loadgen.Target(f"{cached.url}/graphql?{query_string}")),
        "graphql_post_uncached": (
            uncached,
            loadgen.Target(uncached.url + "/graphql", "POST", post_body),
        ),
    }


def verify(
    targets: dict[str, tuple[Managed, loadgen.Target]], expected: dict[str, Any], body: bytes
) -> None:
    """One request per case before any load: 200 and the schema document itself."""
    with httpx.Client(timeout=10) as client:
        for name, (_, target) in targets.items():
            if target.method == "POST":
                response = client.post(
                    target.url, content=target.body, headers={"content-type": "application/json"}
                )
            else:
                response = client.get(target.url)
            if response.status_code != 200:
                raise RuntimeError(f"{name}: HTTP {response.status_code}: {response.text[:500]}")
            document = response.json()
            if document != {"data": {"schema": expected}}:
                raise RuntimeError(f"{name}: unexpected body {response.text[:500]}")
            if name == "baseline" and response.content != body:
                raise RuntimeError("baseline bytes differ from the registry's response")


def cache_hits(server: Managed) -> float:
    text = httpx.get(server.url + "/metrics", timeout=10).text
    # Every kind (shared, private) of hit.
    return sum(
        float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith("registry_response_cache_hits_total{")
    )


def measure(
    args: argparse.Namespace,
    targets: dict[str, tuple[Managed, loadgen.Target]],
    workdir: Path,
    use_wrk: bool,
) -> dict[str, list[dict[str, Any]]]:
    def once(name: str, seconds: int) -> dict[str, Any]:
        server, target = targets[name]
        cpu_before = cpu_seconds(server.pid)
        machine_before = machine_cpu_seconds()
        wall_before = time.monotonic()
        result = loadgen.run_load(
            target,
            seconds=seconds,
            connections=args.connections,
            threads=args.threads,
            workdir=workdir,
            use_wrk=use_wrk,
        )
        # Shares of one core over the generator's whole life (start-up included), so that
        # server + generator + other adds up to the machine's busy time.
        wall = time.monotonic() - wall_before
        server_cpu = cpu_seconds(server.pid) - cpu_before
        generator_cpu = result.pop("generator_cpu_s")
        # Everything else on the machine (the idle servers, other users' work): noise.
        other = machine_cpu_seconds() - machine_before - server_cpu - generator_cpu
        result["server_cpu_s"] = server_cpu
        result["server_cpu_pct"] = 100 * server_cpu / wall
        result["generator_cpu_pct"] = 100 * generator_cpu / wall
        result["other_cpu_pct"] = max(0.0, 100 * other / wall)
        return result

    for name in targets:
        print(f"warm-up {name} ({args.warmup} s)", file=sys.stderr)
        once(name, args.warmup)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
    slice_seconds = max(1, round(args.duration / args.rounds))
    for round_no in range(args.rounds):
        order = list(targets) if round_no % 2 == 0 else list(reversed(targets))
        for name in order:
            print(f"round {round_no + 1}/{args.rounds} {name} ({slice_seconds} s)", file=sys.stderr)
            result = once(name, slice_seconds)
            if result["errors"]:
                raise RuntimeError(f"{name}: {result['errors']} errors during load: {result}")
            runs[name].append(result)
    return runs


def run(args: argparse.Namespace, procs: Processes, database_url: str, workdir: Path) -> None:
    wrk = loadgen.find_wrk() if args.load_generator != "python" else None
    if args.load_generator == "wrk" and wrk is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    generator = (
        f"{loadgen.wrk_version(wrk)} (-t{args.threads} -c{args.connections})"
        if wrk
        else f"python load.http_load (asyncio/uvloop, {args.connections} connections)"
    )
    cached, uncached, baseline, schema_id, body = start_servers(
        procs, database_url, args.log_level, workdir
    )
    expected = json.loads(body)["data"]["schema"]
    if json.loads(expected["schema"]) != json.loads(tool_schema()):
        raise RuntimeError("the registry returned different schema content")
    targets = build_targets(cached, uncached, baseline, schema_id)
    verify(targets, expected, body)
    hits_before = {"cached": cache_hits(cached), "uncached": cache_hits(uncached)}
    runs = measure(args, targets, workdir, use_wrk=wrk is not None)
    hits = {
        "cached": cache_hits(cached) - hits_before["cached"],
        "uncached": cache_hits(uncached) - hits_before["uncached"],
    }
    summary = summarize(runs)
    db_kind = database_url.split(":", 1)[0]
    header = (
        f"Schema by id ({len(body)} B response), {db_kind}, load generator: {generator}, "
        f"{args.rounds} x {max(1, round(args.duration / args.rounds))} s per case after "
        f"{args.warmup} s warm-up, {os.cpu_count()} CPUs shared by servers and generator."
    )
    print(markdown(summary, header))
    print(
        "\nreq/s over all slices; p50/p99 the mean of the slices'; ratios against the "
        "baseline GET; CPU in % of one core (other = the rest of the machine: noise)."
    )
    cached_requests = sum(s["requests"] for s in runs["graphql_post"] + runs["graphql_get"])
    print(
        f"\nResponse-cache hits during measurement: cached server {hits['cached']:.0f} "
        f"(≥ {cached_requests} measured requests), uncached server {hits['uncached']:.0f}."
    )
    path = write_results(
        "reads",
        {
            "benchmark": "bench_reads",
            "args": vars(args),
            "machine": {**machine_info(), "load_average_at_end": os.getloadavg()},
            "source": source_state(),
            "load_generator": generator,
            "database": db_kind,
            "readyz_status": {"cached": cached.readyz_status, "uncached": uncached.readyz_status},
            "response_bytes": len(body),
            "schema_id": schema_id,
            "summary": summary,
            "runs": runs,
            "cache_hits": hits,
            "finished_at": time.time(),
        },
    )
    print(f"\nJSON: {path}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sigterm_as_interrupt()
    with tempfile.TemporaryDirectory(prefix="bench-reads-") as tmp, contextlib.ExitStack() as stack:
        workdir = Path(tmp)
        database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'registry.db'}"
        if args.fresh_postgres:
            server_url = os.environ.get("TEST_DATABASE_URL")
            if not server_url:
                raise SystemExit("--fresh-postgres needs TEST_DATABASE_URL (source .services/env)")
            database_url = stack.enter_context(fresh_postgres_database(server_url))
        return run_managed(
            workdir, lambda procs: run(args, procs, database_url, workdir), "servers"
        )


if __name__ == "__main__":
    sys.exit(main())
