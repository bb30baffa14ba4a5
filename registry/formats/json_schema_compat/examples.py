"""Example documents for reports: a writer document the reader's branch rejects.

Documents are built from the schemas (a value per allowed type, objects from required
and guard properties with listed, default or sample values), bounded in size, and only
kept once validated on both sides: never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from jsonschema.exceptions import ValidationError

from registry.formats.json_schema_compat.enums import listed_values
from registry.formats.json_schema_compat.json_types import declared_types
from registry.formats.json_schema_compat.nodes import UNVALIDATED, Node

# Example documents are bounded: a few properties, a few values each.
_MAX_NAMES = 12
_MAX_CHOICES = 4
_TYPE_SAMPLES: dict[str, object] = {
    "null": None,
    "boolean": False,
    "integer": 0,
    "number": 0,
    "string": "",
    "array": [],
    "object": {},
}


def find_example(
    writer: Node, reader_if: Node, reader_branch: Node, name: str, parts: list[Node]
) -> tuple[object, ValidationError] | None:
    """A document the writer allows, on the ``name`` side of the reader's if, that the
    reader's branch rejects: validated on both sides, never guessed."""
    for document in _documents(parts, reader_if):
        if writer.rejection(document) is not None:
            continue
        condition = reader_if.rejection(document)
        if condition is not None and condition.validator == UNVALIDATED:
            continue
        if (condition is None) is not (name == "then"):
            continue
        error = reader_branch.rejection(document)
        if error is not None and error.validator != UNVALIDATED:
            return document, error
    return None


def _documents(parts: list[Node], guard: Node) -> Iterator[object]:
    """A few documents shaped by the writer's parts and the guard: one value per type the
    writer allows; for objects, one object holding a first choice for every property
    named (required ones, the guard's), then objects varying or leaving out one property.
    """
    declared = [found for part in parts if (found := declared_types(part)) is not None]
    types = set.intersection(*(set(found) for found in declared)) if declared else {"object"}
    for type_name in sorted(types - {"object"}):
        yield _TYPE_SAMPLES.get(type_name)
    if "object" not in types:
        return
    names = list(_unique(name for node in (*parts, guard) for name in node.names("required")))
    names += [name for name in guard.members("properties") if name not in names]
    choices = {name: _choices(name, parts, guard) for name in names[:_MAX_NAMES]}
    first = {name: values[0] for name, values in choices.items()}
    yield first
    for name, values in choices.items():
        yield {key: value for key, value in first.items() if key != name}
        for value in values[1:]:
            yield {**first, name: value}


def _choices(name: str, parts: list[Node], guard: Node) -> list[object]:
    """Up to a few values for property ``name``: listed ones first, then type samples."""
    props = [prop for node in (guard, *parts) if (prop := node.child("properties", name))]
    found: list[object] = []
    for prop in props:
        found += listed_values(prop) or []
    for prop in props:
        if "default" in prop.view:
            found.append(prop.view["default"])
        found += [_TYPE_SAMPLES.get(name) for name in sorted(declared_types(prop) or ())]
    digests = guard.side.fingerprints.digest
    unique = list({digests(value): value for value in reversed(found)}.values())[::-1]
    return unique[:_MAX_CHOICES] or [""]


def _unique(names: Iterable[str]) -> Iterator[str]:
    seen: set[str] = set()
    for name in names:
        if name not in seen:
            seen.add(name)
            yield name
