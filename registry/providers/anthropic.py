"""Anthropic: tool use (tools[].input_schema) and, with strict: true or JSON outputs
(output_config.format), the grammar-constrained subset of JSON Schema."""

from __future__ import annotations

from registry.providers.model import (
    Check,
    Confirmation,
    Provider,
    ProviderProfile,
    Rule,
    Severity,
    Source,
)

READ_ON = "2026-12-03"
DEFINE_TOOLS = "https://platform.claude.com/docs/en/agents-and-tools/tool-use/define-tools"
STRICT_TOOLS = "https://platform.claude.com/docs/en/agents-and-tools/tool-use/strict-tool-use"
LIMITATIONS = (
    "https://platform.claude.com/docs/en/build-with-claude/structured-outputs"
    "#json-schema-limitations"
)

# The strict tool use page (read) sends the subset to the limitations section; that
# section's list was read as quoted by libraries that apply it (LangSchema's Anthropic
# converter, the claude-agent crate), not on the page itself.
LIMITS_SOURCE = Source(LIMITATIONS, READ_ON, Confirmation.SECONDARY)
NAME_SOURCE = Source(
    DEFINE_TOOLS,
    READ_ON,
    Confirmation.UNCONFIRMED,
    "The name pattern ^[a-zA-Z0-9_-]{1,64}$ is the documented one as known; the page was "
    "not read here.",
)
ROOT_SOURCE = Source(
    DEFINE_TOOLS,
    READ_ON,
    Confirmation.UNCONFIRMED,
    "input_schema is typed as an object schema in the API reference; not read here.",
)
BUDGET_SOURCE = Source("", READ_ON, Confirmation.PRIMARY, "A bound of this linter.")


def _root_object(prefix: str) -> Rule:
    return Rule(
        f"{prefix}_ROOT_NOT_OBJECT",
        Check.ROOT_OBJECT,
        Severity.BLOCKING,
        "input_schema must be an object schema (type: object).",
        ROOT_SOURCE,
    )


def _tool_name(prefix: str) -> Rule:
    return Rule(
        f"{prefix}_TOOL_NAME_INVALID",
        Check.TOOL_NAME,
        Severity.BLOCKING,
        "A tool name is 1 to 64 of a-z, A-Z, 0-9, _ and -.",
        NAME_SOURCE,
        pattern=r"[a-zA-Z0-9_-]{1,64}",
    )


def _external_ref(prefix: str, severity: Severity, source: Source) -> Rule:
    return Rule(
        f"{prefix}_EXTERNAL_REF",
        Check.EXTERNAL_REF,
        severity,
        "$ref must point inside the schema; external references are not fetched.",
        source,
    )


def _budget(prefix: str) -> Rule:
    return Rule(
        f"{prefix}_SCHEMA_TOO_LARGE_TO_LINT",
        Check.WORK_BUDGET,
        Severity.WARNING,
        "The schema is too large to lint whole; the findings cover only its first part.",
        BUDGET_SOURCE,
    )


ANTHROPIC = ProviderProfile(
    provider=Provider.ANTHROPIC,
    title="Anthropic tool use (strict off)",
    applies_to="tools[].input_schema",
    rules=(
        _root_object("ANTHROPIC"),
        _external_ref(
            "ANTHROPIC",
            Severity.WARNING,
            Source(DEFINE_TOOLS, READ_ON, Confirmation.UNCONFIRMED),
        ),
        _tool_name("ANTHROPIC"),
        _budget("ANTHROPIC"),
    ),
    notes=(
        "Without strict, input_schema is guidance for the model: keywords outside the "
        "strict subset are accepted but not enforced on the model's output.",
    ),
)

ANTHROPIC_STRICT = ProviderProfile(
    provider=Provider.ANTHROPIC_STRICT,
    title="Anthropic strict tool use and JSON outputs",
    applies_to="tools[].input_schema with strict: true, output_config.format.schema",
    rules=(
        _root_object("ANTHROPIC_STRICT"),
        Rule(
            "ANTHROPIC_STRICT_ADDITIONAL_PROPERTIES_REQUIRED",
            Check.CLOSED_OBJECTS,
            Severity.BLOCKING,
            "Every object must set additionalProperties to false.",
            LIMITS_SOURCE,
        ),
        Rule(
            "ANTHROPIC_STRICT_UNSUPPORTED_KEYWORD",
            Check.KEYWORDS,
            Severity.BLOCKING,
            "Numeric bounds (minimum, maximum, exclusiveMinimum, exclusiveMaximum, "
            "multipleOf), string length bounds, maxItems and object size bounds are not "
            "supported.",
            LIMITS_SOURCE,
            keywords=frozenset(
                {
                    "minimum",
                    "maximum",
                    "exclusiveMinimum",
                    "exclusiveMaximum",
                    "multipleOf",
                    "minLength",
                    "maxLength",
                    "maxItems",
                    "minProperties",
                    "maxProperties",
                }
            ),
        ),
        Rule(
            "ANTHROPIC_STRICT_MIN_ITEMS",
            Check.MIN_ITEMS,
            Severity.BLOCKING,
            "minItems may only be 0 or 1.",
            LIMITS_SOURCE,
            limit=1,
        ),
        Rule(
            "ANTHROPIC_STRICT_UNSUPPORTED_FORMAT",
            Check.FORMATS,
            Severity.BLOCKING,
            "format must be one of date-time, time, date, duration, email, hostname, uri, "
            "ipv4, ipv6 or uuid.",
            LIMITS_SOURCE,
            keywords=frozenset(
                {
                    "date-time",
                    "time",
                    "date",
                    "duration",
                    "email",
                    "hostname",
                    "uri",
                    "ipv4",
                    "ipv6",
                    "uuid",
                }
            ),
        ),
        Rule(
            "ANTHROPIC_STRICT_PATTERN_UNSUPPORTED",
            Check.PATTERN_FEATURES,
            Severity.BLOCKING,
            "pattern may not use backreferences, lookahead, lookbehind or word boundaries.",
            LIMITS_SOURCE,
        ),
        Rule(
            "ANTHROPIC_STRICT_ENUM_COMPLEX_VALUE",
            Check.ENUM_PRIMITIVES,
            Severity.BLOCKING,
            "enum values must be strings, numbers, booleans or null.",
            LIMITS_SOURCE,
        ),
        Rule(
            "ANTHROPIC_STRICT_RECURSION",
            Check.RECURSION,
            Severity.BLOCKING,
            "Recursive schemas are not supported.",
            LIMITS_SOURCE,
        ),
        _external_ref("ANTHROPIC_STRICT", Severity.BLOCKING, LIMITS_SOURCE),
        Rule(
            "ANTHROPIC_STRICT_UNRESOLVED_REF",
            Check.UNRESOLVED_REF,
            Severity.BLOCKING,
            "A local $ref must point at a schema in the document.",
            LIMITS_SOURCE,
        ),
        Rule(
            "ANTHROPIC_STRICT_ALL_OF_REF",
            Check.ALL_OF_REF,
            Severity.WARNING,
            "allOf is supported only in part; allOf with $ref is not.",
            Source(LIMITATIONS, READ_ON, Confirmation.SECONDARY, "Quoted by one library."),
        ),
        Rule(
            "ANTHROPIC_STRICT_BOOLEAN_SCHEMA",
            Check.BOOLEAN_SCHEMA,
            Severity.WARNING,
            "A subschema must be an object schema, not true or false.",
            Source(LIMITATIONS, READ_ON, Confirmation.UNCONFIRMED),
        ),
        Rule(
            "ANTHROPIC_STRICT_TOO_MANY_OPTIONAL",
            Check.MAX_OPTIONAL,
            Severity.BLOCKING,
            "At most 24 optional properties across all strict schemas of a request; this "
            "schema alone has more.",
            LIMITS_SOURCE,
            limit=24,
        ),
        Rule(
            "ANTHROPIC_STRICT_TOO_MANY_UNIONS",
            Check.MAX_UNIONS,
            Severity.BLOCKING,
            "At most 16 properties using anyOf or a type list across all strict schemas of a "
            "request; this schema alone has more.",
            LIMITS_SOURCE,
            limit=16,
        ),
        _tool_name("ANTHROPIC_STRICT"),
        _budget("ANTHROPIC_STRICT"),
    ),
    notes=(
        "Optional properties are allowed (not every property need be required), within "
        "the request-wide count above.",
        "At most 20 strict tools per request: a property of the request, not of a schema.",
        "Strict schemas compile into one grammar per request; an undocumented size limit "
        "('The compiled grammar is too large') has been reported.",
        "Supported: all basic types, enum, const, anyOf, allOf (in part), local $ref and "
        "$defs, required, additionalProperties: false, default.",
    ),
)
