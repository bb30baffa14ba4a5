"""Avro: parsing, canonical form, references and compatibility (schema resolution)."""

from __future__ import annotations

import json
from typing import Any

import avro.name
import avro.schema

from registry.compatibility import Direction, Incompatibility
from registry.errors import InvalidSchemaError
from registry.formats.avro_canonical import canonicalize
from registry.formats.avro_compat import resolve
from registry.formats.avro_index import SchemaIndex
from registry.formats.avro_model import (
    NAMED_KINDS,
    PRIMITIVES,
    AvroDocument,
    Dependency,
    NamedType,
    Node,
)
from registry.formats.avro_payloads import AvroPayloads
from registry.formats.base import (
    NO_CONTEXT,
    ParseContext,
    ParsedSchema,
    ResolvedReference,
    fingerprint_of,
    load_json,
)
from registry.model import DEFAULT_COMPATIBILITY_POLICY, CompatibilityPolicy, SchemaFormat
from registry.payloads import PayloadValidator, refuse_message_name


def canonical_text(schema: Node) -> str:
    return json.dumps(schema, ensure_ascii=False, separators=(",", ":"))


def _referenced(
    references: tuple[ResolvedReference, ...],
) -> tuple[dict[str, NamedType], tuple[Dependency, ...]]:
    """The named types the references define (theirs and those of their own references)
    and the referenced schemas, each after those it depends on."""
    known: dict[str, NamedType] = {}
    dependencies: dict[str, Dependency] = {}
    for ref in references:
        document = ref.schema.document
        if ref.schema.format is not SchemaFormat.AVRO or not isinstance(document, AvroDocument):
            raise InvalidSchemaError(
                f"Reference '{ref.name}' ({ref.subject} version {ref.version}) is a "
                f"{ref.schema.format.value} schema; an Avro schema can only use Avro schemas."
            )
        for dependency in document.dependencies:
            dependencies.setdefault(dependency.fingerprint, dependency)
        dependencies.setdefault(
            ref.schema.fingerprint, Dependency(ref.schema.fingerprint, document.schema)
        )
        for fullname, named in document.types.items():
            seen = known.get(fullname)
            if seen is None:
                known[fullname] = NamedType(fullname, named.node, None, ref.name)
            elif seen.node != named.node:
                raise InvalidSchemaError(
                    f"Type '{fullname}' is defined differently by references '{seen.origin}' "
                    f"and '{ref.name}'."
                )
    return known, tuple(dependencies.values())


def _library_view(node: Node) -> Node:
    """The canonical JSON as the Apache library is given it: every name prefixed with a
    namespace ``_`` so that it is fully qualified (the library reads an empty
    ``namespace`` as the enclosing one, not as the null namespace), and without logical
    types (checked here already; the library only warns about those it does not know)."""
    if isinstance(node, str):
        return node if node in PRIMITIVES else f"_.{node}"
    if isinstance(node, list):
        return [_library_view(branch) for branch in node]
    out: dict[str, Any] = {
        key: value for key, value in node.items() if key not in ("logicalType", "namespace")
    }
    if out["type"] in NAMED_KINDS:
        out["name"] = f"_.{out['name']}"
    if "fields" in out:
        out["fields"] = [{**field, "type": _library_view(field["type"])} for field in out["fields"]]
    for key in ("items", "values"):
        if key in out:
            out[key] = _library_view(out[key])
    return out


def _check_with_library(schema: Node, dependencies: tuple[Dependency, ...]) -> None:
    """A second opinion: the Apache implementation parses what will be stored, its
    references' named types registered first (as the Java parser is given them)."""
    names = avro.name.Names()
    try:
        for dependency in dependencies:
            avro.schema.make_avsc_object(_library_view(dependency.schema), names)
        avro.schema.make_avsc_object(_library_view(schema), names)
    except Exception as exc:  # whatever the library raises, it refuses the schema
        raise InvalidSchemaError(f"Invalid Avro schema: {exc}") from None


class AvroFormat:
    """The ``FormatHandler`` for Avro."""

    @property
    def format(self) -> SchemaFormat:
        return SchemaFormat.AVRO

    @property
    def dialects(self) -> tuple[str, ...]:
        return ()

    @property
    def forms(self) -> frozenset[str]:
        return frozenset({"resolved"})

    @property
    def inline_parse_chars(self) -> int:
        # About 0.5 ms per KiB (the checks here, then the avro package's parser).
        return 2 * 1024

    def parse(
        self, text: str, *, stored: bool = False, context: ParseContext = NO_CONTEXT
    ) -> ParsedSchema:
        document = load_json(text)
        known, dependencies = _referenced(context.references)
        try:
            schema, defined = canonicalize(document, known)
        except RecursionError:
            raise InvalidSchemaError("Schema is nested too deeply to be read.") from None
        canonical = canonical_text(schema)
        try:
            canonical.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidSchemaError(
                f"Schema contains text that is not valid Unicode (a lone surrogate at "
                f"character {exc.start} of its canonical form)."
            ) from None
        _check_with_library(schema, dependencies)
        return ParsedSchema(
            format=SchemaFormat.AVRO,
            canonical=canonical,
            document=AvroDocument(schema, {**known, **defined}, dependencies),
            fingerprint=fingerprint_of(SchemaFormat.AVRO, canonical, context.references),
        )

    def render(self, schema: ParsedSchema, form: str) -> str | None:
        """``resolved``: the schema with the named types of its references written out
        where first used (Confluent's ``?format=resolved``)."""
        if form != "resolved" or not isinstance(schema.document, AvroDocument):
            return None
        return canonical_text(_inline(schema.document))

    def find_incompatibilities(
        self,
        old: ParsedSchema,
        new: ParsedSchema,
        direction: Direction,
        policy: CompatibilityPolicy = DEFAULT_COMPATIBILITY_POLICY,
    ) -> list[Incompatibility]:
        """BACKWARD: data written with ``old`` is read with ``new``; FORWARD: data written
        with ``new`` is read with ``old``. The policy (STRICT, LENIENT, LLM) does not
        apply: Avro resolution assumes nothing about the data beyond the writer's schema."""
        verdicts = new.memo.setdefault("avro_verdicts", {})
        assert isinstance(verdicts, dict)
        key = (old.fingerprint, direction)
        known = verdicts.get(key)
        if known is not None:
            return list(known)
        backward = direction is Direction.BACKWARD
        writer, reader = (old, new) if backward else (new, old)
        # the same fingerprint is the same text with the same references: nothing to resolve
        same = writer.fingerprint == reader.fingerprint
        found = [] if same else resolve(_index(reader), _index(writer))
        result = tuple(
            Incompatibility(
                code=finding.code,
                message=finding.message,
                old_path=finding.writer_path if backward else finding.reader_path,
                new_path=finding.reader_path if backward else finding.writer_path,
                direction=direction,
            )
            for finding in found
        )
        verdicts[key] = result
        return list(result)

    def validator(self, schema: ParsedSchema, message_name: str | None = None) -> PayloadValidator:
        refuse_message_name(SchemaFormat.AVRO, message_name)
        if not isinstance(schema.document, AvroDocument):
            raise TypeError(f"{schema.format.value} schema given to the Avro validator")
        return AvroPayloads(schema.document)


def _index(schema: ParsedSchema) -> SchemaIndex:
    """Digests and record fields of ``schema``, derived on its first comparison and kept."""
    index = schema.memo.get("avro_index")
    if not isinstance(index, SchemaIndex):
        document = schema.document
        if not isinstance(document, AvroDocument):
            raise TypeError(f"{schema.format.value} schema given to the Avro checker")
        index = SchemaIndex(document)
        schema.memo["avro_index"] = index
    return index


def _inline(document: AvroDocument) -> Node:
    """The schema with each named type written out at its first use."""
    written: set[str] = set()

    def walk(node: Node, space: str | None) -> Node:
        if isinstance(node, str):
            if node in PRIMITIVES or node in written:
                return node
            return walk(document.types[node].node, space)
        if isinstance(node, list):
            return [walk(branch, space) for branch in node]
        out = dict(node)
        if node["type"] in NAMED_KINDS:
            name = node["name"]
            if name in written:
                return name
            written.add(name)
            # a type of the null namespace keeps out of the enclosing one
            out.pop("namespace", None)
            if "." not in name and space:
                out["namespace"] = ""
            space = name.rpartition(".")[0] or None
        if "fields" in node:
            out["fields"] = [
                {**field, "type": walk(field["type"], space)} for field in node["fields"]
            ]
        for key in ("items", "values"):
            if key in node:
                out[key] = walk(node[key], space)
        return out

    return walk(document.schema, None)


AVRO = AvroFormat()
