"""What ``load.chaos`` prints and records at the end of a run."""

from __future__ import annotations

import argparse
from typing import Any

from load.chaos_clients import Tally
from load.chaos_hostile import Hostile
from load.common import Managed


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
    hostile: Hostile = outcome["hostile"]
    fivexx = {status: n for status, n in sorted(tally.statuses.items()) if status >= 500}
    gaps = {kind: round(gap.longest, 3) for kind, gap in sorted(tally.gaps.items())}
    summary = {
        "duration_s": args.duration,
        "outage_s": args.outage,
        "acknowledged_writes": len(tally.acknowledged),
        "lost_acknowledged_writes": len(outcome["lost"]),
        "missed_events": sum(outcome["missed"].values()),
        "duplicated_events": sum(outcome["duplicated"].values()),
        "http_5xx": sum(fivexx.values()),
        "http_5xx_by_status": fivexx,
        "designed_503_while_postgres_down": tally.designed_503,
        "other_server_errors": sum(tally.server_errors.values()),
        "other_server_errors_by_kind": dict(tally.server_errors),
        "hostile_requests": hostile.sent,
        "unexpected_hostile_answers": sum(hostile.unexpected.values()),
        "unexpected_hostile_answers_by_kind": dict(hostile.unexpected),
        "hostile_answers": dict(sorted(hostile.outcomes.items())),
        "largest_read_stall_s": round(tally.largest_stall, 3),
        "largest_read_stall_what": tally.stall_what,
        "largest_read_stall_by_phase_ms": {
            name: round(seconds * 1000, 1) for name, seconds in tally.phase_stalls.items()
        },
        "largest_control_stall_s": round(tally.control_stall, 3),
        "largest_control_stall_by_phase_ms": {
            name: round(seconds * 1000, 1) for name, seconds in tally.phase_control_stalls.items()
        },
        "reads": tally.reads,
        "unanswered_reads": tally.unanswered_reads,
        "longest_without_data_s": gaps,
        "slow_reads": tally.slow_reads,
        "postgres_outages_s": [[round(a, 2), round(b, 2)] for a, b in tally.outages],
        "last_sequence": outcome["last_sequence"],
        "write_refusals": dict(tally.refusals),
        "subscriber_reconnects": {s.name: s.reconnects for s in outcome["streams"]},
        "missed_by_subscriber": outcome["missed"],
        "duplicated_by_subscriber": outcome["duplicated"],
        "timeline": tally.timeline,
        "server_logs": logs,
    }
    refusals = ", ".join(f"{k} {v}" for k, v in sorted(tally.refusals.items())) or "none"
    others = ", ".join(f"{k} ({v})" for k, v in sorted(tally.server_errors.items()))
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
                f"  designed 503           {tally.designed_503} (Retry-After, 50001, while "
                "PostgreSQL was down)",
                f"  other server errors    {summary['other_server_errors']} {others}".rstrip(),
                f"hostile requests         {hostile.sent}, answered otherwise than expected: "
                f"{summary['unexpected_hostile_answers']} "
                f"{dict(hostile.unexpected) or ''}".rstrip(),
                f"largest read stall       {tally.largest_stall * 1000:.0f} ms "
                f"({tally.stall_what}, at {tally.stall_ended_at:.1f} s; {tally.reads} reads, "
                f"{tally.unanswered_reads} unanswered)",
                f"  control                {tally.control_stall * 1000:.0f} ms (a bare app no "
                "fault touches, read beside them: the machine's own delay)",
                "  by phase, replicas / control: "
                + ", ".join(
                    f"{name} {seconds * 1000:.0f} / "
                    f"{tally.phase_control_stalls.get(name, 0) * 1000:.0f} ms"
                    for name, seconds in tally.phase_stalls.items()
                ),
                "longest without data     "
                + ", ".join(f"{kind} {seconds:.2f} s" for kind, seconds in gaps.items()),
                f"write refusals           {refusals}",
                f"subscriber reconnects    {summary['subscriber_reconnects']}",
                f"server logs              {logs}",
            ]
        )
    )
    return summary
