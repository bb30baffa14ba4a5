"""Schema references: checking them, resolving them (transitively) into the plain values
the schema work reads, and refusing to delete what is referred to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from registry.checks import SchemaSource, SourceReference
from registry.errors import BadUserInputError, InvalidSchemaError, ReferenceExistsError
from registry.model import Schema, SchemaFormat, SchemaReference, SchemaVersion
from registry.ports import RegistryReader
from registry.types import SubjectName, Version
from registry.validation import MAX_INT32, validate_subject_name

# What one schema may pull in: each reference is one more read and one more parse.
MAX_REFERENCES = 100
MAX_REFERENCE_DEPTH = 16
_MAX_NAME_CHARS = 1024


def checked_references(
    references: Iterable[tuple[object, object, object]],
) -> tuple[SchemaReference, ...]:
    """``(name, subject, version)`` triples as given by a client, validated: a non-empty
    name used once, a valid subject name and a version from 1."""
    checked: list[SchemaReference] = []
    names: set[str] = set()
    for name, subject, version in references:
        if not isinstance(name, str) or not name or len(name) > _MAX_NAME_CHARS:
            raise BadUserInputError(
                f"A reference needs a name of 1 to {_MAX_NAME_CHARS} characters, got {name!r}."
            )
        if name in names:
            raise BadUserInputError(f"Reference name '{name}' is given twice.")
        names.add(name)
        if not isinstance(subject, str):
            raise BadUserInputError(f"Reference '{name}' needs a subject name.")
        if (
            not isinstance(version, int)
            or isinstance(version, bool)
            or not 1 <= version <= MAX_INT32
        ):
            raise BadUserInputError(
                f"Reference '{name}' needs a version from 1 to {MAX_INT32}, got {version!r}."
            )
        checked.append(SchemaReference(name, validate_subject_name(subject), Version(version)))
    if len(checked) > MAX_REFERENCES:
        raise BadUserInputError(f"A schema may have at most {MAX_REFERENCES} references.")
    return tuple(checked)


class ReferenceResolver:
    """Resolves references through one reader, each referenced version read once."""

    def __init__(self, reader: RegistryReader, *, include_deleted: bool = False) -> None:
        self._reader = reader
        self._include_deleted = include_deleted
        self._sources: dict[tuple[str, int], SchemaSource] = {}
        self._resolved = 0

    async def candidate(
        self,
        format: SchemaFormat,
        text: str,
        references: Sequence[SchemaReference],
        dialect: str | None,
    ) -> SchemaSource:
        """The source of a schema being submitted: each reference must name a live
        version."""
        refs = tuple([await self._reference(r, ()) for r in references])
        return SchemaSource(format, text, refs, dialect)

    async def stored(self, schema: Schema) -> SchemaSource:
        """The source of a stored schema (its references were checked when it was
        registered)."""
        if not schema.references:
            return SchemaSource(schema.format, schema.text, (), schema.dialect)
        refs = tuple([await self._reference(r, ()) for r in schema.references])
        return SchemaSource(schema.format, schema.text, refs, schema.dialect)

    async def _reference(
        self, ref: SchemaReference, chain: tuple[tuple[str, int], ...]
    ) -> SourceReference:
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
            self._resolved += 1
            if self._resolved > MAX_REFERENCES:
                raise InvalidSchemaError(
                    f"A schema may refer to at most {MAX_REFERENCES} schemas, transitively."
                )
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
            source = SchemaSource(schema.format, schema.text, nested, schema.dialect)
            self._sources[key] = source
        return SourceReference(ref.name, ref.subject, ref.version, source)


async def stored_sources(
    reader: RegistryReader, versions: Sequence[SchemaVersion]
) -> list[SchemaSource]:
    """The sources of stored versions, for comparing a candidate with them."""
    resolver = ReferenceResolver(reader, include_deleted=True)
    return [await resolver.stored(v.schema) for v in versions]


async def ensure_not_referenced(
    reader: RegistryReader,
    subject: SubjectName,
    versions: Sequence[Version],
    *,
    permanent: bool,
) -> None:
    """Refuse to delete ``versions`` of ``subject`` while another version refers to one
    of them: a live one for a soft delete, any for a permanent delete (the referrer
    could be restored). Versions among those being deleted do not count."""
    deleting = {(subject, v) for v in versions}
    for version in versions:
        referrers = [
            r
            for r in await reader.list_referencing_versions(
                subject, version, include_deleted=permanent
            )
            if (r.subject, r.version) not in deleting
        ]
        if referrers:
            named = ", ".join(f"'{r.subject}' version {r.version}" for r in referrers[:10])
            more = f" and {len(referrers) - 10} more" if len(referrers) > 10 else ""
            raise ReferenceExistsError(
                f"Version {version} of subject '{subject}' is referenced by {named}{more}; "
                "delete those first."
            )
