"""Reads as gateways and Confluent clients make them, each against a raw Starlette twin
returning the same bytes, in the same run on the same machine: a schema by id (GraphQL
POST and GET, and with the response cache off), a subject's latest version and its
versions, a 20- and a 200-subject listing (and both with the cache off), the global
config, and the REST reads of a subject's latest version and of a schema by id.

    python -m load.bench_reads                    # temp SQLite, 10 s per case
    python -m load.bench_reads --quick            # smoke run
    python -m load.bench_reads --cases subjects   # one group (see --help)
    python -m load.bench_reads --write-every-ms 100  # with events invalidating the cache
    python -m load.bench_reads --fresh-postgres   # new databases on TEST_DATABASE_URL

Each case is checked once before any load (200, the expected document, and the same
bytes as its raw twin). Servers and the load generator share the machine's cores; cases
run in interleaved rounds (order reversed every other round) so drift and noise hit
every case alike.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from load import loadgen
from load.common import (
    Managed,
    Processes,
    cpu_seconds,
    fresh_postgres_database,
    machine_cpu_seconds,
    machine_info,
    run_managed,
    sigterm_as_interrupt,
    source_state,
    write_results,
)
from load.reads_cases import (
    GROUPS,
    LARGE_LISTING,
    Fixture,
    catalogue,
)
from load.reads_churn import Churn, slice_probe
from load.reads_report import markdown, summarize
from load.reads_servers import (
    answers_of,
    register_fixtures,
    start_baseline,
    start_registries,
    verify,
)


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
    parser.add_argument(
        "--cases",
        default=",".join(GROUPS),
        help=f"comma-separated groups of cases (default: all): {', '.join(GROUPS)}",
    )
    parser.add_argument(
        "--write-every-ms",
        type=int,
        default=0,
        help="register a new version every N ms on the registry under load (0: off), so\n"
        "events keep ending the cached live answers",
    )
    parser.add_argument("--database-url", help="registry database (default: a temp SQLite file)")
    parser.add_argument(
        "--large-database-url",
        help=f"the {LARGE_LISTING}-subject listing's database (default: a temp SQLite file,\n"
        "or a second fresh database with --fresh-postgres)",
    )
    parser.add_argument(
        "--fresh-postgres",
        action="store_true",
        help="new databases on TEST_DATABASE_URL's server, dropped afterwards",
    )
    parser.add_argument("--log-level", default="warning", help="uvicorn level for all servers")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 s per case, 1 round")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.rounds, args.warmup = 2, 1, 1
    args.rounds = max(1, min(args.rounds, args.duration))
    args.cases = [group.strip() for group in args.cases.split(",") if group.strip()]
    unknown = sorted(set(args.cases) - set(GROUPS))
    if unknown or not args.cases:
        parser.error(f"--cases: unknown {unknown}; choose among {', '.join(GROUPS)}")
    return args


def measure(
    args: argparse.Namespace,
    targets: dict[str, tuple[Managed, loadgen.Target]],
    workdir: Path,
    use_wrk: bool,
    probe: Callable[[str], Callable[[dict[str, Any]], None]] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Warm every case up, then load each in interleaved rounds. ``probe(name)``, when
    given, runs before each slice (outside its CPU accounting) and returns what to call
    with the slice's result after it."""

    def once(name: str, seconds: int) -> dict[str, Any]:
        server, target = targets[name]
        after = probe(name) if probe is not None else None
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
        if after is not None:
            after(result)
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


def run(
    args: argparse.Namespace, procs: Processes, databases: dict[str, str], workdir: Path
) -> None:
    wrk = loadgen.find_wrk() if args.load_generator != "python" else None
    if args.load_generator == "wrk" and wrk is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    generator = (
        f"{loadgen.wrk_version(wrk)} (-t{args.threads} -c{args.connections})"
        if wrk
        else f"python load.http_load (asyncio/uvloop, {args.connections} connections)"
    )
    # The fixture's ids are known only once registered; the roles do not depend on them.
    roles = {c.server for c in catalogue(Fixture((0,))) if c.group in args.cases}
    servers = start_registries(procs, (roles - {"baseline"}) | {"main"}, databases, args.log_level)
    fixture = register_fixtures(servers)
    cases = [c for c in catalogue(fixture) if c.group in args.cases]
    checks: dict[str, dict[str, Any]] = {}
    answers = answers_of(cases, servers, checks)
    servers["baseline"] = start_baseline(procs, cases, answers, args.log_level, workdir)
    verify(cases, servers, answers, checks)
    targets = {
        c.name: (
            servers[c.server],
            loadgen.Target(servers[c.server].url + c.path, c.method, c.body),
        )
        for c in cases
    }
    churn = Churn(args.write_every_ms) if args.write_every_ms > 0 else None
    probe = slice_probe(servers, {c.name: c.server for c in cases}, churn)
    with churn or contextlib.nullcontext():
        runs = measure(args, targets, workdir, use_wrk=wrk is not None, probe=probe)
    summary = summarize(runs, {c.name: c.baseline or c.name for c in cases})
    db_kind = databases["main"].split(":", 1)[0]
    slice_seconds = max(1, round(args.duration / args.rounds))
    writes = (
        f"a registration every {args.write_every_ms} ms on the registry under load"
        if churn
        else "no writes"
    )
    header = (
        f"{db_kind}, load generator: {generator}, {args.rounds} x {slice_seconds} s per case "
        f"after {args.warmup} s warm-up, {writes}, {os.cpu_count()} CPUs shared by servers "
        "and generator."
    )
    print(markdown(summary, header, {c.name: c.label for c in cases}))
    print(
        "\nreq/s over all slices; p50/p99 the mean of the slices'; ratios against each "
        "case's raw twin (the raw Starlette row above it with the same method and bytes); "
        "cache hits/req from the deltas of /metrics registry_response_cache_hits_total; "
        "writes/s: registrations during the case's slices (none while a raw twin is loaded); "
        "CPU in % of one core (other = the rest of the machine: noise)."
    )
    if churn is not None and churn.failures:
        print(f"\n{len(churn.failures)} registrations failed, e.g. {churn.failures[:3]}")
    path = write_results(
        "reads",
        {
            "benchmark": "bench_reads",
            "args": vars(args),
            "machine": {**machine_info(), "load_average_at_end": os.getloadavg()},
            "source": source_state(),
            "load_generator": generator,
            "database": db_kind,
            "readyz_status": {role: s.readyz_status for role, s in servers.items()},
            "response_bytes": {name: len(body) for name, body in answers.items()},
            "schema_ids": list(fixture.ids),
            "cases": {c.name: {"label": c.label, "baseline": c.baseline} for c in cases},
            "checks": checks,
            "summary": summary,
            "runs": runs,
            "churn": None
            if churn is None
            else {"writes": churn.writes, "failures": churn.failures[:20]},
            "finished_at": time.time(),
        },
    )
    print(f"\nJSON: {path}")


def databases_for(
    args: argparse.Namespace, stack: contextlib.ExitStack, workdir: Path
) -> dict[str, str]:
    """The main registry's database and the large listing's (its own, so that the main
    registry's listing stays at its size)."""
    if args.fresh_postgres:
        server_url = os.environ.get("TEST_DATABASE_URL")
        if not server_url:
            raise SystemExit("--fresh-postgres needs TEST_DATABASE_URL (source .services/env)")
        return {
            "main": stack.enter_context(fresh_postgres_database(server_url)),
            "large": stack.enter_context(fresh_postgres_database(server_url)),
        }
    if args.database_url and not args.large_database_url and "subjects" in args.cases:
        raise SystemExit("--database-url with the subjects cases needs --large-database-url")
    return {
        "main": args.database_url or f"sqlite+aiosqlite:///{workdir / 'registry.db'}",
        "large": args.large_database_url or f"sqlite+aiosqlite:///{workdir / 'large.db'}",
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sigterm_as_interrupt()
    with tempfile.TemporaryDirectory(prefix="bench-reads-") as tmp, contextlib.ExitStack() as stack:
        workdir = Path(tmp)
        databases = databases_for(args, stack, workdir)
        return run_managed(workdir, lambda procs: run(args, procs, databases, workdir), "servers")


if __name__ == "__main__":
    sys.exit(main())
