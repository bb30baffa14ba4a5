"""Avro schema JSON checked against the specification and rewritten in canonical form.

The canonical form is what the registry stores and returns, so it must stay a schema every
reader parses (the Java parser, fastavro) and keep everything readers act on. It differs
from the submitted text only in what cannot change a reader's behaviour:

- no insignificant whitespace; attributes in a fixed order (name, type, the type's own
  attributes, logical type, default, doc, aliases, then any other attribute sorted by key);
- ``{"type": "string"}`` is ``"string"``; ``{"type": "Name"}`` is ``"Name"``;
- named types carry their full name (``"name": "a.b.User"``, no ``namespace``; a type in
  the null namespace inside a namespaced one keeps ``"namespace": ""``), references to
  them are full names, aliases of named types are full names, sorted;
- field ``order`` is dropped when ``ascending`` (the default), decimal ``scale`` when 0;
- default values of ``float``/``double`` are JSON numbers with a fraction (``1`` is ``1.0``);
- attributes the Java parser drops (``doc``, ``aliases``, ``name``, ``namespace`` on a
  primitive, array or map) are dropped.

``doc``, aliases, defaults, logical types and any other attribute are kept: Confluent's
registry treats a change to any of them as a new schema (see docs/formats-avro.md).
"""

from __future__ import annotations

import string
from typing import Any

from registry.errors import InvalidSchemaError
from registry.formats.avro_defaults import check_default
from registry.formats.avro_logical import consumed, logical_attributes
from registry.formats.avro_model import NAMED_KINDS, PRIMITIVES, NamedType, Node, shown

# How deep schemas may nest (records in fields, array items, map values, union branches):
# far beyond any real schema, and shallow enough for the recursive readers (ours, the
# Avro library's) to stay within Python's stack.
MAX_DEPTH = 100
# The largest fixed size the Java implementation reads (a Java int).
MAX_FIXED_SIZE = 2**31 - 1

# The specification's name grammar, [A-Za-z_][A-Za-z0-9_]*
_NAME_START = frozenset(string.ascii_letters + "_")
_NAME_REST = frozenset(string.ascii_letters + string.digits + "_")
_ORDERS = frozenset({"ascending", "descending", "ignore"})
# Attributes the Java parser reserves: on a schema of a kind that does not use them they
# are dropped, never kept as custom attributes.
_RESERVED = frozenset(
    {"type", "name", "namespace", "doc", "aliases", "fields", "items", "values", "size", "symbols"}
)
_FIELD_RESERVED = frozenset({"name", "type", "default", "order", "doc", "aliases"})


def canonicalize(
    document: object, known: dict[str, NamedType]
) -> tuple[Node, dict[str, NamedType]]:
    """The canonical JSON of ``document`` and the named types it defines. ``known``: the
    named types its references define, which it may use by name but not redefine."""
    reader = _Reader(known)
    schema = reader.schema(document, "#", None, 0)
    types = {**known, **reader.defined}
    # Defaults are checked once every type is complete: a record's field may default to a
    # value of a record defined after it, or of the record itself.
    for field, path, where in reader.defaults:
        default = check_default(field["default"], field["type"], types, path, where)
        field["default"] = _sorted(default)
    return schema, reader.defined


def is_name(value: object) -> bool:
    return (
        isinstance(value, str)
        and value[:1] in _NAME_START
        and all(char in _NAME_REST for char in value[1:])
    )


def is_full_name(value: object) -> bool:
    return isinstance(value, str) and all(is_name(part) for part in value.split("."))


def _sorted(value: Any) -> Any:
    """A JSON value whose objects have their keys sorted, so that attribute order in
    custom attributes and default values never changes the canonical text."""
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


class _Reader:
    def __init__(self, known: dict[str, NamedType]) -> None:
        self.known = known
        self.defined: dict[str, NamedType] = {}
        # (canonical field, JSON pointer of its default, what the field is)
        self.defaults: list[tuple[dict[str, Any], str, str]] = []

    def schema(self, node: object, path: str, space: str | None, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise InvalidSchemaError(f"Schema at {path} nests deeper than {MAX_DEPTH} levels.")
        if isinstance(node, str):
            return self.reference(node, path, space)
        if isinstance(node, list):
            return self.union(node, path, space, depth)
        if isinstance(node, dict):
            return self.schema_object(node, path, space, depth)
        raise InvalidSchemaError(
            f"Schema at {path} must be a type name, an object or a union (an array), "
            f"got {shown(node)}."
        )

    def reference(self, name: str, path: str, space: str | None) -> str:
        if name in PRIMITIVES:
            return name
        if name in NAMED_KINDS or name in ("array", "map"):
            raise InvalidSchemaError(
                f'Type \'{name}\' at {path} must be written as an object: {{"type": "{name}", '
                "...} with its attributes."
            )
        full = name if "." in name or not space else f"{space}.{name}"
        if full in self.defined or full in self.known:
            return full
        read_as = "" if full == name else f" (read as '{full}', in the enclosing namespace)"
        raise InvalidSchemaError(
            f"Unknown type '{name}'{read_as} at {path}: it is neither a primitive type nor a "
            "named type defined earlier in this schema or in its references."
        )

    def union(self, branches: list[Any], path: str, space: str | None, depth: int) -> Node:
        if not branches:
            raise InvalidSchemaError(f"Union at {path} is empty; a union needs a branch.")
        out: list[Node] = []
        seen: dict[str, int] = {}
        for index, branch in enumerate(branches):
            where = f"{path}/{index}"
            if isinstance(branch, list):
                raise InvalidSchemaError(
                    f"Union at {path} contains another union at {where}; unions may not "
                    "contain unions directly."
                )
            canonical = self.schema(branch, where, space, depth + 1)
            key = _branch_key(canonical)
            if key in seen:
                raise InvalidSchemaError(
                    f"Union at {path} has two branches of type '{key}' (branches "
                    f"{seen[key]} and {index}); a union holds each type once, named types "
                    "once per name."
                )
            seen[key] = index
            out.append(canonical)
        return out

    def schema_object(self, node: dict[str, Any], path: str, space: str | None, depth: int) -> Node:
        if "type" not in node:
            raise InvalidSchemaError(f"Schema object at {path} has no 'type'.")
        kind = node["type"]
        if isinstance(kind, dict | list) and len(node) == 1:
            # {"type": {...}} is the schema inside it.
            return self.schema(kind, f"{path}/type", space, depth + 1)
        if not isinstance(kind, str):
            raise InvalidSchemaError(
                f"'type' at {path}/type must be a type name (a string), got {shown(kind)}."
            )
        if kind in PRIMITIVES:
            return self.primitive(node, kind, path)
        if kind == "record":
            return self.record(node, path, space, depth)
        if kind == "enum":
            return self.enum(node, path, space)
        if kind == "fixed":
            return self.fixed(node, path, space)
        if kind in ("array", "map"):
            return self.container(node, kind, path, space, depth)
        # {"type": "Name"} refers to a named type, as the Java parser reads it.
        return self.reference(kind, f"{path}/type", space)

    def primitive(self, node: dict[str, Any], kind: str, path: str) -> Node:
        logical = logical_attributes(node, kind, path)
        attributes = {**logical, **self.extras(node, _RESERVED | consumed(logical))}
        return {"type": kind, **attributes} if attributes else kind

    def container(
        self, node: dict[str, Any], kind: str, path: str, space: str | None, depth: int
    ) -> Node:
        key = "items" if kind == "array" else "values"
        if key not in node:
            raise InvalidSchemaError(f"The {kind} at {path} has no '{key}'.")
        inner = self.schema(node[key], f"{path}/{key}", space, depth + 1)
        logical_attributes(node, kind, path)  # a logical type the specification defines is refused
        return {"type": kind, key: inner, **self.extras(node, _RESERVED)}

    def define(
        self, node: dict[str, Any], kind: str, path: str, space: str | None
    ) -> tuple[dict[str, Any], str | None]:
        """Register the named type ``node`` defines; its canonical object so far (name and
        type) and the namespace of its full name."""
        name = node.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidSchemaError(f"The {kind} at {path} needs a 'name' (a non-empty string).")
        namespace = node.get("namespace")
        if "." in name or namespace is None:
            own_space = space
        elif isinstance(namespace, str):
            own_space = namespace or None
        else:
            raise InvalidSchemaError(
                f"'namespace' at {path}/namespace must be a string, got {shown(namespace)}."
            )
        full = name if "." in name or not own_space else f"{own_space}.{name}"
        if not is_full_name(full):
            raise InvalidSchemaError(
                f"Name '{full}' of the {kind} at {path} is not a valid Avro name: each part "
                "must start with a letter or '_' and contain only letters, digits and '_'."
            )
        if full.rsplit(".", 1)[-1] in PRIMITIVES:
            raise InvalidSchemaError(
                f"The {kind} at {path} may not be named '{full}': primitive type names "
                "cannot name a type."
            )
        previous = self.defined.get(full) or self.known.get(full)
        if previous is not None:
            where = (
                f"by reference '{previous.origin}'" if previous.origin else f"at {previous.path}"
            )
            raise InvalidSchemaError(f"Type '{full}' at {path} is already defined {where}.")
        out: dict[str, Any] = {"name": full}
        if "." not in full and space:
            out["namespace"] = ""  # otherwise readers would put it in the enclosing namespace
        out["type"] = kind
        self.defined[full] = NamedType(full, out, path)
        return out, full.rpartition(".")[0] or None

    def named_attributes(
        self,
        node: dict[str, Any],
        out: dict[str, Any],
        path: str,
        space: str | None,
        consumed: frozenset[str] = frozenset(),
    ) -> None:
        """doc, aliases (as full names, relative ones in the type's namespace) and custom
        attributes of a record, enum or fixed."""
        _doc(node, out, path)
        if "aliases" in node:
            aliases = {
                alias if "." in alias or not space else f"{space}.{alias}"
                for alias in _names(node["aliases"], f"{path}/aliases", qualified=True)
            }
            if aliases:
                out["aliases"] = sorted(aliases)
        reserved = _RESERVED | consumed
        if out["type"] == "enum":
            reserved |= {"default"}
        out.update(self.extras(node, reserved))

    def record(self, node: dict[str, Any], path: str, space: str | None, depth: int) -> Node:
        fields = node.get("fields")
        out, own_space = self.define(node, "record", path, space)
        if not isinstance(fields, list):
            raise InvalidSchemaError(
                f"Record '{out['name']}' at {path} needs 'fields', an array of field objects."
            )
        canonical_fields: list[dict[str, Any]] = []
        out["fields"] = canonical_fields
        self.named_attributes(node, out, path, own_space)
        seen: dict[str, str] = {}
        for index, field in enumerate(fields):
            where = f"{path}/fields/{index}"
            canonical_fields.append(self.field(field, where, out["name"], own_space, depth, seen))
        return out

    def field(
        self,
        field: object,
        path: str,
        record: str,
        space: str | None,
        depth: int,
        seen: dict[str, str],
    ) -> dict[str, Any]:
        if not isinstance(field, dict):
            raise InvalidSchemaError(f"Field at {path} of record '{record}' must be an object.")
        name = field.get("name")
        if not is_name(name):
            raise InvalidSchemaError(
                f"Field name {shown(name)} at {path}/name of record '{record}' is not a valid "
                "Avro name: it must start with a letter or '_' and contain only letters, "
                "digits and '_'."
            )
        assert isinstance(name, str)
        if name in seen:
            raise InvalidSchemaError(
                f"Record '{record}' has two fields named '{name}' (at {seen[name]} and {path})."
            )
        seen[name] = path
        if "type" not in field:
            raise InvalidSchemaError(
                f"Field '{name}' of record '{record}' at {path} has no 'type'."
            )
        out: dict[str, Any] = {
            "name": name,
            "type": self.schema(field["type"], f"{path}/type", space, depth + 1),
        }
        if "default" in field:
            out["default"] = field["default"]
            self.defaults.append((out, f"{path}/default", f"field '{name}' of record '{record}'"))
        order = field.get("order")
        if order is not None and (not isinstance(order, str) or order not in _ORDERS):
            raise InvalidSchemaError(
                f"'order' at {path}/order must be ascending, descending or ignore, "
                f"got {shown(order)}."
            )
        if order is not None and order != "ascending":
            out["order"] = order
        _doc(field, out, path)
        if "aliases" in field:
            aliases = _names(field["aliases"], f"{path}/aliases", qualified=False)
            if aliases:
                out["aliases"] = sorted(set(aliases))
        out.update(self.extras(field, _FIELD_RESERVED))
        return out

    def enum(self, node: dict[str, Any], path: str, space: str | None) -> Node:
        out, own_space = self.define(node, "enum", path, space)
        symbols = node.get("symbols")
        if not isinstance(symbols, list):
            raise InvalidSchemaError(
                f"Enum '{out['name']}' at {path} needs 'symbols', an array of names."
            )
        seen: set[str] = set()
        for index, symbol in enumerate(symbols):
            if not is_name(symbol):
                raise InvalidSchemaError(
                    f"Symbol {shown(symbol)} at {path}/symbols/{index} of enum '{out['name']}' "
                    "is not a valid Avro name."
                )
            if symbol in seen:
                raise InvalidSchemaError(
                    f"Enum '{out['name']}' at {path} lists the symbol '{symbol}' twice."
                )
            seen.add(symbol)
        out["symbols"] = list(symbols)
        if "default" in node:
            default = node["default"]
            if not isinstance(default, str) or default not in seen:
                raise InvalidSchemaError(
                    f"The default {shown(default)} of enum '{out['name']}' at {path}/default is "
                    "not one of its symbols."
                )
            out["default"] = default
        self.named_attributes(node, out, path, own_space)
        return out

    def fixed(self, node: dict[str, Any], path: str, space: str | None) -> Node:
        out, own_space = self.define(node, "fixed", path, space)
        size = node.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_FIXED_SIZE:
            raise InvalidSchemaError(
                f"Fixed '{out['name']}' at {path} needs 'size', an integer from 0 to "
                f"{MAX_FIXED_SIZE}, got {shown(size)}."
            )
        out["size"] = size
        logical = logical_attributes(node, "fixed", path, size)
        out.update(logical)
        self.named_attributes(node, out, path, own_space, consumed(logical))
        return out

    def extras(self, node: dict[str, Any], reserved: frozenset[str]) -> dict[str, Any]:
        """Custom attributes, keys sorted (logical type attributes already placed stay)."""
        return {key: _sorted(node[key]) for key in sorted(node) if key not in reserved}


def _branch_key(canonical: Node) -> str:
    """What makes two union branches the same: the type, or the full name of a named type."""
    if isinstance(canonical, str):
        return canonical
    if canonical["type"] in NAMED_KINDS:
        return str(canonical["name"])
    return str(canonical["type"])


def _doc(node: dict[str, Any], out: dict[str, Any], path: str) -> None:
    if "doc" in node:
        if not isinstance(node["doc"], str):
            raise InvalidSchemaError(
                f"'doc' at {path}/doc must be a string, got {shown(node['doc'])}."
            )
        out["doc"] = node["doc"]


def _names(value: object, path: str, *, qualified: bool) -> list[str]:
    valid = is_full_name if qualified else is_name
    if not isinstance(value, list):
        raise InvalidSchemaError(f"'aliases' at {path} must be an array of names.")
    for index, alias in enumerate(value):
        if not valid(alias):
            raise InvalidSchemaError(
                f"Alias {shown(alias)} at {path}/{index} is not a valid Avro name."
            )
    return list(value)
