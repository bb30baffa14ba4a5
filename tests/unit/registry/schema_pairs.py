"""Random schema pairs for the property-based tests, and copies hypothesis-jsonschema reads.

``random_schema`` builds a satisfiable schema from a small grammar (keyword families the
checker decides exactly, and patternProperties); ``mutate`` changes one to three things
somewhere inside it, the kind of edit a schema author makes. Both take a
``random.Random``, so the same pairs come from a fixed seed or from hypothesis's
``st.randoms()``.

``generatable`` rewrites a schema into one hypothesis-jsonschema 0.23.1 can generate
from: 2020-12 tuples and dependent keywords in draft-07 spelling, local references inlined
(recursion cut off with ``false``), keywords it does not know dropped. The copy allows a
subset or a superset of the real schema's documents, so each generated document is
checked against the real schema before it is used.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from registry.formats.json_schema_compat.dialects import DRAFT_2020_12, dialect_of
from registry.formats.json_schema_compat.validators import VALIDATORS

Schema = dict[str, Any] | bool

NAMES = ("a", "b", "c", "d")
# Patterns for patternProperties (overlapping, never matching a declared name: a pattern
# that also constrains a declared property can make the writer unsatisfiable); undeclared
# keys in generated documents match them.
PATTERNS = ("^x", "^y", "^x[0-9]")
PATTERN_KEYS = ("x1", "y1", "xa")
VALUES: tuple[object, ...] = ("a", "b", "x", 0, 1, 2, 2.5, True, None)
_BOUNDS: tuple[str, ...] = (
    *("minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems"),
    *("minProperties", "maxProperties", "exclusiveMinimum", "exclusiveMaximum"),
)
_PAIRED = {
    "minLength": "maxLength",
    "minItems": "maxItems",
    "minProperties": "maxProperties",
    "minimum": "maximum",
}


def validator(schema: Schema) -> Any:
    # The registry's own validators: ECMA-262 patterns, run in RE2.
    cls = VALIDATORS.get(dialect_of(schema), VALIDATORS[DRAFT_2020_12])
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def random_schema(rng: random.Random, depth: int = 3) -> dict[str, Any]:
    kinds = ["string", "integer", "number", "boolean", "null", "enum", "nullable"]
    if depth > 0:
        kinds += ["object", "object", "object", "array", "anyOf"]
    kind = rng.choice(kinds)
    if kind == "string":
        low = rng.choice([None, 0, 1, 2])
        high = rng.choice([None, 3, 5])
        return _drop_none({"type": "string", "minLength": low, "maxLength": high})
    if kind in ("integer", "number"):
        low, high = rng.choice([None, -2, 0, 1]), rng.choice([None, 3, 10])
        step = rng.choice([None, None, 1, 2]) if kind == "integer" else None
        return _drop_none({"type": kind, "minimum": low, "maximum": high, "multipleOf": step})
    if kind in ("boolean", "null"):
        return {"type": kind}
    if kind == "enum":
        return {"enum": rng.sample(VALUES, rng.randint(1, 3))}
    if kind == "nullable":
        return {"type": ["string", "null"]}
    if kind == "array":
        items = random_schema(rng, depth - 1)
        return _drop_none(
            {
                "type": "array",
                "items": items,
                "minItems": rng.choice([None, 0, 1]),
                "maxItems": rng.choice([None, 3]),
                "uniqueItems": None if _is_finite(items) else rng.choice([None, True]),
            }
        )
    if kind == "anyOf":
        return {"anyOf": [random_schema(rng, depth - 1), random_schema(rng, depth - 1)]}
    names = rng.sample(NAMES, rng.randint(1, 3))
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {name: random_schema(rng, depth - 1) for name in names},
    }
    required = [name for name in names if rng.random() < 0.5]
    if required:
        schema["required"] = required
    schema["additionalProperties"] = rng.choice([None, False, {"type": "integer"}, True])
    if rng.random() < 0.25:
        schema["patternProperties"] = {rng.choice(PATTERNS): random_schema(rng, 0)}
    return _drop_none(schema)


def mutate(rng: random.Random, schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` with one to three edits at random places."""
    result = copy.deepcopy(schema)
    for _ in range(rng.randint(1, 3)):
        nodes = list(_subschemas(result))
        node = rng.choice(nodes)
        _edit(rng, node)
    return result


def _edit(rng: random.Random, node: dict[str, Any]) -> None:
    bounds = [key for key in _BOUNDS if isinstance(node.get(key), int | float)]
    choices = ["type", "enum", "bound_add", "drop"]
    if bounds:
        choices += ["bound", "bound"]
    if node.get("type") == "object":
        choices += ["required", "property", "property_drop", "closed", "closed", "pattern"]
    if node.get("type") == "array":
        choices += ["items"] if _is_finite(node.get("items")) else ["unique", "items"]
    choice = rng.choice(choices)
    if choice == "bound":
        key = rng.choice(bounds)
        # maxProperties 0 would allow only {}: a degenerate schema left out.
        node[key] = max(1 if key == "maxProperties" else 0, node[key] + rng.choice([-1, 1]))
    elif choice == "bound_add":
        key = {"string": "maxLength", "array": "maxItems", "object": "maxProperties"}.get(
            str(node.get("type")), "maximum"
        )
        node[key] = rng.randint(1 if key == "maxProperties" else 0, 4)
    elif choice == "type":
        node["type"] = rng.choice(
            ["string", "integer", "number", ["string", "null"], ["integer", "null"]]
        )
    elif choice == "enum":
        # Values the rest of the node allows: an enum its type contradicts would make the
        # node unsatisfiable, a degenerate case the generator leaves out.
        rest = validator({key: value for key, value in node.items() if key != "enum"})
        allowed = [value for value in VALUES if rest.is_valid(value)]
        if allowed:
            node["enum"] = rng.sample(allowed, rng.randint(1, min(3, len(allowed))))
    elif choice == "drop":
        keys = [key for key in node if key != "type"]
        if keys:
            del node[rng.choice(keys)]
    elif choice == "required":
        node["required"] = rng.sample(NAMES, rng.randint(0, 2))
    elif choice == "property":
        node.setdefault("properties", {})[rng.choice(NAMES)] = random_schema(rng, 1)
    elif choice == "property_drop" and node.get("properties"):
        del node["properties"][rng.choice(list(node["properties"]))]
    elif choice == "closed":
        node["additionalProperties"] = rng.choice([False, True, {"type": "string"}])
    elif choice == "pattern":
        patterns = node.setdefault("patternProperties", {})
        if patterns and rng.random() < 0.3:
            del patterns[rng.choice(list(patterns))]
        else:
            patterns[rng.choice(PATTERNS)] = random_schema(rng, 0)
        if not patterns:
            del node["patternProperties"]
    elif choice == "unique" and not _is_finite(node.get("items")):
        node["uniqueItems"] = not node.get("uniqueItems", False)
    elif choice == "items":
        node["items"] = random_schema(rng, 1)
        if _is_finite(node["items"]):
            node.pop("uniqueItems", None)
    _repair(node)


def _is_finite(items: object) -> bool:
    """Item schemas with a handful of values: with uniqueItems they bound the array length,
    which the checker does not take into account (a known imprecision, see README)."""
    if not isinstance(items, dict):
        return False
    types = items.get("type")
    names = {types} if isinstance(types, str) else set(types or [])
    return "enum" in items or "const" in items or bool(names and names <= {"boolean", "null"})


def _repair(node: dict[str, Any]) -> None:
    """Keep the node satisfiable and metaschema-valid after an edit."""
    for low, high in _PAIRED.items():
        if isinstance(node.get(low), int | float) and isinstance(node.get(high), int | float):
            node[high] = max(node[high], node[low])
    if "required" in node:
        node["required"] = sorted(set(node["required"]))
        if node.get("additionalProperties") is False:
            declared = node.get("properties", {})
            node["required"] = [name for name in node["required"] if name in declared]
    fewest, most = node.get("minProperties"), node.get("maxProperties")
    if isinstance(most, int) and len(node.get("required", [])) > most:
        node["maxProperties"] = len(node["required"])
    if isinstance(fewest, int) and node.get("additionalProperties") is False:
        node["minProperties"] = min(fewest, len(node.get("properties", {})))


def _subschemas(schema: dict[str, Any]) -> list[dict[str, Any]]:
    found = [schema]
    for child in schema.get("properties", {}).values():
        if isinstance(child, dict):
            found += _subschemas(child)
    for child in schema.get("patternProperties", {}).values():
        if isinstance(child, dict):
            found += _subschemas(child)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            found += _subschemas(schema[key])
    for branch in schema.get("anyOf", []):
        found += _subschemas(branch)
    return found


_BOUNDARY_NUMBERS: tuple[object, ...] = (*range(-3, 13), -0.5, 0.5, 1.5, 2.5, 3.5, 10.5)
_EXTRA_VALUES: tuple[object, ...] = (*VALUES, -1, "", "abcdef", [], [1], ["a", "a"], {}, {"a": 1})


def with_extra_keys(document: object, rng: random.Random) -> object:
    """``document`` with undeclared keys added here and there: open models allow them, and
    they are where an open writer and a reader that declares more part ways."""
    if isinstance(document, list):
        return [with_extra_keys(item, rng) for item in document]
    if not isinstance(document, dict):
        # Bounds are where schemas part ways: move some numbers onto small boundary values.
        if isinstance(document, int | float) and not isinstance(document, bool):
            return rng.choice(_BOUNDARY_NUMBERS) if rng.random() < 0.3 else document
        return document
    result = {key: with_extra_keys(value, rng) for key, value in document.items()}
    if rng.random() < 0.3:
        result[rng.choice((*NAMES, *PATTERN_KEYS))] = rng.choice(_EXTRA_VALUES)
    return result


def _drop_none(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if value is not None}


# --- copies hypothesis-jsonschema can read -----------------------------------------------

_UNSUPPORTED = ("unevaluatedProperties", "unevaluatedItems", "minContains", "maxContains")
_MAX_INLINE = 3  # reference hops inlined before a recursive branch is cut off


def generatable(schema: Schema, *, every_property: bool = False) -> Schema:
    """A copy of ``schema`` for hypothesis-jsonschema; see the module docstring.

    ``every_property`` also requires every declared property and one item in arrays, so
    deep optional parts, which hypothesis-jsonschema often leaves out, are always generated.
    """
    copied: Schema = _rewrite(schema, schema, 0)
    return _require_all(copied) if every_property else copied


def _require_all(node: Any) -> Any:
    if isinstance(node, list):
        return [_require_all(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {
        key: value if key in ("enum", "const") else _require_all(value)
        for key, value in node.items()
    }
    properties = out.get("properties")
    if isinstance(properties, dict) and properties:
        names = [name for name, sub in properties.items() if sub is not False]
        out["required"] = sorted(set(out.get("required", [])) | set(names))
    most = out.get("maxItems")
    if isinstance(out.get("items"), dict) and (not isinstance(most, int) or most >= 1):
        out["minItems"] = max(out.get("minItems", 0), 1)  # and at least one item of them
    return out


def _rewrite(node: object, root: Schema, hops: int) -> Any:
    if isinstance(node, list):
        return [_rewrite(item, root, hops) for item in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("$ref"), str):
        if hops >= _MAX_INLINE:
            return False
        target = _resolve(root, node["$ref"])
        rest = {k: v for k, v in node.items() if k != "$ref"}
        inlined = _rewrite(target, root, hops + 1)
        if not rest:
            return inlined
        return {"allOf": [inlined, _rewrite(rest, root, hops)]}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _UNSUPPORTED or key in ("$schema", "$defs", "definitions", "$id"):
            continue
        if key in ("enum", "const", "examples", "default"):
            out[key] = value
        elif key == "format" and value == "uuid":
            continue
        else:
            out[key] = _rewrite(value, root, hops)
    if "prefixItems" in out:
        out["additionalItems"] = out.pop("items", True)
        out["items"] = out.pop("prefixItems")
    for key in ("dependentRequired", "dependentSchemas"):
        if key in out:
            out.setdefault("dependencies", {}).update(out.pop(key))
    return out


def _resolve(root: Schema, ref: str) -> object:
    value: object = root
    for token in ref.removeprefix("#").split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        value = value[int(token)] if isinstance(value, list) else value[token]  # type: ignore[index]
    return value
