"""The ``type`` keyword: the reader must accept every JSON type the writer allows."""

from __future__ import annotations

from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.nodes import Node
from registry.formats.json_schema_compat.pointers import describe

ALL_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})


def declared_types(node: Node) -> frozenset[str] | None:
    """The types ``node`` names; None when it has no ``type`` keyword (any type)."""
    value = node.view.get("type")
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, list):
        return frozenset(item for item in value if isinstance(item, str))
    return None


def _writer_types(node: Node) -> frozenset[str] | None:
    """Declared types, with "number" read as "integer" under an integral multipleOf: such
    a writer only writes integers (1.0 is an integer in JSON Schema)."""
    types = declared_types(node)
    step = node.number("multipleOf")
    if types and "number" in types and step is not None and step.denominator == 1:
        return (types - {"number"}) | {"integer"}
    return types


def possible_types(node: Node) -> frozenset[str]:
    """Every type a value may have under ``node``; integers are numbers too."""
    types = declared_types(node)
    if types is None:
        return ALL_TYPES
    return types | {"integer"} if "number" in types else types


def shared_types(writer: Node, reader: Node) -> frozenset[str]:
    """Types both sides can hold: other keywords only matter for values of these types."""
    return possible_types(writer) & possible_types(reader)


def is_integer_only(node: Node) -> bool:
    """Whether every number ``node`` allows is an integer."""
    types = declared_types(node)
    return types is not None and "number" not in types


def spell(types: frozenset[str] | list[str]) -> str:
    names = sorted(types)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def check_type(writer: Node, reader: Node, ctx: Comparison) -> None:
    """Writer types must be a subset of reader types ("integer" is within "number")."""
    reader_types = declared_types(reader)
    if reader_types is None:
        return
    writer_types = _writer_types(writer)
    if writer_types is None:
        ctx.report(
            "TYPE_NARROWED",
            f"The {ctx.reader_name} schema only accepts {spell(reader_types)} for "
            f"{describe(reader.path)}, "
            f"while the {ctx.writer_name} schema accepts any type; documents written with "
            f"the {ctx.writer_name} schema holding another type would be rejected.",
            writer.path,
            reader.path,
        )
        return
    accepted = possible_types(reader)
    missing = sorted(t for t in writer_types if t not in accepted)
    if not missing:
        return
    if possible_types(writer).isdisjoint(accepted):
        ctx.report(
            "TYPE_CHANGED",
            f"The type of {describe(reader.path)} is {spell(writer_types)} in the "
            f"{ctx.writer_name} schema "
            f"but {spell(reader_types)} in the {ctx.reader_name} schema; no document written "
            f"with the {ctx.writer_name} schema would be accepted there.",
            writer.path,
            reader.path,
        )
        return
    ctx.report(
        "TYPE_NARROWED",
        f"The {ctx.reader_name} schema does not accept {spell(missing)} for "
        f"{describe(reader.path)}, which "
        f"the {ctx.writer_name} schema allows; documents written with the "
        f"{ctx.writer_name} schema holding {spell(missing)} there would be rejected.",
        writer.path,
        reader.path,
    )
