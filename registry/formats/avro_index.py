"""What the Avro checker derives from a schema once and reuses in every comparison: each
record's fields by name, the named types each part of the schema refers to, and a digest
of every named type (equal digests mean identical types, whatever they reach)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from registry.formats.avro_model import NAMED_KINDS, PRIMITIVES, AvroDocument, NamedType, Node


@dataclass(frozen=True, slots=True)
class RecordInfo:
    """A record's canonical fields with the identity of each field's type (``identity``),
    and by name each field's position, field and identity."""

    fullname: str
    path: str | None
    fields: list[dict[str, Any]]
    identities: list[str]
    by_name: dict[str, tuple[int, dict[str, Any], str]]


class SchemaIndex:
    """Derived from one parsed schema on its first comparison, kept in its memo."""

    def __init__(self, document: AvroDocument) -> None:
        self.document = document
        self.types = document.types
        self._named_digests: dict[str, str] | None = None
        self._references: dict[int, tuple[str, ...]] = {}
        self._records: dict[str, RecordInfo] = {}

    def __reduce__(self) -> tuple[type[SchemaIndex], tuple[AvroDocument]]:
        # What is kept is keyed by object identity, which another process does not share:
        # a copy starts afresh.
        return (SchemaIndex, (self.document,))

    def resolve(self, node: Node) -> tuple[Node, NamedType | None]:
        """The schema a name stands for (with its named type), or ``node`` itself."""
        if isinstance(node, str) and node not in PRIMITIVES:
            named = self.types[node]
            return named.node, named
        if isinstance(node, dict) and node["type"] in NAMED_KINDS:
            return node, self.types[node["name"]]
        return node, None

    def references(self, node: Node) -> tuple[str, ...]:
        """The named types ``node`` uses by name (those it defines inline excluded): with
        equal JSON, two schemas are the same type when these are."""
        if isinstance(node, str):
            return () if node in PRIMITIVES else (node,)
        known = self._references.get(id(node))
        if known is None:
            names: list[str] = []
            _collect(node, names)
            known = tuple(dict.fromkeys(names))
            self._references[id(node)] = known
        return known

    def digest(self, name: str) -> str:
        if self._named_digests is None:
            self._named_digests = _named_digests(self.types)
        return self._named_digests[name]

    def identity(self, node: Node) -> str:
        """Equal identities (across schemas) mean the same type: the same canonical JSON
        naming the same types. ``repr`` of canonical JSON tells values apart as its text
        does, and is faster to make."""
        if isinstance(node, str):
            return node if node in PRIMITIVES else "\0" + self.digest(node)
        names = self.references(node)
        text = repr(node)
        return text if not names else "\0".join((text, *(self.digest(n) for n in names)))

    def record(self, named: NamedType) -> RecordInfo:
        info = self._records.get(named.fullname)
        if info is None:
            fields = named.node["fields"]
            identities = [self.identity(field["type"]) for field in fields]
            by_name = {
                field["name"]: (index, field, identities[index])
                for index, field in enumerate(fields)
            }
            info = RecordInfo(named.fullname, named.path, fields, identities, by_name)
            self._records[named.fullname] = info
        return info


def same_type(reader: SchemaIndex, r: Node, writer: SchemaIndex, w: Node) -> bool:
    """Whether ``r`` in the reader and ``w`` in the writer are provably the same type: the
    same canonical JSON, naming types that are the same on both sides."""
    if r is w and reader is writer:
        return True
    if r != w:
        return False
    return all(reader.digest(name) == writer.digest(name) for name in reader.references(r))


def _collect(node: Node, names: list[str]) -> None:
    if isinstance(node, str):
        if node not in PRIMITIVES:
            names.append(node)
    elif isinstance(node, list):
        for branch in node:
            _collect(branch, names)
    else:
        for field in node.get("fields", ()):
            _collect(field["type"], names)
        for key in ("items", "values"):
            if key in node:
                _collect(node[key], names)


def _hash(*parts: str) -> str:
    return hashlib.blake2b("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _shallow(node: Node, names: list[str], *, root: bool) -> Any:
    """``node`` with every named type other than the root reduced to its full name; the
    names it refers to or defines are appended to ``names``."""
    if isinstance(node, str):
        if node not in PRIMITIVES:
            names.append(node)
        return node
    if isinstance(node, list):
        return [_shallow(branch, names, root=False) for branch in node]
    if node["type"] in NAMED_KINDS and not root:
        names.append(node["name"])
        return node["name"]
    out = dict(node)
    if "fields" in node:
        out["fields"] = [
            {**field, "type": _shallow(field["type"], names, root=False)}
            for field in node["fields"]
        ]
    for key in ("items", "values"):
        if key in node:
            out[key] = _shallow(node[key], names, root=False)
    return out


def _named_digests(types: dict[str, NamedType]) -> dict[str, str]:
    """A digest per named type covering every type it reaches. Types that reach each
    other (a strongly connected component of the reference graph, e.g. a recursive record)
    share their definitions' text; each component also covers the digests of the
    components it reaches, computed first (Tarjan's algorithm yields them in that order).
    ``repr`` of canonical JSON values is as telling as their JSON text, and faster."""
    texts: dict[str, str] = {}
    edges: dict[str, list[str]] = {}
    for name, named in types.items():
        refs: list[str] = []
        texts[name] = repr(_shallow(named.node, refs, root=True))
        edges[name] = refs
    digests: dict[str, str] = {}
    for component in _components(edges):
        members = set(component)
        outside = sorted(
            {digests[ref] for name in component for ref in edges[name] if ref not in members}
        )
        shared = _hash(*(f"{name}\0{texts[name]}" for name in sorted(component)), *outside)
        for name in component:
            digests[name] = _hash(name, shared)
    return digests


def _components(edges: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components, each after those it reaches (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work: list[tuple[str, int]] = [(start, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = edges[node]
            if position < len(targets):
                work.append((node, position + 1))
                target = targets[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found
