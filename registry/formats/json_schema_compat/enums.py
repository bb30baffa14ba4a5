"""enum and const: values the writer lists, values the reader insists on.

A writer with an enum or const allows only the listed values (its other keywords can only
remove some), so validating each value against the reader decides the pair exactly.
"""

from __future__ import annotations

import json

from jsonschema.exceptions import ValidationError

from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.json_types import declared_types
from registry.formats.json_schema_compat.nodes import UNVALIDATED, Node
from registry.formats.json_schema_compat.pointers import describe

# Keyword that rejected a listed value -> code, when it rejected the value itself rather
# than something nested inside it.
_CODE_BY_KEYWORD: dict[object, str] = {
    "enum": "ENUM_VALUE_REMOVED",
    "const": "CONST_CHANGED",
    "type": "TYPE_NARROWED",
    "minLength": "MIN_LENGTH_INCREASED",
    "maxLength": "MAX_LENGTH_DECREASED",
    "pattern": "PATTERN_CHANGED",
    "format": "FORMAT_CHANGED",
    "minimum": "MINIMUM_INCREASED",
    "maximum": "MAXIMUM_DECREASED",
    "exclusiveMinimum": "EXCLUSIVE_MINIMUM_INCREASED",
    "exclusiveMaximum": "EXCLUSIVE_MAXIMUM_DECREASED",
    "multipleOf": "MULTIPLE_OF_CHANGED",
    None: "SCHEMA_BECAME_FALSE",
    UNVALIDATED: "UNDECIDABLE_CHANGE",
}
FINITE_TYPES: dict[str, list[object]] = {"boolean": [True, False], "null": [None]}


def spell_values(values: list[object]) -> str:
    shown = [json.dumps(value, ensure_ascii=False, sort_keys=True)[:60] for value in values[:5]]
    more = f" and {len(values) - 5} more" if len(values) > 5 else ""
    return ", ".join(shown) + more


def listed_values(node: Node) -> list[object] | None:
    """The only values ``node`` can allow, from its const or enum; None if not listed."""
    if "const" in node.view:
        return [node.view["const"]]
    enum = node.view.get("enum")
    return list(enum) if isinstance(enum, list) else None


def check_listed_values(writer: Node, reader: Node, ctx: Comparison) -> bool:
    """A writer enum/const is compatible iff the reader accepts every listed value."""
    values = listed_values(writer)
    if values is None:
        return False
    # Listed values the writer's other keywords reject are never written.
    values = [value for value in values if _is_allowed(writer, value)]
    rejected: dict[str, list[tuple[object, ValidationError]]] = {}
    for value in values:
        error = reader.rejection(value)
        if error is not None:
            keyword = error.validator if not error.path else "nested"
            code = _CODE_BY_KEYWORD.get(keyword, "VALUE_REJECTED")
            rejected.setdefault(code, []).append((value, error))
    for code, failures in rejected.items():
        if code == "TYPE_NARROWED" and len(failures) == len(values):
            code = "TYPE_CHANGED"
        shown = spell_values([value for value, _ in failures])
        ctx.report(code, _message(code, shown, failures, reader, ctx), writer.path, reader.path)
    return True


def _message(
    code: str,
    shown: str,
    failures: list[tuple[object, ValidationError]],
    reader: Node,
    ctx: Comparison,
) -> str:
    where = describe(reader.path)
    if code == "UNDECIDABLE_CHANGE":
        return (
            f"The {ctx.reader_name} schema for {where} could not be evaluated on {shown}, "
            f"which the {ctx.writer_name} schema allows; the change is treated as breaking."
        )
    if code == "ENUM_VALUE_REMOVED":
        what = f"The {ctx.reader_name} schema's enum for {where} lacks {shown}"
    elif code == "CONST_CHANGED":
        const = spell_values([reader.view.get("const")])
        what = f"The {ctx.reader_name} schema's const for {where} is {const}, not {shown}"
    else:
        keywords = ", ".join(sorted({str(error.validator) for _, error in failures}))
        what = f"The {ctx.reader_name} schema's {keywords} for {where} rejects {shown}"
    them = "it" if len(failures) == 1 else "them"
    return (
        f"{what}, which the {ctx.writer_name} schema allows; documents written with the "
        f"{ctx.writer_name} schema holding {them} would be rejected."
    )


def _is_allowed(writer: Node, value: object) -> bool:
    error = writer.rejection(value)
    return error is None or error.validator == UNVALIDATED


def check_enum(writer: Node, reader: Node, ctx: Comparison) -> None:
    """A reader enum/const the writer lacked rejects values the writer allows.

    Reached only when the writer lists no values; a writer limited to booleans and null
    still has a finite domain, checked value by value.
    """
    types = declared_types(writer)
    domain: list[object] | None = None
    if types is not None and types <= FINITE_TYPES.keys():
        domain = [value for name in sorted(types) for value in FINITE_TYPES[name]]
    prints = reader.side.fingerprints
    for keyword, code in (("enum", "ENUM_ADDED"), ("const", "CONST_ADDED")):
        if keyword not in reader.view:
            continue
        allowed = reader.view[keyword]
        allowed_list = allowed if keyword == "enum" and isinstance(allowed, list) else [allowed]
        if domain is not None:
            digests = {prints.digest(value) for value in allowed_list}
            missing = [value for value in domain if prints.digest(value) not in digests]
            if not missing:
                continue
        ctx.report(
            code,
            f"The {ctx.reader_name} schema limits {describe(reader.path)} to "
            f"{spell_values(allowed_list)} ({keyword}); the {ctx.writer_name} schema "
            "allows other values there.",
            writer.path,
            reader.path,
        )
