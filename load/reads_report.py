"""Summary and Markdown table of ``bench_reads`` runs."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from typing import Any


def summarize(
    runs: dict[str, list[dict[str, Any]]], baselines: Mapping[str, str] | None = None
) -> dict[str, dict[str, float]]:
    """Throughput over all slices; latency percentiles as the mean of the slices'. Each
    case's ratios are against its entry in ``baselines`` (default: the case ``baseline``);
    cache hits per request and writes per second when the slices counted them."""
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
        if all("cache_hits" in s for s in slices):
            summary[name]["cache_hits_per_request"] = (
                sum(s["cache_hits"] for s in slices) / requests
            )
        if all("writes" in s for s in slices):
            summary[name]["writes_per_s"] = sum(s["writes"] for s in slices) / seconds
    for name, row in summary.items():
        base = summary[(baselines or {}).get(name, "baseline")]
        row["rps_vs_baseline"] = row["rps"] / base["rps"]
        row["p50_vs_baseline"] = row["p50_ms"] / base["p50_ms"]
    return summary


def markdown(summary: dict[str, dict[str, float]], header: str, labels: Mapping[str, str]) -> str:
    has_hits = any("cache_hits_per_request" in row for row in summary.values())
    has_writes = any("writes_per_s" in row for row in summary.values())
    lines = [
        header,
        "",
        "| case | req/s | p50 ms | p99 ms | req/s ÷ raw | p50 ÷ raw | server CPU µs/req "
        + ("| cache hits/req " if has_hits else "")
        + ("| writes/s " if has_writes else "")
        + "| CPU server / generator / other |",
        "|---|---:|---:|---:|---:|---:|---:|"
        + ("---:|" if has_hits else "")
        + ("---:|" if has_writes else "")
        + "---:|",
    ]
    for name, row in summary.items():
        hits = row.get("cache_hits_per_request")
        writes = row.get("writes_per_s")
        lines.append(
            f"| {labels.get(name, name)} | {row['rps']:,.0f} | {row['p50_ms']:.2f} "
            f"| {row['p99_ms']:.2f} | {row['rps_vs_baseline']:.2f} "
            f"| {row['p50_vs_baseline']:.2f} | {row['server_cpu_us_per_request']:,.0f} "
            + (f"| {'-' if hits is None else f'{hits:.2f}'} " if has_hits else "")
            + (f"| {'-' if writes is None else f'{writes:.1f}'} " if has_writes else "")
            + f"| {row['server_cpu_pct']:.0f}% / {row['generator_cpu_pct']:.0f}% "
            f"/ {row['other_cpu_pct']:.0f}% |"
        )
    return "\n".join(lines)
