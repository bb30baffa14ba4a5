"""The unevaluatedProperties and unevaluatedItems rules (2019-09, 2020-12; draft-07
ignores both).

A keyword whose evaluated set is static has already been rewritten into
``additionalProperties`` / ``items`` (or dropped) where the view was built (see
``evaluation``), so a reader keyword still in the view is one whose set depends on the
document. Such a reader keyword is proved when every annotation source of the writer's
closure is also in the reader's (names, patterns, positions, identical
document-dependent applicators) and the writer's keyword fits the reader's, or when the
writer is closed on names (positions) the reader always evaluates; anything else is
UNDECIDABLE_CHANGE. A writer's keyword is otherwise never relied on: ignoring it only
widens the writer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry.formats.json_schema_compat.dialects import DRAFT_2019_09
from registry.formats.json_schema_compat.evaluation import Built, Sources, Static, built_of
from registry.formats.json_schema_compat.pointers import describe, join

if TYPE_CHECKING:
    from registry.formats.json_schema_compat.context import Comparison
    from registry.formats.json_schema_compat.nodes import Node

_PROPERTIES = "unevaluatedProperties"
_ITEMS = "unevaluatedItems"


def check_unevaluated_properties(writer: Node, reader: Node, ctx: Comparison) -> None:
    """A dynamic reader unevaluatedProperties holds when the writer evaluates no more
    names with no wider schema for the rest, or writes only names the reader evaluates."""
    _check(writer, reader, ctx, _PROPERTIES)


def check_unevaluated_items(writer: Node, reader: Node, ctx: Comparison) -> None:
    """A dynamic reader unevaluatedItems holds when the writer evaluates no more positions
    with no wider schema for the rest, or writes only positions the reader evaluates."""
    _check(writer, reader, ctx, _ITEMS)


def _sources(built: Built, keyword: str) -> Sources:
    return built.analysis.properties if keyword == _PROPERTIES else built.analysis.items


def _check(writer: Node, reader: Node, ctx: Comparison, keyword: str) -> None:
    if keyword not in reader.view:
        return  # Static: rewritten into additionalProperties/items, or without effect.
    reader_built = built_of(reader)
    sources = _sources(reader_built, keyword) if reader_built is not None else None
    if sources is not None and _is_proved(writer, reader, sources, ctx, keyword):
        return
    what = "properties" if keyword == _PROPERTIES else "items"
    reason = sources.reason if sources is not None else None
    if reason is None:
        cause = f"which {what} it leaves unevaluated could not be determined"
    else:
        place = reason if reason.startswith("#") else f"{reader.path}{reason}"
        cause = f"which {what} are evaluated depends on each document through {place}"
    ctx.report(
        "UNDECIDABLE_CHANGE",
        f"The {ctx.reader_name} schema's {keyword} of {describe(reader.path)} applies to the "
        f"{what} its other keywords leave unevaluated, and {cause}; it is only proved when "
        f"the {ctx.writer_name} schema evaluates no more {what} and is no wider there, so "
        "the change is treated as breaking.",
        writer.path,
        reader.at(keyword),
    )


def _covers(reader_static: Static, writer_static: Static) -> bool:
    if isinstance(reader_static, tuple) and isinstance(writer_static, tuple):
        names, patterns = writer_static
        return names <= reader_static[0] and patterns <= reader_static[1]
    if isinstance(reader_static, int) and isinstance(writer_static, int):
        return writer_static <= reader_static
    return False


def _is_proved(writer: Node, reader: Node, sources: Sources, ctx: Comparison, keyword: str) -> bool:
    """Whether everything the reader leaves unevaluated in a writer document fits it.

    With every annotation source of the writer also in the reader (same names or fewer,
    same document-dependent applicators or fewer), the reader evaluates at least what the
    writer evaluates, so what it leaves over the writer left over too, and the writer's
    keyword already held it to a schema that must fit the reader's.
    """
    if sources.opaque:
        return False
    if _writes_only_evaluated(writer, sources, keyword):
        return True
    writer_built = built_of(writer)
    if writer_built is None or writer.side.dialect != reader.side.dialect:
        return False
    own = _sources(writer_built, keyword)
    if own.opaque or own.every or keyword not in writer_built.source:
        return False
    if not _covers(sources.static, own.static):
        return False
    prints = writer.side.fingerprints
    reader_parts = {(name, prints.shape(value)) for name, value in sources.parts}
    if any((name, prints.shape(value)) not in reader_parts for name, value in own.parts):
        return False
    if any(prints.has_ref(value) for _, value in own.parts) and prints.shape(
        writer.side.document
    ) != prints.shape(reader.side.document):
        return False  # Equal text, but its references may point at changed definitions.
    writer_value = writer_built.source[keyword]
    if ctx.is_same_value(writer_value, reader.view[keyword], writer, reader):
        return True
    reader_value = reader.child(keyword)
    if writer.side.dialect == DRAFT_2019_09 and not (
        isinstance(writer_value, bool) and reader_value is not None and reader_value.raw is False
    ):
        return False  # There a schema's own text decides what is evaluated (see ``evaluation``).
    written = writer.side.node(writer_value, join(writer.path, keyword))
    written = written.part() if writer.partial else written
    return reader_value is not None and ctx.holds(written, reader_value)


def _writes_only_evaluated(writer: Node, sources: Sources, keyword: str) -> bool:
    """Whether writer documents never hold what the reader may leave unevaluated: a writer
    closed on names (positions) that the reader's closure always evaluates."""
    if keyword == _PROPERTIES:
        if writer.view.get("additionalProperties") is not False:
            return False
        if writer.view.get("patternProperties") or not isinstance(sources.static, tuple):
            return False
        names = sources.static[0]
        declared = writer.members("properties")
        return all(name in names or declared[name] is False for name in declared)
    if not isinstance(sources.static, int):
        return False
    prefix = writer.view.get("prefixItems")
    length = len(prefix) if isinstance(prefix, list) else 0
    if writer.view.get("items") is False and length <= sources.static:
        return True
    longest = writer.number("maxItems")
    return longest is not None and longest <= sources.static
