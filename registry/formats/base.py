"""The small API every schema format implements."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Protocol

from registry.compatibility import Direction, Incompatibility
from registry.errors import InvalidSchemaError
from registry.model import CompatibilityPolicy, SchemaFormat
from registry.payloads import PayloadValidator


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
    # The dialect the text was read in when the text does not name one itself and the
    # format's own default was not used (see ``ParseContext.dialect``); storage keeps it
    # with the schema, and it is part of the identity. None otherwise.
    dialect: str | None = None
    # What a format handler derives from the document once (e.g. subtree digests), reused
    # by every comparison it takes part in. Not part of the value.
    memo: dict[str, object] = field(default_factory=dict, compare=False, hash=False, repr=False)


@dataclass(frozen=True, slots=True)
class ResolvedReference:
    """A schema this one refers to by ``name`` (a JSON Schema ``$ref`` target, an Avro
    named type's defining schema, a Protobuf import path), already parsed with its own
    references; ``subject`` and ``version`` say where it is registered."""

    name: str
    subject: str
    version: int
    schema: ParsedSchema


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a schema's text is read with besides itself.

    ``references``: the schemas it refers to, in the order they were given.
    ``dialect``: the dialect a schema that declares none is read in (a format with one
    dialect ignores it; None means the format's own default, the one schemas stored
    without a recorded dialect were read in)."""

    references: tuple[ResolvedReference, ...] = ()
    dialect: str | None = None


NO_CONTEXT = ParseContext()


def fingerprint_of(
    format: SchemaFormat,
    canonical: str,
    references: tuple[ResolvedReference, ...] = (),
    dialect: str | None = None,
) -> str:
    """Content address of a canonical schema; the format is part of the identity, and so
    are its references (name, subject, version), as in Confluent's model, and the dialect
    it was read in when the text names none (``ParsedSchema.dialect``)."""
    text = f"{format.value}\n{canonical}"
    if references or dialect is not None:
        # One JSON value, so no name can pass for another's separators.
        refs = [[r.name, r.subject, r.version] for r in references]
        text += "\n" + json.dumps({"dialect": dialect, "references": refs}, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _reject_constants(value: str) -> None:
    raise ValueError(f"{value} is not valid JSON")


def load_json(text: str) -> object:
    """A schema's JSON text, ``NaN`` and ``Infinity`` refused; ``InvalidSchemaError``
    naming the problem for anything that is not JSON."""
    try:
        return json.loads(text, parse_constant=_reject_constants)
    except (ValueError, RecursionError) as exc:
        raise InvalidSchemaError(f"Schema is not valid JSON: {exc}") from None


class FormatHandler(Protocol):
    """Parse and compare schemas of one format. Implementations hold no state."""

    @property
    def format(self) -> SchemaFormat: ...

    @property
    def dialects(self) -> tuple[str, ...]:
        """The dialects ``ParseContext.dialect`` may name (empty: the format has one)."""
        ...

    @property
    def forms(self) -> frozenset[str]:
        """The forms ``render`` knows."""
        ...

    @property
    def inline_parse_chars(self) -> int:
        """Texts up to this many characters parse in about a millisecond or less, so a
        replica may parse them on its event loop; larger ones go to a check worker (0:
        every text does, as for a format whose parser is slow even on small inputs)."""
        ...

    def parse(
        self, text: str, *, stored: bool = False, context: ParseContext = NO_CONTEXT
    ) -> ParsedSchema:
        """Parse and validate ``text``; raise ``InvalidSchemaError`` naming the problem.
        ``context`` holds the resolved references and the default dialect; the returned
        ``fingerprint`` covers the references (``fingerprint_of``).

        ``stored``: the registry accepted ``text`` earlier. A refusal added since for
        safety alone (a regular expression the linear-time engine does not run) is then
        kept in ``refusal`` instead of raised, so the versions already stored can still be
        compared; what such a pattern decides is reported as not provable."""
        ...

    def render(self, schema: ParsedSchema, form: str) -> str | None:
        """``schema`` in another textual form a client asks for by name (Confluent's
        ``?format=``: for Protobuf ``serialized``, the base64 FileDescriptorProto); None
        when the format has no such form (the stored text is then the answer)."""
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

    def validator(self, schema: ParsedSchema, message_name: str | None = None) -> PayloadValidator:
        """``schema`` made ready to check payloads in the format's JSON form (built once,
        reused for every payload). ``message_name`` picks the message of a format whose
        schema declares several (Protobuf: default its first); a format without such a
        choice refuses one (``BadUserInputError``). ``InvalidSchemaError`` when the
        schema cannot check payloads (a stored pattern the linear-time engine refuses)."""
        ...
