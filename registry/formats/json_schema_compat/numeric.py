"""Numeric keywords: minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf.

Numbers are compared as exact fractions of their decimal spelling. Bounds of an
integer-only writer are rounded to the integers they admit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.json_types import is_integer_only
from registry.formats.json_schema_compat.nodes import Node
from registry.formats.json_schema_compat.pointers import describe


@dataclass(frozen=True, slots=True)
class Bound:
    value: Fraction
    is_exclusive: bool
    keyword: str

    def spell(self) -> str:
        return f"{self.keyword} {spell_number(self.value)}"


def spell_number(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else str(float(value))


def _bound(node: Node, *, lower: bool) -> Bound | None:
    """The tightest bound ``node`` sets on one side (draft-04 boolean exclusives included)."""
    inclusive_kw, exclusive_kw = (
        ("minimum", "exclusiveMinimum") if lower else ("maximum", "exclusiveMaximum")
    )
    bounds: list[Bound] = []
    inclusive = node.number(inclusive_kw)
    if inclusive is not None:
        # Draft-04 spelled an exclusive bound as minimum plus exclusiveMinimum: true.
        is_flagged = node.view.get(exclusive_kw) is True
        bounds.append(Bound(inclusive, is_flagged, exclusive_kw if is_flagged else inclusive_kw))
    exclusive = node.number(exclusive_kw)
    if exclusive is not None:
        bounds.append(Bound(exclusive, True, exclusive_kw))
    if not bounds:
        return None
    if lower:
        return max(bounds, key=lambda b: (b.value, b.is_exclusive))
    return min(bounds, key=lambda b: (b.value, not b.is_exclusive))


def _on_integers(bound: Bound | None, *, lower: bool) -> Bound | None:
    """The same bound as an inclusive one, for a domain that holds only integers."""
    if bound is None:
        return None
    if lower:
        value = math.floor(bound.value) + 1 if bound.is_exclusive else math.ceil(bound.value)
    else:
        value = math.ceil(bound.value) - 1 if bound.is_exclusive else math.floor(bound.value)
    return Bound(Fraction(value), False, bound.keyword)


def _is_within(writer: Bound | None, reader: Bound, *, lower: bool) -> bool:
    if writer is None:
        return False
    if writer.value != reader.value:
        return writer.value > reader.value if lower else writer.value < reader.value
    return writer.is_exclusive or not reader.is_exclusive


def _on_multiples(bound: Bound | None, step: Fraction, *, lower: bool) -> Bound | None:
    """The bound as an inclusive one on the multiples of ``step`` it admits."""
    if bound is None:
        return None
    quotient = bound.value / step
    if lower:
        k = math.floor(quotient) + 1 if bound.is_exclusive else math.ceil(quotient)
    else:
        k = math.ceil(quotient) - 1 if bound.is_exclusive else math.floor(quotient)
    return Bound(k * step, False, bound.keyword)


def check_numeric(writer: Node, reader: Node, ctx: Comparison) -> None:
    """Every number the writer allows must lie within the reader's bounds and multipleOf.

    A writer whose numbers are all multiples of a step (its multipleOf, or 1 for integers)
    is bounded by the extreme multiples inside its bounds: ``maximum 3, multipleOf 2``
    never writes more than 2. Only steps validators divide by exactly are used so.
    """
    integers = is_integer_only(writer)
    step = writer.number("multipleOf")
    if step is not None and not (step > 0 and _is_binary_exact(step)):
        step = None
    for lower in (True, False):
        reader_bound = _bound(reader, lower=lower)
        if reader_bound is None:
            continue
        writer_bound = _bound(writer, lower=lower)
        if integers:
            writer_bound = _on_integers(writer_bound, lower=lower)
            reader_check = _on_integers(reader_bound, lower=lower)
        else:
            reader_check = reader_bound
        if step is not None:
            writer_bound = _on_multiples(writer_bound, step, lower=lower)
        if reader_check is not None and _is_within(writer_bound, reader_check, lower=lower):
            continue
        _report_bound(writer, reader, writer_bound, reader_bound, lower, ctx)
    _check_multiple_of(writer, reader, integers, ctx)


def _report_bound(
    writer: Node,
    reader: Node,
    writer_bound: Bound | None,
    reader_bound: Bound,
    lower: bool,
    ctx: Comparison,
) -> None:
    codes = {
        (True, False): "MINIMUM_INCREASED",
        (True, True): "EXCLUSIVE_MINIMUM_INCREASED",
        (False, False): "MAXIMUM_DECREASED",
        (False, True): "EXCLUSIVE_MAXIMUM_DECREASED",
    }
    side = "lower" if lower else "upper"
    before = f"its {writer_bound.spell()}" if writer_bound else f"no {side} bound"
    ctx.report(
        codes[lower, reader_bound.is_exclusive],
        f"The {ctx.reader_name} schema sets {reader_bound.spell()} for {describe(reader.path)}, "
        f"which rejects numbers the {ctx.writer_name} schema allows ({before}).",
        writer.path,
        reader.path,
    )


def _is_binary_exact(step: Fraction) -> bool:
    """Whether dividing a float by ``step`` is exact (its denominator is a power of two)."""
    return step.denominator & (step.denominator - 1) == 0


def _check_multiple_of(writer: Node, reader: Node, integers: bool, ctx: Comparison) -> None:
    reader_step = reader.number("multipleOf")
    if reader_step is None:
        return
    writer_step = writer.number("multipleOf")
    if writer_step is None and integers:
        writer_step = Fraction(1)
    divides = writer_step is not None and (writer_step / reader_step).denominator == 1
    # Validators divide in binary floating point: under multipleOf 0.1, 0.3 / 0.1 is
    # 2.9999999999999996 and 0.3 is rejected. Only an unchanged step, or one whose division
    # is exact, is safe in practice.
    if divides and (writer_step == reader_step or _is_binary_exact(reader_step)):
        return
    before = "no multipleOf" if writer_step is None else f"multipleOf {spell_number(writer_step)}"
    why = (
        "floating-point validators reject some of its multiples"
        if divides
        else "allows numbers that are not"
    )
    ctx.report(
        "MULTIPLE_OF_CHANGED",
        f"The {ctx.reader_name} schema requires {describe(reader.path)} to be a multiple of "
        f"{spell_number(reader_step)}; the {ctx.writer_name} schema ({before}) {why}.",
        writer.path,
        reader.path,
    )
