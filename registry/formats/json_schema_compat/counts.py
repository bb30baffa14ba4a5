"""How many items or properties: the reader's minimum and maximum against the writer's."""

from __future__ import annotations

from fractions import Fraction

from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.nodes import Node
from registry.formats.json_schema_compat.pointers import describe


def check_count_bounds(
    writer: Node,
    reader: Node,
    ctx: Comparison,
    *,
    noun: str,
    keywords: tuple[str, str],
    codes: tuple[str, str],
    writer_min: Fraction | int,
    writer_max: Fraction | None,
) -> None:
    """The reader's ``keywords`` (minimum, maximum) must admit every count the writer's
    bounds (``writer_min``, ``writer_max``; None: unbounded) allow."""
    reader_min = reader.number(keywords[0])
    if reader_min is not None and reader_min > writer_min:
        ctx.report(
            codes[0],
            f"The {ctx.reader_name} schema requires at least {reader_min} {noun} in "
            f"{describe(reader.path)}; "
            f"the {ctx.writer_name} schema allows as few as {writer_min}.",
            writer.path,
            reader.path,
        )
    reader_max = reader.number(keywords[1])
    if reader_max is not None and (writer_max is None or writer_max > reader_max):
        allowed = "any number" if writer_max is None else f"up to {writer_max}"
        ctx.report(
            codes[1],
            f"The {ctx.reader_name} schema allows at most {reader_max} {noun} in "
            f"{describe(reader.path)}; "
            f"the {ctx.writer_name} schema allows {allowed}.",
            writer.path,
            reader.path,
        )
