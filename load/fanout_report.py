"""Latency statistics and Markdown tables of ``bench_fanout`` runs."""

from __future__ import annotations

from typing import Any

from load.common import percentile

Timed = list[tuple[int, float, float]]


def _ms(values: list[float], pct: float) -> float:
    return 1000 * percentile(values, pct)


def analyze(
    timed: Timed,
    received: list[list[dict[int, float]]],
    replica_of: list[list[int]],
    expected: list[int],
    raw: dict[str, Any],
) -> dict[str, Any]:
    """Latency over every (subscriber, timed event) pair.

    ``timed``: (version, time before sending, time answered) per registration;
    ``received[j][k]``: version -> receive time at subscriber k of client process j, on
    replica ``replica_of[j][k]``; ``expected``: subscribers per replica; ``raw``: the
    driver's other measurements, passed through (and turned into per-event figures).
    """
    latencies: list[float] = []
    per_replica: list[list[float]] = [[] for _ in expected]
    last_arrivals: list[float] = []
    p50_by_event: list[float] = []
    missed = 0
    for version, sent, _ in timed:
        arrivals = []
        for chunk, replicas in zip(received, replica_of, strict=True):
            for versions, replica in zip(chunk, replicas, strict=True):
                got = versions.get(version)
                if got is None:
                    missed += 1
                    continue
                latencies.append(got - sent)
                per_replica[replica].append(got - sent)
                arrivals.append(got - sent)
        if arrivals:
            last_arrivals.append(max(arrivals))
            p50_by_event.append(round(_ms(arrivals, 50), 1))
    deliveries = len(latencies)
    mutations = [done - sent for _, sent, done in timed]
    return {
        "subscribers": raw["subscribers"],
        "client_processes": raw["client_processes"],
        "events": len(timed),
        "deliveries": deliveries,
        "missed": missed,
        "all_delivered_in_time": raw["all_delivered_in_time"],
        "client_errors": raw["client_errors"],
        "latency_ms": {
            "p50": _ms(latencies, 50),
            "p99": _ms(latencies, 99),
            "max": _ms(latencies, 100),
        },
        "last_subscriber_ms": {"p50": _ms(last_arrivals, 50), "max": _ms(last_arrivals, 100)},
        "per_replica_latency_ms": [
            {"replica": r + 1, "subscribers": expected[r], "p50": _ms(v, 50), "p99": _ms(v, 99)}
            for r, v in enumerate(per_replica)
        ],
        "mutation_ms": {"p50": _ms(mutations, 50), "max": _ms(mutations, 100)},
        "latency_p50_ms_by_event": p50_by_event,
        "server_cpu_ms_per_event": 1000 * raw["server_cpu_s"] / max(1, len(timed)),
        "server_cpu_us_per_delivery": 1e6 * raw["server_cpu_s"] / max(1, deliveries),
        # Busy share of one core from the first send until the last delivery, per replica.
        "server_cpu_pct_while_timed": [
            100 * c / raw["timed_wall_s"] for c in raw["server_cpu_each_s"]
        ],
        "client_cpu_us_per_delivery": 1e6 * raw["client_cpu_s"] / max(1, deliveries),
        "rss_kb_before": raw["rss_kb_before"],
        "rss_kb_after": raw["rss_kb_after"],
        "rss_kb_per_subscriber": (sum(raw["rss_kb_after"]) - sum(raw["rss_kb_before"]))
        / raw["subscribers"],
    }


def markdown(results: list[dict[str, Any]], header: str) -> str:
    lines = [
        header,
        "",
        "| subscribers | deliveries | missed | p50 ms | p99 ms | max ms | last subscriber p50 ms "
        "| mutation p50 ms | server CPU ms/event | RSS KB/subscriber |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lat = r["latency_ms"]
        lines.append(
            f"| {r['subscribers']} | {r['deliveries']} | {r['missed']} | {lat['p50']:.1f} "
            f"| {lat['p99']:.1f} | {lat['max']:.1f} | {r['last_subscriber_ms']['p50']:.1f} "
            f"| {r['mutation_ms']['p50']:.1f} | {r['server_cpu_ms_per_event']:.1f} "
            f"| {r['rss_kb_per_subscriber']:.1f} |"
        )
    if len(results[0]["per_replica_latency_ms"]) > 1:
        lines += [
            "",
            "| subscribers | replica | its subscribers | p50 ms | p99 ms |",
            "|---:|---:|---:|---:|---:|",
        ]
        for r in results:
            for rep in r["per_replica_latency_ms"]:
                if rep["subscribers"]:
                    lines.append(
                        f"| {r['subscribers']} | {rep['replica']} | {rep['subscribers']} "
                        f"| {rep['p50']:.1f} | {rep['p99']:.1f} |"
                    )
    return "\n".join(lines)
