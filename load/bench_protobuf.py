"""Protobuf parsing and compatibility at scale: a 100-field message checked against 100
earlier versions under FULL_TRANSITIVE (200 pairwise checks), in-process.

    python -m load.bench_protobuf            # 30 rounds per case
    python -m load.bench_protobuf --quick    # 5 rounds

Compatibility cases (STRICT policy):
- additions: each version adds one field to the message (version 1 has 100 fields,
  version 100 has 199); the candidate adds one more, so every pair differs;
- options: each version changes one field's ``deprecated`` option, which no rule reads
  (the models of all versions are equal: the fast path);
- refused: the candidate changes the type of one field every version has, so each of
  the 100 versions reports it in both directions.
Each is timed three ways: ``check`` (the candidate and the 100 versions already parsed
and their models built: what "once parsed" costs), ``warm`` (the candidate parsed from
its text in the timing, the versions memoized as a running registry holds them) and
``cold`` (everything parsed from text and modelled, as on the first check after a
restart). Parsing is timed apart: the 100-field text, its canonical text (one protoc run
instead of two), and a 1 MB file. Median and p95 over the rounds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from registry.compatibility import check_compatibility
from registry.formats.base import ParsedSchema
from registry.formats.protobuf import PROTOBUF, model_of
from registry.model import CompatibilityLevel
from registry.types import Version

FIELDS = 100
VERSIONS = 100
LEVEL = CompatibilityLevel.FULL_TRANSITIVE


def schema(fields: int, *, deprecated: int = -1, changed: int = -1) -> str:
    """An ``Event`` message of ``fields`` fields (strings, int64s and a nested message),
    written loosely (comments, unsorted) so that parsing prints a canonical form."""
    lines = []
    for number in range(fields, 0, -1):
        kind = ("string", "int64", "Detail")[number % 3]
        if number == changed:
            kind = "bytes" if kind == "string" else "string"
        option = " [deprecated = true]" if number == deprecated else ""
        lines.append(f"  {kind} field_{number} = {number}{option}; // field {number}")
    body = "\n".join(lines)
    return (
        'syntax = "proto3";\npackage bench.v1;\nimport "google/protobuf/timestamp.proto";\n'
        f"message Event {{\n{body}\n  google.protobuf.Timestamp at = 1000;\n"
        "  message Detail { string key = 1; int32 weight = 2; }\n}\n"
    )


def _time(run: Callable[[], object], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def bench(name: str, history: list[str], candidate_text: str, rounds: int) -> None:
    stored = [(Version(i + 1), PROTOBUF.parse(text)) for i, text in enumerate(history)]
    candidate = PROTOBUF.parse(candidate_text)
    for _, version in stored:
        model_of(version)
    model_of(candidate)

    def check() -> object:
        return check_compatibility(PROTOBUF, LEVEL, candidate, stored)

    def warm() -> object:
        return check_compatibility(PROTOBUF, LEVEL, PROTOBUF.parse(candidate_text), stored)

    def cold() -> object:
        versions = [(Version(i + 1), PROTOBUF.parse(text)) for i, text in enumerate(history)]
        return check_compatibility(PROTOBUF, LEVEL, PROTOBUF.parse(candidate_text), versions)

    findings = check()
    assert isinstance(findings, list)
    check_median, check_p95 = _time(check, rounds)
    warm_median, warm_p95 = _time(warm, rounds)
    cold_median, cold_p95 = _time(cold, max(1, rounds // 10))
    print(
        f"| {name} | {len(findings)} | {check_median:.1f} | {check_p95:.1f} | {warm_median:.1f} "
        f"| {warm_p95:.1f} | {cold_median:.0f} | {cold_p95:.0f} |"
    )


def bench_parse(rounds: int) -> None:
    text = schema(FIELDS)
    canonical = PROTOBUF.parse(text).canonical
    fields = "\n".join(f"  string field_{i} = {i};" for i in range(1, 51))
    big = 'syntax = "proto3";\npackage big;\n' + "".join(
        f"message M{j} {{\n{fields}\n}}\n" for j in range(850)
    )
    big_canonical = PROTOBUF.parse(big).canonical
    print("| text | chars | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|")
    for name, source, times in (
        ("100 fields, as written", text, rounds),
        ("100 fields, canonical", canonical, rounds),
        ("1 MB, as written", big, max(1, rounds // 10)),
        ("1 MB, canonical", big_canonical, max(1, rounds // 10)),
    ):

        def parse(source: str = source) -> ParsedSchema:
            return PROTOBUF.parse(source)

        median, p95 = _time(parse, times)
        print(f"| {name} | {len(source)} | {median:.1f} | {p95:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    rounds = 5 if parser.parse_args().quick else 30
    bench_parse(rounds)
    print()
    print("| case | records | check p50 ms | check p95 ms | warm p50 ms | warm p95 ms |", end="")
    print(" cold p50 ms | cold p95 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    additions = [schema(FIELDS + number) for number in range(VERSIONS)]
    bench("additions", additions, schema(FIELDS + VERSIONS), rounds)
    options = [schema(FIELDS, deprecated=number + 1) for number in range(VERSIONS)]
    bench("options", options, schema(FIELDS, deprecated=0), rounds)
    bench("refused", options, schema(FIELDS, changed=50), rounds)


if __name__ == "__main__":
    main()
