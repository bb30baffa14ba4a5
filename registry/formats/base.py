"""The small API every schema format implements."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from registry.compatibility import Direction, Incompatibility
from registry.model import SchemaFormat


@dataclass(frozen=True, slots=True)
class ParsedSchema:
    """A schema after parsing: its canonical text identifies it across subjects."""

    format: SchemaFormat
    canonical: str
    document: object
    fingerprint: str


def fingerprint_of(format: SchemaFormat, canonical: str) -> str:
    """Content address of a canonical schema; the format is part of the identity."""
    digest = hashlib.sha256(f"{format.value}\n{canonical}".encode())
    return digest.hexdigest()


class FormatHandler(Protocol):
    """Parse and compare schemas of one format. Implementations hold no state."""

    @property
    def format(self) -> SchemaFormat: ...

    def parse(self, text: str) -> ParsedSchema:
        """Parse and validate ``text``; raise ``InvalidSchemaError`` naming the problem."""
        ...

    def find_incompatibilities(
        self, old: ParsedSchema, new: ParsedSchema, direction: Direction
    ) -> list[Incompatibility]:
        """Why ``new`` cannot replace ``old`` in ``direction``; empty when it can."""
        ...
