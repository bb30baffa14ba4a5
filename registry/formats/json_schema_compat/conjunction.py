"""Exact conjunction of writer schemas: one node allowing exactly what all parts allow.

Keywords are combined only where the result keeps their meaning: ``required`` lists
united, ``properties`` maps united (clashing property schemas put under ``allOf``),
``type`` lists intersected. Keywords read together must come from one part, closed
models must see the same declared names, and references are left to the combinators;
otherwise there is no conjunction (None).
"""

from __future__ import annotations

from collections.abc import Callable

from registry.formats.json_schema_compat.dialects import ASSERTING
from registry.formats.json_schema_compat.nodes import Node

_REFERENCES = frozenset({"$ref", "$dynamicRef", "$recursiveRef"})
# Keywords read together: in a conjunction they must all come from one part.
_GROUPS = (
    frozenset({"if", "then", "else"}),
    frozenset({"contains", "minContains", "maxContains"}),
    frozenset({"prefixItems", "items", "additionalItems"}),
    frozenset({"unevaluatedProperties", "unevaluatedItems"}),
)
# Keywords whose meaning depends on the names ``properties`` declares beside them.
_CLOSING = frozenset({"additionalProperties", "patternProperties", "unevaluatedProperties"})


def conjoin(parts: list[Node], path: str) -> Node | None:
    """One writer node allowing exactly the documents all ``parts`` allow; None when the
    keywords cannot be combined without changing their meaning."""
    asserting = [part for part in parts if part.asserts_anything()]
    if any(part.is_false for part in asserting):
        return asserting[0].side.node(False, path)
    if len(asserting) <= 1:
        return asserting[0] if asserting else None
    side = asserting[0].side
    prints = side.fingerprints
    raws: list[dict[str, object]] = []
    for part in asserting:
        if part.side is not side or not isinstance(part.raw, dict):
            return None
        raw = {
            key: value
            for key, value in part.raw.items()
            if key in ASSERTING and key not in part.dropped
        }
        if not _REFERENCES.isdisjoint(raw):
            return None  # A reference's target is one more conjunct; left to combinators.
        raws.append(raw)
    if not _groups_stay_whole(raws) or not _closed_models_stay_exact(raws):
        return None
    combined: dict[str, object] = {}
    for raw in raws:
        for key, value in raw.items():
            if key not in combined or prints.digest(combined[key]) == prints.digest(value):
                combined[key] = value
                continue
            joined = _join(key, combined[key], value, prints.digest)
            if joined is None:
                return None
            combined[key] = joined
    types = combined.get("type")
    if isinstance(types, list) and not types:
        return side.node(False, path)
    return side.node(combined, path)


def _groups_stay_whole(raws: list[dict[str, object]]) -> bool:
    return all(sum(1 for raw in raws if not group.isdisjoint(raw)) <= 1 for group in _GROUPS)


def _closed_models_stay_exact(raws: list[dict[str, object]]) -> bool:
    """additionalProperties (and kin) must see the same declared names once conjoined."""
    for index, raw in enumerate(raws):
        if _CLOSING.isdisjoint(raw):
            continue
        declared = raw.get("properties")
        names = set(declared) if isinstance(declared, dict) else set()
        for other_index, other in enumerate(raws):
            if other_index == index:
                continue
            if not _CLOSING.isdisjoint(other):
                return False
            other_declared = other.get("properties")
            if isinstance(other_declared, dict) and not set(other_declared) <= names:
                return False
    return True


def _join(
    key: str, first: object, second: object, digest: Callable[[object], bytes]
) -> object | None:
    if key == "required" and isinstance(first, list) and isinstance(second, list):
        return [*first, *(name for name in second if name not in first)]
    if key == "properties" and isinstance(first, dict) and isinstance(second, dict):
        merged = dict(first)
        for name, schema in second.items():
            if name not in merged:
                merged[name] = schema
            elif digest(merged[name]) != digest(schema):
                merged[name] = {"allOf": [merged[name], schema]}
        return merged
    if key == "type":
        left, right = _type_set(first), _type_set(second)
        if left is None or right is None:
            return None
        shared = left & right
        if ("integer" in left and "number" in right) or ("number" in left and "integer" in right):
            shared.add("integer")
        return sorted(shared)
    return None


def _type_set(value: object) -> set[str] | None:
    if isinstance(value, str):
        return {value}
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return set(value)
    return None
