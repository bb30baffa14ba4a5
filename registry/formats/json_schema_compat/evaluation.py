"""What a subschema with unevaluatedProperties or unevaluatedItems has evaluated, and the
view rewrite that follows from it (2019-09, 2020-12; draft-07 ignores both).

Which properties (items) a schema has "evaluated" is static when evaluation only flows
through the schema's own object (array) keywords and through the subschemas it applies in
place with ``allOf`` and ``$ref``: each of those must pass for the schema to pass, so each
contributes its annotations to every document the schema accepts. Over that closure:

- properties: the names of every ``properties``, the patterns of every
  ``patternProperties``; all of them when some member has ``additionalProperties`` or
  (below the schema itself) ``unevaluatedProperties``;
- items: the longest ``prefixItems``; all of them when some member has ``items`` (2020-12
  meaning, after the draft rewrite) or (below the schema itself) ``unevaluatedItems``.

When that set is static the keyword is rewritten where the view is built (``build``,
called by ``Side.node``): dropped when the closure evaluates everything (or the keyword
accepts every value), otherwise ``unevaluatedProperties: U`` becomes
``additionalProperties: U`` with every name and pattern of the closure declared beside it
(``unevaluatedItems: U`` becomes ``items: U`` after a ``prefixItems`` as long as the
closure's longest). The declared schemas are the closure's own, which every accepted
document already meets, so both forms accept exactly the same documents and the object
and array rules compare the rewritten form like any other. The node's ``raw`` becomes that
rewritten schema too, spelled in the document's draft, so setting a keyword aside
(``Node.without``) keeps raw and view in agreement.

``anyOf``, ``oneOf``, ``if``, ``dependentSchemas`` and ``contains`` (items) in the closure
make the set depend on the document, as do dynamic references, references that cannot be
followed, and (2019-09) a schema-valued ``additionalProperties`` or
``unevaluatedProperties``, or a boolean ``items``, which the validator evaluates
differently from the specification. Such a keyword stays in the view, and the analysis
kept for it (``built_of``) is what the rules in ``unevaluated`` compare.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from registry.formats.json_schema_compat.dialects import ASSERTING, DRAFT_2019_09, normalize
from registry.formats.json_schema_compat.pointers import join

if TYPE_CHECKING:
    from registry.formats.json_schema_compat.nodes import Node, Side

_PROPERTIES = "unevaluatedProperties"
_ITEMS = "unevaluatedItems"
_MAX_MEMBERS = 256  # subschemas of one closure; beyond that the set is not computed

SOURCES = "(evaluated by)"
"""A view key (no keyword, so no rule reads it) naming the subschema whose closure decides
what a dynamic unevaluated keyword applies to, unique to the subschema and its side.

Two effects. Nodes are compared by their views once some keywords are set aside
(``Node.without``), but a dynamic keyword still depends on those, so views holding one
are never equal across sides: the rules decide them instead. And a node built from such
a view (a merged writer) still leads back to the subschema it came from, whose
documents are the only ones the comparison is about."""


Static = tuple[frozenset[str], frozenset[str]] | int
"""Names and patterns every accepted object has evaluated, or the evaluated prefix length."""


@dataclass(frozen=True, slots=True)
class Sources:
    """What decides which properties (or items) a schema evaluates.

    ``static`` is the part every accepted document gets (names and patterns, or a prefix
    length), ``every`` says the closure evaluates everything, ``parts`` are the
    document-dependent applicators as (keyword, value), ``opaque`` the reason the set
    cannot be compared at all (None when it can), ``reason`` what makes it dynamic.
    """

    static: Static
    every: bool
    parts: tuple[tuple[str, object], ...]
    reason: str | None
    opaque: bool


@dataclass(frozen=True, slots=True)
class Analysis:
    properties: Sources
    items: Sources
    # keyword (properties, patternProperties) -> name -> the first schema found for it
    declared: dict[str, dict[str, object]]
    positions: list[object]  # the first schema found for each prefixItems position


@dataclass(frozen=True, slots=True)
class Built:
    """What ``build`` made for one subschema, found again by ``built_of``."""

    source: dict[str, Any]  # the subschema as written, kept alive for its id
    raw: dict[str, Any]
    view: Mapping[str, Any]
    renames: dict[str, str]
    analysis: Analysis


_MEMO: WeakKeyDictionary[Side, dict[int, Built]] = WeakKeyDictionary()
_TOKENS: WeakKeyDictionary[Side, dict[str, Built]] = WeakKeyDictionary()


def build(
    side: Side, raw: dict[str, Any]
) -> tuple[dict[str, Any], Mapping[str, Any], dict[str, str]]:
    """(raw, view, renames) of a subschema with an unevaluated keyword, built once per side."""
    built = _built(side, raw)
    return built.raw, built.view, built.renames


def built_of(node: Node) -> Built | None:
    """What ``build`` made for the subschema behind ``node``: by its raw schema, or for a
    merged writer node, by the ``SOURCES`` token its view inherited; None otherwise."""
    table = _MEMO.get(node.side)
    built = table.get(id(node.raw)) if table is not None else None
    if built is not None and built.raw is node.raw:
        return built
    token = node.view.get(SOURCES)
    tokens = _TOKENS.get(node.side)
    return tokens.get(token) if tokens is not None and isinstance(token, str) else None


def _built(side: Side, raw: dict[str, Any]) -> Built:
    table = _MEMO.get(side)
    if table is None:
        table = _MEMO[side] = {}
    found = table.get(id(raw))
    if found is not None and found.source is raw:
        return found
    analysis = _analyse(side, raw)
    rewritten, extra_renames = _rewrite(raw, analysis, side.dialect)
    view, renames = normalize(rewritten, side.dialect)
    token = ""
    if _PROPERTIES in view or _ITEMS in view:
        token = f"{id(side):x}/{id(raw):x}"
        view = {**view, SOURCES: token}
    built = Built(raw, rewritten, view, {**renames, **extra_renames}, analysis)
    table[id(raw)] = built
    if token:
        _TOKENS.setdefault(side, {})[token] = built
    if rewritten is not raw:
        table[id(rewritten)] = built  # so built_of finds it from the node's raw
    return built


def _accepts_everything(value: object) -> bool:
    return value is True or (isinstance(value, dict) and ASSERTING.isdisjoint(value))


def _rewrite(
    raw: dict[str, Any], analysis: Analysis, dialect: str
) -> tuple[dict[str, Any], dict[str, str]]:
    rewritten = raw
    renames: dict[str, str] = {}
    for keyword, sources, closed_as in (
        (_PROPERTIES, analysis.properties, "additionalProperties"),
        (_ITEMS, analysis.items, "items"),
    ):
        if keyword not in raw:
            continue
        value = raw[keyword]
        if _accepts_everything(value) or sources.every:
            rewritten = {k: v for k, v in rewritten.items() if k != keyword}
        elif sources.reason is not None:
            continue  # Decided per document: the rule takes it from here.
        elif keyword == _PROPERTIES and isinstance(sources.static, tuple):
            rewritten = _close_properties(rewritten, analysis.declared, value)
            renames[closed_as] = keyword
        elif keyword == _ITEMS and isinstance(sources.static, int):
            rewritten = _close_items(rewritten, analysis.positions, value, dialect)
            renames[closed_as] = keyword
    return rewritten, renames


def _close_properties(
    raw: dict[str, Any], declared: dict[str, dict[str, object]], value: object
) -> dict[str, Any]:
    out = {k: v for k, v in raw.items() if k != _PROPERTIES}
    # A closure member's schema for a name already applies to every accepted document, so
    # repeating it here changes no validation; it takes the name out of
    # additionalProperties, and keeps this node precise when compared on its own (the
    # same schema object, so the pair is compared once).
    for keyword, schemas in declared.items():
        own = raw.get(keyword)
        own = own if isinstance(own, dict) else {}
        missing = {name: schema for name, schema in schemas.items() if name not in own}
        if missing:
            out[keyword] = {**own, **missing}
    out["additionalProperties"] = value
    return out


def _close_items(
    raw: dict[str, Any], positions: list[object], value: object, dialect: str
) -> dict[str, Any]:
    # As for properties: the closure's schema for a position already applies.
    out = {k: v for k, v in raw.items() if k != _ITEMS}
    tuple_keyword, rest_keyword = (
        ("items", "additionalItems") if dialect == DRAFT_2019_09 else ("prefixItems", "items")
    )
    own = raw.get(tuple_keyword)
    tuple_items = list(own) if isinstance(own, list) else []
    if len(positions) > len(tuple_items) or dialect == DRAFT_2019_09:
        out[tuple_keyword] = tuple_items + positions[len(tuple_items) :]
    out[rest_keyword] = value
    return out


class _Collector:
    """Walks the in-place closure (the schema, its allOf members and $ref targets)."""

    def __init__(self, side: Side) -> None:
        self.side = side
        self.is_2019 = side.dialect == DRAFT_2019_09
        self.declared: dict[str, dict[str, object]] = {"properties": {}, "patternProperties": {}}
        self.positions: list[object] = []  # the first schema found for each position
        self.every_property = False
        self.every_item = False
        self.property_parts: list[tuple[str, object]] = []
        self.item_parts: list[tuple[str, object]] = []
        self.property_reason: str | None = None
        self.item_reason: str | None = None
        self.property_opaque = False
        self.item_opaque = False

    def dynamic(self, where: str, *, properties: bool = True, items: bool = True) -> None:
        if properties and self.property_reason is None:
            self.property_reason = where
        if items and self.item_reason is None:
            self.item_reason = where

    def opaque(self, where: str) -> None:
        self.dynamic(where)
        self.property_opaque = self.item_opaque = True

    def member(
        self, raw: dict[str, Any], view: Mapping[str, Any], where: str, *, is_root: bool
    ) -> None:
        for keyword, found in self.declared.items():
            schemas = view.get(keyword)
            if isinstance(schemas, dict):
                for name, schema in schemas.items():
                    found.setdefault(name, schema)
        for keyword in ("additionalProperties", *(() if is_root else (_PROPERTIES,))):
            if keyword not in view:
                continue
            if self.is_2019 and not isinstance(view[keyword], bool):
                # The 2019-09 validator only counts instance names that are keywords of
                # this schema as evaluated, where the specification counts every name.
                self.property_parts.append((keyword, view[keyword]))
                self.dynamic(join(where, keyword), items=False)
            else:
                self.every_property = True
        prefix = view.get("prefixItems")
        if isinstance(prefix, list):
            self.positions += prefix[len(self.positions) :]
        if "items" in view or (not is_root and _ITEMS in view):
            self.every_item = True
        if self.is_2019 and isinstance(raw.get("items"), bool):
            self.item_opaque = True  # The 2019-09 validator fails on it (len of a boolean).
            self.dynamic(join(where, "items"), properties=False)
        if "contains" in view:
            self.item_parts.append(("contains", view["contains"]))
            self.dynamic(join(where, "contains"), properties=False)
        for keyword in ("anyOf", "oneOf", "dependentSchemas"):
            if keyword in view:
                part = (keyword, view[keyword])
                self.property_parts.append(part)
                self.item_parts.append(part)
                self.dynamic(join(where, keyword))
        if "if" in view:
            triple = ("if", [view.get("if"), view.get("then"), view.get("else")])
            self.property_parts.append(triple)
            self.item_parts.append(triple)
            self.dynamic(join(where, "if"))
        for keyword in ("$dynamicRef", "$recursiveRef"):
            if keyword in view:
                self.opaque(join(where, keyword))


def _analyse(side: Side, raw: dict[str, Any]) -> Analysis:
    collector = _Collector(side)
    own = raw.get(_PROPERTIES)
    if collector.is_2019 and _PROPERTIES in raw and not isinstance(own, bool):
        # The 2019-09 validator takes instance names that are keywords of this very schema
        # for evaluated ones, so it is compared as written rather than rewritten.
        collector.dynamic(join("", _PROPERTIES), items=False)
    seen: set[int] = set()
    # (subschema, where it sits: relative to the analysed schema, or absolute after a $ref)
    stack: list[tuple[object, str]] = [(raw, "")]
    while stack:
        member, where = stack.pop()
        if not isinstance(member, dict) or id(member) in seen:
            continue
        if len(seen) >= _MAX_MEMBERS:
            collector.opaque(where)
            break
        seen.add(id(member))
        view, _ = normalize(member, side.dialect)
        collector.member(member, view, where, is_root=member is raw)
        all_of = view.get("allOf")
        if isinstance(all_of, list):
            stack.extend((sub, join(where, "allOf", i)) for i, sub in enumerate(all_of))
        ref = view.get("$ref")
        if isinstance(ref, str):
            resolved = side.resolve(ref)
            if resolved is None:
                collector.opaque(join(where, "$ref"))
            else:
                stack.append(resolved)
    return Analysis(
        Sources(
            (
                frozenset(collector.declared["properties"]),
                frozenset(collector.declared["patternProperties"]),
            ),
            collector.every_property,
            tuple(collector.property_parts),
            collector.property_reason,
            collector.property_opaque,
        ),
        Sources(
            len(collector.positions),
            collector.every_item,
            tuple(collector.item_parts),
            collector.item_reason,
            collector.item_opaque,
        ),
        collector.declared,
        collector.positions,
    )
