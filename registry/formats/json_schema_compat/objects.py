"""Object keywords: properties, required, additionalProperties, patternProperties, counts.

additionalProperties absent or true is an open model, false a closed one, and a schema a
partly open one: every undeclared property's value must match it.
"""

from __future__ import annotations

import re
from fractions import Fraction

from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.nodes import Node, merge
from registry.formats.json_schema_compat.pointers import describe, join


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _is_closed(node: Node) -> bool:
    extra = node.child("additionalProperties")
    return extra is not None and extra.is_false and not node.members("patternProperties")


def _constrains(node: Node | None) -> bool:
    return node is not None and node.asserts_anything()


def _compile(patterns: list[str]) -> list[re.Pattern[str]] | None:
    try:
        return [re.compile(pattern) for pattern in patterns]
    except re.error:
        return None


def check_object(writer: Node, reader: Node, ctx: Comparison) -> None:
    """Every object the writer allows must pass the reader's object keywords."""
    _check_properties(writer, reader, ctx)
    _check_required(writer, reader, ctx)
    _check_counts(writer, reader, ctx)
    _check_property_names(writer, reader, ctx)
    _check_dependent_required(writer, reader, ctx)


def _check_properties(writer: Node, reader: Node, ctx: Comparison) -> None:
    writer_patterns = writer.members("patternProperties")
    reader_patterns = reader.members("patternProperties")
    if (writer_patterns or reader_patterns) and not ctx.is_same_value(
        writer_patterns, reader_patterns, writer, reader
    ):
        ctx.report(
            "UNDECIDABLE_CHANGE",
            f"The patternProperties of {describe(reader.path)} differ between the "
            f"{ctx.writer_name} and the {ctx.reader_name} schema; pattern-keyed properties "
            "are not compared yet, so the change is treated as breaking.",
            writer.path,
            reader.path,
        )
    # Same patterns on both sides (or reported above): they constrain both sides alike.
    patterns = _compile(list(reader_patterns))
    writer_props, reader_props, unchanged = ctx.unchanged_members(writer, reader, "properties")
    writer_extra = writer.child("additionalProperties")
    reader_extra = reader.child("additionalProperties")
    # Cheap exits first, before any node is built: a history of 100 versions of a
    # 200-property schema is mostly unchanged properties and moot one-sided ones.
    writer_only_moot = not reader_patterns and not _constrains(reader_extra)
    reader_only_moot = not reader_patterns and (
        (writer_extra is not None and writer_extra.is_false)
        or ("PROPERTY_ADDED_TO_OPEN_MODEL" in ctx.tolerated and not _constrains(writer_extra))
    )
    for name in [*writer_props, *(n for n in reader_props if n not in writer_props)]:
        if name in unchanged:
            continue  # Same schema on both sides: one digest comparison, no walk.
        if name not in reader_props:
            if writer_only_moot:
                continue
        elif name not in writer_props and reader_only_moot:
            continue
        writer_prop = writer.child("properties", name)
        reader_prop = reader.child("properties", name)
        if writer_prop is not None and reader_prop is not None:
            ctx.compare(writer_prop, reader_prop)
        elif reader_patterns and (patterns is None or any(p.search(name) for p in patterns)):
            ctx.report(
                "UNDECIDABLE_CHANGE",
                f"Property '{name}' is declared on one side only and matches a "
                "patternProperties pattern; such properties are not compared yet.",
                writer_prop.path if writer_prop else writer.path,
                reader_prop.path if reader_prop else reader.path,
            )
        elif writer_prop is not None:
            _writer_only(writer_prop, reader, reader_extra, ctx)
        elif reader_prop is not None:
            _reader_only(name, writer, reader_prop, writer_extra, ctx)
    _check_undeclared(writer, reader, writer_extra, reader_extra, ctx)


def _writer_only(
    writer_prop: Node, reader: Node, reader_extra: Node | None, ctx: Comparison
) -> None:
    if writer_prop.is_false or reader_extra is None or not _constrains(reader_extra):
        return
    if not reader_extra.is_false:
        ctx.compare(writer_prop, reader_extra)
        return
    ctx.report(
        "PROPERTY_REMOVED_FROM_CLOSED_MODEL",
        f"{capital(describe(writer_prop.path))} is allowed by the {ctx.writer_name} schema but "
        f"not declared by the {ctx.reader_name} schema, whose model is closed "
        f"(additionalProperties: false); documents written with the {ctx.writer_name} schema "
        "that carry it would be rejected.",
        writer_prop.path,
        reader.path,
    )


def _reader_only(
    name: str, writer: Node, reader_prop: Node, writer_extra: Node | None, ctx: Comparison
) -> None:
    if writer_extra is not None and writer_extra.is_false:
        return  # A closed writer never writes the key, so its reader-side schema is moot.
    if writer_extra is not None and _constrains(writer_extra):
        ctx.compare(writer_extra, reader_prop)
        return
    if "PROPERTY_ADDED_TO_OPEN_MODEL" in ctx.tolerated:
        return  # The policy accepts it: no need to prove the property accepts anything.
    if ctx.holds(writer.true(), reader_prop):
        return
    ctx.report(
        "PROPERTY_ADDED_TO_OPEN_MODEL",
        f"{capital(describe(reader_prop.path))} is constrained by the {ctx.reader_name} schema "
        f"but not declared by the {ctx.writer_name} schema, whose model is open: documents "
        f"written with the {ctx.writer_name} schema may carry '{name}' with any value, which "
        f"the {ctx.reader_name} schema could reject.",
        writer.path,
        reader_prop.path,
    )


def _check_undeclared(
    writer: Node,
    reader: Node,
    writer_extra: Node | None,
    reader_extra: Node | None,
    ctx: Comparison,
) -> None:
    if reader_extra is None or not _constrains(reader_extra):
        return
    if writer_extra is not None and writer_extra.is_false:
        return
    if writer_extra is not None and _constrains(writer_extra) and not reader_extra.is_false:
        ctx.compare(writer_extra, reader_extra)
        return
    if not reader_extra.is_false and ctx.holds(writer.true(), reader_extra):
        return
    how = "rejects" if reader_extra.is_false else "constrains"
    ctx.report(
        "ADDITIONAL_PROPERTIES_NARROWED",
        f"The {ctx.reader_name} schema {how} undeclared properties of {describe(reader.path)} "
        f"(additionalProperties) that the {ctx.writer_name} schema accepts; documents written "
        f"with the {ctx.writer_name} schema that carry extra properties could be rejected.",
        writer_extra.path if writer_extra is not None else writer.path,
        reader_extra.path,
    )


def _check_required(writer: Node, reader: Node, ctx: Comparison) -> None:
    already = set(writer.names("required"))
    for name in reader.names("required"):
        if name in already:
            continue
        writer_prop = writer.child("properties", name)
        reader_has = name in reader.members("properties")
        reader_path = join(reader.path, "properties", name) if reader_has else reader.path
        label = describe(join(reader.path, "properties", name))
        can_carry = not (_is_closed(writer) and writer_prop is None) and not (
            writer_prop is not None and writer_prop.is_false
        )
        status = "optional in" if can_carry else "not part of"
        ctx.report(
            "REQUIRED_PROPERTY_ADDED",
            f"{capital(label)} is required by the {ctx.reader_name} schema but {status} the "
            f"{ctx.writer_name} one; documents written with the {ctx.writer_name} schema "
            "without it would be rejected.",
            writer_prop.path if writer_prop is not None else writer.path,
            reader_path,
        )


def _check_counts(writer: Node, reader: Node, ctx: Comparison) -> None:
    reader_min = reader.number("minProperties")
    # Required properties are a floor, a closed model's declared properties a ceiling.
    writer_min = max(writer.number("minProperties") or 0, len(set(writer.names("required"))))
    if reader_min is not None and reader_min > writer_min:
        ctx.report(
            "MIN_PROPERTIES_INCREASED",
            f"The {ctx.reader_name} schema requires at least {reader_min} properties in "
            f"{describe(reader.path)}; "
            f"the {ctx.writer_name} schema allows as few as {writer_min}.",
            writer.path,
            reader.path,
        )
    reader_max = reader.number("maxProperties")
    writer_max = writer.number("maxProperties")
    if _is_closed(writer):
        declared = Fraction(len(writer.members("properties")))
        writer_max = declared if writer_max is None else min(writer_max, declared)
    if reader_max is not None and (writer_max is None or writer_max > reader_max):
        allowed = "any number" if writer_max is None else f"up to {writer_max}"
        ctx.report(
            "MAX_PROPERTIES_DECREASED",
            f"The {ctx.reader_name} schema allows at most {reader_max} properties in "
            f"{describe(reader.path)}; "
            f"the {ctx.writer_name} schema allows {allowed}.",
            writer.path,
            reader.path,
        )


def _check_property_names(writer: Node, reader: Node, ctx: Comparison) -> None:
    reader_names = reader.child("propertyNames")
    if reader_names is None or not reader_names.asserts_anything():
        return
    if _is_closed(writer):
        rejected = [
            name
            for name in writer.members("properties")
            if reader_names.rejection(name) is not None
        ]
        proved = not rejected
    else:
        rejected = []
        names = writer.child("propertyNames") or writer.true()
        # Property names are strings whatever the writer's propertyNames says.
        strings = Node(writer.side, {"type": "string"}, {"type": "string"}, names.path)
        candidate = merge(names, strings) if "type" not in names.view else names
        proved = ctx.holds(candidate or names, reader_names)
    if not proved:
        which = ", ".join(f"'{name}'" for name in rejected) or "some property names"
        ctx.report(
            "PROPERTY_NAMES_NARROWED",
            f"The {ctx.reader_name} schema's propertyNames for {describe(reader.path)} rejects "
            f"{which} that the {ctx.writer_name} schema allows.",
            writer.path,
            reader_names.path,
        )


def _check_dependent_required(writer: Node, reader: Node, ctx: Comparison) -> None:
    writer_deps = writer.members("dependentRequired")
    always = set(writer.names("required"))
    for trigger, needed in reader.members("dependentRequired").items():
        if _is_closed(writer) and trigger not in writer.members("properties"):
            continue
        have = always | set(writer_deps.get(trigger) or [])
        missing = [name for name in needed if isinstance(name, str) and name not in have]
        if missing:
            ctx.report(
                "DEPENDENT_REQUIRED_ADDED",
                f"When '{trigger}' is present in {describe(reader.path)}, the "
                f"{ctx.reader_name} schema also requires "
                + ", ".join(f"'{name}'" for name in missing)
                + f"; the {ctx.writer_name} schema does not.",
                writer.path,
                reader.path,
            )
