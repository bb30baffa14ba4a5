"""Payloads checked against an Avro schema in Avro's JSON encoding (the specification's
"JSON Encoding" section, as Avro's JsonEncoder writes and JsonDecoder reads it):

- null, boolean, string as themselves; int and long as integers in their 32- and 64-bit
  ranges; float and double as numbers;
- bytes and fixed as strings whose code points (0-255) are the bytes, a fixed one of its
  size exactly;
- a record as an object with every field by name (a default does not make a field
  optional in the encoding) and no other member; an enum as one of its symbols; an
  array as an array, a map as an object;
- a union as null for its null branch, any other branch as an object of one member
  whose name is the branch's type: its full name for a record, enum or fixed, else the
  type's name (``string``, ``array``, ``map``).

Logical types are read as their underlying type. ``schema_path`` is the path followed
through the canonical schema, named types followed where they are used (a type defined
once and used twice is walked at each use, under the path of that use).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from registry.formats.avro_model import AvroDocument, Node, describe, is_int, shown
from registry.payloads import MAX_ERRORS, PayloadError, pointer

_RANGES = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_JSON_KINDS = {
    "null": "null",
    "boolean": "a boolean",
    "int": "an integer",
    "long": "an integer",
    "float": "a number",
    "double": "a number",
    "bytes": "a string",
    "string": "a string",
    "record": "an object",
    "enum": "a string",
    "fixed": "a string",
    "array": "an array",
    "map": "an object",
}
Tokens = tuple[str | int, ...]


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


class AvroPayloads:
    """A ``PayloadValidator`` for one Avro schema."""

    def __init__(self, document: AvroDocument) -> None:
        self._document = document

    def validate(self, payload: object, limit: int = MAX_ERRORS) -> list[PayloadError]:
        found: list[PayloadError] = []
        for error in self._errors(payload):
            found.append(error)
            if len(found) >= limit:
                break
        return found

    def _resolve(self, node: Node) -> Any:
        """A named type's definition in place of its name; any other node as it is."""
        if isinstance(node, str) and node in self._document.types:
            return self._document.types[node].node
        return node

    def _errors(self, payload: object) -> Iterator[PayloadError]:
        # Iterative, depth-first in document order: depth is bounded by the payload's.
        stack: list[tuple[Node, object, Tokens, Tokens]] = [
            (self._document.schema, payload, (), ())
        ]
        while stack:
            node, value, at, where = stack.pop()
            children: list[tuple[Node, object, Tokens, Tokens]] = []
            yield from self._check(self._resolve(node), value, at, where, children)
            stack.extend(reversed(children))

    def _check(
        self,
        node: Node,
        value: object,
        at: Tokens,
        where: Tokens,
        children: list[tuple[Node, object, Tokens, Tokens]],
    ) -> Iterator[PayloadError]:
        def error(keyword: str, message: str, path: Tokens = where) -> PayloadError:
            return PayloadError(pointer(at), pointer(path), keyword, message)

        if isinstance(node, list):
            yield from self._union(node, value, at, where, children)
            return
        kind = node if isinstance(node, str) else str(node["type"])
        expected = _JSON_KINDS[kind]
        if _json_type(value) != expected and not (expected == "an integer" and is_int(value)):
            yield error("type", f"Expected {describe(node)} ({expected}), got {shown(value)}.")
            return
        if kind in _RANGES:
            low, high = _RANGES[kind]
            assert isinstance(value, int)
            if not low <= value <= high:
                yield error("type", f"{value} is out of the range of {kind} ({low} to {high}).")
        elif kind in ("bytes", "fixed"):
            assert isinstance(value, str)
            yield from self._bytes(node, value, error)
        elif kind == "enum" and value not in node["symbols"]:
            yield error("symbols", f"{shown(value)} is not a symbol of {describe(node)}.")
        elif kind == "record":
            assert isinstance(value, dict)
            yield from self._record(node, value, at, where, children, error)
        elif kind == "array":
            assert isinstance(value, list)
            children.extend(
                (node["items"], item, (*at, index), (*where, "items"))
                for index, item in enumerate(value)
            )
        elif kind == "map":
            assert isinstance(value, dict)
            children.extend(
                (node["values"], item, (*at, key), (*where, "values"))
                for key, item in value.items()
            )

    @staticmethod
    def _bytes(node: Node, value: str, error: Any) -> Iterator[PayloadError]:
        wide = next((index for index, char in enumerate(value) if ord(char) > 255), None)
        if wide is not None:
            yield error(
                "type",
                f"Bytes are written as code points 0 to 255; character {wide} is "
                f"U+{ord(value[wide]):04X}.",
            )
        elif isinstance(node, dict) and node["type"] == "fixed" and len(value) != node["size"]:
            yield error("size", f"{describe(node)} holds {node['size']} bytes, got {len(value)}.")

    @staticmethod
    def _record(
        node: dict[str, Any],
        value: dict[str, object],
        at: Tokens,
        where: Tokens,
        children: list[tuple[Node, object, Tokens, Tokens]],
        error: Any,
    ) -> Iterator[PayloadError]:
        names = set()
        for index, field in enumerate(node["fields"]):
            name = field["name"]
            names.add(name)
            if name in value:
                children.append(
                    (field["type"], value[name], (*at, name), (*where, "fields", index, "type"))
                )
            else:
                yield error(
                    "fields",
                    f"Field '{name}' of {describe(node)} is missing.",
                    (*where, "fields", index),
                )
        for name in value:
            if name not in names:
                yield PayloadError(
                    pointer((*at, name)),
                    pointer((*where, "fields")),
                    "fields",
                    f"'{name}' is not a field of {describe(node)}.",
                )

    def _union(
        self,
        branches: list[Node],
        value: object,
        at: Tokens,
        where: Tokens,
        children: list[tuple[Node, object, Tokens, Tokens]],
    ) -> Iterator[PayloadError]:
        names = [self._branch_name(branch) for branch in branches]
        if value is None:
            if "null" not in names:
                yield PayloadError(
                    pointer(at),
                    pointer(where),
                    "type",
                    f"null is not a branch of {describe(branches)}.",
                )
            return
        if not isinstance(value, dict) or len(value) != 1:
            yield PayloadError(
                pointer(at),
                pointer(where),
                "union",
                f"A value of {describe(branches)} is null or an object of one member naming "
                f"its branch, got {shown(value)}.",
            )
            return
        ((name, inner),) = value.items()
        if name == "null" or name not in names:
            yield PayloadError(
                pointer((*at, name)),
                pointer(where),
                "union",
                f"'{name}' is not a branch of {describe(branches)}"
                + (" (null is written as null)." if name == "null" else "."),
            )
            return
        index = names.index(name)
        children.append((branches[index], inner, (*at, name), (*where, index)))

    def _branch_name(self, branch: Node) -> str:
        node = self._resolve(branch)
        if isinstance(node, str):
            return node
        if node["type"] in ("record", "enum", "fixed"):
            return str(node["name"])
        return str(node["type"])
