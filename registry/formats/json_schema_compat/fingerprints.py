"""Content digests of JSON values: after one pass, "are these subschemas equal?" is O(1).

Digests follow JSON Schema equality: key order is irrelevant, ``1`` equals ``1.0``, and
``true`` differs from ``1`` (Python's ``==`` says otherwise, and recurses).
"""

from __future__ import annotations

import hashlib

REF_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")


def _hash(*parts: bytes) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part)
    return digest.digest()


def _scalar_digest(value: object) -> bytes:
    if value is None:
        return _hash(b"null")
    if isinstance(value, bool):
        return _hash(b"true" if value else b"false")
    if isinstance(value, int):
        return _hash(b"n", str(value).encode())
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
        return _hash(b"n", text.encode())
    if isinstance(value, str):
        return _hash(b"s", value.encode("utf-8", "surrogatepass"))
    raise TypeError(f"not a JSON value: {type(value).__name__}")


class Fingerprints:
    """Digest and "contains a reference" flag of every container, computed once.

    Entries keep their object alive, so an ``id`` is never reused for another value while
    this cache exists (views built during a comparison are short-lived dicts).
    """

    def __init__(self) -> None:
        self._cache: dict[int, tuple[object, bytes, bool]] = {}

    def digest(self, value: object) -> bytes:
        return self._entry(value)[0]

    def has_ref(self, value: object) -> bool:
        """Whether a reference occurs anywhere inside ``value`` (conservatively)."""
        return self._entry(value)[1]

    def _entry(self, value: object) -> tuple[bytes, bool]:
        if not isinstance(value, dict | list):
            return _scalar_digest(value), False
        if id(value) not in self._cache:
            self._fill(value)
        _, digest, has_ref = self._cache[id(value)]
        return digest, has_ref

    def _fill(self, root: dict[str, object] | list[object]) -> None:
        # An explicit stack: schemas nested thousands of levels deep must not overflow.
        stack: list[tuple[dict[str, object] | list[object], bool]] = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            if id(node) in self._cache:
                continue
            children = list(node.values()) if isinstance(node, dict) else node
            if not children_done:
                stack.append((node, True))
                stack.extend(
                    (child, False)
                    for child in children
                    if isinstance(child, dict | list) and id(child) not in self._cache
                )
                continue
            parts: list[bytes] = []
            has_ref = False
            if isinstance(node, dict):
                parts.append(b"{")
                for key in sorted(node):
                    child_digest, child_ref = self._entry(node[key])
                    parts += [_scalar_digest(key), child_digest]
                    has_ref = has_ref or child_ref
                has_ref = has_ref or any(isinstance(node.get(k), str) for k in REF_KEYWORDS)
            else:
                parts.append(b"[")
                for child in node:
                    child_digest, child_ref = self._entry(child)
                    parts.append(child_digest)
                    has_ref = has_ref or child_ref
            self._cache[id(node)] = (node, _hash(*parts), has_ref)
