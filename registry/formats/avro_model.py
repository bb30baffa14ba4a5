"""What the Avro handler keeps of a parsed schema: its canonical JSON and the named types
it can see (its own and those of the schemas it references)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
NAMED_KINDS = frozenset({"record", "enum", "fixed"})

# A schema in canonical JSON: a primitive or a named type's full name (str), a union
# (list), or an object (dict) with a "type".
Node = Any


@dataclass(frozen=True, slots=True)
class NamedType:
    """A record, enum or fixed. ``node`` is its definition in canonical JSON; ``path`` the
    JSON pointer to it in the document that defines it, None when a referenced schema
    defines it (``origin`` then names that reference)."""

    fullname: str
    node: dict[str, Any]
    path: str | None
    origin: str | None = None

    @property
    def kind(self) -> str:
        return str(self.node["type"])


@dataclass(frozen=True, slots=True)
class Dependency:
    """A referenced schema, as the Avro library must read it before the schema that uses
    its names: its fingerprint (to read each one once) and its canonical JSON."""

    fingerprint: str
    schema: Node


@dataclass(frozen=True, slots=True)
class AvroDocument:
    """``ParsedSchema.document`` for Avro. ``schema``: the canonical JSON; ``types``: every
    named type the schema may use, by full name; ``dependencies``: the referenced schemas,
    transitively, each after those it depends on."""

    schema: Node
    types: dict[str, NamedType]
    dependencies: tuple[Dependency, ...] = ()


def describe(node: Node) -> str:
    """A schema as a message names it: ``int``, ``record 'a.User'``, ``union [null, string]``."""
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "union [" + ", ".join(describe(branch) for branch in node) + "]"
    kind = node.get("type")
    if kind in NAMED_KINDS:
        return f"{kind} '{node.get('name')}'"
    logical = node.get("logicalType")
    if isinstance(logical, str):
        return f"{kind} ({logical})"
    return str(kind)


def is_int(value: object) -> bool:
    """A JSON integer (``true`` is not one, though Python counts it as 1)."""
    return isinstance(value, int) and not isinstance(value, bool)


def shown(value: object, limit: int = 80) -> str:
    """A JSON value as a message quotes it, cut short when long."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "…"
