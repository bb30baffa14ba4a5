"""Plain reader documents: each value governed by one subschema at a time.

In a plain document every value is governed by one chain of ``properties``, ``items``,
``prefixItems``, ``additionalProperties``, ``$defs`` reached by a bare ``$ref``, and
``anyOf`` branches with nothing asserting beside them (OpenAI strict mode's vocabulary):
a rule comparing one subschema then sees all the reader says about the value. The LLM
policy fills a missing key with null only in such a reader (see ``absent``).
"""

from __future__ import annotations

from registry.formats.json_schema_compat.dialects import ASSERTING
from registry.formats.json_schema_compat.nodes import Side

# Keywords applying another subschema to a value some other subschema already governs.
_IN_PLACE = frozenset(
    {
        "allOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "dependentSchemas",
        "dependencies",
        "contains",
        "patternProperties",
        "unevaluatedProperties",
        "unevaluatedItems",
        "$dynamicRef",
        "$recursiveRef",
    }
)
_SCHEMA_MAPS = ("properties", "$defs", "definitions")
_SCHEMA_VALUES = ("items", "additionalItems", "additionalProperties", "propertyNames")
_SCHEMA_LISTS = ("anyOf", "prefixItems", "items")


def is_plain(side: Side) -> bool:
    """Whether every value of ``side``'s document is governed by one subschema at a time
    (see the module docstring); computed once per document."""
    return side.fingerprints.fact(side.document, "plain", _is_plain)


def _is_plain(document: object) -> bool:
    stack = [document]
    while stack:
        schema = stack.pop()
        if not isinstance(schema, dict):
            continue  # true, false, or not a schema (a metaschema check already ran)
        keywords = schema.keys()
        if not _IN_PLACE.isdisjoint(keywords):
            return False
        asserting = ASSERTING & keywords
        if len(asserting) > 1 and not asserting.isdisjoint({"anyOf", "$ref"}):
            return False
        for keyword in _SCHEMA_MAPS:
            members = schema.get(keyword)
            if isinstance(members, dict):
                stack.extend(members.values())
        for keyword in _SCHEMA_VALUES:
            stack.append(schema.get(keyword))
        for keyword in _SCHEMA_LISTS:
            members = schema.get(keyword)
            if isinstance(members, list):
                stack.extend(members)
    return True
