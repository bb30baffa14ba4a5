"""Writers that allow no document at all: nothing they write can be rejected.

Only contradictions visible in one node are read: ``not`` of a schema that accepts
everything, an empty ``enum``, and, for every type the node allows, bounds that exclude
each other (minLength above maxLength, minimum above maximum, minItems above maxItems,
minProperties above maxProperties). Anything subtler is compared as if the writer had
documents, which can only report too much, never too little.
"""

from __future__ import annotations

from registry.formats.json_schema_compat.json_types import declared_types
from registry.formats.json_schema_compat.nodes import Node

_BOUNDS: dict[str, tuple[str, str]] = {
    "string": ("minLength", "maxLength"),
    "number": ("minimum", "maximum"),
    "integer": ("minimum", "maximum"),
    "array": ("minItems", "maxItems"),
    "object": ("minProperties", "maxProperties"),
}


def allows_nothing(node: Node) -> bool:
    """Whether no JSON value is valid under ``node``, by a contradiction within it."""
    if node.is_false:
        return True
    enum = node.view.get("enum")
    if isinstance(enum, list) and not enum:
        return True
    excluded = node.child("not")
    if excluded is not None and not excluded.asserts_anything():
        return True
    types = declared_types(node)
    return types is not None and all(_bounds_cross(node, name) for name in types)


def _bounds_cross(node: Node, type_name: str) -> bool:
    keywords = _BOUNDS.get(type_name)
    if keywords is None:
        return False
    low, high = node.number(keywords[0]), node.number(keywords[1])
    return low is not None and high is not None and low > high
