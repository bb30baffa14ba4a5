"""Schema sources with shared references: each distinct schema is counted and parsed once,
however many paths lead to it."""

from __future__ import annotations

import json

from registry.checks import SchemaSource, SourceReference, canonicalize, parse_source
from registry.model import SchemaFormat

LEVELS = 40  # 2 ** 40 paths from the top to the bottom


def _diamonds() -> tuple[SchemaSource, list[SchemaSource]]:
    """Each level refers twice (under two names) to the level below."""
    below = SchemaSource(SchemaFormat.JSON, json.dumps({"type": "string", "title": "0"}))
    every = [below]
    for level in range(1, LEVELS + 1):
        text = json.dumps(
            {
                "type": "object",
                "title": str(level),
                "properties": {"a": {"$ref": "a.json"}, "b": {"$ref": "b.json"}},
            }
        )
        refs = tuple(
            SourceReference(name, f"level-{level - 1}", 1, below) for name in ("a.json", "b.json")
        )
        below = SchemaSource(SchemaFormat.JSON, text, refs)
        every.append(below)
    return below, every


def test_a_shared_reference_counts_once_in_the_size() -> None:
    top, every = _diamonds()

    assert len(top.distinct()) == LEVELS + 1
    assert top.size == sum(len(source.text) for source in every)


def test_a_shared_reference_is_parsed_once() -> None:
    top, _ = _diamonds()

    # Parsed along every path, the 2 ** 40 paths would never finish (the suite's timeout
    # would fail the test); parsed once per distinct schema, it takes milliseconds.
    parsed = parse_source(top)

    assert parsed.fingerprint == canonicalize(top).fingerprint
    assert '"title":"40"' in parsed.canonical
