"""contains/minContains/maxContains and dependentSchemas (draft-07 schema dependencies).

All are proved with side proofs rather than compared for equality:
- reader ``contains``: the writer's own ``contains`` (with at least as many matches) must
  fit it, or every item the writer allows must fit it while the writer's minItems
  guarantees enough items;
- reader ``maxContains``: the writer's maxItems is within it, or the writer caps the
  items matching the same (or a wider) ``contains`` at most as tightly, or no item the
  writer allows at any position can match the reader's ``contains``. Otherwise a writer
  array with too many matching items is searched for among values built from the
  schemas and validated: found, it is MAX_CONTAINS_DECREASED; not found, the change is
  not decided;
- reader ``dependentSchemas``: when the trigger property is present the writer document
  must fit the dependent schema: the writer's own dependent schema for that trigger, or
  the writer as a whole, must be proved to fit it. A writer that never writes the
  trigger needs nothing.
"""

from __future__ import annotations

import json
from fractions import Fraction

from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.enums import listed_values, spell_values
from registry.formats.json_schema_compat.exclusion import exact, excludes, holds_across, resolved
from registry.formats.json_schema_compat.json_types import declared_types
from registry.formats.json_schema_compat.nodes import Node, narrowed
from registry.formats.json_schema_compat.objects import writable_names
from registry.formats.json_schema_compat.pointers import describe

# A witness array for maxContains is built and validated only up to this many items.
_MAX_WITNESS_ITEMS = 256
_MAX_TRIES = 8
_MAX_SAMPLE_DEPTH = 3
_SIMPLE_VALUES: tuple[object, ...] = (None, True, False, 0, 1, "a", "", [], {})
_FIXED_SAMPLES: dict[str, object] = {"null": None, "boolean": True, "array": []}


def _min_contains(node: Node) -> Fraction:
    value = node.number("minContains")
    return Fraction(1) if value is None else value


def check_contains(writer: Node, reader: Node, ctx: Comparison) -> None:
    """Every array the writer allows must hold what the reader's ``contains`` asks for."""
    reader_contains = reader.child("contains")
    if reader_contains is None:
        return  # minContains and maxContains mean nothing without contains.
    _check_max_contains(writer, reader, reader_contains, ctx)
    needed = _min_contains(reader)
    if needed == 0:
        return
    writer_contains = writer.child("contains")
    if (
        writer_contains is not None
        and _min_contains(writer) >= needed
        and ctx.holds(writer_contains, reader_contains)
    ):
        return
    items = writer.child("items")
    has_prefix = bool(writer.schemas("prefixItems"))
    min_items = writer.number("minItems") or Fraction(0)
    if (
        min_items >= needed
        and not has_prefix
        and ctx.holds(items if items is not None else writer.true(), reader_contains)
    ):
        return
    _report(
        writer,
        reader,
        ctx,
        "CONTAINS_NARROWED",
        f"The {ctx.reader_name} schema requires {describe(reader.path)} to contain at least "
        f"{needed} item(s) matching its 'contains' schema; the {ctx.writer_name} schema "
        "allows arrays without them.",
    )


def _check_max_contains(writer: Node, reader: Node, reader_contains: Node, ctx: Comparison) -> None:
    """Writer arrays may not hold more items matching ``contains`` than maxContains."""
    if "maxContains" not in reader.view or ctx.is_same_value(
        [writer.view.get("contains"), writer.view.get("maxContains")],
        [reader.view.get("contains"), reader.view.get("maxContains")],
        writer,
        reader,
    ):
        return
    limit = reader.number("maxContains")
    if limit is not None and _stays_under(writer, reader, reader_contains, limit, ctx):
        return
    witness = None if limit is None else _too_many_matches(writer, reader_contains, limit)
    if witness is not None:
        _report(
            writer,
            reader,
            ctx,
            "MAX_CONTAINS_DECREASED",
            f"The {ctx.reader_name} schema allows at most {limit} item(s) matching its "
            f"'contains' schema in {describe(reader.path)} (maxContains); the "
            f"{ctx.writer_name} schema allows more, e.g. {spell_values([witness])}.",
        )
        return
    _report(
        writer,
        reader,
        ctx,
        "UNDECIDABLE_CHANGE",
        f"The {ctx.reader_name} schema caps matching items of {describe(reader.path)} "
        f"with maxContains; whether every array the {ctx.writer_name} schema allows stays "
        "under it is not proved, so the change is treated as breaking.",
    )


def _stays_under(
    writer: Node, reader: Node, reader_contains: Node, limit: Fraction, ctx: Comparison
) -> bool:
    writer_max = writer.number("maxItems")
    if writer_max is not None and writer_max <= limit:
        return True  # Never that many items, matching or not.
    writer_contains = writer.child("contains")
    writer_limit = writer.number("maxContains")
    if (
        writer_contains is not None
        and writer_limit is not None
        and writer_limit <= limit
        and (
            ctx.is_same_value(writer.view["contains"], reader.view["contains"], writer, reader)
            # Every item matching the reader's contains matches the writer's, capped there.
            or holds_across(resolved(reader_contains), exact(writer_contains), ctx)
        )
    ):
        return True
    # No item the writer allows matches: no array holds any.
    target = resolved(reader_contains)
    prefix = writer.schemas("prefixItems")
    reachable = (
        prefix if writer_max is None else prefix[: int(min(writer_max, Fraction(len(prefix))))]
    )
    if not all(excludes(resolved(item), target) for item in reachable):
        return False
    if writer_max is not None and writer_max <= len(prefix):
        return True
    tail = writer.child("items")
    return excludes(resolved(tail) if tail is not None else writer.true(), target)


def _too_many_matches(writer: Node, reader_contains: Node, limit: Fraction) -> list[object] | None:
    """An array the writer allows with more than ``limit`` items matching, if one is found.

    Candidates are built from the schemas' listed values, examples and bounds and then
    validated, so a witness is always real. A writer with keywords set aside stands for
    more arrays than it allows, so it yields none.
    """
    if writer.dropped or limit >= _MAX_WITNESS_ITEMS:
        return None
    count = int(limit) + 1
    tail = writer.child("items")
    prefix = writer.schemas("prefixItems")
    pool = [*_samples(reader_contains), *_samples(tail), *_SIMPLE_VALUES]
    matching = _distinct([value for value in pool if reader_contains.rejection(value) is None])
    if not matching:
        return None
    fill: list[object] = []
    for position in prefix:
        accepted = [v for v in (*matching, *_samples(position)) if position.rejection(v) is None]
        if not accepted:
            return None
        fill.append(accepted[0])
    minimum = int(writer.number("minItems") or 0)
    if minimum > _MAX_WITNESS_ITEMS:
        return None
    tails = [[value] * count for value in matching[:_MAX_TRIES]]
    if len(matching) >= count:
        tails.append(matching[:count])  # Distinct items, for uniqueItems.
    for items in tails:
        candidate = fill + items
        candidate += [items[-1]] * max(0, minimum - len(candidate))
        if writer.rejection(candidate) is None:
            return candidate
    return None


def _samples(node: Node | None, depth: int = 0) -> list[object]:
    """A few values ``node`` may accept: listed ones, examples, values at its bounds."""
    if node is None or node.is_false or depth > _MAX_SAMPLE_DEPTH:
        return []
    node = resolved(node)
    listed = listed_values(node)
    if listed is not None:
        return listed[:_MAX_TRIES]
    found: list[object] = []
    examples = node.view.get("examples")
    if isinstance(examples, list):
        found += examples[:_MAX_TRIES]
    if "default" in node.view:
        found.append(node.view["default"])
    types = declared_types(node)
    for name in sorted(types if types is not None else ("string", "integer", "object")):
        if name == "string":
            length = int(min(node.number("minLength") or 0, Fraction(_MAX_WITNESS_ITEMS)))
            found += ["a" * max(length, 1), "a" * length]
        elif name in ("integer", "number"):
            low = node.number("minimum")
            above = node.number("exclusiveMinimum")
            start = low if low is not None else (above + 1 if above is not None else 0)
            found += [int(start) if int(start) >= start else int(start) + 1, 1]
        elif name == "object":
            found.append(
                {
                    key: next(iter(_samples(node.child("properties", key), depth + 1)), None)
                    for key in node.names("required")
                }
            )
        elif name in _FIXED_SAMPLES:
            found.append(_FIXED_SAMPLES[name])
    return found


def _distinct(values: list[object]) -> list[object]:
    seen: set[str] = set()
    unique: list[object] = []
    for value in values:
        key = json.dumps(value, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            unique.append(value)
    return unique


def check_dependent_schemas(writer: Node, reader: Node, ctx: Comparison) -> None:
    """When a trigger property is present, writer objects must fit the reader's schema."""
    writer_deps = writer.members("dependentSchemas")
    writable = writable_names(writer)
    for trigger in reader.members("dependentSchemas"):
        reader_dep = reader.child("dependentSchemas", trigger)
        if reader_dep is None or not reader_dep.asserts_anything():
            continue
        if writable is not None and trigger not in writable:
            continue  # The writer never writes the trigger.
        writer_prop = writer.child("properties", trigger)
        if writer_prop is not None and writer_prop.is_false:
            continue
        writer_dep = writer.child("dependentSchemas", trigger) if trigger in writer_deps else None
        if writer_dep is not None and ctx.holds(narrowed(writer_dep.part(), "object"), reader_dep):
            continue
        if ctx.holds(narrowed(writer.without("dependentSchemas"), "object"), reader_dep):
            continue
        _report(
            writer,
            reader,
            ctx,
            "DEPENDENT_SCHEMA_NARROWED",
            f"When '{trigger}' is present in {describe(reader.path)}, the {ctx.reader_name} "
            f"schema applies a dependent schema that is not proved to accept every object "
            f"the {ctx.writer_name} schema allows.",
        )


def _report(writer: Node, reader: Node, ctx: Comparison, code: str, message: str) -> None:
    ctx.report(code, message, writer.path, reader.path)
