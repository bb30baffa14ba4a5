"""if/then/else: the reader's conditional must accept every document the writer allows.

A reader with ``if`` I, ``then`` T and ``else`` E (a missing branch is ``true``; without
``if`` both branches are ignored) accepts a document v iff v is in I and in T, or outside
I and in E. The writer's documents are split into branches, each proved on its own:
- a writer without a conditional (or without ``if``) is one branch: its other keywords;
- a writer conditional is two branches: its other keywords with its ``if`` and ``then``,
  and its other keywords with its ``else``. Each branch is one node when the keywords can
  be conjoined exactly (``required`` lists united, ``properties`` maps united, clashing
  property schemas put under ``allOf``, ``type`` lists intersected); every part of the
  branch on its own is also tried, since each allows at least the branch's documents.

Where a branch lies relative to the reader's ``if``: inside when the writer's ``if`` is the
same (or proved within the reader's), or when the branch is proved to fit the reader's
``if``; outside when the reader's ``if`` is proved within the writer's (for the writer's
``else`` branch), or when the branch excludes the reader's ``if`` (other types, listed
values apart, a discriminator property). A reader conditional identical to the writer's
needs nothing. Then, per branch: unless it lies outside, it must fit the reader's
``then``; unless it lies inside, it must fit the reader's ``else``.

What is not proved is reported. The findings of the branch comparison (paths into
``#/then`` or ``#/else``) keep their own codes when they are known to describe real
writer documents: the branch is conjoined exactly and lies entirely on that side of the
``if``, or an example document built from the schemas (validated on both sides) is
rejected for the same reason. Otherwise the report is CONDITIONAL_CHANGED, naming the
branch. A writer conditional without a reader one only removes documents: nothing to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from jsonschema.exceptions import ValidationError

from registry.compatibility import Incompatibility
from registry.formats.json_schema_compat.conjunction import conjoin
from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.enums import spell_values
from registry.formats.json_schema_compat.examples import find_example
from registry.formats.json_schema_compat.exclusion import excludes, holds_across, resolved
from registry.formats.json_schema_compat.nodes import Node
from registry.formats.json_schema_compat.pointers import describe, join

_CONDITIONAL = ("if", "then", "else")
# The keyword that rejected an example document -> the code a finding on it carries.
_CODE_BY_KEYWORD: dict[object, str] = {
    "required": "REQUIRED_PROPERTY_ADDED",
    "type": "TYPE_NARROWED",
    "enum": "ENUM_ADDED",
    "const": "CONST_ADDED",
    "minLength": "MIN_LENGTH_INCREASED",
    "maxLength": "MAX_LENGTH_DECREASED",
    "minimum": "MINIMUM_INCREASED",
    "maximum": "MAXIMUM_DECREASED",
    "minItems": "MIN_ITEMS_INCREASED",
    "maxItems": "MAX_ITEMS_DECREASED",
    "minProperties": "MIN_PROPERTIES_INCREASED",
    "maxProperties": "MAX_PROPERTIES_DECREASED",
    "dependentRequired": "DEPENDENT_REQUIRED_ADDED",
    "dependencies": "DEPENDENT_REQUIRED_ADDED",
    None: "SCHEMA_BECAME_FALSE",
}


@dataclass(frozen=True, slots=True)
class _Branch:
    """Writer documents of one branch: candidates each allow at least all of them.

    ``exact`` says the first candidate allows exactly them; ``inside`` whether they all
    satisfy the reader's ``if`` (True), none does (False), or not known (None).
    """

    candidates: list[Node]
    parts: list[Node]
    exact: bool
    inside: bool | None
    label: str


def check_conditional(writer: Node, reader: Node, ctx: Comparison) -> None:
    """Every writer document must pass the reader's if/then/else."""
    reader_if = reader.child("if")
    if reader_if is None:
        return
    needed = {
        name: schema
        for name in ("then", "else")
        if (schema := reader.child(name)) is not None and schema.asserts_anything()
    }
    if not needed:
        return
    if ctx.is_same_value(
        [writer.view.get(k) for k in _CONDITIONAL],
        [reader.view.get(k) for k in _CONDITIONAL],
        writer,
        reader,
    ):
        return
    for branch in _writer_branches(writer, reader, reader_if, ctx):
        inside = branch.inside
        if inside is None:
            inside = _locate(branch.candidates, reader_if, ctx)
        for name, reader_branch in needed.items():
            if inside is (name == "else"):
                continue  # The branch's documents never reach this reader branch.
            if any(ctx.holds(candidate, reader_branch) for candidate in branch.candidates):
                continue
            _report(writer, reader, reader_if, reader_branch, name, branch, inside, ctx)


def _writer_branches(writer: Node, reader: Node, reader_if: Node, ctx: Comparison) -> list[_Branch]:
    rest = writer.without(*_CONDITIONAL)
    writer_if = writer.child("if")
    if writer_if is None:
        return [_branch([rest], writer, inside=None, label="")]
    same = ctx.is_same_value(writer.view["if"], reader.view["if"], writer, reader)
    # Side proofs between the two "if" schemas, in both directions.
    then_inside = same or holds_across(writer_if, reader_if, ctx)
    else_outside = same or holds_across(reader_if, writer_if, ctx)
    then_parts = [rest, writer_if, *_present(writer.child("then"))]
    else_parts = [rest, *_present(writer.child("else"))]
    then_branch = _branch(then_parts, writer, inside=True if then_inside else None, label="then")
    else_branch = _branch(else_parts, writer, inside=False if else_outside else None, label="else")
    # The else branch also lies outside the writer's own "if", which its conjunction does
    # not say; it is exact only when the conjunction already excludes that "if".
    first = else_branch.candidates[0]
    exact_else = else_branch.exact and excludes(resolved(first), resolved(writer_if))
    return [
        then_branch,
        _Branch(
            else_branch.candidates,
            else_branch.parts,
            exact_else,
            else_branch.inside,
            else_branch.label,
        ),
    ]


def _present(node: Node | None) -> list[Node]:
    return [node] if node is not None else []


def _branch(parts: list[Node], writer: Node, *, inside: bool | None, label: str) -> _Branch:
    joined = conjoin(parts, writer.path)
    if joined is not None and writer.partial:
        joined = joined.part()  # Whole again only if the writer was.
    candidates = [joined] if joined is not None else []
    alone = [part for part in parts if part is not joined and part.asserts_anything()]
    # Each part alone leaves undeclared what another declares.
    candidates += [part.part() for part in alone] if len(parts) > 1 else alone
    if not candidates:
        candidates = [parts[0].true()]
    return _Branch(candidates, parts, joined is not None, inside, label)


def _locate(candidates: list[Node], reader_if: Node, ctx: Comparison) -> bool | None:
    """Whether the branch provably lies inside (True) or outside (False) the reader's if."""
    condition = resolved(reader_if)
    if any(excludes(resolved(candidate), condition) for candidate in candidates):
        return False
    if any(ctx.holds(candidate, reader_if) for candidate in candidates):
        return True
    return None


def _report(
    writer: Node,
    reader: Node,
    reader_if: Node,
    reader_branch: Node,
    name: str,
    branch: _Branch,
    inside: bool | None,
    ctx: Comparison,
) -> None:
    first = branch.candidates[0]
    findings = ctx.explain(first, reader_branch)
    on_side = inside is (name == "then")
    if findings and branch.exact and on_side:
        ctx.extend(findings)
        return
    example = find_example(writer, reader_if, reader_branch, name, branch.parts)
    if example is not None:
        shown = _shown_by(example[1], findings, reader_branch, ctx)
        if shown:
            ctx.extend(shown)
            return
    when = "match" if name == "then" else "do not match"
    which = f" in the {ctx.writer_name} schema's '{branch.label}' branch" if branch.label else ""
    reason = _reason(findings, example)
    ctx.report(
        "CONDITIONAL_CHANGED",
        f"The {ctx.reader_name} schema's if/then/else at {describe(reader.path)} requires "
        f"documents that {when} its 'if' to match its '{name}' schema; the documents the "
        f"{ctx.writer_name} schema allows there{which} are not proved to match it{reason}",
        writer.at(branch.label) if branch.label else writer.path,
        reader_branch.path,
    )


def _shown_by(
    error: ValidationError,
    findings: list[Incompatibility],
    reader_branch: Node,
    ctx: Comparison,
) -> list[Incompatibility]:
    """The findings a validated counterexample's rejection stands for: same code, and,
    unless it failed at the branch itself, the same place in the reader's branch."""
    code = _CODE_BY_KEYWORD.get(error.validator)
    codes = {code, "TYPE_CHANGED"} if code == "TYPE_NARROWED" else {code}
    shown = [finding for finding in findings if finding.code in codes]
    if not error.path:
        return shown
    where = join(reader_branch.path, *list(error.relative_schema_path)[:-1])
    return [
        finding
        for finding in shown
        if (finding.new_path if ctx.writer_is_old else finding.old_path) == where
    ]


def _reason(findings: list[Incompatibility], example: tuple[object, ValidationError] | None) -> str:
    if example is not None:
        document, error = example
        return f"; for example {spell_values([document])} is rejected ({error.message[:160]})."
    if findings:
        return f"; compared on their own: {findings[0].message}"
    return "."
