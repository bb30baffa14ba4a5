"""What each supported draft's keywords mean, spelled the 2020-12 way for the rules.

Kept here rather than imported from ``registry.formats.json_schema``, which imports this
package.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DRAFT_07 = "http://json-schema.org/draft-07/schema"
DRAFT_2019_09 = "https://json-schema.org/draft/2019-09/schema"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

# Keywords some draft asserts that another draft ignores as unknown. A writer keyword its
# draft ignores must not be taken as a guarantee, so the view drops it.
_IGNORED: dict[str, frozenset[str]] = {
    DRAFT_07: frozenset(
        {
            "prefixItems",
            "dependentRequired",
            "dependentSchemas",
            "unevaluatedItems",
            "unevaluatedProperties",
            "minContains",
            "maxContains",
            "$dynamicRef",
            "$recursiveRef",
        }
    ),
    DRAFT_2019_09: frozenset({"prefixItems", "dependencies", "$dynamicRef"}),
    DRAFT_2020_12: frozenset({"dependencies", "additionalItems", "$recursiveRef"}),
}

# Every keyword that can make a validator reject a document, in any supported draft. The
# rest (title, description, default, examples, $comment, deprecated, readOnly, writeOnly,
# $defs, $id, content*, unknown keywords) are annotations: changing them breaks nothing.
ASSERTING = frozenset(
    {
        "$ref",
        "$dynamicRef",
        "$recursiveRef",
        "type",
        "enum",
        "const",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "properties",
        "patternProperties",
        "additionalProperties",
        "required",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "dependencies",
        "dependentRequired",
        "dependentSchemas",
        "unevaluatedProperties",
        "items",
        "prefixItems",
        "additionalItems",
        "contains",
        "minContains",
        "maxContains",
        "minItems",
        "maxItems",
        "uniqueItems",
        "unevaluatedItems",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    }
)


def dialect_of(document: object) -> str:
    """The draft a schema declares with ``$schema``; 2020-12 when it declares none."""
    if isinstance(document, dict):
        declared = document.get("$schema")
        if isinstance(declared, str):
            return declared.rstrip("#")
    return DRAFT_2020_12


def normalize(raw: Mapping[str, Any], dialect: str) -> tuple[Mapping[str, Any], dict[str, str]]:
    """The keywords of ``raw`` with 2020-12 meaning, and the original name of renamed ones.

    Draft-07 ignores the siblings of ``$ref``; draft-07 and 2019-09 spell tuples as an
    ``items`` array with ``additionalItems`` for the rest (2020-12: ``prefixItems`` and
    ``items``); draft-07 ``dependencies`` holds both dependentRequired and dependentSchemas.
    """
    if dialect == DRAFT_07 and "$ref" in raw:
        return {"$ref": raw["$ref"]}, {}
    ignored = _IGNORED.get(dialect, frozenset())
    needs_copy = (
        not ignored.isdisjoint(raw)
        or (dialect != DRAFT_2020_12 and isinstance(raw.get("items"), list))
        or (dialect == DRAFT_07 and "dependencies" in raw)
    )
    if not needs_copy:
        return raw, {}
    view = {key: value for key, value in raw.items() if key not in ignored}
    renames: dict[str, str] = {}
    if dialect != DRAFT_2020_12:
        view.pop("additionalItems", None)
        items = raw.get("items")
        if isinstance(items, list):
            view["prefixItems"] = items
            renames["prefixItems"] = "items"
            del view["items"]
            if "additionalItems" in raw:
                view["items"] = raw["additionalItems"]
                renames["items"] = "additionalItems"
    if dialect == DRAFT_07 and isinstance(raw.get("dependencies"), dict):
        dependencies: dict[str, Any] = view.pop("dependencies")
        for keyword, is_list in (("dependentRequired", True), ("dependentSchemas", False)):
            split = {k: v for k, v in dependencies.items() if isinstance(v, list) is is_list}
            if split:
                view[keyword] = split
                renames[keyword] = "dependencies"
    return view, renames
