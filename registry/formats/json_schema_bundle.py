"""The one document the compatibility engine reads for a JSON Schema with references.

The engine follows local references only, so it reads a bundle (``working_document``):
the schema with every schema it refers to, transitively, copied under its ``$defs``
(``definitions`` before 2019-09), each copy naming its own draft with ``$schema``, and
every reference to them, or inside them, rewritten as a local JSON pointer (see
``json_schema_references`` for what a reference names). The registered text is not
changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from registry.formats.base import ParsedSchema, ResolvedReference
from registry.formats.json_schema_compat.dialects import (
    DRAFT_2020_12,
    DRAFTS_BEFORE_2019,
    id_keyword,
)
from registry.formats.json_schema_references import (
    DATA_KEYWORDS,
    SCHEMA_MAPS,
    Link,
    Ref,
    Tokens,
    anchors_of,
    effective_dialect,
    index,
    join_uri,
    named_by,
    pointer,
    references_of,
    refs_in,
    tokens_of,
    walk,
)
from registry.model import SchemaFormat

# What makes a bundled schema a resource of its own, left out of its copy.
_RESOURCE_KEYWORDS = frozenset({"$id", "$anchor", "$dynamicAnchor", "$schema"})


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
    root = _Resource(schema, dialect, (), index(references))
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
            schema, effective_dialect(schema), (keyword, unique), index(own)
        )
        queue.extend(own)
    return list(found.values())


def _scan(resource: _Resource) -> None:
    if resource.is_scanned:
        return
    resource.is_scanned = True
    for link, node, base, start in walk(resource.schema.document, resource.dialect):
        if start is link and base is not None:
            resource.uris.setdefault(base, tokens_of(link))
        for name in anchors_of(node, resource.dialect):
            resource.anchors.setdefault((tokens_of(start), name), tokens_of(link))


def _rewrite(resource: _Resource, by_print: dict[str, _Resource], *, is_root: bool) -> object:
    """A copy of ``resource``'s document with its references rewritten as pointers into
    the bundle. In the root only references to other schemas change; a bundled copy also
    loses what would make it a resource of its own (ids, anchors), which the rewritten
    pointers no longer need."""
    _scan(resource)
    document = resource.schema.document
    rewritten: dict[Tokens, str] = {}
    for ref in refs_in(document, resource.dialect):
        target = _target(resource, ref, by_print, is_root=is_root)
        if target is not None:
            rewritten[ref.tokens] = target
    dropped = frozenset() if is_root else _RESOURCE_KEYWORDS | {id_keyword(resource.dialect)}
    return _copy(document, rewritten, dropped)


def _target(
    resource: _Resource, ref: Ref, by_print: dict[str, _Resource], *, is_root: bool
) -> str | None:
    uri, _, fragment = ref.value.partition("#")
    holder, start = resource, ref.resource
    if uri:
        absolute = join_uri(ref.base, uri)
        if not is_root and absolute in resource.uris:
            start = resource.uris[absolute]
        else:
            reference = named_by(uri, ref.base, resource.named)
            bundled = by_print.get(reference.schema.fingerprint) if reference else None
            if bundled is None:
                return None  # Not followed: the engine treats it as unknown.
            _scan(bundled)
            holder, start = bundled, ()
    elif is_root:
        return None  # The root's own references stay as written.
    if not fragment or fragment.startswith("/"):
        return "#" + pointer((*holder.location, *start)) + fragment
    found = holder.anchors.get((start, unquote(fragment)))
    return None if found is None else "#" + pointer((*holder.location, *found))


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
                    members[key] = rewritten.get(tokens_of(link), value)
                elif key not in DATA_KEYWORDS:
                    stack.append((value, (link, key), members, key, key in SCHEMA_MAPS))
    return holder[0]
