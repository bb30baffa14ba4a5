"""$ref: local references are followed on each side of the comparison.

A reference pair already under comparison is assumed to hold (see ``Comparison``), so
recursive schemas terminate. A writer reference that cannot be followed is dropped, which
only makes the writer allow more; a reader one cannot be dropped and is reported.
"""

from __future__ import annotations

from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.dialects import ASSERTING
from registry.formats.json_schema_compat.nodes import Node

_DYNAMIC = ("$dynamicRef", "$recursiveRef")


def target(node: Node) -> Node | None:
    """The subschema ``node``'s ``$ref`` points at; None when it cannot be followed."""
    ref = node.view.get("$ref")
    resolved = node.side.resolve(ref) if isinstance(ref, str) else None
    if resolved is None or not isinstance(resolved[0], dict | bool):
        return None
    followed = node.side.node(*resolved)
    return followed.part() if node.partial else followed


def follow_references(writer: Node, reader: Node, ctx: Comparison) -> bool:
    """A schema that is nothing but a reference is compared as the schema it points at."""
    writer_next = _through(writer, reader, ctx, is_writer=True)
    reader_next = _through(reader, writer, ctx, is_writer=False)
    if writer_next is writer and reader_next is reader:
        return False
    if writer_next is not None and reader_next is not None:
        ctx.compare(writer_next, reader_next)
    return True


def _through(node: Node, other: Node, ctx: Comparison, *, is_writer: bool) -> Node | None:
    for keyword in (*_DYNAMIC, "$ref"):
        if keyword not in node.view:
            continue
        followed = target(node) if keyword == "$ref" else None
        if followed is not None:
            # With other asserting keywords beside it, the reference is one conjunct of
            # several; the combinator rule takes it from there.
            return followed if (ASSERTING & node.view.keys()) == {"$ref"} else node
        if is_writer:
            return node.without(keyword)
        ctx.report(
            "UNDECIDABLE_CHANGE",
            f"The {ctx.reader_name} schema uses {keyword} '{node.view[keyword]}' at "
            f"{node.path}, which this checker cannot follow (dynamic reference, anchor inside "
            "an embedded resource or unknown target); the change is treated as breaking.",
            other.path,
            node.path,
        )
        return None
    return node
