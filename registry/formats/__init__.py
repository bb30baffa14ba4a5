"""Schema formats. One module per format, each exposing a ``FormatHandler``."""

from __future__ import annotations

import threading
from collections import OrderedDict

from registry.errors import BadUserInputError, InvalidSchemaError, UnsupportedFormatError
from registry.formats.avro import AVRO
from registry.formats.base import (
    NO_CONTEXT,
    FormatHandler,
    ParseContext,
    ParsedSchema,
    ResolvedReference,
    fingerprint_of,
)
from registry.formats.json_schema import DRAFT_07, JSON_SCHEMA
from registry.formats.protobuf import PROTOBUF
from registry.model import SchemaFormat

_HANDLERS: dict[SchemaFormat, FormatHandler] = {
    SchemaFormat.JSON: JSON_SCHEMA,
    SchemaFormat.AVRO: AVRO,
    SchemaFormat.PROTOBUF: PROTOBUF,
}


def handler_for(format: SchemaFormat) -> FormatHandler:
    """The handler for ``format``; formats without one are refused clearly."""
    try:
        return _HANDLERS[format]
    except KeyError:
        supported = ", ".join(sorted(f.value for f in _HANDLERS))
        raise UnsupportedFormatError(
            f"Schema format {format.value} is not supported yet; supported: {supported}."
        ) from None


def supported_formats() -> list[SchemaFormat]:
    return list(_HANDLERS)


# A JSON Schema without "$schema" is read as draft-07 unless configured otherwise, as
# Confluent's clients and serializers (which never send "$schema") expect.
DEFAULT_DIALECT = DRAFT_07


def dialect_setting(value: str) -> str:
    """A default-dialect setting as stored: a dialect some format reads (for JSON Schema a
    ``$schema`` URI), without a trailing '#'."""
    normalized = value.strip().rstrip("#")
    supported = [d for handler in _HANDLERS.values() for d in handler.dialects]
    if normalized not in supported:
        raise BadUserInputError(f"Unknown dialect {value!r}; supported: {', '.join(supported)}.")
    return normalized


__all__ = [
    "DEFAULT_DIALECT",
    "NO_CONTEXT",
    "FormatHandler",
    "ParseContext",
    "ParsedSchema",
    "ResolvedReference",
    "dialect_setting",
    "fingerprint_of",
    "handler_for",
    "parse_schema",
    "supported_formats",
]


_PARSED_LIMIT = 2048
# Bounded by text size too: one parsed 1 MiB schema costs about ten times its text.
_PARSED_CHARS_LIMIT = 8 * 1024 * 1024
# (format, text, dialect, references as (name, subject, version, fingerprint))
_Key = tuple[SchemaFormat, str, str | None, tuple[tuple[str, str, int, str], ...]]
_parsed: OrderedDict[_Key, ParsedSchema] = OrderedDict()
_parsed_chars = 0
# Parsing may run in a thread beside the event loop (a validator built off the loop): the
# memo's bookkeeping is done under this lock, the parsing itself outside it.
_parsed_lock = threading.Lock()


def parse_schema(
    format: SchemaFormat, text: str, *, stored: bool = False, context: ParseContext = NO_CONTEXT
) -> ParsedSchema:
    """Parse with the format's handler (``stored`` and ``context``: see
    ``FormatHandler.parse``). Parsing is pure, so results are memoized, under the
    submitted text and under the canonical text that storage keeps: earlier versions are
    re-read on every compatibility check and need not be parsed again."""
    if context.dialect is not None and not handler_for(format).dialects:
        # A format with one dialect reads the same either way: one memo entry.
        context = ParseContext(context.references)
    refs = tuple((r.name, r.subject, r.version, r.schema.fingerprint) for r in context.references)
    key: _Key = (format, text, context.dialect, refs)
    with _parsed_lock:
        parsed = _parsed.get(key)
        if parsed is not None:
            _parsed.move_to_end(key)
    if parsed is None:
        parsed = _parse_and_keep(format, text, key, context)
    if parsed.refusal is not None and not stored:
        raise InvalidSchemaError(parsed.refusal)
    return parsed


def _parse_and_keep(
    format: SchemaFormat, text: str, key: _Key, context: ParseContext
) -> ParsedSchema:
    global _parsed_chars
    parsed = handler_for(format).parse(text, stored=True, context=context)
    with _parsed_lock:
        for cache_key in {key, (format, parsed.canonical, key[2], key[3])}:
            if cache_key not in _parsed:
                _parsed[cache_key] = parsed
                _parsed_chars += len(cache_key[1])
        while _parsed and (len(_parsed) > _PARSED_LIMIT or _parsed_chars > _PARSED_CHARS_LIMIT):
            (_, evicted_text, _, _), _ = _parsed.popitem(last=False)
            _parsed_chars -= len(evicted_text)
    return parsed
