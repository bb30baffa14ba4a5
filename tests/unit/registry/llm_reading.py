"""How an application reads model output, as the LLM policy assumes it does.

``read(document, schema)``: at every object the reader's schema describes, keys a closed
model (``additionalProperties: false``) does not declare are dropped, and a required key
that is missing is filled with null when the reader's schema for it accepts null;
recursively through properties, array items, local ``$ref``, ``allOf`` parts and the first
``anyOf``/``oneOf`` branch the read value fits. ``without_undeclared(schema)`` is the
writer under LENIENT's assumption (its documents carry no undeclared keys): every open
model closed.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from jsonschema import Draft202012Validator


def _validator(root: object, schema: object) -> Any:
    # Evolved from the root, so that local references resolve against the whole document.
    assert isinstance(root, dict | bool)
    return Draft202012Validator(root).evolve(schema=schema)


def is_valid(document: object, schema: object, root: object | None = None) -> bool:
    return bool(_validator(schema if root is None else root, schema).is_valid(document))


def _resolve(schema: object, root: object) -> object:
    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 32:
        ref: str = schema["$ref"]
        target: Any = root
        for token in ref.removeprefix("#/").split("/") if ref != "#" else []:
            target = target[token]
        if len(schema) > 1:
            return schema  # A reference beside other keywords: read as a conjunction.
        schema, seen = target, seen + 1
    return schema


def read(document: object, schema: object, root: object | None = None) -> object:
    """``document`` as the reader holding ``schema`` sees it (a new value)."""
    root = schema if root is None else root
    return _read(copy.deepcopy(document), schema, root)


def _read(document: object, schema: object, root: object) -> object:
    schema = _resolve(schema, root)
    if not isinstance(schema, dict):
        return document
    if isinstance(schema.get("$ref"), str):
        document = _read(document, {"$ref": schema["$ref"]}, root)
    for part in schema.get("allOf", []):
        document = _read(document, part, root)
    for keyword in ("anyOf", "oneOf"):
        for branch in schema.get(keyword, []):
            candidate = _read(copy.deepcopy(document), branch, root)
            if is_valid(candidate, branch, root):
                document = candidate
                break
    if isinstance(document, dict):
        return _read_object(document, schema, root)
    items = schema.get("items")
    if isinstance(document, list) and isinstance(items, dict | bool):
        return [_read(item, items, root) for item in document]
    return document


def _read_object(document: dict[str, Any], schema: dict[str, Any], root: object) -> object:
    properties: dict[str, Any] = schema.get("properties", {})
    patterns: dict[str, Any] = schema.get("patternProperties", {})
    if schema.get("additionalProperties") is False:
        document = {
            key: value
            for key, value in document.items()
            if key in properties or any(re.search(pattern, key) for pattern in patterns)
        }
    for name in schema.get("required", []):
        if name not in document and is_valid(None, properties.get(name, True), root):
            document[name] = None
    for name, value in document.items():
        if name in properties:
            document[name] = _read(value, properties[name], root)
    return document


_SCHEMA_MAPS = ("properties", "patternProperties", "$defs")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMAS = ("items", "additionalProperties", "not")


def without_undeclared(schema: Any) -> Any:
    """``schema`` with every open object model closed: the documents it allows are those
    of ``schema`` that carry no undeclared key."""
    if not isinstance(schema, dict):
        return schema
    closed = dict(schema)
    for keyword in _SCHEMA_MAPS:
        if isinstance(schema.get(keyword), dict):
            closed[keyword] = {
                name: without_undeclared(value) for name, value in schema[keyword].items()
            }
    for keyword in _SCHEMA_LISTS:
        if isinstance(schema.get(keyword), list):
            closed[keyword] = [without_undeclared(value) for value in schema[keyword]]
    for keyword in _SCHEMAS:
        if keyword in schema:
            closed[keyword] = without_undeclared(schema[keyword])
    is_model = "properties" in schema or schema.get("type") == "object"
    if is_model and schema.get("additionalProperties", True) is True:
        closed["additionalProperties"] = False
    return closed
