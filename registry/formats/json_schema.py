"""JSON Schema (drafts 04, 06, 07, 2019-09, 2020-12): parsing, canonical form,
compatibility."""

from __future__ import annotations

import json
from collections.abc import Iterator

import jsonschema_rs

from registry.compatibility import Direction, Incompatibility
from registry.errors import InvalidSchemaError
from registry.formats import ecma_regex
from registry.formats.base import (
    NO_CONTEXT,
    ParseContext,
    ParsedSchema,
    fingerprint_of,
    load_json,
)
from registry.formats.json_schema_bundle import working_document
from registry.formats.json_schema_compat import CheckMemo, Fingerprints, find_breaking_changes
from registry.formats.json_schema_compat.dialects import (
    DRAFT_04,
    DRAFT_06,
    DRAFT_07,
    DRAFT_2019_09,
    DRAFT_2020_12,
    SUPPORTED_DIALECTS,
    normalize_dialect,
)
from registry.formats.json_schema_payloads import JsonSchemaPayloads
from registry.formats.json_schema_references import check_references, remember
from registry.model import DEFAULT_COMPATIBILITY_POLICY, CompatibilityPolicy, SchemaFormat
from registry.payloads import PayloadValidator, refuse_message_name

__all__ = [
    "DRAFT_04",
    "DRAFT_06",
    "DRAFT_07",
    "DRAFT_2019_09",
    "DRAFT_2020_12",
    "JSON_SCHEMA",
    "SUPPORTED_DIALECTS",
    "JsonSchemaFormat",
    "canonical_json",
    "normalize_dialect",
]

# The metaschema of each draft, its own patterns (on $anchor and the like, matched against
# the submitted schema's strings) run in the Rust regex crate, which is linear-time,
# instead of jsonschema-rs's backtracking default.
_METASCHEMAS = {
    dialect: jsonschema_rs.validator_for(
        {"$schema": f"{dialect}#", "$ref": f"{dialect}#"},
        pattern_options=jsonschema_rs.RegexOptions(),
    )
    for dialect in SUPPORTED_DIALECTS
}
# Where subschemas sit, in any supported draft: one, a list, or a map of names to them.
_ONE_SCHEMA = frozenset(
    {
        "additionalProperties",
        "additionalItems",
        "unevaluatedProperties",
        "unevaluatedItems",
        "contains",
        "propertyNames",
        "not",
        "if",
        "then",
        "else",
        "items",
    }
)
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems", "items"})
_SCHEMA_MAPS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies"}
)
# What one schema's distinct patterns may cost to compile together, in RE2 program
# instructions, each pattern counted at least _PATTERN_COST: compiling takes one to two
# microseconds per instruction, so no schema buys more than about a quarter of a second.
_PATTERNS_BUDGET = 100_000
_PATTERN_COST = 50


def _dialect(document: object, context: ParseContext) -> tuple[str, bool]:
    """The draft ``document`` is read in, and whether the text names it itself: its
    ``$schema``, else the context's default, else 2020-12 (what schemas stored without a
    recorded dialect were read in)."""
    declared = document.get("$schema") if isinstance(document, dict) else None
    if isinstance(declared, str):
        dialect = normalize_dialect(declared)
        if dialect is None:
            raise InvalidSchemaError(
                f"Unsupported $schema '{declared}'; supported dialects: "
                f"{', '.join(SUPPORTED_DIALECTS)}."
            )
        return dialect, True
    if context.dialect is None:
        return DRAFT_2020_12, False
    default = normalize_dialect(context.dialect)
    if default is None:
        raise InvalidSchemaError(
            f"Unsupported default dialect '{context.dialect}'; supported dialects: "
            f"{', '.join(SUPPORTED_DIALECTS)}."
        )
    return default, False


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _patterns(document: object) -> Iterator[tuple[str, str]]:
    """(JSON pointer, pattern) for every regular expression in a schema position:
    ``pattern`` values and ``patternProperties`` names, subschemas of any draft included."""
    stack: list[tuple[object, str]] = [(document, "#")]
    while stack:
        node, path = stack.pop()
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("pattern"), str):
            yield f"{path}/pattern", node["pattern"]
        children: list[tuple[object, str]] = []
        for keyword, value in node.items():
            where = f"{path}/{_escape(str(keyword))}"
            if keyword == "patternProperties" and isinstance(value, dict):
                yield from ((f"{where}/{_escape(name)}", name) for name in value)
            if keyword in _ONE_SCHEMA and isinstance(value, dict):
                children.append((value, where))
            elif keyword in _SCHEMA_LISTS and isinstance(value, list):
                children += ((item, f"{where}/{index}") for index, item in enumerate(value))
            elif keyword in _SCHEMA_MAPS and isinstance(value, dict):
                children += ((item, f"{where}/{_escape(name)}") for name, item in value.items())
        stack.extend(reversed(children))  # document order, for the first refusal


def _pattern_refusal(document: object) -> str | None:
    """Why a pattern of the schema is not run in the linear-time engine (``ecma_regex``),
    naming it and where it is; None when every pattern runs there."""
    budget = _PATTERNS_BUDGET
    seen: set[str] = set()
    for where, pattern in _patterns(document):
        if pattern in seen:
            continue
        seen.add(pattern)
        shown = pattern if len(pattern) <= 120 else pattern[:120] + "…"
        try:
            compiled = ecma_regex.compile_pattern(pattern)
        except ecma_regex.PatternError as exc:
            return f"Pattern '{shown}' at {where} is refused: {exc.reason}."
        budget -= max(compiled.programsize, _PATTERN_COST)
        if budget < 0:
            return (
                f"Pattern '{shown}' at {where} is refused: the schema's patterns together "
                f"compile to more than the {_PATTERNS_BUDGET:,} instructions the linear-time "
                "engine allows one schema."
            )
    return None


def canonical_json(document: object) -> str:
    """Deterministic text: sorted keys, no insignificant whitespace, UTF-8 kept as is."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class JsonSchemaFormat:
    """The ``FormatHandler`` for JSON Schema."""

    @property
    def format(self) -> SchemaFormat:
        return SchemaFormat.JSON

    @property
    def dialects(self) -> tuple[str, ...]:
        return SUPPORTED_DIALECTS

    @property
    def forms(self) -> frozenset[str]:
        return frozenset()

    @property
    def inline_parse_chars(self) -> int:
        # About 0.08 ms per KiB (metaschema validation in Rust).
        return 8 * 1024

    def parse(
        self, text: str, *, stored: bool = False, context: ParseContext = NO_CONTEXT
    ) -> ParsedSchema:
        document = load_json(text)
        if not isinstance(document, dict | bool):
            raise InvalidSchemaError(
                f"A JSON Schema must be an object or a boolean, got {type(document).__name__}."
            )
        # First, so no later message (nor the metaschema validator, which needs UTF-8)
        # ever sees half of a UTF-16 pair.
        canonical = canonical_json(document)
        try:
            canonical.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidSchemaError(
                f"Schema contains text that is not valid Unicode (a lone surrogate at "
                f"character {exc.start} of its canonical form)."
            ) from None
        dialect, is_declared = _dialect(document, context)
        # jsonschema-rs checks against the metaschema of the declared draft about 500x
        # faster than the pure-Python validator (0.01 ms instead of 7 ms for a 1 KB
        # tool schema), which keeps registrations and transitive checks cheap.
        try:
            _METASCHEMAS[dialect].validate(document)
        except jsonschema_rs.ValidationError as exc:
            where = "#" + "".join(f"/{_escape(str(p))}" for p in exc.instance_path)
            raise InvalidSchemaError(f"Invalid JSON Schema at {where}: {exc.message}") from None
        # Most schemas hold no "$ref" at all; the canonical text says so without a walk.
        if context.references or '"$ref"' in canonical:
            check_references(document, dialect, context.references)
        refusal = _pattern_refusal(document)
        if refusal is not None and not stored:
            raise InvalidSchemaError(refusal)
        # Recorded only when it is not what such a schema was always read in, so schemas
        # stored before the setting keep their identity.
        read_in = None if is_declared or dialect == DRAFT_2020_12 else dialect
        parsed = ParsedSchema(
            format=SchemaFormat.JSON,
            canonical=canonical,
            document=document,
            fingerprint=fingerprint_of(SchemaFormat.JSON, canonical, context.references, read_in),
            refusal=refusal,
            dialect=read_in,
        )
        remember(parsed, context.references)
        return parsed

    def render(self, schema: ParsedSchema, form: str) -> str | None:
        return None

    def find_incompatibilities(
        self,
        old: ParsedSchema,
        new: ParsedSchema,
        direction: Direction,
        policy: CompatibilityPolicy = DEFAULT_COMPATIBILITY_POLICY,
    ) -> list[Incompatibility]:
        backward = direction is Direction.BACKWARD
        writer, reader = (old, new) if backward else (new, old)
        return find_breaking_changes(
            _working(writer),
            _working(reader),
            writer_is_old=backward,
            policy=policy,
            shared=(_fingerprints(old), _fingerprints(new)),
            memo=_memo(new),
        )

    def validator(self, schema: ParsedSchema, message_name: str | None = None) -> PayloadValidator:
        refuse_message_name(SchemaFormat.JSON, message_name)
        if schema.refusal is not None:
            raise InvalidSchemaError(f"Schema cannot validate payloads: {schema.refusal}")
        return JsonSchemaPayloads(_working(schema))


def _working(schema: ParsedSchema) -> object:
    """The document the compatibility engine reads: the schema's own, naming the draft it
    was read in, with the schemas it refers to bundled in (``working_document``); built on
    its first comparison and kept with it."""
    found = schema.memo.get("working")
    if found is None:
        found = schema.memo["working"] = working_document(schema)
    return found


def _fingerprints(schema: ParsedSchema) -> Fingerprints:
    """The working document's subtree digests, computed on its first comparison and kept
    with it: a candidate checked against 100 versions is digested once, not 200 times."""
    prints = schema.memo.get("fingerprints")
    if not isinstance(prints, Fingerprints):
        prints = Fingerprints()
        prints.shape(_working(schema))
        schema.memo["fingerprints"] = prints
    return prints


def _memo(candidate: ParsedSchema) -> CheckMemo:
    """Verdicts kept with the schema being checked, so that checking it against a long
    history reuses what earlier versions already proved (see ``CheckMemo``)."""
    memo = candidate.memo.get("compatibility")
    if not isinstance(memo, CheckMemo):
        memo = CheckMemo()
        candidate.memo["compatibility"] = memo
    return memo


JSON_SCHEMA = JsonSchemaFormat()
