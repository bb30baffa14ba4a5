"""Content digests of JSON values: after one pass, "are these subschemas equal?" is O(1).

Digests follow JSON Schema equality: key order is irrelevant, ``1`` equals ``1.0``, and
``true`` differs from ``1`` (Python's ``==`` says otherwise, and recurses).

Each container gets two digests. ``digest`` covers everything. ``shape`` leaves out the
text annotations of schema objects (a string ``title``, ``description`` or ``$comment``),
which no validator reads and no ``$ref`` can use as a schema: two subschemas with equal
shapes accept the same documents, so the walker skips them. ``examples`` stays in: its
values may be objects, and a ``$ref`` may point into them. Values under ``enum``,
``const``, ``default``, ``examples``, ``dependentRequired`` and ``dependencies`` are data
or name lists, not schemas, so their shape is their full digest (a property named
"description" whose schema is an object is never mistaken for an annotation: annotations
left out are strings).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

REF_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")
_TEXT_ANNOTATIONS = frozenset({"title", "description", "$comment"})
_EXACT_BELOW = frozenset(
    {"enum", "const", "default", "examples", "dependentRequired", "dependencies"}
)

Entry = tuple[object, bytes, bytes, bool]  # value kept alive, digest, shape, has a reference


def _hash(*parts: bytes) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part)
    return digest.digest()


_NULL, _TRUE, _FALSE = _hash(b"null"), _hash(b"true"), _hash(b"false")


def _scalar_digest(value: object) -> bytes:
    """Every digest has the same length, so a concatenation of them is unambiguous."""
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return _TRUE if value else _FALSE
    if isinstance(value, int):
        return _hash(b"n", str(value).encode())
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
        return _hash(b"n", text.encode())
    if isinstance(value, str):
        return _hash(b"s", value.encode("utf-8", "surrogatepass"))
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _is_annotation(key: str, value: object) -> bool:
    return key in _TEXT_ANNOTATIONS and isinstance(value, str)


class Fingerprints:
    """Digests and "contains a reference" flag of every container, computed once.

    Entries keep their object alive, so an ``id`` is never reused for another value while
    this cache exists (views built during a comparison are short-lived dicts). ``shared``
    caches (one per stored document, kept with its parsed schema) are read, never written:
    a document checked against a hundred others is digested once.
    """

    def __init__(self, *shared: Fingerprints) -> None:
        self._cache: dict[int, Entry] = {}
        self._members: dict[int, dict[str, tuple[bytes, bool]]] = {}
        self._pairs: dict[int, tuple[frozenset[tuple[str, bytes]], frozenset[str]]] = {}
        self._facts: dict[tuple[int, str], bool] = {}
        self._owners = (*shared, self)
        self._caches = tuple(owner._cache for owner in self._owners)

    def member_shapes(self, mapping: dict[str, object]) -> dict[str, tuple[bytes, bool]]:
        """(shape, has a reference) of each value of a map of schemas (``properties``).

        Kept with the document the map belongs to, so across a transitive check an object
        with 200 properties is tabled once and compared with another in one pass.
        """
        key = id(mapping)
        for owner in self._owners:
            table = owner._members.get(key)
            if table is not None:
                return table
        self.entry(mapping)
        table = {}
        for name, value in mapping.items():
            found = self.entry(value)
            table[name] = (found[2], found[3])
        owner = next((o for o in self._owners if key in o._cache), self)
        owner._members[key] = table
        return table

    def member_pairs(
        self, mapping: dict[str, object]
    ) -> tuple[frozenset[tuple[str, bytes]], frozenset[str]]:
        """The (name, shape) pairs of a map of schemas, and the names whose schema holds a
        reference; kept like ``member_shapes``. Set differences of two such tables cost
        what the maps differ by, not their size."""
        key = id(mapping)
        for owner in self._owners:
            pairs = owner._pairs.get(key)
            if pairs is not None:
                return pairs
        table = self.member_shapes(mapping)
        pairs = (
            frozenset((name, shape) for name, (shape, _) in table.items()),
            frozenset(name for name, (_, has_ref) in table.items() if has_ref),
        )
        owner = next((o for o in self._owners if key in o._cache), self)
        owner._pairs[key] = pairs
        return pairs

    def fact(self, document: object, name: str, compute: Callable[[object], bool]) -> bool:
        """A property of a whole document (``plain.is_plain``), computed once and kept
        like ``member_shapes``: with the document, across a transitive check."""
        key = (id(document), name)
        for owner in self._owners:
            known = owner._facts.get(key)
            if known is not None:
                return known
        found = compute(document)
        owner = next((o for o in self._owners if id(document) in o._cache), self)
        owner._facts[key] = found
        return found

    def entry(self, value: object) -> Entry:
        """(value, digest, shape, has a reference) of ``value``."""
        if isinstance(value, dict | list):
            key = id(value)
            for cache in self._caches:
                found = cache.get(key)
                if found is not None:
                    return found
            self._fill(value)
            return self._cache[key]
        scalar = _scalar_digest(value)
        return value, scalar, scalar, False

    def _known(self, value: object) -> bool:
        key = id(value)
        return any(key in cache for cache in self._caches)

    def digest(self, value: object) -> bytes:
        return self.entry(value)[1]

    def shape(self, value: object) -> bytes:
        """The digest without annotations: equal shapes accept the same documents."""
        return self.entry(value)[2]

    def has_ref(self, value: object) -> bool:
        """Whether a reference occurs anywhere inside ``value`` (conservatively)."""
        return self.entry(value)[3]

    def _fill(self, root: dict[str, object] | list[object]) -> None:
        # An explicit stack: schemas nested thousands of levels deep must not overflow.
        stack: list[tuple[dict[str, object] | list[object], bool]] = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            if self._known(node) and not children_done:
                continue
            children = list(node.values()) if isinstance(node, dict) else node
            if not children_done:
                stack.append((node, True))
                stack.extend(
                    (child, False)
                    for child in children
                    if isinstance(child, dict | list) and not self._known(child)
                )
                continue
            self._cache[id(node)] = self._combine(node)

    def _combine(self, node: dict[str, object] | list[object]) -> Entry:
        parts: list[bytes] = []
        shape: list[bytes] = []
        has_ref = False
        if isinstance(node, dict):
            parts.append(b"{")
            shape.append(b"{")
            for key in sorted(node):
                value = node[key]
                _, child_digest, child_shape, child_ref = self.entry(value)
                key_digest = _scalar_digest(key)
                parts += [key_digest, child_digest]
                if not _is_annotation(key, value):
                    shape += [key_digest, child_digest if key in _EXACT_BELOW else child_shape]
                has_ref = has_ref or child_ref
            has_ref = has_ref or any(isinstance(node.get(k), str) for k in REF_KEYWORDS)
        else:
            parts.append(b"[")
            shape.append(b"[")
            for child in node:
                _, child_digest, child_shape, child_ref = self.entry(child)
                parts.append(child_digest)
                shape.append(child_shape)
                has_ref = has_ref or child_ref
        digest = _hash(*parts)
        return node, digest, digest if shape == parts else _hash(*shape), has_ref
