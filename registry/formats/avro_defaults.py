"""Field default values checked against the field's type, as the specification describes
them: a union's default is a value of its FIRST branch; bytes and fixed defaults are strings
of code points 0-255; a record's default is an object giving every field without a default
of its own. (The Apache Python library does not check defaults at all.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from registry.errors import InvalidSchemaError
from registry.formats.avro_model import NamedType, Node, describe, shown

_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)


class _Mismatch(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_default(
    value: object, schema: Node, types: Mapping[str, NamedType], path: str, where: str
) -> object:
    """``value`` normalized for the canonical form (``float``/``double`` values as floats);
    ``InvalidSchemaError`` naming ``where`` when it is not a value of ``schema``."""
    try:
        return _value(value, schema, types)
    except _Mismatch as mismatch:
        raise InvalidSchemaError(
            f"Default of {where} at {path} is not a value of its type {describe(schema)}: "
            f"{mismatch.reason}"
        ) from None


def _value(value: object, schema: Node, types: Mapping[str, NamedType]) -> object:
    if isinstance(schema, list):
        return _union(value, schema, types)
    node: dict[str, Any] | None
    if isinstance(schema, str):
        named = types.get(schema)
        node = named.node if named is not None else None
        kind = schema if node is None else node["type"]
    else:
        node, kind = schema, schema["type"]
    checker = _PRIMITIVE.get(kind)
    if checker is not None:
        return checker(value)
    assert node is not None
    if kind == "record":
        return _record(value, node, types)
    if kind == "enum":
        if isinstance(value, str) and value in node["symbols"]:
            return value
        raise _Mismatch(f"{shown(value)} is not a symbol of enum '{node['name']}'.")
    if kind == "fixed":
        _byte_string(value)
        assert isinstance(value, str)
        if len(value) != node["size"]:
            raise _Mismatch(
                f"fixed '{node['name']}' holds {node['size']} bytes, the default has {len(value)}."
            )
        return value
    if kind == "array":
        if not isinstance(value, list):
            raise _Mismatch(f"{shown(value)} is not an array.")
        return [_value(item, node["items"], types) for item in value]
    if not isinstance(value, dict):  # a map
        raise _Mismatch(f"{shown(value)} is not an object (a map).")
    return {key: _value(item, node["values"], types) for key, item in value.items()}


def _union(value: object, branches: list[Node], types: Mapping[str, NamedType]) -> object:
    try:
        return _value(value, branches[0], types)
    except _Mismatch as mismatch:
        hint = ""
        for index, branch in enumerate(branches[1:], start=1):
            try:
                _value(value, branch, types)
            except _Mismatch:
                continue
            hint = f" It is a value of branch {index} ({describe(branch)}): list that one first."
            break
        raise _Mismatch(
            f"a union's default must be a value of its first branch, "
            f"{describe(branches[0])}, and {mismatch.reason[0].lower()}{mismatch.reason[1:]}"
            f"{hint}"
        ) from None


def _record(value: object, node: dict[str, Any], types: Mapping[str, NamedType]) -> object:
    if not isinstance(value, dict):
        raise _Mismatch(f"{shown(value)} is not an object (a record '{node['name']}').")
    out = dict(value)
    for field in node["fields"]:
        name = field["name"]
        if name in value:
            try:
                out[name] = _value(value[name], field["type"], types)
            except _Mismatch as mismatch:
                raise _Mismatch(f"field '{name}': {mismatch.reason}") from None
        elif "default" not in field:
            raise _Mismatch(
                f"it gives no value for field '{name}' of record '{node['name']}', which has "
                "no default."
            )
    return out


def _null(value: object) -> object:
    if value is not None:
        raise _Mismatch(f"{shown(value)} is not null.")
    return value


def _boolean(value: object) -> object:
    if not isinstance(value, bool):
        raise _Mismatch(f"{shown(value)} is not a boolean.")
    return value


def _integer(kind: str, bounds: tuple[int, int]) -> Any:
    def check(value: object) -> object:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _Mismatch(f"{shown(value)} is not an integer ({kind}).")
        if not bounds[0] <= value <= bounds[1]:
            raise _Mismatch(f"{value} is out of the range of {kind}.")
        return value

    return check


def _floating(value: object) -> object:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _Mismatch(f"{shown(value)} is not a number.")
    try:
        return float(value)
    except OverflowError:
        raise _Mismatch(f"{shown(value)} is too large for a float or double.") from None


def _string(value: object) -> object:
    if not isinstance(value, str):
        raise _Mismatch(f"{shown(value)} is not a string.")
    return value


def _byte_string(value: object) -> object:
    if not isinstance(value, str):
        raise _Mismatch(f"{shown(value)} is not a string (bytes are written as one).")
    if any(ord(char) > 255 for char in value):
        raise _Mismatch(
            f"{shown(value)} has characters above U+00FF; bytes are written as a string of "
            "code points 0-255."
        )
    return value


_PRIMITIVE = {
    "null": _null,
    "boolean": _boolean,
    "int": _integer("int", _INT_RANGE),
    "long": _integer("long", _LONG_RANGE),
    "float": _floating,
    "double": _floating,
    "bytes": _byte_string,
    "string": _string,
}
