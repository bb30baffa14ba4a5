"""Validating a 1 KB model output through GraphQL (``validatePayload``) against a raw
Starlette twin that does the same validation with jsonschema-rs, in the same run on the
same machine, at 32 connections by default.

    python -m load.bench_validate            # temp SQLite, 10 s per case
    python -m load.bench_validate --quick    # smoke run

Cases: the twin (the baseline: body parsed, payload validated, same answer), the raw
Starlette app returning the registry's answer as precomputed bytes (the ceiling of one
uvicorn worker), and the registry with a valid payload against version 1, an invalid one
(three errors), and a valid one against the latest version. Servers and the load
generator share the machine's cores; cases run in interleaved rounds (order reversed
every other round) so drift and noise hit every case alike.
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

import httpx

from load import loadgen
from load.bench_reads import measure
from load.common import (
    LOOPBACK,
    Managed,
    Processes,
    free_port,
    graphql,
    machine_info,
    registry_env,
    run_managed,
    sigterm_as_interrupt,
    source_state,
    wait_ready,
    write_results,
)
from load.reads_report import summarize

SUBJECT = "tools.extract_invoice"
REGISTER = """
mutation($subject: String!, $schema: String!) {
  registerSchema(subject: $subject, schema: $schema) { id version }
}
"""
VALIDATE = (
    "query($s:String!,$v:Int,$p:JSON!){validatePayload(subject:$s,version:$v,payload:$p)"
    "{valid subject version errors{instancePath schemaPath keyword message}}}"
)
CASES = {
    "baseline": "raw Starlette twin (parse + jsonschema-rs + same answer)",
    "raw_bytes": "raw Starlette, precomputed answer bytes",
    "graphql_valid": "GraphQL validatePayload, valid, version 1",
    "graphql_invalid": "GraphQL validatePayload, 3 errors, version 1",
    "graphql_latest": "GraphQL validatePayload, valid, latest version",
}
TAX_RATES = [0, 0.07, 0.2]


def invoice_schema() -> dict[str, Any]:
    """An LLM extraction tool's output schema: an invoice with line items (1.2 KB)."""
    line = {
        "type": "object",
        "properties": {
            "description": {"type": "string", "minLength": 1, "maxLength": 200},
            "sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
            "quantity": {"type": "integer", "minimum": 1},
            "unit_price": {"type": "number", "minimum": 0},
            "tax_rate": {"enum": TAX_RATES},
        },
        "required": ["description", "quantity", "unit_price", "tax_rate"],
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "extract_invoice",
        "type": "object",
        "properties": {
            "invoice_number": {"type": "string", "pattern": "^INV-[0-9]{6}$"},
            "issued": {"type": "string", "format": "date"},
            "currency": {"enum": ["EUR", "USD", "GBP", "NOK"]},
            "vendor": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "vat_id": {"type": "string", "pattern": "^[A-Z]{2}[0-9A-Z]{8,12}$"},
                },
                "required": ["name"],
                "additionalProperties": False,
            },
            "lines": {"type": "array", "minItems": 1, "maxItems": 100, "items": line},
            "total": {"type": "number", "minimum": 0},
        },
        "required": ["invoice_number", "issued", "currency", "vendor", "lines", "total"],
        "additionalProperties": False,
    }


def invoice(valid: bool = True) -> dict[str, Any]:
    """A payload of about 1 KB; the invalid one breaks three rules."""
    lines = [
        {
            "description": f"Consulting, week {n} (remote, incl. travel prep)",
            "sku": f"SRV-{1000 + n}",
            "quantity": n,
            "unit_price": 120.5,
            "tax_rate": TAX_RATES[n % 3],
        }
        for n in range(1, 8)
    ]
    payload: dict[str, Any] = {
        "invoice_number": "INV-004217",
        "issued": "2026-11-30",
        "currency": "EUR",
        "vendor": {"name": "Fjord Analytics AS", "vat_id": "NO987654321MVA"},
        "lines": lines,
        "total": 3374.0,
    }
    if not valid:
        payload["currency"] = "SEK"
        lines[2]["quantity"] = 0
        lines[5]["sku"] = "srv-1"
    return payload


def body(payload: object, version: int | None) -> bytes:
    variables = {"s": SUBJECT, "v": version, "p": payload}
    return json.dumps({"query": VALIDATE, "variables": variables}, separators=(",", ":")).encode()


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
    parser.add_argument("--log-level", default="warning", help="uvicorn level for all servers")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 s per case, 1 round")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.rounds, args.warmup = 2, 1, 1
    args.rounds = max(1, min(args.rounds, args.duration))
    return args


def start_servers(
    procs: Processes, database_url: str, log_level: str, workdir: Path
) -> tuple[Managed, Managed, Managed, bytes]:
    """The registry (schema registered), the twin and the precomputed-bytes app; returns
    them and the registry's answer for the valid payload."""
    registry = procs.start_registry("registry", registry_env(database_url, log_level=log_level))
    schema = invoice_schema()
    with httpx.Client(timeout=10) as client:
        graphql(client, registry.url, REGISTER, subject=SUBJECT, schema=json.dumps(schema))
        response = client.post(
            registry.url + "/graphql",
            content=body(invoice(), 1),
            headers={"content-type": "application/json"},
        )
        response.raise_for_status()
    answer = response.content
    schema_file = workdir / "schema.json"
    schema_file.write_text(json.dumps(schema))
    answer_file = workdir / "answer.json"
    answer_file.write_bytes(answer)
    twin = start_app(
        procs, "twin", "load.validate_baseline_app", ["--schema-file", str(schema_file)], log_level
    )
    raw = start_app(
        procs, "raw-bytes", "load.baseline_app", ["--body-file", str(answer_file)], log_level
    )
    return registry, twin, raw, answer


def start_app(
    procs: Processes, name: str, module: str, extra: list[str], log_level: str
) -> Managed:
    port = free_port()
    argv = [sys.executable, "-m", module, "--port", str(port), "--log-level", log_level, *extra]
    app = procs.start(name, argv)
    app.url = f"http://{LOOPBACK}:{port}"
    wait_ready(app, "/healthz", 30)
    return app


def build_targets(
    registry: Managed, twin: Managed, raw: Managed
) -> dict[str, tuple[Managed, loadgen.Target]]:
    graphql_url = registry.url + "/graphql"
    valid = body(invoice(), 1)
    return {
        "baseline": (twin, loadgen.Target(twin.url + "/validate", "POST", valid)),
        "raw_bytes": (raw, loadgen.Target(raw.url + "/schema", "POST", valid)),
        "graphql_valid": (registry, loadgen.Target(graphql_url, "POST", valid)),
        "graphql_invalid": (
            registry,
            loadgen.Target(graphql_url, "POST", body(invoice(valid=False), 1)),
        ),
        "graphql_latest": (registry, loadgen.Target(graphql_url, "POST", body(invoice(), None))),
    }


def verify(targets: dict[str, tuple[Managed, loadgen.Target]]) -> None:
    """One request per case before any load: each answers 200 with the verdict expected,
    and the twin finds the errors the registry finds."""
    found: dict[str, dict[str, Any]] = {}
    with httpx.Client(timeout=10) as client:
        for name, (_, target) in targets.items():
            response = client.post(
                target.url, content=target.body, headers={"content-type": "application/json"}
            )
            if response.status_code != 200:
                raise RuntimeError(f"{name}: HTTP {response.status_code}: {response.text[:500]}")
            document = response.json()
            if "errors" in document:
                raise RuntimeError(f"{name}: errors {response.text[:500]}")
            found[name] = document["data"]["validatePayload"]
        twin_invalid = client.post(
            targets["baseline"][1].url,
            content=body(invoice(valid=False), 1),
            headers={"content-type": "application/json"},
        ).json()["data"]["validatePayload"]
    for name, verdict in found.items():
        if verdict["valid"] is not (name != "graphql_invalid"):
            raise RuntimeError(f"{name}: unexpected verdict {verdict}")
    paths = sorted(e["instancePath"] for e in found["graphql_invalid"]["errors"])
    if paths != ["/currency", "/lines/2/quantity", "/lines/5/sku"]:
        raise RuntimeError(f"unexpected errors {found['graphql_invalid']}")
    if sorted(e["instancePath"] for e in twin_invalid["errors"]) != paths:
        raise RuntimeError(f"the twin finds other errors: {twin_invalid}")


def markdown(summary: dict[str, dict[str, float]], header: str) -> str:
    lines = [
        header,
        "",
        "| case | req/s | p50 ms | p99 ms | req/s ÷ twin | server CPU µs/req "
        "| CPU server / generator / other |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in summary.items():
        lines.append(
            f"| {CASES[name]} | {row['rps']:,.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} "
            f"| {row['rps_vs_baseline']:.2f} | {row['server_cpu_us_per_request']:,.0f} "
            f"| {row['server_cpu_pct']:.0f}% / {row['generator_cpu_pct']:.0f}% "
            f"/ {row['other_cpu_pct']:.0f}% |"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace, procs: Processes, database_url: str, workdir: Path) -> None:
    wrk = loadgen.find_wrk() if args.load_generator != "python" else None
    if args.load_generator == "wrk" and wrk is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    generator = (
        f"{loadgen.wrk_version(wrk)} (-t{args.threads} -c{args.connections})"
        if wrk
        else f"python load.http_load (asyncio/uvloop, {args.connections} connections)"
    )
    registry, twin, raw, answer = start_servers(procs, database_url, args.log_level, workdir)
    targets = build_targets(registry, twin, raw)
    verify(targets)
    runs = measure(args, targets, workdir, use_wrk=wrk is not None)
    summary = summarize(runs)
    payload_bytes = len(json.dumps(invoice(), separators=(",", ":")).encode())
    header = (
        f"validatePayload of a {payload_bytes} B payload against a "
        f"{len(json.dumps(invoice_schema(), separators=(',', ':')))} B JSON Schema "
        f"({len(targets['graphql_valid'][1].body)} B request, {len(answer)} B answer), "
        f"SQLite, load generator: {generator}, {args.rounds} x "
        f"{max(1, round(args.duration / args.rounds))} s per case after {args.warmup} s "
        f"warm-up, {os.cpu_count()} CPUs shared by servers and generator."
    )
    print(markdown(summary, header))
    print(
        "\nreq/s over all slices; p50/p99 the mean of the slices'; ratios against the twin; "
        "CPU in % of one core (other = the rest of the machine: noise)."
    )
    path = write_results(
        "validate",
        {
            "benchmark": "bench_validate",
            "args": vars(args),
            "machine": {**machine_info(), "load_average_at_end": os.getloadavg()},
            "source": source_state(),
            "load_generator": generator,
            "payload_bytes": payload_bytes,
            "summary": summary,
            "runs": runs,
            "finished_at": time.time(),
        },
    )
    print(f"\nJSON: {path}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sigterm_as_interrupt()
    with (
        tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp,
        contextlib.ExitStack(),
    ):
        workdir = Path(tmp)
        database_url = f"sqlite+aiosqlite:///{workdir / 'registry.db'}"
        return run_managed(
            workdir, lambda procs: run(args, procs, database_url, workdir), "servers"
        )


if __name__ == "__main__":
    sys.exit(main())
