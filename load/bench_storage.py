"""Database work of the registry, measured on SQLite and PostgreSQL in one run.

1. Store calls in-process (µs per call and statements per call): get_version,
   get_latest_version, list_subjects, get_subject, a registration's write transaction,
   and a whole registration (register_schema). With ``--base-tree`` the same calls of
   another checkout (e.g. ``git worktree add /tmp/sp-base main``) run in the same rounds,
   interleaved, each on a fresh database.
2. Over HTTP, one connection each, interleaved rounds: a tiny registration through
   GraphQL against a raw Starlette endpoint doing one committed INSERT on the same
   database kind (load/insert_baseline_app.py); and the uncached GraphQL listing
   ``subjects(prefix) { name versions latest { id version } }`` of 20 subjects against
   that of 200 (REGISTRY_RESPONSE_CACHE_ENTRIES=0).

    python -m load.bench_storage                # SQLite, and PostgreSQL at TEST_DATABASE_URL
    python -m load.bench_storage --base-tree /tmp/sp-base
    python -m load.bench_storage --quick --databases sqlite   # smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
LISTING = "query($p:String){subjects(prefix:$p){name versions latest{id version}}}"
MICRO_OPS = (
    "get_version",
    "get_latest_version",
    "list_subjects",
    "get_subject",
    "registration_transaction",
    "register_schema",
    "graphql_listing_small",
    "graphql_listing_large",
)


# ---------------------------------------------------------------------------------------
# 1. In-process store calls (run in a child process whose PYTHONPATH is the tree measured)


class _Counter(logging.Handler):
    """Statements as they are sent: ``databases`` logs each query it compiles, and
    storage.statements (where it exists) each prepared one."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def _tiny_schema(tag: str) -> str:
    return json.dumps(
        {"type": "object", "title": tag, "properties": {"a": {"type": "string"}}},
        separators=(",", ":"),
    )


async def _micro(
    database_url: str, iterations: int, subjects_count: int, listing_sizes: list[int]
) -> dict[str, Any]:
    import hashlib

    from graph.context import GraphContext
    from graph.schema import build_schema
    from registry.access import Principal, Role
    from registry.model import EventKind, SchemaFormat
    from registry.types import SubjectName, Version
    from resolvers.context import Services
    from resolvers.schemas import register_schema
    from storage.migrate import upgrade_async
    from storage.store import DatabaseStore

    class _Nowhere:
        async def publish(self, events: Any) -> None:
            pass

    await upgrade_async(database_url)
    # No version cache: every call reaches the database.
    store = DatabaseStore(database_url, version_cache_subjects=0)
    await store.connect()
    nowhere = _Nowhere()
    services = Services(store=store, publisher=nowhere, feed=nowhere)  # type: ignore[arg-type]
    names = [SubjectName(f"micro.{n:04d}") for n in range(subjects_count)]
    for name in names:
        for revision in range(3):
            await register_schema(services, name, _tiny_schema(f"{name}-{revision}"))
    for size in listing_sizes:
        for n in range(size):
            await register_schema(services, f"list{size}.{n:04d}", _tiny_schema("listed"))
    counter = 0
    schema = build_schema()
    reader = Principal(id="bench", role=Role.READER)

    def listing(size: int) -> Any:
        async def run() -> None:
            # Each GraphQL request gets its own context (and batch loaders).
            context = GraphContext(services=services.for_principal(reader), principal=reader)
            result = await schema.execute(
                LISTING, variable_values={"p": f"list{size}."}, context_value=context
            )
            if result.errors or len(result.data["subjects"]) != size:  # type: ignore[index]
                raise RuntimeError(f"listing failed: {result.errors}")

        return run

    async def registration_transaction() -> None:
        nonlocal counter
        counter += 1
        name = SubjectName(f"tx.{counter:06d}")
        text = _tiny_schema(name)
        fingerprint = hashlib.sha256(text.encode()).hexdigest()
        async with store.write() as tx:
            schema = await tx.find_schema_by_fingerprint(fingerprint)
            if schema is None:
                schema = await tx.insert_schema(SchemaFormat.JSON, text, fingerprint)
            version = await tx.get_next_version(name)
            await tx.insert_version(name, version, schema.id)
            await tx.append_event(EventKind.REGISTERED, name, version=version, schema=schema)

    async def whole_registration() -> None:
        nonlocal counter
        counter += 1
        await register_schema(services, f"reg.{counter:06d}", _tiny_schema(f"r{counter}"))

    subject = names[len(names) // 2]
    calls = {
        "get_version": lambda: store.get_version(subject, Version(2)),
        "get_latest_version": lambda: store.get_latest_version(subject),
        "list_subjects": lambda: store.list_subjects(),
        "get_subject": lambda: store.get_subject(subject),
        "registration_transaction": registration_transaction,
        "register_schema": whole_registration,
        "graphql_listing_small": listing(min(listing_sizes)),
        "graphql_listing_large": listing(max(listing_sizes)),
    }
    # Statements per call, counted once (logging at DEBUG would skew the timings).
    handler = _Counter()
    loggers = [logging.getLogger("databases"), logging.getLogger("storage.statements")]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    statements: dict[str, int] = {}
    for op, call in calls.items():
        handler.count = 0
        await call()
        statements[op] = handler.count
    for logger in loggers:
        logger.removeHandler(handler)
        logger.setLevel(logging.WARNING)
    micros: dict[str, float] = {}
    for op, call in calls.items():
        # Listings are slower: as many calls as take about as long as the others'.
        count = iterations if "listing" not in op else max(5, iterations // 10)
        for _ in range(max(1, count // 10)):  # warm-up
            await call()
        started = time.perf_counter()
        for _ in range(count):
            await call()
        micros[op] = (time.perf_counter() - started) / count * 1e6
    await store.disconnect()
    return {"us_per_call": micros, "statements_per_call": statements}


def _micro_worker(args: argparse.Namespace) -> int:
    result = asyncio.run(
        _micro(args.micro_database_url, args.iterations, args.subjects, args.listing_sizes)
    )
    print(json.dumps(result))
    return 0


@contextlib.contextmanager
def _database(kind: str, workdir: Path, label: str) -> Iterator[str]:
    from load.common import fresh_postgres_database

    if kind == "sqlite":
        path = workdir / f"{label}-{time.monotonic_ns()}.db"
        yield f"sqlite+aiosqlite:///{path}"
        return
    server_url = os.environ["TEST_DATABASE_URL"]
    with fresh_postgres_database(server_url) as url:
        yield url


def run_micro(
    args: argparse.Namespace, kind: str, workdir: Path
) -> dict[str, list[dict[str, Any]]]:
    trees = {"new": ROOT}
    if args.base_tree:
        trees["base"] = Path(args.base_tree).resolve()
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label in trees}
    for round_no in range(args.rounds):
        order = list(trees) if round_no % 2 == 0 else list(reversed(trees))
        for label in order:
            print(f"micro {kind} round {round_no + 1}/{args.rounds} {label}", file=sys.stderr)
            with _database(kind, workdir, label) as url:
                completed = subprocess.run(
                    [
                        sys.executable,
                        str(Path(__file__).resolve()),
                        "--micro-worker",
                        "--micro-database-url",
                        url,
                        "--iterations",
                        str(args.iterations),
                        "--subjects",
                        str(args.subjects),
                        "--listing-sizes",
                        ",".join(str(n) for n in args.listing_sizes),
                    ],
                    cwd=trees[label],
                    env={**os.environ, "PYTHONPATH": str(trees[label])},
                    capture_output=True,
                    text=True,
                    check=False,
                )
            if completed.returncode != 0:
                raise RuntimeError(f"micro {label} failed:\n{completed.stderr[-3000:]}")
            runs[label].append(json.loads(completed.stdout.strip().splitlines()[-1]))
    return runs


def summarize_micro(runs: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per tree and call: the median µs over rounds and the statements per call."""
    return {
        label: {
            op: {
                "us": statistics.median(r["us_per_call"][op] for r in results),
                "statements": results[0]["statements_per_call"][op],
            }
            for op in MICRO_OPS
        }
        for label, results in runs.items()
    }


# ---------------------------------------------------------------------------------------
# 2. Over HTTP


async def _timed_requests(
    send: Any, seconds: float, minimum: int
) -> tuple[int, float, list[float]]:
    """``send(i)`` one after another for ``seconds`` (at least ``minimum`` times):
    count, wall seconds, per-request milliseconds."""
    latencies: list[float] = []
    started = time.perf_counter()
    i = 0
    while time.perf_counter() - started < seconds or i < minimum:
        before = time.perf_counter()
        await send(i)
        latencies.append((time.perf_counter() - before) * 1000)
        i += 1
    return i, time.perf_counter() - started, latencies


def run_http(args: argparse.Namespace, kind: str, workdir: Path) -> dict[str, Any]:
    from load.common import (
        LOOPBACK,
        REGISTER,
        Processes,
        free_port,
        graphql,
        registry_env,
        run_managed,
        tool_schema,
        wait_ready,
    )

    result: dict[str, Any] = {}

    def body(procs: Processes) -> None:
        with _database(kind, workdir, "http") as url, _database(kind, workdir, "raw") as raw_url:
            extra = {"REGISTRY_RESPONSE_CACHE_ENTRIES": "0"}
            if args.check_workers is not None:
                extra["REGISTRY_CHECK_WORKERS"] = str(args.check_workers)
            env = registry_env(url, log_level=args.log_level, extra=extra)
            registry = procs.start_registry("registry", env)
            port = free_port()
            baseline = procs.start(
                "insert-baseline",
                [
                    sys.executable,
                    "-m",
                    "load.insert_baseline_app",
                    "--port",
                    str(port),
                    "--database-url",
                    raw_url,
                    "--log-level",
                    args.log_level,
                ],
            )
            baseline.url = f"http://{LOOPBACK}:{port}"
            wait_ready(baseline, "/healthz", 30)
            with httpx.Client(timeout=30) as client:
                for size in args.listing_sizes:
                    for n in range(size):
                        graphql(
                            client,
                            registry.url,
                            REGISTER,
                            subject=f"list{size}.{n:04d}",
                            schema=tool_schema(),
                        )
            result.update(asyncio.run(_measure_http(args, registry.url, baseline.url)))
            procs.stop(registry)
            procs.stop(baseline)

    status = run_managed(workdir, body, "servers")
    if status != 0:
        raise RuntimeError(f"HTTP benchmark on {kind} failed ({status})")
    return result


async def _measure_http(args: argparse.Namespace, registry: str, baseline: str) -> dict[str, Any]:
    from load.common import REGISTER, tool_schema

    schema = tool_schema()
    run_id = time.monotonic_ns()
    async with httpx.AsyncClient(timeout=30) as client:
        counter = {"n": 0}

        async def register(i: int) -> None:
            counter["n"] += 1
            subject = f"bench.{run_id}.{counter['n']}"
            response = await client.post(
                registry + "/graphql",
                json={"query": REGISTER, "variables": {"subject": subject, "schema": schema}},
            )
            payload = response.json()
            if response.status_code != 200 or payload.get("errors"):
                raise RuntimeError(f"registration failed: {response.text[:300]}")

        async def insert(i: int) -> None:
            response = await client.post(baseline + "/insert", content=schema)
            if response.status_code != 200:
                raise RuntimeError(f"insert failed: {response.text[:300]}")

        def listing(size: int) -> Any:
            async def send(i: int) -> None:
                response = await client.post(
                    registry + "/graphql",
                    json={"query": LISTING, "variables": {"p": f"list{size}."}},
                )
                payload = response.json()
                if payload.get("errors") or len(payload["data"]["subjects"]) != size:
                    raise RuntimeError(f"listing failed: {response.text[:300]}")

            return send

        cases: dict[str, Any] = {
            "raw_insert": insert,
            "graphql_registration": register,
            **{f"listing_{size}": listing(size) for size in args.listing_sizes},
        }
        for send in cases.values():  # warm-up
            await _timed_requests(send, args.warmup, 3)
        runs: dict[str, list[tuple[int, float, list[float]]]] = {name: [] for name in cases}
        for round_no in range(args.rounds):
            order = list(cases) if round_no % 2 == 0 else list(reversed(cases))
            for name in order:
                runs[name].append(await _timed_requests(cases[name], args.duration, 5))
    summary: dict[str, Any] = {}
    for name, slices in runs.items():
        latencies = sorted(ms for _, _, values in slices for ms in values)
        count = sum(c for c, _, _ in slices)
        wall = sum(w for _, w, _ in slices)
        summary[name] = {
            "requests": count,
            "per_s": count / wall,
            "p50_ms": latencies[len(latencies) // 2],
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        }
    return summary


# ---------------------------------------------------------------------------------------


def markdown(kind: str, micro: dict[str, dict[str, Any]], http: dict[str, Any]) -> str:
    lines = [f"### {kind}", "", "| store call | µs (new) | statements (new) |"]
    has_base = "base" in micro
    if has_base:
        lines[-1] += " µs (base) | statements (base) | speed-up |"
    lines.append("|" + "---|" * (6 if has_base else 3))
    for op in MICRO_OPS:
        new = micro["new"][op]
        row = f"| {op} | {new['us']:.0f} | {new['statements']} |"
        if has_base:
            base = micro["base"][op]
            row += f" {base['us']:.0f} | {base['statements']} | {base['us'] / new['us']:.2f}x |"
        lines.append(row)
    lines += ["", "| HTTP case | req/s | p50 ms | p99 ms |", "|---|---|---|---|"]
    for name, figures in http.items():
        lines.append(
            f"| {name} | {figures['per_s']:.0f} | {figures['p50_ms']:.2f} | "
            f"{figures['p99_ms']:.2f} |"
        )
    ratio = http["graphql_registration"]["per_s"] / http["raw_insert"]["per_s"]
    lines.append(f"\nregistration / raw INSERT: {ratio:.2f}x (aim >= 0.5x)")
    listing = sorted(k for k in http if k.startswith("listing_"))
    if len(listing) == 2:
        small, large = (http[k]["p50_ms"] for k in listing)
        lines.append(f"listing p50 {listing[1]} / {listing[0]}: {large / small:.2f}x")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--base-tree", help="another checkout to measure in the same rounds")
    parser.add_argument("--iterations", type=int, default=500, help="calls per store op")
    parser.add_argument("--subjects", type=int, default=20, help="subjects in the micro store")
    parser.add_argument("--duration", type=float, default=5, help="seconds per HTTP slice")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--listing-sizes", default="20,200")
    parser.add_argument("--log-level", default="warning")
    parser.add_argument(
        "--check-workers",
        type=int,
        help="REGISTRY_CHECK_WORKERS of the registry (default: its own, min(2, CPUs))",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument("--micro-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--micro-database-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.iterations, args.duration, args.rounds, args.warmup = 20, 0.5, 1, 0.2
        args.subjects = 5
    args.listing_sizes = [int(s) for s in str(args.listing_sizes).split(",")]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.micro_worker:
        return _micro_worker(args)
    sys.path.insert(0, str(ROOT))
    from load.common import machine_info, sigterm_as_interrupt, source_state, write_results

    sigterm_as_interrupt()
    kinds = [k for k in args.databases.split(",") if k]
    if "postgresql" in kinds and not os.environ.get("TEST_DATABASE_URL"):
        print("no TEST_DATABASE_URL: PostgreSQL skipped", file=sys.stderr)
        kinds.remove("postgresql")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as tmp:
        workdir = Path(tmp)
        try:
            for kind in kinds:
                micro = summarize_micro(run_micro(args, kind, workdir))
                http = run_http(args, kind, workdir)
                results[kind] = {"micro": micro, "http": http}
                print(markdown(kind, micro, http) + "\n")
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    path = write_results(
        "storage",
        {
            "benchmark": "bench_storage",
            "args": vars(args),
            "machine": {**machine_info(), "load_average_at_end": os.getloadavg()},
            "source": source_state(),
            "results": results,
            "finished_at": time.time(),
        },
    )
    print(f"JSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
