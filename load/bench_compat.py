"""JSON Schema compatibility at scale: a 200-property, 5-level-deep schema checked against
100 earlier versions under FULL_TRANSITIVE (200 pairwise checks), in-process.

    python -m load.bench_compat            # 30 rounds per case
    python -m load.bench_compat --quick    # 5 rounds

Cases:
- strict-annotations: STRICT policy; each version rewords the description of one property
  somewhere in the tree (the only kind of change FULL allows under STRICT);
- lenient-additions: LENIENT policy; each version adds one optional property to an open
  object at a different depth (FULL-compatible under LENIENT);
- refused: the candidate narrows one deep leaf, so every one of the 100 versions reports
  it (the registration is refused with 100 records, from the BACKWARD direction);
- refused-distinct: the same narrowing against the lenient-additions history, whose 100
  versions all differ in structure, so no version's findings can be reused for another.
Each case is timed warm, as a running registry does it (the 100 stored versions already
parsed and digested, which ``registry.formats.parse_schema`` memoizes; the candidate is
parsed and digested in the timing), and cold (everything parsed and digested from text, as
on the first check after a restart). Median and p95 over the rounds.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from collections.abc import Callable
from typing import Any

from registry.compatibility import check_compatibility
from registry.formats.json_schema import JSON_SCHEMA, canonical_json
from registry.model import CompatibilityLevel, CompatibilityPolicy
from registry.types import Version

LEVELS = 5
PROPERTIES_PER_LEVEL = 40  # 5 x 40 = 200 properties
VERSIONS = 100


def build_schema() -> dict[str, Any]:
    """Five nested objects of 40 properties each; ``nested`` leads one level down."""
    inner: dict[str, Any] | None = None
    for level in range(LEVELS, 0, -1):
        properties: dict[str, Any] = {}
        for index in range(PROPERTIES_PER_LEVEL - (1 if inner is not None else 0)):
            kind = ("string", "integer", "number", "boolean")[index % 4]
            leaf: dict[str, Any] = {"type": kind, "description": f"field {level}.{index}"}
            if kind == "string":
                leaf["maxLength"] = 64
            properties[f"f{level}_{index}"] = leaf
        if inner is not None:
            properties["nested"] = inner
        inner = {"type": "object", "properties": properties, "required": [f"f{level}_0"]}
    assert inner is not None
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **inner}


def _object_at(schema: dict[str, Any], depth: int) -> dict[str, Any]:
    node = schema
    for _ in range(depth):
        node = node["properties"]["nested"]
    return node


def annotation_versions(base: dict[str, Any]) -> list[dict[str, Any]]:
    versions = []
    for number in range(VERSIONS):
        schema = copy.deepcopy(base)
        node = _object_at(schema, number % LEVELS)
        name = f"f{number % LEVELS + 1}_{number % (PROPERTIES_PER_LEVEL - 1)}"
        node["properties"][name]["description"] = f"reworded in version {number + 1}"
        versions.append(schema)
    return versions


def addition_versions(base: dict[str, Any]) -> list[dict[str, Any]]:
    versions, schema = [], copy.deepcopy(base)
    for number in range(VERSIONS):
        schema = copy.deepcopy(schema)
        _object_at(schema, number % LEVELS)["properties"][f"added_{number}"] = {"type": "string"}
        versions.append(schema)
    return versions


def _time(run: Callable[[], object], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def bench(
    name: str,
    history: list[dict[str, Any]],
    candidate: dict[str, Any],
    policy: CompatibilityPolicy,
    rounds: int,
) -> None:
    texts = [canonical_json(document) for document in history]
    candidate_text = canonical_json(candidate)
    level = CompatibilityLevel.FULL_TRANSITIVE
    # Steady state: registry.formats.parse_schema memoizes parsed versions, and each keeps
    # its subtree digests (ParsedSchema.memo), so only the candidate is new.
    stored = [(Version(i + 1), JSON_SCHEMA.parse(text)) for i, text in enumerate(texts)]

    def warm() -> object:
        new = JSON_SCHEMA.parse(candidate_text)
        return check_compatibility(JSON_SCHEMA, level, new, stored, policy)

    def cold() -> object:
        # Nothing cached: every version parsed (metaschema, references) and digested.
        versions = [(Version(i + 1), JSON_SCHEMA.parse(text)) for i, text in enumerate(texts)]
        new = JSON_SCHEMA.parse(candidate_text)
        return check_compatibility(JSON_SCHEMA, level, new, versions, policy)

    findings = warm()
    assert isinstance(findings, list)
    warm_median, warm_p95 = _time(warm, rounds)
    cold_median, cold_p95 = _time(cold, rounds)
    print(
        f"| {name} | {policy.value} | {len(findings)} | {warm_median:.1f} | {warm_p95:.1f} "
        f"| {cold_median:.1f} | {cold_p95:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    rounds = 5 if parser.parse_args().quick else 30
    base = build_schema()
    size = len(canonical_json(base))
    print(f"schema: {LEVELS} levels, {LEVELS * PROPERTIES_PER_LEVEL} properties, {size} bytes")
    print("| case | policy | records | p50 ms | p95 ms | cold p50 ms | cold p95 ms |")
    print("|---|---|---:|---:|---:|---:|---:|")

    annotated = annotation_versions(base)
    candidate = copy.deepcopy(annotated[-1])
    _object_at(candidate, 4)["title"] = "candidate"
    bench("strict-annotations", annotated, candidate, CompatibilityPolicy.STRICT, rounds)

    added = addition_versions(base)
    candidate = copy.deepcopy(added[-1])
    _object_at(candidate, 2)["properties"]["added_candidate"] = {"type": "integer"}
    bench("lenient-additions", added, candidate, CompatibilityPolicy.LENIENT, rounds)

    refused = copy.deepcopy(annotated[-1])
    _object_at(refused, 4)["properties"]["f5_0"]["maxLength"] = 8
    bench("refused", annotated, refused, CompatibilityPolicy.STRICT, rounds)

    refused = copy.deepcopy(added[-1])
    _object_at(refused, 4)["properties"]["f5_0"]["maxLength"] = 8
    bench("refused-distinct", added, refused, CompatibilityPolicy.LENIENT, rounds)


if __name__ == "__main__":
    main()
