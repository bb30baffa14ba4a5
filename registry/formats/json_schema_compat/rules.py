"""The shapes of a rule, so rule modules and the catalog agree without importing each other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.nodes import Node

KeywordCheck = Callable[[Node, Node, Comparison], None]
"""Reports what in the reader's keywords of one family may reject writer documents."""

StructuralRule = Callable[[Node, Node, Comparison], bool]
"""Rewrites or decides a pair before keyword rules run; True when the pair is done."""


@dataclass(frozen=True, slots=True)
class KeywordRule:
    """One keyword family: the keywords it reads and the JSON types they constrain.

    ``applies_to`` None means every type. A rule only runs when writer and reader share
    one of its types: string keywords are irrelevant when the writer allows no strings.
    """

    family: str
    keywords: frozenset[str]
    applies_to: frozenset[str] | None
    check: KeywordCheck
