"""Compatibility checks of each format at the same scale: a 100-field Avro record, a
100-field Protobuf message and a 100-property JSON Schema (the baseline), each candidate
checked FULL_TRANSITIVE against 100 earlier versions (200 pairwise checks), in-process,
through the same path a registration takes (``registry.checks``).

    python -m load.bench_formats            # 30 rounds per case
    python -m load.bench_formats --quick    # 3 rounds

Cases, per format:
- evolving: each version adds one optional field (Avro: with a default; Protobuf: a new
  field number; JSON Schema: rewords one description, the change FULL allows under STRICT),
  and the candidate is one more such version: compatible with all 100;
- refused: the candidate changes the type of one field of the latest version, so every
  earlier version reports it.
Timed warm, as a running registry does it (the 100 stored versions already parsed, which
``registry.formats.parse_schema`` memoizes; the candidate parsed in the timing), and cold
(everything parsed from text, as on the first check after a restart). Median and p95.
The aim is a warm check under 50 ms for every format.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time
from collections import OrderedDict
from collections.abc import Callable

from registry import checks, formats
from registry.checks import CheckRequest, EarlierSchema, SchemaSource
from registry.model import CompatibilityLevel, SchemaFormat
from registry.types import Version

FIELDS = 100
VERSIONS = 100
AIM_MS = 50.0


def avro_history() -> tuple[list[str], str, str]:
    kinds = ["int", "long", "string", "double", "boolean"]
    base = [{"name": f"f{i}", "type": kinds[i % len(kinds)]} for i in range(FIELDS)]

    def record(extra: int) -> dict[str, object]:
        added = [
            {"name": f"added{j}", "type": ["null", "string"], "default": None} for j in range(extra)
        ]
        return {"type": "record", "name": "Order", "namespace": "bench", "fields": base + added}

    history = [json.dumps(record(n)) for n in range(1, VERSIONS + 1)]
    refused = record(VERSIONS)
    fields = copy.deepcopy(refused["fields"])
    assert isinstance(fields, list)
    fields[0]["type"] = "string"  # int -> string: neither way readable
    refused["fields"] = fields
    return history, json.dumps(record(VERSIONS + 1)), json.dumps(refused)


def protobuf_history() -> tuple[list[str], str, str]:
    kinds = ["int32", "int64", "string", "double", "bool"]

    def message(extra: int, first_kind: str = "int32") -> str:
        lines = ['syntax = "proto3";', "package bench;", "message Order {"]
        for i in range(FIELDS):
            kind = first_kind if i == 0 else kinds[i % len(kinds)]
            lines.append(f"  {kind} f{i} = {i + 1};")
        for j in range(extra):
            lines.append(f"  string added{j} = {FIELDS + 1 + j};")
        lines.append("}")
        return "\n".join(lines) + "\n"

    history = [message(n) for n in range(1, VERSIONS + 1)]
    return history, message(VERSIONS + 1), message(VERSIONS, first_kind="string")


def json_history() -> tuple[list[str], str, str]:
    kinds = ["integer", "string", "number", "boolean"]

    def schema(reworded: int, first_kind: str = "integer") -> dict[str, object]:
        properties = {
            f"f{i}": {
                "type": first_kind if i == 0 else kinds[i % len(kinds)],
                "description": f"field {i}" + (" (reworded)" if i < reworded else ""),
            }
            for i in range(FIELDS)
        }
        return {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": properties,
            "required": ["f0"],
        }

    history = [json.dumps(schema(n)) for n in range(1, VERSIONS + 1)]
    return (
        history,
        json.dumps(schema(VERSIONS + 1)),
        json.dumps(schema(VERSIONS, first_kind="string")),
    )


def _time(run: Callable[[], object], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def _forget_parsed() -> None:
    formats._parsed = OrderedDict()
    formats._parsed_chars = 0


def bench(
    format: SchemaFormat, case: str, history: list[str], candidate: str, rounds: int
) -> tuple[int, float]:
    earlier = tuple(
        EarlierSchema(Version(i + 1), SchemaSource(format, text)) for i, text in enumerate(history)
    )
    request = CheckRequest(
        SchemaSource(format, candidate), CompatibilityLevel.FULL_TRANSITIVE, earlier
    )

    def warm() -> object:
        # The stored versions stay memoized; the candidate is parsed each time.
        formats._parsed.pop((format, candidate, None, ()), None)
        return checks.find_incompatibilities(request)

    def cold() -> object:
        _forget_parsed()
        return checks.find_incompatibilities(request)

    findings = checks.find_incompatibilities(request)
    warm_median, warm_p95 = _time(warm, rounds)
    cold_median, cold_p95 = _time(cold, rounds)
    print(
        f"| {format.value} | {case} | {len(findings)} | {warm_median:.1f} | {warm_p95:.1f} "
        f"| {cold_median:.1f} | {cold_p95:.1f} |"
    )
    return len(findings), warm_median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    rounds = 3 if parser.parse_args().quick else 30
    print(f"{FIELDS} fields, {VERSIONS} earlier versions, FULL_TRANSITIVE")
    print("| format | case | records | p50 ms | p95 ms | cold p50 ms | cold p95 ms |")
    print("|---|---|---:|---:|---:|---:|---:|")
    slowest = 0.0
    cases = (
        (SchemaFormat.JSON, json_history()),
        (SchemaFormat.AVRO, avro_history()),
        (SchemaFormat.PROTOBUF, protobuf_history()),
    )
    for format, (history, compatible, refused) in cases:
        found, median = bench(format, "evolving", history, compatible, rounds)
        if found:
            print(f"{format.value}: the evolving candidate was refused", file=sys.stderr)
            return 1
        slowest = max(slowest, median)
        found, median = bench(format, "refused", history, refused, rounds)
        if not found:
            print(f"{format.value}: the refused candidate was accepted", file=sys.stderr)
            return 1
        slowest = max(slowest, median)
    print(f"slowest warm median: {slowest:.1f} ms (aim: under {AIM_MS:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
