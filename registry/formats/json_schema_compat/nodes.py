"""The two sides of a comparison and the subschemas walked on each."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from jsonschema.exceptions import ValidationError, best_match
from referencing.exceptions import Unresolvable

from registry.formats.json_schema_compat import evaluation
from registry.formats.json_schema_compat.dialects import (
    ASSERTING,
    DRAFT_04,
    DRAFT_2019_09,
    DRAFT_2020_12,
    DRAFTS_BEFORE_2019,
    dialect_of,
    id_keyword,
    normalize,
    normalize_dialect,
)
from registry.formats.json_schema_compat.fingerprints import Fingerprints
from registry.formats.json_schema_compat.pointers import follow, join
from registry.formats.json_schema_compat.validators import VALIDATORS

UNVALIDATED = "(not validated)"
"""The keyword of a rejection standing for "validation could not be carried out"."""

# The keywords that declare a plain-name anchor, per draft (drafts 04 to 07 use an id of
# the form "#name").
_ANCHOR_KEYWORDS: dict[str, tuple[str, ...]] = {
    DRAFT_2019_09: ("$anchor",),
    DRAFT_2020_12: ("$anchor", "$dynamicAnchor"),
}
# Values, not subschemas: a "$id" or "$anchor" inside them declares nothing.
_DATA_KEYWORDS = frozenset({"enum", "const", "examples", "default"})


def to_fraction(value: object) -> Fraction | None:
    """A JSON number, exactly as written (``0.1`` is one tenth, not its binary neighbour)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return Fraction(value) if isinstance(value, int) else Fraction(repr(value))


# Where a document holds the schemas it refers to, each read in its own draft (see
# ``Side``).
_BUNDLE_KEYWORDS = ("$defs", "definitions")


class Side:
    """One document of the comparison: its draft, its references, its validator.

    A member of the root's ``$defs`` or ``definitions`` that names a draft of its own with
    ``$schema`` (another schema bundled into this one, see ``json_schema_bundle``) is
    read in that draft: its nodes belong to a side of their own (``region``) sharing the
    document, its digests and its references, so every rule comparing drafts sees it.
    """

    def __init__(
        self,
        document: object,
        fingerprints: Fingerprints,
        *,
        dialect: str | None = None,
        root: Side | None = None,
    ) -> None:
        self.document = document
        self.dialect = dialect if dialect is not None else dialect_of(document)
        self.fingerprints = fingerprints
        self._root: Side = root if root is not None else self
        self._anchors: dict[str, tuple[object, str]] | None = None
        self._has_nested_ids = False
        self._validator: Any = None
        self._regions: tuple[tuple[str, Side], ...] = () if root is not None else self._find()

    def _find(self) -> tuple[tuple[str, Side], ...]:
        if not isinstance(self.document, dict):
            return ()
        regions: list[tuple[str, Side]] = []
        for keyword in _BUNDLE_KEYWORDS:
            members = self.document.get(keyword)
            if not isinstance(members, dict):
                continue
            for name, member in members.items():
                dialect = (
                    normalize_dialect(member.get("$schema")) if isinstance(member, dict) else None
                )
                if dialect is not None and dialect != self.dialect:
                    side = Side(self.document, self.fingerprints, dialect=dialect, root=self)
                    regions.append((join("#", keyword, name), side))
        return tuple(regions)

    def region(self, path: str) -> Side:
        """The side the subschema at ``path`` belongs to: a bundled schema's own, or the
        root's."""
        root = self._root
        for prefix, side in root._regions:
            if path.startswith(prefix) and path[len(prefix) : len(prefix) + 1] in ("", "/"):
                return side
        return root

    def node(self, raw: object, path: str) -> Node:
        if self._root._regions:
            owner = self.region(path)
            if owner is not self:
                return owner.node(raw, path)
        if isinstance(raw, bool):
            return Node(self, raw, {}, path, is_false=not raw)
        if not isinstance(raw, dict):
            raise TypeError(f"not a schema at {path}: {type(raw).__name__}")
        view, renames = normalize(raw, self.dialect)
        if "unevaluatedProperties" in view or "unevaluatedItems" in view:
            # Rewritten where static, once per subschema (see ``evaluation``).
            raw, view, renames = evaluation.build(self, raw)
        return Node(self, raw, view, path, renames)

    def resolve(self, ref: str) -> tuple[object, str] | None:
        """The subschema a local reference points at; None when it cannot be followed.

        References are resolved against the document root, like the parser's check. A
        document that embeds other resources (a nested ``$id``) changes the base URI below
        it, so its references are not followed at all rather than followed wrongly.
        """
        if self._root is not self:
            return self._root.resolve(ref)
        anchors = self._scan()
        if self._has_nested_ids:
            return None
        if ref in ("#", "") or ref.startswith("#/"):
            return follow(self.document, ref)
        if ref.startswith("#"):
            return anchors.get(ref[1:])
        return None

    def rejection(self, schema: object, value: object) -> ValidationError | None:
        """Why ``schema`` (a subschema of this document) rejects ``value``; None if it accepts."""
        if self._validator is None:
            validator_class = VALIDATORS.get(self.dialect, VALIDATORS[DRAFT_2020_12])
            self._validator = validator_class(
                self.document, format_checker=validator_class.FORMAT_CHECKER
            )
        if isinstance(schema, dict) and "$schema" in schema:
            # ``evolve`` picks the class a schema's ``$schema`` names (jsonschema's own,
            # whose patterns backtrack); this side's draft is already this class's.
            schema = {key: item for key, item in schema.items() if key != "$schema"}
        try:
            errors = self._validator.evolve(schema=schema).iter_errors(value)
            error: ValidationError | None = best_match(errors)
        except (Unresolvable, RecursionError, TypeError, ValueError) as exc:
            # Not knowing is not accepting: the caller reports it as undecidable. TypeError
            # included because jsonschema's draft-07 additionalItems fails on "items": true.
            return ValidationError(f"could not be validated ({exc!r})", validator=UNVALIDATED)
        except BaseException as exc:
            # The Rust-backed structures under ``referencing`` turn a RecursionError deep
            # in a nested proof into a PanicException, which derives from BaseException.
            if type(exc).__name__ != "PanicException":
                raise
            return ValidationError(f"could not be validated ({exc!r})", validator=UNVALIDATED)
        return error

    def _scan(self) -> dict[str, tuple[object, str]]:
        """Every plain-name anchor of the document, as this draft spells them (draft-04:
        ``id: "#name"``; 06 and 07: ``$id: "#name"``; 2019-09: ``$anchor``; 2020-12:
        ``$anchor`` and ``$dynamicAnchor``). A name declared twice is left out: which one
        a validator follows is not something to guess."""
        if self._anchors is not None:
            return self._anchors
        keywords = _ANCHOR_KEYWORDS.get(self.dialect, ())
        id_name = id_keyword(self.dialect)
        anchors: dict[str, tuple[object, str]] = {}
        twice: set[str] = set()
        stack: list[tuple[object, str]] = [(self.document, "#")]
        while stack:
            value, path = stack.pop()
            if isinstance(value, list):
                stack.extend((item, join(path, i)) for i, item in enumerate(value))
                continue
            if not isinstance(value, dict):
                continue
            names: list[str] = []
            declared_id = value.get(id_name)
            if isinstance(declared_id, str) and path != "#":
                if self.dialect in DRAFTS_BEFORE_2019 and declared_id.startswith("#"):
                    names.append(declared_id[1:])
                else:
                    self._has_nested_ids = True
            names += [value[k] for k in keywords if isinstance(value.get(k), str)]
            for name in dict.fromkeys(names):
                if name in anchors:
                    twice.add(name)
                anchors[name] = (value, path)
            stack.extend(
                (child, join(path, key))
                for key, child in value.items()
                if key not in _DATA_KEYWORDS
            )
        for name in twice:
            del anchors[name]
        self._anchors = anchors
        return anchors


@dataclass(frozen=True, slots=True)
class Node:
    """A subschema as the rules see it: keywords in 2020-12 spelling, and where it sits.

    ``dropped`` names keywords a combinator step has already accounted for; ``key``
    identifies the node for the comparison's set of assumed pairs.
    """

    side: Side
    raw: object
    view: Mapping[str, Any]
    path: str
    renames: Mapping[str, str] = field(default_factory=dict)
    is_false: bool = False
    dropped: frozenset[str] = frozenset()
    partial: bool = False

    @property
    def key(self) -> tuple[int, frozenset[str], bool]:
        return id(self.raw), self.dropped, self.partial

    def is_whole(self) -> bool:
        """Whether every property this writer's documents may carry with a constrained
        value is declared by its own keywords: not a part, and no in-place applicator
        left that could declare more (see ``part``)."""
        return not self.partial and DECLARING.isdisjoint(self.view)

    def part(self) -> Node:
        """This node as one part of a writer whose other parts may declare properties it
        does not: a property it leaves undeclared is not "undeclared by the writer" (which
        is what LENIENT tolerates), and its subschemas are parts too."""
        return self if self.partial else replace(self, partial=True)

    def asserts_anything(self) -> bool:
        return self.is_false or not ASSERTING.isdisjoint(self.view)

    def at(self, keyword: str, *tokens: str | int) -> str:
        return join(self.path, self.renames.get(keyword, keyword), *tokens)

    def child(self, keyword: str, *tokens: str | int) -> Node | None:
        """The subschema under ``keyword`` (and ``tokens``); None when there is none."""
        value: object = self.view.get(keyword)
        for token in tokens:
            if isinstance(value, dict) and isinstance(token, str):
                value = value.get(token)
            elif isinstance(value, list) and isinstance(token, int) and token < len(value):
                value = value[token]
            else:
                return None
        if not isinstance(value, dict | bool):
            return None
        node = self.side.node(value, self.at(keyword, *tokens))
        return node.part() if self.partial else node

    def without(self, *keywords: str) -> Node:
        """This node with ``keywords`` set aside; a part (see ``part``) when one of them
        could declare properties."""
        present = [keyword for keyword in keywords if keyword in self.view]
        if not present:
            return self
        view = {key: value for key, value in self.view.items() if key not in keywords}
        partial = self.partial or not DECLARING.isdisjoint(present)
        return replace(self, view=view, dropped=self.dropped | frozenset(keywords), partial=partial)

    def true(self) -> Node:
        """The schema ``true`` on this side, standing where this node stands."""
        return Node(self.side, True, {}, self.path, partial=self.partial)

    def number(self, keyword: str) -> Fraction | None:
        return to_fraction(self.view.get(keyword))

    def members(self, keyword: str) -> Mapping[str, Any]:
        value = self.view.get(keyword)
        return value if isinstance(value, dict) else {}

    def names(self, keyword: str) -> list[str]:
        value = self.view.get(keyword)
        return [name for name in value if isinstance(name, str)] if isinstance(value, list) else []

    def schemas(self, keyword: str) -> list[Node]:
        value = self.view.get(keyword)
        if not isinstance(value, list):
            return []
        return [node for i in range(len(value)) if (node := self.child(keyword, i)) is not None]

    def rejection(self, value: object) -> ValidationError | None:
        """Why this schema rejects ``value`` under its own draft; None when it accepts it."""
        schema = self.raw
        if isinstance(schema, dict) and self.dropped:
            schema = {key: item for key, item in schema.items() if key not in self.dropped}
        return self.side.rejection(schema, value)


# In-place applicators: what they hold constrains the same instance, so a node without
# them may leave undeclared a property they declare.
DECLARING = frozenset(
    {"allOf", "anyOf", "oneOf", "$ref", "$dynamicRef", "$recursiveRef", "then", "else"}
    | {"dependentSchemas"}
)

# Keywords that only mean something together; splitting them across two merged nodes
# would create a constraint that neither node had.
# Checked on the keywords as written too: a draft-07 or 2019-09 ``additionalItems`` is
# ignored without a tuple ``items`` beside it, and would take effect beside another's.
_LINKED = (
    frozenset({"if", "then", "else"}),
    frozenset({"contains", "minContains", "maxContains"}),
    frozenset({"items", "additionalItems", "prefixItems"}),
)
# Draft-04's boolean exclusiveMaximum (exclusiveMinimum) qualifies the maximum (minimum)
# written beside it.
_LINKED_DRAFT_04 = (
    frozenset({"maximum", "exclusiveMaximum"}),
    frozenset({"minimum", "exclusiveMinimum"}),
)


def merge(
    first: Node, second: Node, path: str | None = None, *, partial: bool = False
) -> Node | None:
    """One node with both nodes' keywords, when they share no asserting keyword.

    Used for writers only: the merged node allows at least what both together allow
    (a merged additionalProperties sees more declared properties, never fewer). It is a
    part (see ``Node.part``) only when ``partial`` says so: merging the parts of a writer
    makes it whole again.
    """
    if first.side is not second.side or first.is_false or second.is_false:
        return None
    if not (ASSERTING & first.view.keys()).isdisjoint(second.view.keys()):
        return None
    raw_first = first.raw if isinstance(first.raw, dict) else {}
    raw_second = second.raw if isinstance(second.raw, dict) else {}
    written_first = raw_first.keys() - first.dropped
    written_second = raw_second.keys() - second.dropped
    if any(
        not group.isdisjoint(one) and not group.isdisjoint(other)
        for group in _LINKED
        for one, other in ((first.view, second.view), (written_first, written_second))
    ) or (
        first.side.dialect == DRAFT_04
        and any(
            not group.isdisjoint(written_first) and not group.isdisjoint(written_second)
            for group in _LINKED_DRAFT_04
        )
    ):
        return None
    raw = {
        **{k: v for k, v in raw_first.items() if k not in first.dropped},
        **{k: v for k, v in raw_second.items() if k not in second.dropped},
    }
    view = {**first.view, **second.view}
    renames = {**first.renames, **second.renames}
    return Node(second.side, raw, view, path or second.path, renames, partial=partial)


def narrowed(node: Node, type_name: str) -> Node:
    """``node`` with ``type: type_name`` beside its keywords when it names no type, for a
    place that only ever sees values of that type (property names are strings, a
    dependent schema sees the object); ``node`` itself otherwise."""
    if "type" in node.view or node.is_false:
        return node
    typed = Node(node.side, {"type": type_name}, {"type": type_name}, node.path)
    return merge(node, typed, partial=node.partial) or node
