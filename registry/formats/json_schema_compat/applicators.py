"""contains/minContains/maxContains and dependentSchemas (draft-07 schema dependencies).

Both are proved with side proofs rather than compared for equality:
- reader ``contains``: the writer's own ``contains`` (with at least as many matches) must
  fit it, or every item the writer allows must fit it while the writer's minItems
  guarantees enough items. A reader ``maxContains`` is only accepted unchanged.
- reader ``dependentSchemas``: when the trigger property is present the writer document
  must fit the dependent schema: the writer's own dependent schema for that trigger, or
  the writer as a whole, must be proved to fit it. A closed writer that never writes the
  trigger needs nothing.
"""

from __future__ import annotations

from fractions import Fraction

from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.nodes import Node
from registry.formats.json_schema_compat.pointers import describe


def _min_contains(node: Node) -> Fraction:
    value = node.number("minContains")
    return Fraction(1) if value is None else value


def check_contains(writer: Node, reader: Node, ctx: Comparison) -> None:
    """Every array the writer allows must hold what the reader's ``contains`` asks for."""
    reader_contains = reader.child("contains")
    if reader_contains is None:
        return
    needed = _min_contains(reader)
    if "maxContains" in reader.view and not ctx.is_same_value(
        [writer.view.get("contains"), writer.view.get("maxContains")],
        [reader.view.get("contains"), reader.view.get("maxContains")],
        writer,
        reader,
    ):
        _report(
            writer,
            reader,
            ctx,
            "UNDECIDABLE_CHANGE",
            f"The {ctx.reader_name} schema caps matching items of {describe(reader.path)} "
            f"with maxContains; whether every array the {ctx.writer_name} schema allows stays "
            "under it is not proved, so the change is treated as breaking.",
        )
        return
    if needed == 0:
        return
    writer_contains = writer.child("contains")
    if (
        writer_contains is not None
        and _min_contains(writer) >= needed
        and ctx.holds(writer_contains, reader_contains)
    ):
        return
    items = writer.child("items")
    has_prefix = bool(writer.schemas("prefixItems"))
    min_items = writer.number("minItems") or Fraction(0)
    if (
        min_items >= needed
        and not has_prefix
        and ctx.holds(items if items is not None else writer.true(), reader_contains)
    ):
        return
    _report(
        writer,
        reader,
        ctx,
        "CONTAINS_NARROWED",
        f"The {ctx.reader_name} schema requires {describe(reader.path)} to contain at least "
        f"{needed} item(s) matching its 'contains' schema; the {ctx.writer_name} schema "
        "allows arrays without them.",
    )


def check_dependent_schemas(writer: Node, reader: Node, ctx: Comparison) -> None:
    """When a trigger property is present, writer objects must fit the reader's schema."""
    writer_deps = writer.members("dependentSchemas")
    closed = writer.child("additionalProperties")
    is_closed = closed is not None and closed.is_false and not writer.members("patternProperties")
    for trigger in reader.members("dependentSchemas"):
        reader_dep = reader.child("dependentSchemas", trigger)
        if reader_dep is None or not reader_dep.asserts_anything():
            continue
        if is_closed and trigger not in writer.members("properties"):
            continue  # The writer never writes the trigger.
        writer_prop = writer.child("properties", trigger)
        if writer_prop is not None and writer_prop.is_false:
            continue
        writer_dep = writer.child("dependentSchemas", trigger) if trigger in writer_deps else None
        if writer_dep is not None and ctx.holds(writer_dep, reader_dep):
            continue
        if ctx.holds(writer.without("dependentSchemas"), reader_dep):
            continue
        _report(
            writer,
            reader,
            ctx,
            "DEPENDENT_SCHEMA_NARROWED",
            f"When '{trigger}' is present in {describe(reader.path)}, the {ctx.reader_name} "
            f"schema applies a dependent schema that is not proved to accept every object "
            f"the {ctx.writer_name} schema allows.",
        )


def _report(writer: Node, reader: Node, ctx: Comparison, code: str, message: str) -> None:
    ctx.report(code, message, writer.path, reader.path)
