"""JSON Schema ``$ref`` across registered schemas: what a reference names, the parse-time
check that every ``$ref`` resolves, and the one document the compatibility engine reads.

A schema is registered with references (``ParseContext.references``): each gives a
``name`` and the schema registered under it. A ``$ref`` outside the schema names one of
them when its URI without the fragment, as written or resolved against the base URI in
force where it sits (the schema's ``$id``, or a nested one), equals a reference's name
("address.json", "https://example.com/address.json"); its fragment then points inside
that schema ("address.json#/definitions/street"). Referenced schemas may have references
of their own.

The compatibility engine follows local references only, so it reads a bundle
(``working_document``): the schema with every schema it refers to, transitively, copied
under its ``$defs`` (``definitions`` before 2019-09), each copy naming its own draft with
``$schema``, and every reference to them, or inside them, rewritten as a local JSON
pointer. The registered text is not changed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urljoin

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
_DATA_KEYWORDS = frozenset({"enum", "const", "examples", "default"})
# Keywords whose value maps names to subschemas: its keys are names, not keywords.
_SCHEMA_MAPS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies"}
)
_MEMO_KEY = "references"
# What makes a bundled schema a resource of its own, left out of its copy.
_RESOURCE_KEYWORDS = frozenset({"$id", "$anchor", "$dynamicAnchor", "$schema"})

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


def _pointer(tokens: Tokens) -> str:
    """A URI fragment for ``tokens``: escaped as a JSON pointer, then percent-encoded."""
    return "".join("/" + quote(escape(token), safe="!$&'()*+,;=:@") for token in tokens)


def _uri_key(name: str) -> str:
    """``name`` without its fragment (no URI parsing: any text is a name)."""
    return name.split("#", 1)[0]


def _join(base: str | None, uri: str) -> str | None:
    """``uri`` resolved against ``base``; None when either is not a URI Python can read
    (ids and references are not format-checked)."""
    if base is None:
        return uri
    try:
        return urljoin(base, uri)
    except ValueError:
        return None


def _index(references: tuple[ResolvedReference, ...]) -> dict[str, ResolvedReference]:
    named: dict[str, ResolvedReference] = {}
    for reference in references:
        named.setdefault(_uri_key(reference.name), reference)
    return named


def _named(
    uri: str, base: str | None, named: Mapping[str, ResolvedReference]
) -> ResolvedReference | None:
    """The reference a ``$ref`` URI (fragment removed) names: as written, or resolved
    against ``base``; None when it names none."""
    found = named.get(uri)
    if found is None and base is not None:
        found = named.get(_join(base, uri) or uri)
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


def _anchor(node: dict[str, Any], dialect: str) -> list[str]:
    if dialect in DRAFTS_BEFORE_2019:
        declared = node.get(id_keyword(dialect))
        if isinstance(declared, str) and "#" in declared and "$ref" not in node:
            name = declared.split("#", 1)[1]
            return [name] if name else []
        return []
    return [node[k] for k in ("$anchor", "$dynamicAnchor") if isinstance(node.get(k), str)]


@dataclass(frozen=True, slots=True)
class _Ref:
    tokens: Tokens  # where the "$ref" keyword's object sits
    value: str
    base: str | None  # the base URI in force there
    resource: Tokens  # where the schema resource it sits in starts


# Where a value sits, as a chain of (parent, key) built while walking; the tokens of the
# few places that need them are read off it (``_tokens``).
Link = tuple["Link", str] | None


def _tokens(link: Link) -> Tokens:
    tokens: list[str] = []
    while link is not None:
        link, key = link
        tokens.append(key)
    return tuple(reversed(tokens))


def _walk(
    document: object, dialect: str
) -> Iterator[tuple[Link, dict[str, Any], str | None, Link]]:
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
            base = _join(base, own) or own
            resource = link
        yield link, node, base, resource
        stack.extend(
            (value, (link, str(key)), base, resource, key in _SCHEMA_MAPS)
            for key, value in reversed(node.items())
            if key not in _DATA_KEYWORDS
        )


def _refs(document: object, dialect: str) -> list[_Ref]:
    return [
        _Ref(_tokens(link), node["$ref"], base, _tokens(resource))
        for link, node, base, resource in _walk(document, dialect)
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
    refs = _refs(document, dialect)
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
    named = _index(references)
    for ref in refs:
        where = _where(ref.tokens)
        target, _, fragment = ref.value.partition("#")
        base = _join(uri, ref.base) if ref.base else uri
        lookup = registry.resolver(base_uri=base or uri).lookup
        if not target:
            _look_up(
                lookup,
                ref.value,
                f"Reference '{ref.value}' at {where} does not resolve within the schema.",
            )
            continue
        named_one = _named(target, ref.base, named)
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


@dataclass
class _Resource:
    """One schema of the bundle: where its copy goes and what its references name."""

    schema: ParsedSchema
    dialect: str
    location: Tokens
    named: dict[str, ResolvedReference]
    # URI -> where each embedded resource starts; (resource start, anchor) -> where it is
    uris: dict[str, Tokens] = field(default_factory=dict)
    anchors: dict[tuple[Tokens, str], Tokens] = field(default_factory=dict)
    is_scanned: bool = False


def working_document(schema: ParsedSchema) -> object:
    """The document the compatibility engine reads for ``schema``: its own, declaring the
    draft it was read in, with the schemas it refers to bundled in (see the module)."""
    document = schema.document
    dialect = effective_dialect(schema)
    references = references_of(schema)
    if not isinstance(document, dict):
        return document
    if not references:
        if dialect == DRAFT_2020_12 or "$schema" in document:
            return document
        return {**document, "$schema": dialect}
    keyword = "definitions" if dialect in DRAFTS_BEFORE_2019 else "$defs"
    existing = document.get(keyword)
    taken = set(existing) if isinstance(existing, dict) else set()
    resources = _closure(references, keyword, taken)
    root = _Resource(schema, dialect, (), _index(references))
    by_print = {resource.schema.fingerprint: resource for resource in resources}
    copy = _rewrite(root, by_print, is_root=True)
    if not isinstance(copy, dict):  # a copy of an object is an object
        return document
    copy["$schema"] = dialect
    members = dict(existing) if isinstance(existing, dict) else {}
    for resource in resources:
        bundled = _rewrite(resource, by_print, is_root=False)
        if isinstance(bundled, dict):
            bundled["$schema"] = resource.dialect
        members[resource.location[1]] = bundled
    copy[keyword] = members
    return copy


def _closure(
    references: tuple[ResolvedReference, ...], keyword: str, taken: set[str]
) -> list[_Resource]:
    """Every schema ``references`` lead to, once each, named after the first reference to
    it (the schema's own first)."""
    found: dict[str, _Resource] = {}
    queue = list(references)
    while queue:
        reference = queue.pop(0)
        schema = reference.schema
        if schema.fingerprint in found or schema.format is not SchemaFormat.JSON:
            continue
        name = reference.name or "reference"
        unique, suffix = name, 2
        while unique in taken:
            unique, suffix = f"{name}-{suffix}", suffix + 1
        taken.add(unique)
        own = references_of(schema)
        found[schema.fingerprint] = _Resource(
            schema, effective_dialect(schema), (keyword, unique), _index(own)
        )
        queue.extend(own)
    return list(found.values())


def _scan(resource: _Resource) -> None:
    if resource.is_scanned:
        return
    resource.is_scanned = True
    for link, node, base, start in _walk(resource.schema.document, resource.dialect):
        if start is link and base is not None:
            resource.uris.setdefault(base, _tokens(link))
        for name in _anchor(node, resource.dialect):
            resource.anchors.setdefault((_tokens(start), name), _tokens(link))


def _rewrite(resource: _Resource, by_print: dict[str, _Resource], *, is_root: bool) -> object:
    """A copy of ``resource``'s document with its references rewritten as pointers into
    the bundle. In the root only references to other schemas change; a bundled copy also
    loses what would make it a resource of its own (ids, anchors), which the rewritten
    pointers no longer need."""
    _scan(resource)
    document = resource.schema.document
    rewritten: dict[Tokens, str] = {}
    for ref in _refs(document, resource.dialect):
        target = _target(resource, ref, by_print, is_root=is_root)
        if target is not None:
            rewritten[ref.tokens] = target
    dropped = frozenset() if is_root else _RESOURCE_KEYWORDS | {id_keyword(resource.dialect)}
    return _copy(document, rewritten, dropped)


def _target(
    resource: _Resource, ref: _Ref, by_print: dict[str, _Resource], *, is_root: bool
) -> str | None:
    uri, _, fragment = ref.value.partition("#")
    holder, start = resource, ref.resource
    if uri:
        absolute = _join(ref.base, uri)
        if not is_root and absolute in resource.uris:
            start = resource.uris[absolute]
        else:
            reference = _named(uri, ref.base, resource.named)
            bundled = by_print.get(reference.schema.fingerprint) if reference else None
            if bundled is None:
                return None  # Not followed: the engine treats it as unknown.
            _scan(bundled)
            holder, start = bundled, ()
    elif is_root:
        return None  # The root's own references stay as written.
    if not fragment or fragment.startswith("/"):
        return "#" + _pointer((*holder.location, *start)) + fragment
    found = holder.anchors.get((start, unquote(fragment)))
    return None if found is None else "#" + _pointer((*holder.location, *found))


def _copy(document: object, rewritten: dict[Tokens, str], dropped: frozenset[str]) -> object:
    """A deep copy of ``document`` (iterative: depth is no limit) with the ``$ref`` values
    of ``rewritten`` replaced and the string-valued keywords ``dropped`` left out of its
    schema objects."""
    holder: list[object] = [document]
    stack: list[tuple[object, Link, Any, int | str, bool]] = [(document, None, holder, 0, False)]
    while stack:
        node, link, parent, slot, is_names = stack.pop()
        if isinstance(node, list):
            items: list[object] = list(node)
            parent[slot] = items
            stack.extend((item, (link, str(i)), items, i, False) for i, item in enumerate(node))
        elif isinstance(node, dict):
            members: dict[str, object] = dict(node)
            parent[slot] = members
            for key, value in node.items():
                if is_names:
                    stack.append((value, (link, key), members, key, False))
                elif key in dropped and isinstance(value, str):
                    del members[key]
                elif key == "$ref" and isinstance(value, str):
                    members[key] = rewritten.get(_tokens(link), value)
                elif key not in _DATA_KEYWORDS:
                    stack.append((value, (link, key), members, key, key in _SCHEMA_MAPS))
    return holder[0]


__all__ = [
    "check_references",
    "effective_dialect",
    "references_of",
    "remember",
    "working_document",
]
