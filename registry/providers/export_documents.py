"""The schema as one provider reads it: a copy of the bundled document (registered
references already inlined) with what the provider ignores stripped, older drafts spelled
the 2020-12 way, and, for Gemini's Schema object, local references inlined and types in
its spelling.

Every change here keeps what the schema accepts: annotations go, keywords are respelled
with the same meaning, and a reference is replaced by what it names. What cannot be
carried over unchanged is left in place for the profile's lint to refuse, or reported as
an ``EXPORT_*`` finding when no profile rule would see it.

The walk is iterative (no recursion on the Python stack) and bounded by ``MAX_NODES``
schema objects written, so inlining cannot blow up on shared definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from registry.formats.json_schema_compat.dialects import (
    DRAFT_04,
    DRAFT_2020_12,
    dialect_of,
    normalize,
)
from registry.providers.model import LintFinding, Severity
from registry.providers.walk import escape, unescape

MAX_NODES = 20_000

# Annotations: no validator rejects a value for them, so leaving them out keeps the
# schema's meaning (the anchors too, since a reference by anchor is refused below).
ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "$anchor",
        "$dynamicAnchor",
        "$recursiveAnchor",
        "$vocabulary",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "contentEncoding",
        "contentMediaType",
        "contentSchema",
    }
)
# Annotations a reference's siblings may carry and still be merged into what it names.
_MERGEABLE = frozenset({"title", "description", "default", "nullable", "$comment", "examples"})
_KEPT_BESIDE_REF = ANNOTATIONS | _MERGEABLE | {"$defs", "definitions"}
_DEFINITIONS = frozenset({"$defs", "definitions"})
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_VALUES = (
    "additionalProperties",
    "items",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
)
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_GEMINI_TYPES = {
    "string": "STRING",
    "number": "NUMBER",
    "integer": "INTEGER",
    "boolean": "BOOLEAN",
    "array": "ARRAY",
    "object": "OBJECT",
    "null": "NULL",
}


@dataclass(frozen=True, slots=True)
class Form:
    """How one target spells a schema."""

    stripped: frozenset[str]  # annotation keywords left out of every schema object
    inline_references: bool = False  # local $ref replaced by its target; no $defs
    gemini: bool = False  # Gemini's Schema object: type names, nullable, one-value enums


@dataclass(slots=True)
class _State:
    root: object
    form: Form
    written: int = 0
    issues: list[LintFinding] = field(default_factory=list)

    def issue(self, rule_id: str, pointer: str, message: str) -> None:
        self.issues.append(LintFinding(rule_id, pointer, message, Severity.BLOCKING))


def provider_document(bundle: object, form: Form) -> tuple[object, list[LintFinding]]:
    """``bundle`` as ``form`` spells it, and the ``EXPORT_*`` findings that refuse it."""
    state = _State(bundle, form)
    holder: list[object] = [None]
    root_dialect = dialect_of(bundle, DRAFT_2020_12)
    stack: list[tuple[object, Any, Any, str, str, tuple[str, ...]]] = [
        (bundle, holder, 0, "#", root_dialect, ())
    ]
    while stack:
        node, parent, slot, at, dialect, expanded = stack.pop()
        if not isinstance(node, dict):
            parent[slot] = node
            continue
        if state.written >= MAX_NODES:
            state.issue(
                "EXPORT_TOO_LARGE",
                at,
                f"The exported schema would hold more than {MAX_NODES} subschemas.",
            )
            break
        state.written += 1
        dialect = dialect_of(node, dialect)
        node, dialect, expanded = _prepared(node, at, dialect, expanded, state)
        out: dict[str, object] = {}
        parent[slot] = out
        below: list[tuple[object, Any, Any, str, str, tuple[str, ...]]] = []
        for key, value in node.items():
            if key in form.stripped or (key == "id" and dialect == DRAFT_04):
                if key in ("$id", "id") and at != "#" and isinstance(value, str):
                    state.issue(
                        "EXPORT_EMBEDDED_RESOURCE",
                        f"{at}/{escape(key)}",
                        f"The subschema at {at} is a resource of its own ({key}); its "
                        "references cannot be carried over.",
                    )
                continue
            if form.inline_references and key in _DEFINITIONS:
                continue
            place = f"{at}/{escape(key)}"
            if key in _SCHEMA_MAPS and isinstance(value, dict):
                members: dict[str, object] = {}
                out[key] = members
                below.extend(
                    (sub, members, name, f"{place}/{escape(name)}", dialect, expanded)
                    for name, sub in value.items()
                )
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                items: list[object] = [None] * len(value)
                out[key] = items
                below.extend(
                    (sub, items, i, f"{place}/{i}", dialect, expanded)
                    for i, sub in enumerate(value)
                )
            elif key in _SCHEMA_VALUES and isinstance(value, dict):
                below.append((value, out, key, place, dialect, expanded))
            else:
                out[key] = value
        stack.extend(reversed(below))
    return holder[0], state.issues


def _prepared(
    node: dict[str, object],
    at: str,
    dialect: str,
    expanded: tuple[str, ...],
    state: _State,
) -> tuple[dict[str, object], str, tuple[str, ...]]:
    """``node`` spelled the 2020-12 way, and for Gemini with its reference inlined and its
    types in the Schema object's spelling."""
    node = _as_2020_12(node, dialect)
    if state.form.gemini:
        for _ in range(8):  # a reference to a reference to ... merges a few times at most
            merged = _null_branch_merged(node)
            if merged is None:
                merged, target = _inlined(node, at, expanded, state)
                if merged is None:
                    break
                dialect = dialect_of(merged, dialect)
                expanded = (*expanded, target)
                merged = _as_2020_12(merged, dialect)
            node = merged
        node = _gemini_spelling(node)
    _check_references(node, at, state)
    return node, dialect, expanded


def _as_2020_12(node: dict[str, object], dialect: str) -> dict[str, object]:
    """The keywords with their 2020-12 meaning (a provider reads schemas as 2020-12), by
    the compatibility engine's ``normalize``; the siblings of a ``$ref`` that older drafts
    ignore go, except annotations and the definitions other references point into."""
    view, _ = normalize(node, dialect)
    out = dict(view)
    if len(out) == 1 and "$ref" in out and len(node) > 1:
        out.update((k, v) for k, v in node.items() if k in _KEPT_BESIDE_REF)
    return out


def _check_references(node: dict[str, object], at: str, state: _State) -> None:
    for keyword in ("$dynamicRef", "$recursiveRef"):
        if keyword in node:
            state.issue(
                "EXPORT_DYNAMIC_REF",
                f"{at}/{keyword}",
                f"{keyword} is used; no provider resolves dynamic references.",
            )
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return
    if not ref.startswith("#"):
        state.issue(
            "EXPORT_EXTERNAL_REF",
            f"{at}/$ref",
            f"$ref {ref[:200]!r} names a schema outside the document (not a registered "
            "reference); a provider does not fetch it.",
        )
    elif _target(state.root, ref) is None:
        state.issue(
            "EXPORT_UNRESOLVED_REF",
            f"{at}/$ref",
            f"$ref {ref[:200]!r} is not a JSON pointer into the document (an anchor?); "
            "providers resolve only pointers.",
        )


def _target(root: object, ref: str) -> object | None:
    if ref == "#":
        return root
    if not ref.startswith("#/"):
        return None
    current = root
    for part in ref[2:].split("/"):
        token = unescape(unquote(part))
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list) and token.isdigit() and int(token) < len(current):
            current = current[int(token)]
        else:
            return None
    return current


def _inlined(
    node: dict[str, object], at: str, expanded: tuple[str, ...], state: _State
) -> tuple[dict[str, object] | None, str]:
    """``node`` with its local ``$ref`` replaced by the schema it names, when its other
    keywords are annotations and the reference does not lead back to itself (recursion,
    which a Schema object cannot express: the ``$ref`` stays for the lint to refuse)."""
    ref = node.get("$ref")
    if not isinstance(ref, str) or ref in expanded:
        return None, ""
    target = _target(state.root, ref)
    siblings = {k: v for k, v in node.items() if k != "$ref"}
    if target is True:
        return siblings, ref
    if not isinstance(target, dict) or not set(siblings) <= _MERGEABLE | _DEFINITIONS:
        return None, ""
    # The referring schema's annotations (its own description) win over the target's.
    kept = {k: v for k, v in siblings.items() if k not in _DEFINITIONS}
    return {**target, **kept}, ref


def _null_branch_merged(node: dict[str, object]) -> dict[str, object] | None:
    """``anyOf: [X, {"type": "null"}]`` as X with ``nullable: true``, when the node's
    other keywords are annotations X does not also set differently."""
    branches = node.get("anyOf")
    if not isinstance(branches, list) or len(branches) != 2:
        return None
    nulls = [b for b in branches if b == {"type": "null"}]
    others = [b for b in branches if b != {"type": "null"}]
    if len(nulls) != 1 or len(others) != 1 or not isinstance(others[0], dict):
        return None
    other: dict[str, object] = others[0]
    rest = {k: v for k, v in node.items() if k != "anyOf"}
    if not set(rest) <= _MERGEABLE or "nullable" in other:
        return None
    if any(
        k in other and other[k] != v and k not in ("title", "description") for k, v in rest.items()
    ):
        return None
    return {**other, **rest, "nullable": True}


def _gemini_spelling(node: dict[str, object]) -> dict[str, object]:
    """Types as the Schema object's ``Type`` names, ``[T, "null"]`` as ``T`` with
    ``nullable: true``, and a string ``const`` as a one-value ``enum``."""
    out = dict(node)
    kind = out.get("type")
    if isinstance(kind, list) and "null" in kind and len(kind) == 2:
        (kind,) = [k for k in kind if k != "null"]
        if out.get("nullable") not in (None, True):
            return out
        out["nullable"] = True
    if isinstance(kind, str) and kind in _GEMINI_TYPES:
        out["type"] = _GEMINI_TYPES[kind]
    const = out.get("const")
    if isinstance(const, str) and "enum" not in out:
        del out["const"]
        out["enum"] = [const]
    return out
