"""String keywords: minLength, maxLength, pattern, format."""

from __future__ import annotations

import json
import math

from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.nodes import Node
from registry.formats.json_schema_compat.pointers import describe
from registry.formats.json_schema_compat.regex_inclusion import find_string

# Patterns every string matches (``pattern`` is searched, not anchored).
_MATCH_ALL = frozenset({"", ".*", "^", "^.*", "(.*)", "[\\s\\S]*", "^[\\s\\S]*$"})


def check_string(writer: Node, reader: Node, ctx: Comparison) -> None:
    """Every string the writer allows must pass the reader's string keywords.

    A pattern the reader adds or changes is met when every string the writer's pattern
    (and lengths) allow matches it; a string that does not, and that the writer accepts,
    is a PATTERN_CHANGED; what cannot be decided is UNDECIDABLE_PATTERN_CHANGE.
    """
    writer_min = writer.number("minLength") or 0
    reader_min = reader.number("minLength")
    if reader_min is not None and reader_min > writer_min:
        ctx.report(
            "MIN_LENGTH_INCREASED",
            f"The {ctx.reader_name} schema requires {describe(reader.path)} to be at least "
            f"{reader_min} "
            f"characters long; the {ctx.writer_name} schema allows {writer_min}.",
            writer.path,
            reader.path,
        )
    writer_max = writer.number("maxLength")
    reader_max = reader.number("maxLength")
    if reader_max is not None and (writer_max is None or writer_max > reader_max):
        allowed = "any length" if writer_max is None else f"up to {writer_max} characters"
        ctx.report(
            "MAX_LENGTH_DECREASED",
            f"The {ctx.reader_name} schema limits {describe(reader.path)} to {reader_max} "
            "characters; the "
            f"{ctx.writer_name} schema allows {allowed}.",
            writer.path,
            reader.path,
        )
    _check_pattern(writer, reader, ctx)
    _check_format(writer, reader, ctx)


def _check_pattern(writer: Node, reader: Node, ctx: Comparison) -> None:
    """Every string the writer allows must match the reader's pattern: decided on the
    strings the writer's own pattern and lengths allow (see ``regex_inclusion``)."""
    reader_pattern = reader.view.get("pattern")
    writer_pattern = writer.view.get("pattern")
    if not isinstance(reader_pattern, str) or reader_pattern in _MATCH_ALL:
        return
    if reader_pattern == writer_pattern:
        return
    writer_min = writer.number("minLength")
    writer_max = writer.number("maxLength")
    answer = find_string(
        (writer_pattern,) if isinstance(writer_pattern, str) else (),
        (reader_pattern,),
        min_length=max(0, math.ceil(writer_min)) if writer_min is not None else 0,
        max_length=math.floor(writer_max) if writer_max is not None else None,
        allowance=ctx.pattern_allowance,
    )
    if answer.decided and answer.example is None:
        return  # Proved: whatever the writer's pattern and lengths allow matches.
    before = (
        f"'{writer_pattern}' in the {ctx.writer_name} schema"
        if isinstance(writer_pattern, str)
        else f"no pattern in the {ctx.writer_name} schema"
    )
    example = answer.example
    if example is not None and writer.rejection(example) is None:
        ctx.report(
            "PATTERN_CHANGED",
            f"The {ctx.reader_name} schema requires {describe(reader.path)} to match "
            f"'{reader_pattern}' (there is {before}); the string {quote(example)} is "
            f"allowed by the {ctx.writer_name} schema but does not match.",
            writer.path,
            reader.path,
        )
        return
    why = (
        answer.reason
        if example is None
        else f"strings such as {quote(example)} do not match it, but other keywords of the "
        f"{ctx.writer_name} schema may exclude them"
    )
    ctx.report(
        "UNDECIDABLE_PATTERN_CHANGE",
        f"The {ctx.reader_name} schema requires {describe(reader.path)} to match "
        f"'{reader_pattern}' (there is {before}); whether every string the "
        f"{ctx.writer_name} schema allows still matches is not proved ({why}), so the "
        "change is treated as breaking.",
        writer.path,
        reader.path,
    )


def quote(text: str) -> str:
    """A string as JSON spells it: quoted, control characters escaped."""
    return json.dumps(text, ensure_ascii=False)


def _check_format(writer: Node, reader: Node, ctx: Comparison) -> None:
    reader_format = reader.view.get("format")
    writer_format = writer.view.get("format")
    if not isinstance(reader_format, str) or reader_format == writer_format:
        return
    if isinstance(writer_format, str):
        ctx.report(
            "FORMAT_CHANGED",
            f"The format of {describe(reader.path)} is '{writer_format}' in the {ctx.writer_name} "
            "schema but "
            f"'{reader_format}' in the {ctx.reader_name} schema; strings valid as "
            f"'{writer_format}' may be rejected.",
            writer.path,
            reader.path,
        )
        return
    ctx.report(
        "FORMAT_ADDED",
        f"The {ctx.reader_name} schema requires {describe(reader.path)} to be a '{reader_format}' "
        "string; "
        f"the {ctx.writer_name} schema accepts any string there.",
        writer.path,
        reader.path,
    )
