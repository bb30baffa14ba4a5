"""OpenAI: Structured Outputs (response_format json_schema, strict: true) and strict
function calling (tools[].function.strict: true) share one JSON Schema subset."""

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
GUIDE = "https://developers.openai.com/api/docs/guides/structured-outputs#supported-schemas"
ONE_OF_REPORT = (
    "https://community.openai.com/t/official-documentation-for-supported-schemas-for-"
    "response-format-parameter-in-calls-to-client-beta-chats-completions-parse/932422"
)
FUNCTION_NAME = "https://platform.openai.com/docs/api-reference/chat/create#chat-create-tools"

# The guide's own page could not be read here; its rules are quoted by SDKs and libraries
# that apply them (e.g. the artifactize-core crate's limits.rs cites the section above).
GUIDE_SOURCE = Source(GUIDE, READ_ON, Confirmation.SECONDARY)
UNCONFIRMED = Source(
    GUIDE,
    READ_ON,
    Confirmation.UNCONFIRMED,
    "Not in the supported list; whether the API refuses or ignores it was not confirmed.",
)

OPENAI = ProviderProfile(
    provider=Provider.OPENAI,
    title="OpenAI Structured Outputs and strict function calling",
    applies_to="response_format.json_schema.schema, tools[].function.parameters (strict)",
    rules=(
        Rule(
            "OPENAI_ROOT_NOT_OBJECT",
            Check.ROOT_OBJECT,
            Severity.BLOCKING,
            "The root schema must be an object (type: object).",
            GUIDE_SOURCE,
        ),
        Rule(
            "OPENAI_ROOT_ANY_OF",
            Check.ROOT_ANY_OF,
            Severity.BLOCKING,
            "The root schema must not be an anyOf.",
            GUIDE_SOURCE,
        ),
        Rule(
            "OPENAI_ADDITIONAL_PROPERTIES_REQUIRED",
            Check.CLOSED_OBJECTS,
            Severity.BLOCKING,
            "Every object must set additionalProperties to false.",
            GUIDE_SOURCE,
        ),
        Rule(
            "OPENAI_PROPERTY_NOT_REQUIRED",
            Check.ALL_REQUIRED,
            Severity.BLOCKING,
            "Every property must be required; an optional one is a required property "
            'whose type admits null, e.g. type: ["string", "null"].',
            GUIDE_SOURCE,
        ),
        Rule(
            "OPENAI_UNSUPPORTED_COMPOSITION",
            Check.KEYWORDS,
            Severity.BLOCKING,
            "allOf, not, dependentRequired, dependentSchemas, if, then and else are not supported.",
            GUIDE_SOURCE,
            keywords=frozenset(
                {"allOf", "not", "dependentRequired", "dependentSchemas", "if", "then", "else"}
            ),
        ),
        Rule(
            "OPENAI_ONE_OF_REFUSED",
            Check.KEYWORDS,
            Severity.BLOCKING,
            "oneOf is refused ('oneOf' is not permitted); anyOf is the supported union.",
            Source(
                ONE_OF_REPORT,
                READ_ON,
                Confirmation.SECONDARY,
                "The API's error message as reported by a user; not in the guide's list.",
            ),
            keywords=frozenset({"oneOf"}),
        ),
        Rule(
            "OPENAI_FINE_TUNED_UNSUPPORTED_KEYWORD",
            Check.KEYWORDS,
            Severity.WARNING,
            "patternProperties is not supported on fine-tuned models.",
            GUIDE_SOURCE,
            keywords=frozenset({"patternProperties"}),
        ),
        Rule(
            "OPENAI_UNLISTED_KEYWORD",
            Check.KEYWORDS,
            Severity.WARNING,
            "Keywords outside the supported list (string length bounds, object size bounds, "
            "uniqueItems, default, ...) may be refused.",
            UNCONFIRMED,
            keywords=frozenset(
                {
                    "minLength",
                    "maxLength",
                    "minProperties",
                    "maxProperties",
                    "uniqueItems",
                    "contains",
                    "minContains",
                    "maxContains",
                    "prefixItems",
                    "propertyNames",
                    "unevaluatedProperties",
                    "unevaluatedItems",
                    "default",
                }
            ),
        ),
        Rule(
            "OPENAI_UNSUPPORTED_FORMAT",
            Check.FORMATS,
            Severity.WARNING,
            "format must be one of date-time, time, date, duration, email, hostname, ipv4, "
            "ipv6 or uuid.",
            GUIDE_SOURCE,
            keywords=frozenset(
                {
                    "date-time",
                    "time",
                    "date",
                    "duration",
                    "email",
                    "hostname",
                    "ipv4",
                    "ipv6",
                    "uuid",
                }
            ),
        ),
        Rule(
            "OPENAI_BOOLEAN_SCHEMA",
            Check.BOOLEAN_SCHEMA,
            Severity.WARNING,
            "A subschema must be an object schema, not true or false.",
            UNCONFIRMED,
        ),
        Rule(
            "OPENAI_EXTERNAL_REF",
            Check.EXTERNAL_REF,
            Severity.BLOCKING,
            "$ref must point inside the schema ($defs or the root, #).",
            GUIDE_SOURCE,
        ),
        Rule(
            "OPENAI_UNRESOLVED_REF",
            Check.UNRESOLVED_REF,
            Severity.BLOCKING,
            "A local $ref must point at a schema in the document.",
            GUIDE_SOURCE,
        ),
        Rule(
            "OPENAI_TOO_MANY_PROPERTIES",
            Check.MAX_PROPERTIES,
            Severity.BLOCKING,
            "A schema may have at most 5000 object properties in total.",
            GUIDE_SOURCE,
            limit=5000,
        ),
        Rule(
            "OPENAI_TOO_DEEP",
            Check.MAX_DEPTH,
            Severity.BLOCKING,
            "A schema may nest at most 10 levels (counted here as objects and arrays).",
            GUIDE_SOURCE,
            limit=10,
        ),
        Rule(
            "OPENAI_TOO_MANY_ENUM_VALUES",
            Check.MAX_ENUM_VALUES,
            Severity.BLOCKING,
            "A schema may have at most 1000 enum values across all enum properties.",
            GUIDE_SOURCE,
            limit=1000,
        ),
        Rule(
            "OPENAI_STRINGS_TOO_LONG",
            Check.MAX_STRING_LENGTH,
            Severity.BLOCKING,
            "Property names, definition names, enum values and const values may total at "
            "most 120000 characters.",
            GUIDE_SOURCE,
            limit=120_000,
        ),
        Rule(
            "OPENAI_LARGE_ENUM_TOO_LONG",
            Check.MAX_LARGE_ENUM_LENGTH,
            Severity.BLOCKING,
            "A string enum of more than 250 values may total at most 15000 characters.",
            GUIDE_SOURCE,
            limit=15_000,
        ),
        Rule(
            "OPENAI_TOOL_NAME_INVALID",
            Check.TOOL_NAME,
            Severity.BLOCKING,
            "A function or response format name is 1 to 64 of a-z, A-Z, 0-9, _ and -.",
            Source(FUNCTION_NAME, READ_ON, Confirmation.SECONDARY),
            pattern=r"[a-zA-Z0-9_-]{1,64}",
        ),
        Rule(
            "OPENAI_SCHEMA_TOO_LARGE_TO_LINT",
            Check.WORK_BUDGET,
            Severity.WARNING,
            "The schema is too large to lint whole; the findings cover only its first part.",
            Source("", READ_ON, Confirmation.PRIMARY, "A bound of this linter."),
        ),
    ),
    notes=(
        "Recursion through $ref to # or to $defs is supported, so it is not a finding.",
        "anyOf is supported below the root; each branch must itself be in the subset.",
        "Supported: string pattern and format; number minimum, maximum, exclusiveMinimum, "
        "exclusiveMaximum, multipleOf; array minItems and maxItems.",
        "On fine-tuned models string, number and array bounds are not supported either.",
    ),
)
