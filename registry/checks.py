"""Schema work described by plain values, so it can run in another process.

A request carries texts (with the texts of the schemas they refer to) and levels, never
parsed documents; the answer is the canonical
form or the incompatibility records. Parsing goes through ``parse_schema``, whose memo
is per process: a process that runs many checks keeps the earlier versions parsed.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry import compatibility
from registry.compatibility import Incompatibility
from registry.formats import (
    ParseContext,
    ParsedSchema,
    ResolvedReference,
    handler_for,
    parse_schema,
)
from registry.model import (
    DEFAULT_COMPATIBILITY_POLICY,
    CompatibilityLevel,
    CompatibilityPolicy,
    ProviderFinding,
    SchemaFormat,
)
from registry.providers.enforcement import lint_for_providers
from registry.providers.model import Provider
from registry.types import Version


@dataclass(frozen=True, slots=True)
class SourceReference:
    """A reference of a ``SchemaSource``: the name it is used by, where it is registered,
    and the referenced schema's own source."""

    name: str
    subject: str
    version: int
    source: SchemaSource


@dataclass(frozen=True, slots=True)
class SchemaSource:
    """A schema as plain values: its text, format, the sources of the schemas it refers
    to (transitively) and the dialect it is read in when its text names none."""

    format: SchemaFormat
    text: str
    references: tuple[SourceReference, ...] = ()
    dialect: str | None = None

    def distinct(self) -> list[SchemaSource]:
        """This source and every one it refers to, transitively, each once: a schema
        reached along many paths (a shared reference) is one schema."""
        found: dict[int, SchemaSource] = {}
        waiting = [self]
        while waiting:
            source = waiting.pop()
            if id(source) not in found:
                found[id(source)] = source
                waiting.extend(r.source for r in source.references)
        return list(found.values())

    @property
    def size(self) -> int:
        """Characters of schema text, references included (each once)."""
        return sum(len(source.text) for source in self.distinct())


def parse_source(source: SchemaSource, *, stored: bool = False) -> ParsedSchema:
    """Parse ``source`` with its references (which were accepted when registered, so
    they are read as stored); each distinct referenced schema is parsed once."""
    return _parse_source(source, stored, {})


def _parse_source(
    source: SchemaSource, stored: bool, parsed: dict[int, ParsedSchema]
) -> ParsedSchema:
    references = []
    for r in source.references:
        done = parsed.get(id(r.source))
        if done is None:
            done = parsed[id(r.source)] = _parse_source(r.source, True, parsed)
        references.append(ResolvedReference(r.name, r.subject, r.version, done))
    context = ParseContext(tuple(references), source.dialect)
    return parse_schema(source.format, source.text, stored=stored, context=context)


@dataclass(frozen=True, slots=True)
class CanonicalSchema:
    """What storage needs of a valid schema: its canonical text and content address, and
    the dialect it was read in (see ``ParsedSchema.dialect``)."""

    format: SchemaFormat
    canonical: str
    fingerprint: str
    dialect: str | None = None

    @classmethod
    def of(cls, parsed: ParsedSchema) -> CanonicalSchema:
        return cls(parsed.format, parsed.canonical, parsed.fingerprint, parsed.dialect)


@dataclass(frozen=True, slots=True)
class EarlierSchema:
    version: Version
    source: SchemaSource


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """A ``candidate`` against ``earlier`` versions (oldest first), which are all
    compared: choosing them for the level (``versions_to_check``) is the caller's part."""

    candidate: SchemaSource
    level: CompatibilityLevel
    earlier: tuple[EarlierSchema, ...]
    policy: CompatibilityPolicy = DEFAULT_COMPATIBILITY_POLICY

    @property
    def is_trivial(self) -> bool:
        """Nothing to compare: the answer is known without parsing anything."""
        return not self.earlier or compatibility.directions_for(self.level) == ()

    @property
    def size(self) -> int:
        """Characters of schema text the check reads."""
        return self.candidate.size + sum(e.source.size for e in self.earlier)


def canonicalize(source: SchemaSource) -> CanonicalSchema:
    """Parse and validate ``source`` (``InvalidSchemaError`` naming the problem)."""
    return CanonicalSchema.of(parse_source(source))


def render(source: SchemaSource, form: str) -> str | None:
    """``source`` in another named form (``FormatHandler.render``); None when its format
    has none by that name."""
    return handler_for(source.format).render(parse_source(source, stored=True), form)


def find_incompatibilities(request: CheckRequest) -> list[Incompatibility]:
    """Every incompatibility of the candidate with the earlier versions under the
    request's level; empty when it may be registered (see ``check_compatibility``)."""
    if request.is_trivial:
        return []
    parsed: dict[int, ParsedSchema] = {}  # shared references, parsed once
    candidate = _parse_source(request.candidate, False, parsed)
    # Stored versions were accepted once: a rule added since does not refuse them here.
    earlier = [(e.version, _parse_source(e.source, True, parsed)) for e in request.earlier]
    return compatibility.check_compatibility(
        handler_for(request.candidate.format), request.level, candidate, earlier, request.policy
    )


def lint_providers(source: SchemaSource, providers: tuple[Provider, ...]) -> list[ProviderFinding]:
    """The findings of each of ``providers`` on a candidate ``source`` (its references
    bundled in; see ``registry.providers.enforcement``)."""
    if source.format is not SchemaFormat.JSON:
        return lint_for_providers(_unparsed(source.format), providers)
    return lint_for_providers(parse_source(source), providers)


def _unparsed(format: SchemaFormat) -> ParsedSchema:
    # Only the format of a non-JSON schema matters to the lint: no need to parse it again.
    return ParsedSchema(format, "", None, "")
