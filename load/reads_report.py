"""Summary and Markdown table of ``bench_reads`` runs."""

from __future__ import annotations

import statistics
from typing import Any

CASES = {
    "baseline": "raw Starlette GET (precomputed bytes)",
    "baseline_post": "raw Starlette POST (same body as GraphQL POST)",
    "graphql_post": "GraphQL POST (response cache on)",
    "graphql_get": "GraphQL GET query string (response cache on)",
    "graphql_post_uncached": "GraphQL POST (REGISTRY_RESPONSE_CACHE_ENTRIES=0)",
}


def summarize(runs: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, float]]:
    """Throughput over all slices; latency percentiles as the mean of the slices'."""
    summary: dict[str, dict[str, float]] = {}
    for name, slices in runs.items():
        requests = sum(s["requests"] for s in slices)
        seconds = sum(s["seconds"] for s in slices)
        summary[name] = {
            "requests": requests,
            "rps": requests / seconds,
            "p50_ms": statistics.fmean(s["latency_ms"]["p50"] for s in slices),
            "p99_ms": statistics.fmean(s["latency_ms"]["p99"] for s in slices),
            # Robust to other load on the machine, unlike req/s: the server's cost.
            "server_cpu_us_per_request": 1e6 * sum(s["server_cpu_s"] for s in slices) / requests,
            "server_cpu_pct": statistics.fmean(s["server_cpu_pct"] for s in slices),
            "generator_cpu_pct": statistics.fmean(s["generator_cpu_pct"] for s in slices),
            "other_cpu_pct": statistics.fmean(s["other_cpu_pct"] for s in slices),
        }
    base = summary["baseline"]
    for row in summary.values():
        row["rps_vs_baseline"] = row["rps"] / base["rps"]
        row["p50_vs_baseline"] = row["p50_ms"] / base["p50_ms"]
    return summary


def markdown(summary: dict[str, dict[str, float]], header: str) -> str:
    lines = [
        header,
        "",
        "| case | req/s | p50 ms | p99 ms | req/s ÷ baseline | p50 ÷ baseline "
        "| server CPU µs/req | CPU server / generator / other |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in summary.items():
        lines.append(
            f"| {CASES[name]} | {row['rps']:,.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} "
            f"| {row['rps_vs_baseline']:.2f} | {row['p50_vs_baseline']:.2f} "
            f"| {row['server_cpu_us_per_request']:,.0f} "
            f"| {row['server_cpu_pct']:.0f}% / {row['generator_cpu_pct']:.0f}% "
            f"/ {row['other_cpu_pct']:.0f}% |"
        )
    return "\n".join(lines)
