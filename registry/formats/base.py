"""The small API every schema format implements."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol

from registry.compatibility import Direction, Incompatibility
from registry.model import CompatibilityPolicy, SchemaFormat


@dataclass(frozen=True, slots=True)
class ParsedSchema:
    """A schema after parsing: its canonical text identifies it across subjects."""

    format: SchemaFormat
    canonical: str
    document: object
    fingerprint: str
    # Why a schema read with ``stored=True`` would be refused if submitted today (a rule
    # added after it was stored); None when it would be accepted.
    refusal: str | None = field(default=None, compare=False)
    # What a format handler derives from the document once (e.g. subtree digests), reused
    # by every comparison it takes part in. Not part of the value.
    memo: dict[str, object] = field(default_factory=dict, compare=False, hash=False, repr=False)


def fingerprint_of(format: SchemaFormat, canonical: str) -> str:
    """Content address of a canonical schema; the format is part of the identity."""
    digest = hashlib.sha256(f"{format.value}\n{canonical}".encode())
    return digest.hexdigest()


class FormatHandler(Protocol):
    """Parse and compare schemas of one format. Implementations hold no state."""

    @property
    def format(self) -> SchemaFormat: ...

    def parse(self, text: str, *, stored: bool = False) -> ParsedSchema:
        """Parse and validate ``text``; raise ``InvalidSchemaError`` naming the problem.

        ``stored``: the registry accepted ``text`` earlier. A refusal added since for
        safety alone (a regular expression the linear-time engine does not run) is then
        kept in ``refusal`` instead of raised, so the versions already stored can still be
        compared; what such a pattern decides is reported as not provable."""
        ...

    def find_incompatibilities(
        self,
        old: ParsedSchema,
        new: ParsedSchema,
        direction: Direction,
        policy: CompatibilityPolicy = ...,
    ) -> list[Incompatibility]:
        """Why ``new`` cannot replace ``old`` in ``direction`` under ``policy`` (STRICT when
        omitted); empty when it can."""
        ...
