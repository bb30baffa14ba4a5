"""What each supported draft's keywords mean, spelled the 2020-12 way for the rules.

Kept here rather than imported from ``registry.formats.json_schema``, which imports this
package.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DRAFT_04 = "http://json-schema.org/draft-04/schema"
DRAFT_06 = "http://json-schema.org/draft-06/schema"
DRAFT_07 = "http://json-schema.org/draft-07/schema"
DRAFT_2019_09 = "https://json-schema.org/draft/2019-09/schema"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

SUPPORTED_DIALECTS: tuple[str, ...] = (
    DRAFT_04,
    DRAFT_06,
    DRAFT_07,
    DRAFT_2019_09,
    DRAFT_2020_12,
)
"""The dialects a JSON Schema may be written in, as their ``$schema`` URIs (each is also
accepted with a trailing ``#``; ``normalize_dialect`` gives the spelling kept here)."""

# The drafts before 2019-09: "$ref" replaces its object (siblings are ignored), a tuple is
# an "items" array with "additionalItems", "dependencies" holds both dependency forms.
DRAFTS_BEFORE_2019: frozenset[str] = frozenset({DRAFT_04, DRAFT_06, DRAFT_07})

_AFTER_DRAFT_07 = frozenset(
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
)
# Keywords some draft asserts that another draft ignores as unknown. A writer keyword its
# draft ignores must not be taken as a guarantee, so the view drops it.
_IGNORED: dict[str, frozenset[str]] = {
    # Draft-04 has no const, contains, propertyNames (draft-06) nor if/then/else (draft-07).
    DRAFT_04: _AFTER_DRAFT_07 | {"const", "contains", "propertyNames", "if", "then", "else"},
    DRAFT_06: _AFTER_DRAFT_07 | {"if", "then", "else"},
    DRAFT_07: _AFTER_DRAFT_07,
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


def normalize_dialect(value: object) -> str | None:
    """The dialect ``value`` names (a ``$schema`` URI, with or without its trailing ``#``),
    spelled as in ``SUPPORTED_DIALECTS``; None when it names none of them."""
    if not isinstance(value, str):
        return None
    name = value[:-1] if value.endswith("#") else value
    return name if name in SUPPORTED_DIALECTS else None


def dialect_of(document: object, default: str = DRAFT_2020_12) -> str:
    """The draft a schema declares with ``$schema``; ``default`` when it declares none.
    A declared value that names no supported draft is returned as written (without a
    trailing ``#``), for the caller to refuse."""
    if isinstance(document, dict):
        declared = document.get("$schema")
        if isinstance(declared, str):
            return normalize_dialect(declared) or declared.rstrip("#")
    return default


def id_keyword(dialect: str) -> str:
    """The keyword that gives a schema its URI: draft-04 spells it without the ``$``."""
    return "id" if dialect == DRAFT_04 else "$id"


def normalize(raw: Mapping[str, Any], dialect: str) -> tuple[Mapping[str, Any], dict[str, str]]:
    """The keywords of ``raw`` with 2020-12 meaning, and the original name of renamed ones.

    Drafts 04 to 07 ignore the siblings of ``$ref``; drafts 04 to 2019-09 spell tuples as
    an ``items`` array with ``additionalItems`` for the rest (2020-12: ``prefixItems`` and
    ``items``); ``dependencies`` (04 to 07) holds both dependentRequired and
    dependentSchemas; draft-04 makes ``maximum``/``minimum`` exclusive with a boolean
    ``exclusiveMaximum``/``exclusiveMinimum`` beside them (from draft-06 on, the exclusive
    bound is a number of its own).
    """
    if dialect in DRAFTS_BEFORE_2019 and "$ref" in raw:
        return {"$ref": raw["$ref"]}, {}
    ignored = _IGNORED.get(dialect, frozenset())
    needs_copy = (
        not ignored.isdisjoint(raw)
        or (dialect != DRAFT_2020_12 and isinstance(raw.get("items"), list))
        or (dialect in DRAFTS_BEFORE_2019 and "dependencies" in raw)
        or (dialect == DRAFT_04 and ("exclusiveMaximum" in raw or "exclusiveMinimum" in raw))
    )
    if not needs_copy:
        return raw, {}
    view = {key: value for key, value in raw.items() if key not in ignored}
    renames: dict[str, str] = {}
    if dialect == DRAFT_04:
        _exclusive_bounds(view, renames)
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
    if dialect in DRAFTS_BEFORE_2019 and isinstance(raw.get("dependencies"), dict):
        dependencies: dict[str, Any] = view.pop("dependencies")
        for keyword, is_list in (("dependentRequired", True), ("dependentSchemas", False)):
            split = {k: v for k, v in dependencies.items() if isinstance(v, list) is is_list}
            if split:
                view[keyword] = split
                renames[keyword] = "dependencies"
    return view, renames


def _exclusive_bounds(view: dict[str, Any], renames: dict[str, str]) -> None:
    """Draft-04 bounds in draft-06 spelling: ``maximum: 5, exclusiveMaximum: true`` is
    ``exclusiveMaximum: 5``, and ``exclusiveMaximum: false`` says nothing (the metaschema
    only allows the flag beside its bound)."""
    for bound, flag in (("maximum", "exclusiveMaximum"), ("minimum", "exclusiveMinimum")):
        if flag not in view:
            continue
        is_exclusive = view.pop(flag) is True
        if is_exclusive and bound in view:
            view[flag] = view.pop(bound)
            renames[flag] = bound
