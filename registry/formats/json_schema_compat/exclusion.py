"""Whether two schemas share no document: a sufficient proof of disjointness, never a guess.

``excludes(first, second)`` proves that no value is valid under both schemas, by any of:
- either schema is ``false``, or the JSON types they can allow do not meet;
- listed values (``enum``/``const``, or every boolean and null for those types) that
  the other schema, or the listing schema itself, rejects; when both list values only
  those listed on both sides are validated;
- for objects, a property one side requires that the other cannot carry (a ``false``
  property schema, ``maxProperties: 0``, closed ``additionalProperties``, or
  ``propertyNames`` rejecting it);
- for objects, a required property whose schemas on the two sides are themselves
  disjoint (a discriminator), searched a few levels deep.
``shared_listed_value`` is the other answer: a listed value both schemas accept, a
document they do share. ``holds_across`` proves containment with the sides swapped, and
``resolved`` follows a bare ``$ref`` to the schema it names.
"""

from __future__ import annotations

from registry.formats.json_schema_compat import refs
from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.dialects import ASSERTING
from registry.formats.json_schema_compat.enums import FINITE_TYPES, listed_values
from registry.formats.json_schema_compat.json_types import declared_types, possible_types
from registry.formats.json_schema_compat.nodes import UNVALIDATED, Node

_MAX_LISTED = 64  # listed values validated one by one against the other schema
_MAX_DEPTH = 4  # levels of required properties searched for a discriminator


def excludes(first: Node, second: Node, depth: int = 0) -> bool:
    """Whether no value is valid under both schemas (a sufficient test, never a guess).

    The nodes may come from either side: each is read, and validated, on its own side.
    A node with keywords set aside stands for more values than it allows, which keeps
    "disjoint" true of the schema it came from.
    """
    if first.is_false or second.is_false:
        return True
    shared = possible_types(first) & possible_types(second)
    if not shared:
        return True
    if _values_apart(first, second):
        return True
    if not shared <= {"object"}:
        return False
    # Both are objects: one requires a name the other never carries...
    for one, other in ((first, second), (second, first)):
        if any(_cannot_carry(other, name) for name in one.names("required")):
            return True
    if depth >= _MAX_DEPTH:
        return False
    # ...or a name one requires has disjoint schemas on the two sides (a discriminator).
    required = set(first.names("required")) | set(second.names("required"))
    for name in sorted(required):
        left, right = first.child("properties", name), second.child("properties", name)
        if left is None or right is None:
            continue
        if excludes(resolved(left), resolved(right), depth + 1):
            return True
    return False


def resolved(node: Node) -> Node:
    """The schema a ``$ref`` points at, followed a few hops; else ``node`` itself. With
    siblings beside the ``$ref`` the result allows more than ``node``: use it only where
    a wider schema is safe (the narrower side of a containment, either side of
    ``excludes``); see ``exact``."""
    for _ in range(8):  # A few hops suffice for "oneOf of $refs"; cycles stop here.
        followed = refs.target(node) if set(node.view) & {"$ref"} else None
        if followed is None:
            return node
        node = followed
    return node


def exact(node: Node) -> Node:
    """The schema a ``$ref`` with no asserting sibling points at, followed a few hops;
    else ``node`` itself. Unlike ``resolved`` (whose result may allow more than ``node``,
    safe only for the side that must be shown narrower or disjoint), the result allows
    exactly what ``node`` allows, so it may stand on the wider side of a containment."""
    for _ in range(8):
        if (ASSERTING & node.view.keys()) != {"$ref"}:
            return node
        followed = refs.target(node)
        if followed is None:
            return node
        node = followed
    return node


def holds_across(inner: Node, outer: Node, ctx: Comparison) -> bool:
    """Whether every value valid under ``inner`` is valid under ``outer``, each from either
    side: ``ctx.holds`` used as a lemma, possibly with the sides swapped.

    Pair keys are object ids, which only mean the same schema on either side when the
    subschemas carry their whole meaning: same dialect, and no reference inside (a
    reference resolves against its own document). Anything else is left unproved.
    The lemma is about every value ``inner`` allows, not about documents a writer wrote,
    so it is proved strictly under every policy: what LENIENT tolerates assumes writer
    documents, which ``inner`` (a reader's ``not``, an ``if``) does not describe.
    """
    if inner.side.dialect != outer.side.dialect:
        return False
    prints = inner.side.fingerprints
    if any(isinstance(node.raw, dict) and prints.has_ref(node.raw) for node in (inner, outer)):
        return False
    return ctx.holds(inner, outer, strict=True)


def shared_listed_value(writer: Node, target: Node) -> list[object]:
    """A value ``target`` lists and accepts that the writer accepts too: a counterexample.

    A writer with keywords set aside by an earlier step stands for more documents than
    it writes, so it yields none.
    """
    values = _finite_values(target)
    if values is None or writer.dropped:
        return []
    for value in values[:_MAX_LISTED]:
        if target.rejection(value) is None and writer.rejection(value) is None:
            return [value]
    return []


def _values_apart(first: Node, second: Node) -> bool:
    """Whether the values one node lists (or both) are all rejected by one of the two."""
    left, right = _finite_values(first), _finite_values(second)
    if left is None and right is None:
        return False
    if left is not None and right is not None:
        # Only values listed on both sides can be in both.
        digest = first.side.fingerprints.digest
        right_digests = {digest(value) for value in right}
        values = [value for value in left if digest(value) in right_digests]
    else:
        values = left if left is not None else (right or [])
    if len(values) > _MAX_LISTED:
        return False
    return all(_rejects(first, value) or _rejects(second, value) for value in values)


def _finite_values(node: Node) -> list[object] | None:
    """Every value ``node`` may allow: its enum or const, or all booleans and null."""
    listed = listed_values(node)
    if listed is not None:
        return listed
    types = declared_types(node)
    if types and types <= FINITE_TYPES.keys():
        return [value for name in sorted(types) for value in FINITE_TYPES[name]]
    return None


def _rejects(node: Node, value: object) -> bool:
    error = node.rejection(value)
    # "Could not validate" is no rejection.
    return error is not None and error.validator != UNVALIDATED


def _cannot_carry(node: Node, name: str) -> bool:
    """Whether no object ``node`` allows has a property ``name``."""
    declared = node.child("properties", name)
    if declared is not None and declared.is_false:
        return True
    if node.number("maxProperties") == 0:
        return True
    extra = node.child("additionalProperties")
    if (
        declared is None
        and extra is not None
        and extra.is_false
        and not node.members("patternProperties")
    ):
        return True
    names = node.child("propertyNames")
    return names is not None and names.asserts_anything() and _rejects(names, name)
