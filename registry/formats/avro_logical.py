"""Logical types the Avro specification defines, checked against the types they annotate
(the Apache Python library only warns about a misplaced or malformed one, and drops it)."""

from __future__ import annotations

import math
from typing import Any

from registry.errors import InvalidSchemaError
from registry.formats.avro_model import is_int, shown

# The types each logical type the specification defines may annotate.
_LOGICAL_BASES: dict[str, tuple[str, ...]] = {
    "decimal": ("bytes", "fixed"),
    "big-decimal": ("bytes",),
    "uuid": ("string", "fixed"),
    "date": ("int",),
    "time-millis": ("int",),
    "time-micros": ("long",),
    "timestamp-millis": ("long",),
    "timestamp-micros": ("long",),
    "timestamp-nanos": ("long",),
    "local-timestamp-millis": ("long",),
    "local-timestamp-micros": ("long",),
    "local-timestamp-nanos": ("long",),
    "duration": ("fixed",),
}
_LOGICAL_FIXED_SIZES = {"uuid": 16, "duration": 12}


def max_decimal_precision(size: int) -> int:
    """Digits a two's-complement fixed of ``size`` bytes holds: floor(log10(2^(8n-1) - 1))."""
    if size < 1:
        return 0
    if size <= 1024:
        return len(str(2 ** (8 * size - 1) - 1)) - 1
    return math.floor((8 * size - 1) * math.log10(2))


def consumed(logical: dict[str, Any]) -> frozenset[str]:
    """The attributes a known logical type accounts for (a decimal's scale 0 is left out of
    the canonical form, not kept as a custom attribute)."""
    if logical.get("logicalType") == "decimal":
        return frozenset({"logicalType", "precision", "scale"})
    return frozenset(logical)


def logical_attributes(
    node: dict[str, Any], base: str, path: str, size: int | None = None
) -> dict[str, Any]:
    """The canonical attributes of a logical type the specification defines, checked
    against the type it annotates; an unknown logical type is an ordinary attribute (the
    specification has readers ignore it)."""
    if "logicalType" not in node:
        return {}
    logical = node["logicalType"]
    if not isinstance(logical, str):
        raise InvalidSchemaError(
            f"'logicalType' at {path}/logicalType must be a string, got {shown(logical)}."
        )
    bases = _LOGICAL_BASES.get(logical)
    if bases is None:
        return {}
    required_size = _LOGICAL_FIXED_SIZES.get(logical)
    if base not in bases:
        allowed = " or ".join(
            f"a fixed of size {required_size}" if b == "fixed" and required_size else b
            for b in bases
        )
        raise InvalidSchemaError(
            f"Logical type '{logical}' at {path} annotates {allowed}, not {base}."
        )
    if base == "fixed" and required_size is not None and size != required_size:
        raise InvalidSchemaError(
            f"Logical type '{logical}' at {path} annotates a fixed of size {required_size}, "
            f"not {size}."
        )
    if logical == "decimal":
        return _decimal(node, path, size)
    return {"logicalType": logical}


def _decimal(node: dict[str, Any], path: str, size: int | None) -> dict[str, Any]:
    if "precision" not in node:
        raise InvalidSchemaError(f"Decimal at {path} has no 'precision'; a decimal needs one.")
    precision = node["precision"]
    if not is_int(precision) or precision < 1:
        raise InvalidSchemaError(
            f"Decimal precision at {path}/precision must be a positive integer, "
            f"got {shown(precision)}."
        )
    scale = node.get("scale", 0)
    if not is_int(scale) or scale < 0:
        raise InvalidSchemaError(
            f"Decimal scale at {path}/scale must be an integer of at least 0, got {shown(scale)}."
        )
    if scale > precision:
        raise InvalidSchemaError(
            f"Decimal at {path} has scale {scale} greater than its precision {precision}."
        )
    if size is not None and precision > (most := max_decimal_precision(size)):
        raise InvalidSchemaError(
            f"Decimal at {path} has precision {precision}, more than the {most} digits a "
            f"fixed of size {size} can hold."
        )
    out: dict[str, Any] = {"logicalType": "decimal", "precision": precision}
    if scale:
        out["scale"] = scale
    return out
