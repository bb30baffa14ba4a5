"""Payloads checked against a JSON Schema, with jsonschema-rs.

The validator is built from the working document (``json_schema_bundle``): the schema
naming the draft it was read in, with the schemas it refers to bundled under its
``$defs``, so a payload is judged in the dialect the schema was registered in and its
references resolve without any lookup. Schema paths point into that document.
"""

from __future__ import annotations

import jsonschema_rs

from registry.errors import InvalidSchemaError
from registry.payloads import MAX_ERRORS, PayloadError, pointer

# Keywords whose members are subschemas by name: a name at the end of a path is no keyword.
_SCHEMA_MAPS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies"}
)


class JsonSchemaPayloads:
    """A ``PayloadValidator`` for one JSON Schema."""

    def __init__(self, working: object) -> None:
        if not isinstance(working, dict | bool):
            raise InvalidSchemaError("A JSON Schema is an object or a boolean.")
        try:
            # Patterns run in the Rust regex crate (linear time), as the metaschemas' do.
            self._validator = jsonschema_rs.validator_for(
                working, pattern_options=jsonschema_rs.RegexOptions()
            )
        except (jsonschema_rs.ValidationError, ValueError) as exc:
            raise InvalidSchemaError(f"Schema cannot validate payloads: {exc}") from None

    def validate(self, payload: object, limit: int = MAX_ERRORS) -> list[PayloadError]:
        if self._validator.is_valid(payload):
            return []
        found: list[PayloadError] = []
        for error in self._validator.iter_errors(payload):
            found.append(_record(error))
            if len(found) >= limit:
                break
        return found


def _record(error: jsonschema_rs.ValidationError) -> PayloadError:
    return PayloadError(
        instance_path=pointer(error.instance_path),
        schema_path=pointer(error.schema_path),
        keyword=_keyword(error),
        message=error.message,
    )


def _keyword(error: jsonschema_rs.ValidationError) -> str:
    """The keyword whose rule failed: the last step of the schema path. A ``false``
    schema's path ends at the schema itself: the keyword holding it
    (``additionalProperties``), or ``false`` where a name or an index holds it."""
    path = error.schema_path
    last = path[-1] if path else None
    if type(error.kind).__name__ == "FalseSchema":
        named = len(path) > 1 and path[-2] in _SCHEMA_MAPS
        return last if isinstance(last, str) and not named else "false"
    for token in reversed(path):
        if isinstance(token, str):
            return token
    return ""
