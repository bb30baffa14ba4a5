"""A bounded, iterative walk over every subschema of a JSON Schema document.

No recursion (a deeply nested document cannot exhaust the stack) and a fixed budget of
nodes and nesting, so a huge or hostile document costs a bounded amount of work.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

MAX_NODES = 20_000
MAX_NESTING = 128

# Where subschemas live, by the shape of the keyword's value.
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
SCHEMA_VALUES = (
    "additionalProperties",
    "items",
    "additionalItems",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
)
SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems", "items")
# Keywords whose boolean value is a setting people write, not a subschema to report.
BOOLEAN_ALLOWED = frozenset({"additionalProperties", "unevaluatedProperties", "items"})


def escape(segment: str) -> str:
    """One JSON pointer reference token (RFC 6901)."""
    return segment.replace("~", "~0").replace("/", "~1")


def unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


@dataclass(frozen=True, slots=True)
class Node:
    pointer: str  # "#" for the root, "#/properties/city" below it
    schema: object  # a dict, a bool, or whatever malformed value stands in its place
    depth: int  # object and array schemas on the path from the root, this one included
    keyword: str  # the keyword this subschema hangs from ("" at the root)
    nesting: int  # subschemas on the path from the root


@dataclass(slots=True)
class Walk:
    nodes_seen: int = 0
    truncated: bool = False


def is_object_schema(schema: dict[str, object]) -> bool:
    kind = schema.get("type")
    if isinstance(kind, list):
        return "object" in kind
    return kind in ("object", "OBJECT") or isinstance(schema.get("properties"), dict)


def is_array_schema(schema: dict[str, object]) -> bool:
    kind = schema.get("type")
    if isinstance(kind, list):
        return "array" in kind
    return kind in ("array", "ARRAY") or "items" in schema


def _children(node: Node) -> list[tuple[str, str, object]]:
    """(pointer, keyword, subschema) for each subschema directly below ``node``."""
    schema = node.schema
    if not isinstance(schema, dict):
        return []
    found: list[tuple[str, str, object]] = []
    for keyword in SCHEMA_MAPS:
        value = schema.get(keyword)
        if isinstance(value, dict):
            base = f"{node.pointer}/{escape(keyword)}"
            found.extend(
                (f"{base}/{escape(str(name))}", keyword, sub) for name, sub in value.items()
            )
    for keyword in SCHEMA_VALUES:
        value = schema.get(keyword)
        if isinstance(value, dict | bool):
            found.append((f"{node.pointer}/{escape(keyword)}", keyword, value))
    for keyword in SCHEMA_LISTS:
        value = schema.get(keyword)
        if isinstance(value, list):
            base = f"{node.pointer}/{escape(keyword)}"
            found.extend((f"{base}/{index}", keyword, sub) for index, sub in enumerate(value))
    return found


def walk(document: object, state: Walk) -> Iterator[Node]:
    """Every subschema, root first, each before those below it, in document order."""
    root_depth = _depth_of(document)
    stack = [Node("#", document, root_depth, "", 0)]
    while stack:
        node = stack.pop()
        if state.nodes_seen >= MAX_NODES:
            state.truncated = True
            return
        state.nodes_seen += 1
        yield node
        if node.nesting >= MAX_NESTING:
            if _children(node):
                state.truncated = True
            continue
        below = [
            Node(pointer, sub, node.depth + _depth_of(sub), keyword, node.nesting + 1)
            for pointer, keyword, sub in _children(node)
        ]
        stack.extend(reversed(below))


def _depth_of(schema: object) -> int:
    if not isinstance(schema, dict):
        return 0
    return 1 if is_object_schema(schema) or is_array_schema(schema) else 0


def resolve(document: object, fragment: str) -> tuple[bool, str]:
    """Whether a local reference ("#", "#/$defs/A") names a value in ``document``, and
    the target's pointer in this module's spelling."""
    if fragment == "#":
        return True, "#"
    if not fragment.startswith("#/"):
        return False, fragment
    current = document
    segments = [unescape(unquote(part)) for part in fragment[2:].split("/")]
    for segment in segments:
        if isinstance(current, dict) and segment in current:
            current = current[segment]
        elif isinstance(current, list) and segment.isdigit() and int(segment) < len(current):
            current = current[int(segment)]
        else:
            return False, fragment
    return True, "#/" + "/".join(escape(segment) for segment in segments)
