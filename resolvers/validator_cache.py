"""Validators kept between requests, per schema id (and Protobuf message name).

A stored schema's content and references never change under its id, so a validator
built for it stays right for the life of the process. The cache is bounded by count and
by the schema text its validators were built from (references included), a stand-in for
their size: a compiled validator costs a small multiple of its schema's text.
"""

from __future__ import annotations

from collections import OrderedDict

from registry.payloads import PayloadValidator

DEFAULT_MAX_ENTRIES = 1024
DEFAULT_MAX_CHARS = 16 * 1024 * 1024

Key = tuple[int, str | None]


class ValidatorCache:
    """Least recently used first out, past ``max_entries`` validators or ``max_chars``
    characters of schema text. Not locked: it is used from the event loop only."""

    def __init__(
        self, max_entries: int = DEFAULT_MAX_ENTRIES, max_chars: int = DEFAULT_MAX_CHARS
    ) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._entries: OrderedDict[Key, tuple[PayloadValidator, int]] = OrderedDict()
        self._chars = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def chars(self) -> int:
        """Characters of schema text behind the validators held."""
        return self._chars

    def get(self, key: Key) -> PayloadValidator | None:
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(key)
        return found[0]

    def put(self, key: Key, validator: PayloadValidator, chars: int) -> None:
        """Keep ``validator``, built from ``chars`` characters of schema text; one larger
        than the whole cache is not kept."""
        if chars > self.max_chars or self.max_entries < 1:
            return
        previous = self._entries.pop(key, None)
        if previous is not None:
            self._chars -= previous[1]
        self._entries[key] = (validator, chars)
        self._chars += chars
        while len(self._entries) > self.max_entries or self._chars > self.max_chars:
            _, (_, evicted) = self._entries.popitem(last=False)
            self._chars -= evicted
