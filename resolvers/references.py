"""Schema references: checking them, resolving them (transitively) into the plain values
the schema work reads, and refusing to delete what is referred to."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence

from registry.checks import SchemaSource, SourceReference
from registry.errors import BadUserInputError, InvalidSchemaError, ReferenceExistsError
from registry.model import Schema, SchemaFormat, SchemaReference, SchemaVersion
from registry.ports import RegistryReader, RegistryStore
from registry.types import SubjectName, Version
from registry.validation import MAX_INT32, validate_subject_name
from resolvers.scoped import ScopedStore

# What one schema may pull in, counting each distinct referenced version once: each is one
# more read and one more parse.
MAX_REFERENCES = 100
MAX_REFERENCE_DEPTH = 16
_MAX_NAME_CHARS = 1024
# A reference's version: -1 names the latest live version (resolved when registering).
LATEST = -1

_Key = tuple[str, int]


def checked_references(
    references: Iterable[tuple[object, object, object]],
) -> tuple[SchemaReference, ...]:
    """``(name, subject, version)`` triples as given by a client, validated: a name of
    printable text used once, a valid subject name, a version from 1 (or -1: the latest)."""
    checked: list[SchemaReference] = []
    names: set[str] = set()
    for name, subject, version in references:
        if not isinstance(name, str) or not name or len(name) > _MAX_NAME_CHARS:
            raise BadUserInputError(
                f"A reference needs a name of 1 to {_MAX_NAME_CHARS} characters, got {name!r}."
            )
        for index, char in enumerate(name):
            if unicodedata.category(char) in ("Cc", "Cs"):
                raise BadUserInputError(
                    f"Reference name contains a control character (U+{ord(char):04X}) at "
                    f"position {index}."
                )
        if name in names:
            raise BadUserInputError(f"Reference name '{name}' is given twice.")
        names.add(name)
        if not isinstance(subject, str):
            raise BadUserInputError(f"Reference '{name}' needs a subject name.")
        if (
            not isinstance(version, int)
            or isinstance(version, bool)
            or not (1 <= version <= MAX_INT32 or version == LATEST)
        ):
            raise BadUserInputError(
                f"Reference '{name}' needs a version from 1 to {MAX_INT32}, or -1 for the "
                f"latest, got {version!r}."
            )
        checked.append(SchemaReference(name, validate_subject_name(subject), Version(version)))
    if len(checked) > MAX_REFERENCES:
        raise BadUserInputError(f"A schema may have at most {MAX_REFERENCES} references.")
    return tuple(checked)


def visibility(store: RegistryStore) -> Callable[[str], bool]:
    """Whether the caller behind ``store`` may see a subject."""
    return store.sees if isinstance(store, ScopedStore) else (lambda subject: True)


def unscoped(store: RegistryStore) -> RegistryStore:
    """The whole registry behind a caller's view of it. A stored schema's references are
    facts of content the caller may read, whoever may see the subjects they name."""
    return store.everything() if isinstance(store, ScopedStore) else store


class ReferenceResolver:
    """Resolves references through one reader, each referenced version read once. The
    limits hold per schema resolved (``candidate``, ``stored``), counting each distinct
    version it reaches once."""

    def __init__(self, reader: RegistryReader, *, include_deleted: bool = False) -> None:
        self._reader = reader
        self._include_deleted = include_deleted
        self._sources: dict[_Key, SchemaSource] = {}
        # Every version a resolved one reaches, itself included.
        self._reaches: dict[_Key, frozenset[_Key]] = {}

    async def candidate(
        self,
        format: SchemaFormat,
        text: str,
        references: Sequence[SchemaReference],
        dialect: str | None,
    ) -> tuple[SchemaSource, tuple[SchemaReference, ...]]:
        """The source of a schema being submitted, and its references with ``-1`` replaced
        by the version it names now: each must name a live version (or, with
        ``include_deleted``, a soft-deleted one)."""
        concrete = tuple([await self._concrete(r) for r in references])
        return SchemaSource(format, text, await self._references(concrete), dialect), concrete

    async def stored(self, schema: Schema) -> SchemaSource:
        """The source of a stored schema (its references were checked when it was
        registered)."""
        refs = await self._references(schema.references) if schema.references else ()
        return SchemaSource(schema.format, schema.text, refs, schema.dialect)

    async def _concrete(self, ref: SchemaReference) -> SchemaReference:
        if ref.version != LATEST:
            return ref
        latest = await self._reader.get_latest_version(ref.subject)
        if latest is None:
            raise InvalidSchemaError(
                f"Reference '{ref.name}' names the latest version of subject "
                f"'{ref.subject}', which has no live version."
            )
        return SchemaReference(ref.name, ref.subject, latest.version)

    async def _references(
        self, references: Sequence[SchemaReference]
    ) -> tuple[SourceReference, ...]:
        resolved = tuple([await self._reference(r, ()) for r in references])
        reached = frozenset().union(*(self._reaches[(r.subject, r.version)] for r in resolved))
        if len(reached) > MAX_REFERENCES:
            raise InvalidSchemaError(
                f"A schema may refer to at most {MAX_REFERENCES} schemas, transitively; "
                f"this one reaches {len(reached)}."
            )
        return resolved

    async def _reference(self, ref: SchemaReference, chain: tuple[_Key, ...]) -> SourceReference:
        key = (ref.subject, ref.version)
        if key in chain:
            cycle = " -> ".join(f"{s} version {v}" for s, v in (*chain, key))
            raise InvalidSchemaError(f"References form a cycle: {cycle}.")
        if len(chain) >= MAX_REFERENCE_DEPTH:
            raise InvalidSchemaError(
                f"References are nested deeper than {MAX_REFERENCE_DEPTH} levels."
            )
        source = self._sources.get(key)
        if source is None:
            found = await self._reader.get_version(
                ref.subject, ref.version, include_deleted=self._include_deleted
            )
            if found is None:
                raise InvalidSchemaError(
                    f"Reference '{ref.name}' names subject '{ref.subject}' version "
                    f"{ref.version}, which does not exist."
                )
            schema = found.schema
            nested = tuple([await self._reference(r, (*chain, key)) for r in schema.references])
            reaches = frozenset({key}).union(
                *(self._reaches[(r.subject, r.version)] for r in nested)
            )
            if len(reaches) > MAX_REFERENCES:
                raise InvalidSchemaError(
                    f"A schema may refer to at most {MAX_REFERENCES} schemas, transitively; "
                    f"subject '{ref.subject}' version {ref.version} reaches {len(reaches)}."
                )
            source = SchemaSource(schema.format, schema.text, nested, schema.dialect)
            self._sources[key] = source
            self._reaches[key] = reaches
        return SourceReference(ref.name, ref.subject, ref.version, source)


async def stored_sources(
    store: RegistryStore, versions: Sequence[SchemaVersion]
) -> list[SchemaSource]:
    """The sources of stored versions, for comparing a candidate with them."""
    resolver = ReferenceResolver(unscoped(store), include_deleted=True)
    return [await resolver.stored(v.schema) for v in versions]


async def ensure_not_referenced(
    reader: RegistryReader,
    subject: SubjectName,
    versions: Sequence[Version],
    *,
    permanent: bool,
    visible: Callable[[str], bool],
) -> None:
    """Refuse to delete ``versions`` of ``subject`` while another version refers to one
    of them: a live one for a soft delete, any for a permanent delete (the referrer
    could be restored). Versions among those being deleted do not count. The message
    names the referrers the caller may see (``visible``) and counts the others."""
    deleting = {(subject, v) for v in versions}
    for version in versions:
        referrers = [
            r
            for r in await reader.list_referencing_versions(
                subject, version, include_deleted=permanent
            )
            if (r.subject, r.version) not in deleting
        ]
        if not referrers:
            continue
        shown = [r for r in referrers if visible(r.subject)]
        named = ", ".join(f"'{r.subject}' version {r.version}" for r in shown[:10])
        hidden = len(referrers) - min(len(shown), 10)
        parts = [named] if named else []
        if hidden:
            parts.append(f"{hidden} more" if named else f"{hidden} versions")
        raise ReferenceExistsError(
            f"One or more references exist to the schema {{subject={subject},version={version}}}: "
            f"it is referenced by {' and '.join(parts)}; delete those first."
        )
