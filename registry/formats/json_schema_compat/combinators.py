"""allOf, anyOf, oneOf, not (and ``$ref`` beside other keywords, which is a conjunction).

What is proved, in order:
- a combinator identical on both sides is already met by every writer document, so the
  reader's copy is set aside (the writer keeps its copy as information);
- reader allOf: the writer must fit every conjunct (exact);
- writer allOf: some conjunct, or all of them merged, must fit the reader (sufficient);
- reader not: proved when the writer provably excludes it (other types, other listed
  values, a discriminator), or when identical; otherwise not decided;
- reader anyOf, or a oneOf whose branches provably exclude each other: every writer
  branch (the writer itself if it has none) must fit some reader branch;
- writer anyOf/oneOf: every branch, with the writer's other keywords, must fit the reader.
Anything else is COMBINED_SCHEMA_CHANGED.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

from registry.formats.json_schema_compat import refs
from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.enums import listed_values
from registry.formats.json_schema_compat.json_types import possible_types
from registry.formats.json_schema_compat.nodes import Node, merge
from registry.formats.json_schema_compat.pointers import describe

_COMBINATORS = ("allOf", "anyOf", "oneOf", "not")
_MAX_DISJOINT_BRANCHES = 32


def check_combinators(writer: Node, reader: Node, ctx: Comparison) -> bool:
    """Handle the pair's combinators; True when the pair needs nothing more."""
    for keyword in _COMBINATORS:
        if (
            keyword in writer.view
            and keyword in reader.view
            and ctx.is_same_value(writer.view[keyword], reader.view[keyword], writer, reader)
        ):
            reader = reader.without(keyword)
    reader_parts = _conjuncts(reader)
    if reader_parts is not None:
        for part in reader_parts:
            ctx.compare(writer, part)
        return True
    writer_parts = _conjuncts(writer)
    if writer_parts is not None:
        _check_writer_conjunction(writer, writer_parts, reader, ctx)
        return True
    excluded = reader.child("not")
    if excluded is not None and _excludes(_resolved(writer), _resolved(excluded)):
        # No writer value can match what the reader excludes (other types, other values).
        ctx.compare(writer, reader.without("not"))
        return True
    if "not" in reader.view:
        _report(
            ctx,
            writer,
            reader,
            f"The {ctx.reader_name} schema excludes values with 'not' at "
            f"{describe(reader.path)} that differs from the {ctx.writer_name} schema's; "
            "excluded values are not compared, so the change is treated as breaking.",
        )
        ctx.compare(writer, reader.without("not"))
        return True
    # A writer's "not" only removes documents, so ignoring it is safe.
    writer = writer.without("not")
    reader_choice, writer_choice = _alternatives(reader), _alternatives(writer)
    if reader_choice is not None:
        _check_reader_alternatives(writer, writer_choice, reader, reader_choice, ctx)
        return True
    if writer_choice is not None:
        _check_writer_alternatives(writer, writer_choice, reader, ctx)
        return True
    return False


def _conjuncts(node: Node) -> list[Node] | None:
    if "allOf" not in node.view and "$ref" not in node.view:
        return None
    rest = node.without("allOf", "$ref")
    parts = [rest] if rest.asserts_anything() else []
    parts += node.schemas("allOf")
    if "$ref" in node.view and (followed := refs.target(node)) is not None:
        parts.append(followed)
    return parts


def _check_writer_conjunction(
    writer: Node, parts: list[Node], reader: Node, ctx: Comparison
) -> None:
    merged: Node | None = parts[0] if parts else writer.true()
    for part in parts[1:]:
        merged = merge(merged, part, writer.path) if merged is not None else None
    candidates = ([merged] if merged is not None else []) + parts
    if any(ctx.holds(candidate, reader) for candidate in candidates):
        return
    # Explain with the whole writer when it merges, else with its own keywords.
    findings = ctx.explain(merged if merged is not None else parts[0], reader)
    if findings:
        ctx.extend(findings)
        return
    _report(
        ctx,
        writer,
        reader,
        f"The {ctx.writer_name} schema combines subschemas with allOf at "
        f"{describe(writer.path)}; no single one of them is proved to fit the "
        f"{ctx.reader_name} schema, and they overlap too much to be merged.",
    )


def _alternatives(node: Node) -> tuple[str, list[Node]] | None:
    for keyword in ("anyOf", "oneOf"):
        if keyword in node.view:
            return keyword, node.schemas(keyword)
    return None


def _candidates(writer: Node, choice: tuple[str, list[Node]] | None) -> list[list[Node]]:
    """Per writer branch, the nodes that prove it: branch plus siblings, then branch alone."""
    if choice is None:
        return [[writer]]
    keyword, branches = choice
    rest = writer.without(keyword)
    if not rest.asserts_anything():
        return [[branch] for branch in branches]
    return [[c for c in (merge(rest, branch), branch) if c is not None] for branch in branches]


def _check_reader_alternatives(
    writer: Node,
    writer_choice: tuple[str, list[Node]] | None,
    reader: Node,
    reader_choice: tuple[str, list[Node]],
    ctx: Comparison,
) -> None:
    keyword, branches = reader_choice
    ctx.compare(writer, reader.without(keyword))
    if keyword == "oneOf" and not _are_disjoint(branches):
        _report(
            ctx,
            writer,
            reader,
            f"The {ctx.reader_name} schema's oneOf at {describe(reader.path)} differs from the "
            f"{ctx.writer_name} schema's and its branches may overlap (a document matching two "
            "is rejected); the change is treated as breaking.",
        )
        return
    for candidates in _candidates(writer, writer_choice):
        if any(ctx.holds(c, branch) for c in candidates for branch in branches):
            continue
        what = (
            f"the values the {ctx.writer_name} schema allows for {describe(writer.path)}"
            if writer_choice is None
            else f"the {ctx.writer_name} schema's branch {candidates[-1].path}"
        )
        _report(
            ctx,
            candidates[-1],
            reader,
            f"The {ctx.reader_name} schema requires {describe(reader.path)} to match one of "
            f"its {keyword} branches, and none of them is proved to accept all of {what}.",
        )


def _check_writer_alternatives(
    writer: Node, writer_choice: tuple[str, list[Node]], reader: Node, ctx: Comparison
) -> None:
    if ctx.holds(writer.without(writer_choice[0]), reader):
        return
    for candidates in _candidates(writer, writer_choice):
        if not any(ctx.holds(candidate, reader) for candidate in candidates):
            ctx.extend(ctx.explain(candidates[0], reader))


def _report(ctx: Comparison, writer: Node, reader: Node, message: str) -> None:
    ctx.report("COMBINED_SCHEMA_CHANGED", message, writer.path, reader.path)


def _resolved(node: Node) -> Node:
    for _ in range(8):  # A few hops suffice for "oneOf of $refs"; cycles stop here.
        followed = refs.target(node) if set(node.view) & {"$ref"} else None
        if followed is None:
            return node
        node = followed
    return node


def _are_disjoint(branches: list[Node]) -> bool:
    """Whether no value can match two branches: by type, or by a discriminator property."""
    if len(branches) > _MAX_DISJOINT_BRANCHES:
        return False
    resolved = [_resolved(branch) for branch in branches]
    return all(_excludes(a, b) for a, b in combinations(resolved, 2))


def _excludes(first: Node, second: Node) -> bool:
    if first.is_false or second.is_false:
        return True
    shared = possible_types(first) & possible_types(second)
    if not shared:
        return True
    prints = first.side.fingerprints
    if _are_apart(listed_values(first), listed_values(second), prints.digest):
        return True
    if not shared <= {"object"}:
        return False
    both_required = set(first.names("required")) & set(second.names("required"))
    for name in sorted(both_required):
        left, right = first.child("properties", name), second.child("properties", name)
        if left is None or right is None:
            continue
        if _are_apart(listed_values(left), listed_values(right), prints.digest):
            return True
    return False


def _are_apart(
    left: list[object] | None, right: list[object] | None, digest: Callable[[object], bytes]
) -> bool:
    if left is None or right is None:
        return False
    return {digest(value) for value in left}.isdisjoint(digest(value) for value in right)
