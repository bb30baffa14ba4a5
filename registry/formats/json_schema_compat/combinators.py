"""allOf, anyOf, oneOf, not (and ``$ref`` beside other keywords, which is a conjunction).

What is proved, in order:
- a combinator identical on both sides is already met by every writer document, so the
  reader's copy is set aside (the writer keeps its copy as information);
- reader allOf: the writer must fit every conjunct (exact);
- writer allOf: some conjunct, or all of them merged, must fit the reader (sufficient);
- reader ``not N``: the writer (or each of its anyOf/oneOf branches) must share no document
  with N. Disjointness (``exclusion.excludes``) is shown by types, by listed values
  (compared, or validated against the other schema; booleans and null count as listed),
  by a required property the other side cannot carry, or by a required property whose
  schemas are disjoint (a discriminator); or the writer has its own ``not M`` with N
  proved to fit M.
  A value N lists that the writer allows is a counterexample (VALUE_EXCLUDED);
- reader anyOf, or a oneOf whose branches provably exclude each other: every writer
  branch (the writer itself if it has none) must fit some reader branch;
- reader oneOf whose branches may overlap: every writer branch must fit one reader branch
  and be unable to match any other: disjoint from it, or (writer oneOf) the same schema as,
  or proved to fit within, another writer branch, which by definition the branch's
  documents never match;
- writer anyOf/oneOf: every branch, with the writer's other keywords, must fit the reader.
Anything else is COMBINED_SCHEMA_CHANGED.
"""

from __future__ import annotations

from itertools import combinations

from registry.formats.json_schema_compat import refs
from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.enums import spell_values
from registry.formats.json_schema_compat.exclusion import (
    exact,
    excludes,
    holds_across,
    resolved,
    shared_listed_value,
)
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
    if "not" in reader.view:
        _check_reader_not(writer, reader, ctx)
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
    # Each conjunct alone leaves undeclared what another declares.
    return [part.part() for part in parts] if len(parts) > 1 else parts


def _check_writer_conjunction(
    writer: Node, parts: list[Node], reader: Node, ctx: Comparison
) -> None:
    merged: Node | None = parts[0] if parts else writer.true()
    for part in parts[1:]:
        merged = (
            merge(merged, part, writer.path, partial=writer.partial) if merged is not None else None
        )
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


def _check_reader_not(writer: Node, reader: Node, ctx: Comparison) -> None:
    """The reader rejects what ``not`` holds: writer documents must all lie outside it."""
    excluded = reader.child("not")
    if excluded is not None:
        target = resolved(excluded)
        if _shares_nothing(writer, target, ctx):
            return
        allowed = shared_listed_value(writer, target)
        if allowed:
            ctx.report(
                "VALUE_EXCLUDED",
                f"The {ctx.reader_name} schema's 'not' at {describe(reader.path)} excludes "
                f"{spell_values(allowed)}, which the {ctx.writer_name} schema allows; "
                f"documents written with the {ctx.writer_name} schema holding it would be "
                "rejected.",
                writer.path,
                reader.path,
            )
            return
    _report(
        ctx,
        writer,
        reader,
        f"The {ctx.reader_name} schema excludes values with 'not' at "
        f"{describe(reader.path)} that differs from the {ctx.writer_name} schema's; the "
        f"documents the {ctx.writer_name} schema allows are not proved to lie outside it, "
        "so the change is treated as breaking.",
    )


def _shares_nothing(writer: Node, target: Node, ctx: Comparison) -> bool:
    """Whether no writer document is valid under ``target`` (a reader-side schema)."""
    if _outside(writer, target, ctx):
        return True
    choice = _alternatives(writer)
    if choice is None:
        return False
    # Writer documents match some branch, with the writer's other keywords.
    return all(
        any(_outside(candidate, target, ctx) for candidate in candidates)
        for candidates in _candidates(writer, choice)
    )


def _outside(writer: Node, target: Node, ctx: Comparison) -> bool:
    if excludes(resolved(writer), target):
        return True
    # The writer's own "not M" rejects all of M, so all of ``target`` if it fits M.
    own = writer.child("not")
    return own is not None and holds_across(target, exact(own), ctx)


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
    return [
        [c for c in (merge(rest, branch, partial=writer.partial), branch.part()) if c is not None]
        for branch in branches
    ]


def _check_reader_alternatives(
    writer: Node,
    writer_choice: tuple[str, list[Node]] | None,
    reader: Node,
    reader_choice: tuple[str, list[Node]],
    ctx: Comparison,
) -> None:
    keyword, branches = reader_choice
    ctx.compare(writer, reader.without(keyword))
    overlapping = keyword == "oneOf" and not _are_disjoint(branches)
    writer_branches = writer_choice[1] if writer_choice and writer_choice[0] == "oneOf" else []
    for index, candidates in enumerate(_candidates(writer, writer_choice)):
        if not overlapping:
            if any(ctx.holds(c, branch) for c in candidates for branch in branches):
                continue
        else:
            others = writer_branches[:index] + writer_branches[index + 1 :]
            verdict = _fits_one_branch(candidates, others, branches, ctx)
            if verdict == "proved":
                continue
            if verdict == "overlap":
                _report(
                    ctx,
                    candidates[-1],
                    reader,
                    f"The {ctx.reader_name} schema's oneOf at {describe(reader.path)} differs "
                    f"from the {ctx.writer_name} schema's and its branches may overlap: "
                    f"{_what(writer, writer_choice, candidates, ctx)} is not proved to match "
                    "only one of them (a document matching two is rejected); the change is "
                    "treated as breaking.",
                )
                continue
        _report(
            ctx,
            candidates[-1],
            reader,
            f"The {ctx.reader_name} schema requires {describe(reader.path)} to match one of "
            f"its {keyword} branches, and none of them is proved to accept all of "
            f"{_what(writer, writer_choice, candidates, ctx)}.",
        )


def _what(
    writer: Node,
    writer_choice: tuple[str, list[Node]] | None,
    candidates: list[Node],
    ctx: Comparison,
) -> str:
    if writer_choice is None:
        return f"the values the {ctx.writer_name} schema allows for {describe(writer.path)}"
    return f"the {ctx.writer_name} schema's branch {candidates[-1].path}"


def _fits_one_branch(
    candidates: list[Node], others: list[Node], branches: list[Node], ctx: Comparison
) -> str:
    """Whether one reader branch accepts the writer branch and no other can match it.

    "proved" when so; "overlap" when some branch accepts it but another may match it
    too; "none" when no branch is proved to accept it.

    ``others`` are the writer's other oneOf branches: a document of this writer branch
    matches none of them, so it matches no reader branch that is the same schema as one,
    or that is proved to fit within one.
    """
    if len(branches) > _MAX_DISJOINT_BRANCHES:
        return "overlap"
    nodes = [resolved(candidate) for candidate in candidates]
    apart = [any(excludes(node, resolved(branch)) for node in nodes) for branch in branches]
    # Branches disjoint from the writer branch cannot match its documents: set aside.
    reachable = [branch for branch, is_apart in zip(branches, apart, strict=True) if not is_apart]
    fits = False
    for branch in reachable:
        if not any(ctx.holds(candidate, branch) for candidate in candidates):
            continue
        fits = True
        if all(_never_matched(other, others, ctx) for other in reachable if other is not branch):
            return "proved"
    if fits:
        return "overlap"
    # A branch disjoint from the writer branch that also accepts all of it shows the
    # writer branch allows nothing (a `false` branch, say): nothing can be rejected.
    unreachable = [branch for branch, is_apart in zip(branches, apart, strict=True) if is_apart]
    if any(ctx.holds(c, branch) for c in candidates for branch in unreachable):
        return "proved"
    return "none"


def _never_matched(branch: Node, others: list[Node], ctx: Comparison) -> bool:
    """Whether ``branch`` lies within another writer branch, which the documents of this
    writer branch never match."""
    target = resolved(branch)
    if any(ctx.is_same(other, branch) or ctx.is_same(exact(other), target) for other in others):
        return True
    return any(holds_across(target, exact(other), ctx) for other in others)


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


def _are_disjoint(branches: list[Node]) -> bool:
    """Whether no value can match two branches (see ``excludes``)."""
    if len(branches) > _MAX_DISJOINT_BRANCHES:
        return False
    nodes = [resolved(branch) for branch in branches]
    return all(excludes(a, b) for a, b in combinations(nodes, 2))
