"""Per-property schemas of objects: properties, patternProperties, additionalProperties.

Which schemas a key's value must match depends on its name. For a key ``k`` of a side:
its ``properties`` entry if declared, plus every ``patternProperties`` schema whose pattern
matches ``k`` (patterns apply to declared names too), plus ``additionalProperties`` when
neither applies (absent or true is an open model, false a closed one, and a schema a
partly open one). The rules compare what constrains each key on the reader with what
constrains it on the writer:
- names declared on either side are compared one by one (a regular expression is matched
  against a concrete name exactly as validators do: searched, with ECMA-262 meaning, in
  the linear-time engine of ``ecma_regex``);
- undeclared names fall into classes: those matching a pattern, and the rest. A reader
  pattern is met when the writer has the same pattern with a schema that fits, or when
  every writer class that may hold such names fits it; whether two different patterns
  can match a common name is not decided (UNDECIDABLE_PATTERN_CHANGE unless both
  schemas fit anyway);
- a writer whose documents can only carry known names (a closed model, or
  ``maxProperties`` no larger than its ``required`` list) has no undeclared names at all.
"""

from __future__ import annotations

from collections.abc import Iterable, KeysView, Mapping
from typing import Any

from registry.formats import ecma_regex
from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.nodes import Node, merge
from registry.formats.json_schema_compat.pointers import capital, describe
from registry.formats.json_schema_compat.regex_inclusion import name_classes

_OPEN_MODEL = "PROPERTY_ADDED_TO_OPEN_MODEL"
_CLOSED_MODEL = "PROPERTY_REMOVED_FROM_CLOSED_MODEL"
MAX_CLASSED_PATTERNS = 8
"""Beyond this many patterns (both sides together), keys are not put in classes by the
patterns they match: the classes could be 2 ** n."""


def _constrains(node: Node | None) -> bool:
    return node is not None and node.asserts_anything()


def _matching(patterns: Iterable[str], name: str) -> list[str] | None:
    """The patterns matching ``name``; None when one is not run (a schema stored before
    such patterns were refused)."""
    try:
        return [pattern for pattern in patterns if ecma_regex.search(pattern, name)]
    except ecma_regex.PatternError:
        return None


# What constrains one key on one side: its kind ("property", "pattern", "additional") and
# the schema.
Constraint = tuple[str, Node]


def key_constraints(node: Node, name: str, patterns: Mapping[str, Any]) -> list[Constraint] | None:
    """Every schema the value of key ``name`` must match on this side; None when a pattern
    cannot be evaluated here."""
    found: list[Constraint] = []
    declared = node.child("properties", name)
    if declared is not None:
        found.append(("property", declared))
    matched = _matching(patterns, name) if patterns else []
    if matched is None:
        return None
    for pattern in matched:
        schema = node.child("patternProperties", pattern)
        if schema is not None:
            found.append(("pattern", schema))
    if declared is None and not matched:
        extra = node.child("additionalProperties")
        if extra is not None:
            found.append(("additional", extra))
    return found


def check_properties(
    writer: Node, reader: Node, writable: frozenset[str] | None, ctx: Comparison
) -> None:
    writer_patterns = writer.members("patternProperties")
    reader_patterns = reader.members("patternProperties")
    writer_props, reader_props, changed = ctx.changed_members(writer, reader, "properties")
    writer_extra = writer.child("additionalProperties")
    reader_extra = reader.child("additionalProperties")
    patterned = bool(writer_patterns or reader_patterns)
    # A property with the same schema on both sides is constrained alike on both, unless
    # the patterns (which apply to declared names too) differ.
    if patterned and not ctx.is_same_value(writer_patterns, reader_patterns, writer, reader):
        changed = {*writer_props, *reader_props}
    names = _names_to_check(
        writer_props.keys(),
        reader_props.keys(),
        changed,
        writable,
        # Cheap exits, before any node is built: a history of 100 versions of a
        # 200-property schema is mostly unchanged properties and moot one-sided ones.
        writer_only_moot=not reader_patterns and not _constrains(reader_extra),
        reader_only_moot=not patterned
        and tolerates_open_keys(writer, ctx)
        and not _constrains(writer_extra),
    )
    for name in names:
        writer_side = key_constraints(writer, name, writer_patterns)
        reader_side = key_constraints(reader, name, reader_patterns)
        if writer_side is None or reader_side is None:
            ctx.report(
                "UNDECIDABLE_PATTERN_CHANGE",
                f"A patternProperties pattern of {describe(reader.path)} cannot be evaluated "
                f"here, so whether it applies to '{name}' is unknown; the change is treated "
                "as breaking.",
                writer.path,
                reader.path,
            )
            continue
        _check_key(name, writer, reader, writer_side, reader_side, ctx)
    if writable is None:
        _check_undeclared(writer, reader, writer_extra, reader_extra, ctx)


def _names_to_check(
    writer_names: KeysView[str],
    reader_names: KeysView[str],
    changed: set[str],
    writable: frozenset[str] | None,
    *,
    writer_only_moot: bool,
    reader_only_moot: bool,
) -> list[str]:
    """Names whose constraints may differ, in the writer's declaration order first."""
    if writer_only_moot:
        changed = {name for name in changed if name in reader_names}
    if reader_only_moot:
        changed = {name for name in changed if name in writer_names}
    extra: list[str] = []
    if writable is not None:
        changed &= writable
        extra = sorted(writable - writer_names - reader_names)
    if len(changed) <= 1:
        return [*changed, *extra]
    return [
        *(name for name in writer_names if name in changed),
        *(name for name in reader_names if name in changed and name not in writer_names),
        *extra,
    ]


def _check_key(
    name: str,
    writer: Node,
    reader: Node,
    writer_side: list[Constraint],
    reader_side: list[Constraint],
    ctx: Comparison,
) -> None:
    """The value of key ``name`` in a writer document must fit each reader constraint."""
    if any(node.is_false for _, node in writer_side):
        return  # The writer never writes the key.
    # additionalProperties true is an open model; a declared ``{}`` is still declared.
    writer_nodes = [
        node for kind, node in writer_side if kind != "additional" or node.asserts_anything()
    ]
    # A name the writer allows through a pattern only: messages name it.
    named = name if writer_side and writer_side[0][0] == "pattern" else None
    for kind, reader_node in reader_side:
        if not reader_node.asserts_anything() or any(
            ctx.is_same(node, reader_node) for node in writer_nodes
        ):
            continue
        if kind == "additional" and not writer_nodes:
            # A name the writer carries undeclared (see ``writable_names``).
            if _assumed_absent(writer, reader_node, ctx, writer_names_it=True):
                continue
            if reader_node.is_false or not ctx.holds(writer.true(), reader_node):
                _undeclared_rejected(writer, reader, writer.path, reader_node.path, ctx, name)
        elif not writer_nodes:
            _reader_constrains_open_key(name, writer, kind, reader_node, ctx)
        elif kind == "additional" and reader_node.is_false:
            _removed_from_closed_model(writer_nodes[0], reader, ctx, named)
        elif len(writer_nodes) == 1:
            ctx.compare(writer_nodes[0], reader_node)
        elif not any(ctx.holds(node, reader_node) for node in _conjunctions(writer_nodes)):
            ctx.compare(writer_nodes[0].part(), reader_node)


def _conjunctions(nodes: list[Node]) -> list[Node]:
    """Each node alone (a part: see ``Node.part``), then all of them merged when their
    keywords do not overlap."""
    partial = any(node.partial for node in nodes)
    merged: Node | None = nodes[0]
    for node in nodes[1:]:
        merged = merge(merged, node, partial=partial) if merged is not None else None
    return [*(node.part() for node in nodes), *([merged] if merged is not None else [])]


def _reader_constrains_open_key(
    name: str | None, writer: Node, kind: str, reader_node: Node, ctx: Comparison
) -> None:
    """The writer's open model may carry key ``name`` (None: any name matching a reader
    pattern) with any value; the reader constrains it."""
    if tolerates_open_keys(writer, ctx) or ctx.holds(writer.true(), reader_node):
        return
    if not writer.is_whole():
        ctx.report(
            "UNDECIDABLE_CHANGE",
            f"{capital(describe(reader_node.path))} is constrained by the {ctx.reader_name} "
            f"schema; the part of the {ctx.writer_name} schema compared here does not "
            f"declare '{name or reader_node.path}', which another part (allOf, anyOf, "
            "$ref, if/then/else) may constrain, so the change is not proved safe.",
            writer.path,
            reader_node.path,
        )
        return
    if name is None:
        what, carried = (
            f"Properties matching the pattern at {describe(reader_node.path)} are",
            "them",
        )
    elif kind == "property":
        what, carried = f"{capital(describe(reader_node.path))} is", f"'{name}'"
    else:
        what = f"Property '{name}', matching the pattern at {describe(reader_node.path)}, is"
        carried = f"'{name}'"
    ctx.report(
        _OPEN_MODEL,
        f"{what} constrained by the {ctx.reader_name} schema but not declared by the "
        f"{ctx.writer_name} schema, whose model is open: documents written with the "
        f"{ctx.writer_name} schema may carry {carried} with any value, which the "
        f"{ctx.reader_name} schema could reject.",
        writer.path,
        reader_node.path,
    )


def tolerates_open_keys(writer: Node, ctx: Comparison) -> bool:
    """Whether LENIENT's "writer documents carry no undeclared key" applies: only to a
    whole writer, not to a part whose siblings may declare (and constrain) the key."""
    return _OPEN_MODEL in ctx.tolerated and writer.is_whole()


def _assumed_absent(
    writer: Node, reader_extra: Node, ctx: Comparison, *, writer_names_it: bool
) -> bool:
    """Whether LENIENT assumes the keys only the reader's ``additionalProperties`` governs
    absent from writer documents (see ``policy``): keys a closed reader leaves out, as
    for a property removed from a closed model, and keys a whole writer's open model
    leaves undeclared (``writer_names_it`` False), as for a property added to it."""
    if reader_extra.is_false and _CLOSED_MODEL in ctx.tolerated:
        return True
    return not writer_names_it and tolerates_open_keys(writer, ctx)


def _removed_from_closed_model(
    writer_node: Node, reader: Node, ctx: Comparison, name: str | None = None
) -> None:
    """``name``: a property name the writer allows through a pattern, for the message."""
    what = capital(describe(writer_node.path))
    if name is not None:
        what = f"Property '{name}', matching the pattern at {describe(writer_node.path)},"
    ctx.report(
        _CLOSED_MODEL,
        f"{what} is allowed by the {ctx.writer_name} schema but "
        f"not declared by the {ctx.reader_name} schema, whose model is closed "
        f"(additionalProperties: false); documents written with the {ctx.writer_name} schema "
        "that carry it would be rejected.",
        writer_node.path,
        reader.path,
    )


def _check_undeclared(
    writer: Node,
    reader: Node,
    writer_extra: Node | None,
    reader_extra: Node | None,
    ctx: Comparison,
) -> None:
    """Keys neither side declares: by the patterns they match, then the rest."""
    writer_patterns = writer.members("patternProperties")
    reader_patterns = reader.members("patternProperties")
    if writer_patterns.keys() != reader_patterns.keys():
        unmatched = _check_pattern_classes(writer, reader, writer_patterns, reader_patterns, ctx)
        if unmatched is not None:
            if unmatched:
                _check_unmatched(writer, reader, writer_extra, reader_extra, ctx)
            return
    writer_open = writer_extra is None or not writer_extra.asserts_anything()
    for pattern in reader_patterns:
        reader_schema = reader.child("patternProperties", pattern)
        if reader_schema is None or not reader_schema.asserts_anything():
            continue
        if pattern in writer_patterns:
            # Every name matching it matches the writer's same pattern too.
            writer_schema = writer.child("patternProperties", pattern)
            if writer_schema is not None and not ctx.is_same(writer_schema, reader_schema):
                ctx.compare(writer_schema, reader_schema)
            continue
        for other in writer_patterns:
            writer_schema = writer.child("patternProperties", other)
            if writer_schema is None or writer_schema.is_false:
                continue
            if not ctx.holds(writer_schema, reader_schema):
                _undecidable_overlap(other, pattern, writer_schema, reader_schema, ctx)
        if writer_open:
            _reader_constrains_open_key(None, writer, "pattern", reader_schema, ctx)
        elif writer_extra is not None and not writer_extra.is_false:
            ctx.compare(writer_extra, reader_schema)
    if reader_extra is None or not reader_extra.asserts_anything():
        return
    for pattern in writer_patterns:
        writer_schema = writer.child("patternProperties", pattern)
        if pattern in reader_patterns or writer_schema is None or writer_schema.is_false:
            continue
        if not reader_extra.is_false and ctx.holds(writer_schema, reader_extra):
            continue
        if reader_patterns:
            _undecidable_overlap(pattern, None, writer_schema, reader_extra, ctx)
        elif reader_extra.is_false:
            _removed_from_closed_model(writer_schema, reader, ctx)
        else:
            ctx.compare(writer_schema, reader_extra)
    _check_unmatched(writer, reader, writer_extra, reader_extra, ctx)


def _check_pattern_classes(
    writer: Node,
    reader: Node,
    writer_patterns: Mapping[str, Any],
    reader_patterns: Mapping[str, Any],
    ctx: Comparison,
) -> bool | None:
    """Undeclared keys matching some pattern, in classes by the patterns (of either side)
    they match: each class has the same constraints on both sides for all its names, so
    one name of it, checked like a declared one, decides the class. Returns whether some
    undeclared name matches no pattern at all (those are left to ``_check_unmatched``), or
    None, checking nothing, when the classes are not decided."""
    patterns = [*writer_patterns, *(p for p in reader_patterns if p not in writer_patterns)]
    if len(patterns) > MAX_CLASSED_PATTERNS:
        return None
    declared = {*writer.members("properties"), *reader.members("properties")}
    classes = name_classes(patterns, declared, ctx.pattern_allowance)
    if not classes.decided:
        return None
    keys: list[tuple[str, list[Constraint], list[Constraint]]] = []
    for matched, name in classes.examples.items():
        if not matched:
            continue
        writer_side = key_constraints(writer, name, writer_patterns)
        reader_side = key_constraints(reader, name, reader_patterns)
        if writer_side is None or reader_side is None:
            return None
        keys.append((name, writer_side, reader_side))
    for name, writer_side, reader_side in keys:
        _check_key(name, writer, reader, writer_side, reader_side, ctx)
    return frozenset() in classes.examples


def _check_unmatched(
    writer: Node,
    reader: Node,
    writer_extra: Node | None,
    reader_extra: Node | None,
    ctx: Comparison,
) -> None:
    """Keys neither side declares nor matches with a pattern: additionalProperties on
    both sides."""
    if reader_extra is None or not reader_extra.asserts_anything():
        return
    if writer_extra is not None and writer_extra.is_false:
        return
    writer_open = writer_extra is None or not writer_extra.asserts_anything()
    if not writer_open and writer_extra is not None and not reader_extra.is_false:
        ctx.compare(writer_extra, reader_extra)
        return
    if not reader_extra.is_false and ctx.holds(writer.true(), reader_extra):
        return
    if _assumed_absent(writer, reader_extra, ctx, writer_names_it=not writer_open):
        return
    _undeclared_rejected(
        writer,
        reader,
        writer_extra.path if writer_extra is not None else writer.path,
        reader_extra.path,
        ctx,
    )


def _undeclared_rejected(
    writer: Node,
    reader: Node,
    writer_path: str,
    reader_path: str,
    ctx: Comparison,
    name: str | None = None,
) -> None:
    extra = reader.child("additionalProperties")
    how = "rejects" if extra is not None and extra.is_false else "constrains"
    which = "undeclared properties" if name is None else f"the undeclared property '{name}'"
    ctx.report(
        "ADDITIONAL_PROPERTIES_NARROWED",
        f"The {ctx.reader_name} schema {how} {which} of {describe(reader.path)} "
        f"(additionalProperties) that the {ctx.writer_name} schema accepts; documents written "
        f"with the {ctx.writer_name} schema that carry "
        + ("extra properties" if name is None else f"'{name}'")
        + " could be rejected.",
        writer_path,
        reader_path,
    )


def _undecidable_overlap(
    writer_pattern: str,
    reader_pattern: str | None,
    writer_schema: Node,
    reader_schema: Node,
    ctx: Comparison,
) -> None:
    which = (
        f"the {ctx.reader_name} pattern '{reader_pattern}'"
        if reader_pattern is not None
        else f"none of the {ctx.reader_name} schema's patterns (its additionalProperties)"
    )
    ctx.report(
        "UNDECIDABLE_PATTERN_CHANGE",
        f"Property names matching the {ctx.writer_name} pattern '{writer_pattern}' may also "
        f"match {which}, whose schema at {describe(reader_schema.path)} does not accept every "
        f"value the {ctx.writer_name} schema allows for them; whether two regular expressions "
        "share a name is not decided, so the change is treated as breaking.",
        writer_schema.path,
        reader_schema.path,
    )
