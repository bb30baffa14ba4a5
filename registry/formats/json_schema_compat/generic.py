"""Keywords without a dedicated rule yet: compatible only when unchanged.

The later, complete catalog replaces these one family at a time; until then a change to
any of them is UNDECIDABLE_CHANGE, never silently compatible.
"""

from __future__ import annotations

from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.nodes import Node
from registry.formats.json_schema_compat.pointers import describe
from registry.formats.json_schema_compat.rules import KeywordCheck

# Their meaning depends on which sibling keywords evaluated what, so even an unchanged
# value can change meaning when the siblings change.
_SIBLING_DEPENDENT = frozenset({"unevaluatedProperties", "unevaluatedItems"})


def unchanged_or_undecidable(*keywords: str) -> KeywordCheck:
    """A rule accepting ``keywords`` only when the reader's values equal the writer's."""

    def check(writer: Node, reader: Node, ctx: Comparison) -> None:
        present = [keyword for keyword in keywords if keyword in reader.view]
        if not present:
            return
        writer_values = [writer.view.get(keyword) for keyword in keywords]
        reader_values = [reader.view.get(keyword) for keyword in keywords]
        if _SIBLING_DEPENDENT.isdisjoint(present) and ctx.is_same_value(
            writer_values, reader_values, writer, reader
        ):
            return
        ctx.report(
            "UNDECIDABLE_CHANGE",
            f"The {ctx.reader_name} schema's {'/'.join(present)} at {describe(reader.path)} "
            f"is not proved to accept everything the {ctx.writer_name} schema allows (this "
            "keyword is only compared for equality so far); the change is treated as breaking.",
            writer.path,
            reader.path,
        )

    return check
