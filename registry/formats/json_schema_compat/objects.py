"""Object keywords beyond the per-property schemas (see ``properties``): required,
minProperties/maxProperties, propertyNames, dependentRequired.

A writer whose documents can only carry known names (a closed model, or ``maxProperties``
no larger than its ``required`` list) is read as such everywhere: it never writes another
key, and the number of names is a ceiling on its property count.
"""

from __future__ import annotations

from fractions import Fraction

from registry.formats.json_schema_compat.absent import reads_as_null
from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.counts import check_count_bounds
from registry.formats.json_schema_compat.nodes import Node, narrowed
from registry.formats.json_schema_compat.pointers import capital, describe, join
from registry.formats.json_schema_compat.properties import check_properties


def writable_names(node: Node) -> frozenset[str] | None:
    """The only property names documents of ``node`` can carry; None when any name can be.

    A closed model (``additionalProperties: false``, no patterns) carries its declared
    properties whose schema is not ``false``; ``maxProperties`` no larger than the number
    of required names leaves room for the required names only.
    """
    names: frozenset[str] | None = None
    if node.view.get("additionalProperties") is False and not node.members("patternProperties"):
        names = frozenset(
            name for name, schema in node.members("properties").items() if schema is not False
        )
    limit = node.number("maxProperties")
    if limit is not None:
        required = frozenset(node.names("required"))
        if limit <= len(required):
            names = required if names is None else names & required
    return names


def check_object(writer: Node, reader: Node, ctx: Comparison) -> None:
    """Every object the writer allows must pass the reader's object keywords."""
    writable = writable_names(writer)
    check_properties(writer, reader, writable, ctx)
    _check_required(writer, reader, writable, ctx)
    _check_counts(writer, reader, writable, ctx)
    _check_property_names(writer, reader, writable, ctx)
    _check_dependent_required(writer, reader, writable, ctx)


def _check_required(
    writer: Node, reader: Node, writable: frozenset[str] | None, ctx: Comparison
) -> None:
    already = set(writer.names("required"))
    for name in reader.names("required"):
        if name in already:
            continue
        writer_prop = writer.child("properties", name)
        reader_has = name in reader.members("properties")
        reader_path = join(reader.path, "properties", name) if reader_has else reader.path
        label = describe(join(reader.path, "properties", name))
        can_carry = (writable is None or name in writable) and not (
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
            # LLM: a key the writer never writes, read as null (see ``policy``).
            condition_met="REQUIRED_PROPERTY_ADDED" in ctx.tolerated
            and reads_as_null(writer, reader, name, writable, ctx),
        )


def _check_counts(
    writer: Node, reader: Node, writable: frozenset[str] | None, ctx: Comparison
) -> None:
    # Required properties are a floor, the names a writer can carry a ceiling.
    writer_max = writer.number("maxProperties")
    if writable is not None:
        ceiling = Fraction(len(writable))
        writer_max = ceiling if writer_max is None else min(writer_max, ceiling)
    check_count_bounds(
        writer,
        reader,
        ctx,
        noun="properties",
        keywords=("minProperties", "maxProperties"),
        codes=("MIN_PROPERTIES_INCREASED", "MAX_PROPERTIES_DECREASED"),
        writer_min=max(writer.number("minProperties") or 0, len(set(writer.names("required")))),
        writer_max=writer_max,
    )


def _check_property_names(
    writer: Node, reader: Node, writable: frozenset[str] | None, ctx: Comparison
) -> None:
    reader_names = reader.child("propertyNames")
    if reader_names is None or not reader_names.asserts_anything():
        return
    if writable is not None:
        rejected = [name for name in sorted(writable) if reader_names.rejection(name) is not None]
        proved = not rejected
    else:
        rejected = []
        names = writer.child("propertyNames") or writer.true()
        proved = ctx.holds(narrowed(names, "string"), reader_names)
    if not proved:
        which = ", ".join(f"'{name}'" for name in rejected) or "some property names"
        ctx.report(
            "PROPERTY_NAMES_NARROWED",
            f"The {ctx.reader_name} schema's propertyNames for {describe(reader.path)} rejects "
            f"{which} that the {ctx.writer_name} schema allows.",
            writer.path,
            reader_names.path,
        )


def _check_dependent_required(
    writer: Node, reader: Node, writable: frozenset[str] | None, ctx: Comparison
) -> None:
    writer_deps = writer.members("dependentRequired")
    always = set(writer.names("required"))
    for trigger, needed in reader.members("dependentRequired").items():
        if writable is not None and trigger not in writable:
            continue  # The writer never writes the trigger.
        have = always | set(writer_deps.get(trigger) or [])
        # The trigger itself is present by definition.
        missing = [
            name
            for name in needed
            if isinstance(name, str) and name not in have and name != trigger
        ]
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
