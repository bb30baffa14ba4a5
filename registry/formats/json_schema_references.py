"""JSON Schema ``$ref`` across registered schemas: what a reference names, and the
parse-time check that every ``$ref`` resolves.

A schema is registered with references (``ParseContext.references``): each gives a
``name`` and the schema registered under it. A ``$ref`` outside the schema names one of
them when its URI without the fragment, as written or resolved against the base URI in
force where it sits (the schema's ``$id``, or a nested one), equals a reference's name
("address.json", "https://example.com/address.json"); its fragment then points inside
that schema ("address.json#/definitions/street"). Referenced schemas may have references
of their own. What the compatibility engine reads is in ``json_schema_bundle``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin

import referencing
import referencing.exceptions
import referencing.jsonschema

from registry.errors import InvalidSchemaError
from registry.formats.base import ParsedSchema, ResolvedReference
from registry.formats.json_schema_compat.dialects import (
    DRAFT_2020_12,
    DRAFTS_BEFORE_2019,
    dialect_of,
    id_keyword,
)
from registry.model import SchemaFormat

_ROOT_URI = "urn:llm-schema-registry:schema"
# Keywords whose values are data, not subschemas: a "$ref" inside them is not a reference.
DATA_KEYWORDS = frozenset({"enum", "const", "examples", "default"})
# Keywords whose value maps names to subschemas: its keys are names, not keywords.
SCHEMA_MAPS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies"}
)
_MEMO_KEY = "references"

Tokens = tuple[str, ...]


def remember(schema: ParsedSchema, references: tuple[ResolvedReference, ...]) -> None:
    """Keep with ``schema`` the references it was parsed with (its fingerprint covers
    them; the bundle needs them)."""
    if references:
        schema.memo[_MEMO_KEY] = references


def references_of(schema: ParsedSchema) -> tuple[ResolvedReference, ...]:
    found = schema.memo.get(_MEMO_KEY)
    return found if isinstance(found, tuple) else ()


def effective_dialect(schema: ParsedSchema) -> str:
    """The draft ``schema`` was read in: its ``$schema``, else the one recorded when it was
    read in a configured default, else 2020-12."""
    return dialect_of(schema.document, schema.dialect or DRAFT_2020_12)


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer(tokens: Tokens) -> str:
    """A URI fragment for ``tokens``: escaped as a JSON pointer, then percent-encoded."""
    return "".join("/" + quote(escape(token), safe="!$&'()*+,;=:@") for token in tokens)


def _uri_key(name: str) -> str:
    """``name`` without its fragment (no URI parsing: any text is a name)."""
    return name.split("#", 1)[0]


def join_uri(base: str | None, uri: str) -> str | None:
    """``uri`` resolved against ``base``; None when either is not a URI Python can read
    (ids and references are not format-checked)."""
    if base is None:
        return uri
    try:
        return urljoin(base, uri)
    except ValueError:
        return None


def index(references: tuple[ResolvedReference, ...]) -> dict[str, ResolvedReference]:
    named: dict[str, ResolvedReference] = {}
    for reference in references:
        named.setdefault(_uri_key(reference.name), reference)
    return named


def named_by(
    uri: str, base: str | None, named: Mapping[str, ResolvedReference]
) -> ResolvedReference | None:
    """The reference a ``$ref`` URI (fragment removed) names: as written, or resolved
    against ``base``; None when it names none."""
    found = named.get(uri)
    if found is None and base is not None:
        found = named.get(join_uri(base, uri) or uri)
    return found


def _own_id(node: dict[str, Any], dialect: str) -> str | None:
    """The URI a schema object gives itself (not a plain-name anchor); drafts before
    2019-09 ignore everything beside ``$ref``, ``$id`` included."""
    declared = node.get(id_keyword(dialect))
    if not isinstance(declared, str) or declared.startswith("#"):
        return None
    if dialect in DRAFTS_BEFORE_2019 and "$ref" in node:
        return None
    return _uri_key(declared)


def anchors_of(node: dict[str, Any], dialect: str) -> list[str]:
    if dialect in DRAFTS_BEFORE_2019:
        declared = node.get(id_keyword(dialect))
        if isinstance(declared, str) and "#" in declared and "$ref" not in node:
            name = declared.split("#", 1)[1]
            return [name] if name else []
        return []
    return [node[k] for k in ("$anchor", "$dynamicAnchor") if isinstance(node.get(k), str)]


@dataclass(frozen=True, slots=True)
class Ref:
    tokens: Tokens  # where the "$ref" keyword's object sits
    value: str
    base: str | None  # the base URI in force there
    resource: Tokens  # where the schema resource it sits in starts


# Where a value sits, as a chain of (parent, key) built while walking; the tokens of the
# few places that need them are read off it (``tokens_of``).
Link = tuple["Link", str] | None


def tokens_of(link: Link) -> Tokens:
    tokens: list[str] = []
    while link is not None:
        link, key = link
        tokens.append(key)
    return tuple(reversed(tokens))


def walk(document: object, dialect: str) -> Iterator[tuple[Link, dict[str, Any], str | None, Link]]:
    """(where, object, base URI, resource start) for every object in a schema position
    (iterative: depth is no limit)."""
    stack: list[tuple[object, Link, str | None, Link, bool]] = [(document, None, None, None, False)]
    while stack:
        node, link, base, resource, is_names = stack.pop()
        if isinstance(node, list):
            stack.extend(
                (item, (link, str(i)), base, resource, False) for i, item in enumerate(node)
            )
            continue
        if not isinstance(node, dict):
            continue
        if is_names:  # property names (or definition names) to schemas
            stack.extend(
                (value, (link, str(key)), base, resource, False)
                for key, value in reversed(node.items())
            )
            continue
        own = _own_id(node, dialect)
        if own is not None:
            base = join_uri(base, own) or own
            resource = link
        yield link, node, base, resource
        stack.extend(
            (value, (link, str(key)), base, resource, key in SCHEMA_MAPS)
            for key, value in reversed(node.items())
            if key not in DATA_KEYWORDS
        )


def refs_in(document: object, dialect: str) -> list[Ref]:
    return [
        Ref(tokens_of(link), node["$ref"], base, tokens_of(resource))
        for link, node, base, resource in walk(document, dialect)
        if isinstance(node.get("$ref"), str)
    ]


def _where(tokens: Tokens) -> str:
    return "#" + "".join(f"/{escape(token)}" for token in (*tokens, "$ref"))


def check_references(
    document: object, dialect: str, references: tuple[ResolvedReference, ...]
) -> None:
    """Refuse a ``$ref`` that resolves to nothing: a local one that points nowhere in the
    schema, one naming no given reference, or one whose fragment is not in the schema it
    names. A reference that is not a JSON Schema is refused too."""
    for reference in references:
        if reference.schema.format is not SchemaFormat.JSON:
            raise InvalidSchemaError(
                f"Reference '{reference.name}' (subject '{reference.subject}', version "
                f"{reference.version}) is a {reference.schema.format.value} schema; a JSON "
                "Schema can refer only to JSON Schemas."
            )
    refs = refs_in(document, dialect)
    if not refs:
        return
    resource = referencing.jsonschema.specification_with(dialect).create_resource(document)
    uri = resource.id() or _ROOT_URI
    registry: referencing.Registry[Any] = referencing.Registry().with_resource(uri, resource)
    if any(ref.resource or not ref.value.startswith("#") for ref in refs):
        # The resources embedded with an id of their own (an id that is no URI leaves the
        # references to be resolved from the root only).
        with contextlib.suppress(ValueError):
            registry = registry.crawl()
    named = index(references)
    for ref in refs:
        where = _where(ref.tokens)
        target, _, fragment = ref.value.partition("#")
        base = join_uri(uri, ref.base) if ref.base else uri
        lookup = registry.resolver(base_uri=base or uri).lookup
        if not target:
            _look_up(
                lookup,
                ref.value,
                f"Reference '{ref.value}' at {where} does not resolve within the schema.",
            )
            continue
        named_one = named_by(target, ref.base, named)
        if named_one is None and _resolves(lookup, ref.value):
            continue  # a resource embedded in this schema, or the schema's own URI
        if named_one is None:
            given = ", ".join(f"'{name}'" for name in named)
            raise InvalidSchemaError(
                f"Reference '{ref.value}' at {where} points to '{target}', which is not one "
                "of the schema's references "
                + (f"(given: {given})." if given else "(none were given).")
            )
        if fragment:
            _look_up(
                _lookup_in(named_one.schema),
                "#" + fragment,
                f"Reference '{ref.value}' at {where} does not resolve: '#{fragment}' is not in "
                f"'{named_one.name}' (subject '{named_one.subject}', version "
                f"{named_one.version}).",
            )


def _lookup_in(schema: ParsedSchema) -> Callable[[str], object]:
    specification = referencing.jsonschema.specification_with(effective_dialect(schema))
    resource = specification.create_resource(schema.document)
    registry: referencing.Registry[Any] = referencing.Registry().with_resource(_ROOT_URI, resource)
    return registry.resolver(base_uri=_ROOT_URI).lookup


def _resolves(lookup: Callable[[str], object], ref: str) -> bool:
    try:
        lookup(ref)
    except (referencing.exceptions.Unresolvable, ValueError):
        return False
    return True


def _look_up(lookup: Callable[[str], object], ref: str, message: str) -> None:
    if not _resolves(lookup, ref):
        raise InvalidSchemaError(message)


__all__ = [
    "DATA_KEYWORDS",
    "SCHEMA_MAPS",
    "Link",
    "Ref",
    "Tokens",
    "anchors_of",
    "check_references",
    "effective_dialect",
    "index",
    "join_uri",
    "named_by",
    "pointer",
    "references_of",
    "refs_in",
    "remember",
    "tokens_of",
    "walk",
]
