"""Schema work described by plain values, so it can run in another process.

A request carries texts and levels, never parsed documents; the answer is the canonical
form or the incompatibility records. Parsing goes through ``parse_schema``, whose memo
is per process: a process that runs many checks keeps the earlier versions parsed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from registry import compatibility
from registry.compatibility import Incompatibility
from registry.formats import ParsedSchema, handler_for, parse_schema
from registry.model import (
    DEFAULT_COMPATIBILITY_POLICY,
    CompatibilityLevel,
    CompatibilityPolicy,
    SchemaFormat,
    SchemaVersion,
)
from registry.types import Version


@dataclass(frozen=True, slots=True)
class CanonicalSchema:
    """What storage needs of a valid schema: its canonical text and content address."""

    format: SchemaFormat
    canonical: str
    fingerprint: str

    @classmethod
    def of(cls, parsed: ParsedSchema) -> CanonicalSchema:
        return cls(parsed.format, parsed.canonical, parsed.fingerprint)


@dataclass(frozen=True, slots=True)
class EarlierSchema:
    version: Version
    format: SchemaFormat
    text: str


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """A candidate ``text`` against ``earlier`` versions (oldest first), which are all
    compared: choosing them for the level (``versions_to_check``) is the caller's part."""

    format: SchemaFormat
    text: str
    level: CompatibilityLevel
    earlier: tuple[EarlierSchema, ...]
    policy: CompatibilityPolicy = DEFAULT_COMPATIBILITY_POLICY

    @classmethod
    def against(
        cls,
        format: SchemaFormat,
        text: str,
        level: CompatibilityLevel,
        versions: Sequence[SchemaVersion],
        policy: CompatibilityPolicy = DEFAULT_COMPATIBILITY_POLICY,
    ) -> CheckRequest:
        earlier = tuple(EarlierSchema(v.version, v.schema.format, v.schema.text) for v in versions)
        return cls(format, text, level, earlier, policy)

    @property
    def is_trivial(self) -> bool:
        """Nothing to compare: the answer is known without parsing anything."""
        return not self.earlier or compatibility.directions_for(self.level) == ()

    @property
    def size(self) -> int:
        """Characters of schema text the check reads."""
        return len(self.text) + sum(len(e.text) for e in self.earlier)


def canonicalize(format: SchemaFormat, text: str) -> CanonicalSchema:
    """Parse and validate ``text`` (``InvalidSchemaError`` naming the problem)."""
    return CanonicalSchema.of(parse_schema(format, text))


def find_incompatibilities(request: CheckRequest) -> list[Incompatibility]:
    """Every incompatibility of the candidate with the earlier versions under the
    request's level; empty when it may be registered (see ``check_compatibility``)."""
    if request.is_trivial:
        return []
    candidate = parse_schema(request.format, request.text)
    # Stored versions were accepted once: a rule added since does not refuse them here.
    earlier = [(e.version, parse_schema(e.format, e.text, stored=True)) for e in request.earlier]
    return compatibility.check_compatibility(
        handler_for(request.format), request.level, candidate, earlier, request.policy
    )
