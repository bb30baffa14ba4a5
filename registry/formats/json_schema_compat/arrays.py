"""Array keywords: tuples (prefixItems), items, minItems, maxItems, uniqueItems.

Draft-07 and 2019-09 tuples (an ``items`` array plus ``additionalItems``) arrive here in
2020-12 spelling, so every tuple shape is compared position by position. A writer's
arrays are as long as ``maxItems`` allows, or as many distinct values as unique items of
a finite item schema can take (see ``longest``).
"""

from __future__ import annotations

from fractions import Fraction

from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.counts import check_count_bounds
from registry.formats.json_schema_compat.enums import FINITE_TYPES, listed_values
from registry.formats.json_schema_compat.json_types import declared_types
from registry.formats.json_schema_compat.nodes import Node
from registry.formats.json_schema_compat.pointers import describe


def _item_at(node: Node, index: int) -> Node | None:
    """The schema position ``index`` must match; None when nothing constrains it."""
    prefix = node.view.get("prefixItems")
    if isinstance(prefix, list) and index < len(prefix):
        return node.child("prefixItems", index)
    return node.child("items")


def longest(node: Node) -> Fraction | None:
    """The most items an array of ``node`` can hold: ``maxItems``, or, with ``uniqueItems``
    and one item schema of finitely many values (listed, or booleans and null), that many
    distinct values; None when unbounded."""
    limit = node.number("maxItems")
    items = node.child("items")
    if node.view.get("uniqueItems") is not True or items is None or node.schemas("prefixItems"):
        return limit
    values = listed_values(items)
    if values is None:
        types = declared_types(items)
        if types is None or not types <= {"boolean", "null"}:
            return limit
        values = [value for name in sorted(types) for value in FINITE_TYPES[name]]
    digest = node.side.fingerprints.digest
    distinct = Fraction(len({digest(value) for value in values}))
    return distinct if limit is None else min(limit, distinct)


def check_array(writer: Node, reader: Node, ctx: Comparison) -> None:
    """Every array the writer allows must pass the reader's array keywords."""
    _check_items(writer, reader, ctx)
    _check_counts(writer, reader, ctx)


def _check_items(writer: Node, reader: Node, ctx: Comparison) -> None:
    writer_max = longest(writer)
    positions = max(len(writer.schemas("prefixItems")), len(reader.schemas("prefixItems")))
    # Positions past the explicit tuples share one schema per side, so the tail is compared
    # once, as position ``positions``.
    for index in range(positions + 1):
        if writer_max is not None and index >= writer_max:
            return  # The writer never writes arrays this long.
        reader_item = _item_at(reader, index)
        if reader_item is None or not reader_item.asserts_anything():
            continue
        writer_item = _item_at(writer, index)
        if writer_item is not None:
            ctx.compare(writer_item, reader_item)
        elif not ctx.holds(writer.true(), reader_item):
            ctx.report(
                "ITEMS_NARROWED",
                f"The {ctx.reader_name} schema constrains {describe(reader_item.path)}, which "
                f"the {ctx.writer_name} schema leaves unconstrained; documents written with "
                f"the {ctx.writer_name} schema may hold any value there.",
                writer.path,
                reader_item.path,
            )


def _check_counts(writer: Node, reader: Node, ctx: Comparison) -> None:
    writer_max = longest(writer)
    check_count_bounds(
        writer,
        reader,
        ctx,
        noun="items",
        keywords=("minItems", "maxItems"),
        codes=("MIN_ITEMS_INCREASED", "MAX_ITEMS_DECREASED"),
        writer_min=writer.number("minItems") or 0,
        writer_max=writer_max,
    )
    unique_needed = reader.view.get("uniqueItems") is True
    unique_given = writer.view.get("uniqueItems") is True or (
        writer_max is not None and writer_max <= 1
    )
    if unique_needed and not unique_given:
        ctx.report(
            "UNIQUE_ITEMS_ADDED",
            f"The {ctx.reader_name} schema requires the items of {describe(reader.path)} to be "
            "unique; the "
            f"{ctx.writer_name} schema allows duplicates.",
            writer.path,
            reader.path,
        )
