"""Google Gemini: the Schema object of function declarations (parameters) and of
generationConfig.responseSchema, "a select subset of an OpenAPI 3.0 schema object".

The newer parametersJsonSchema and responseJsonSchema fields take JSON Schema itself and
are not profiled here.
"""

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
SCHEMA = "https://docs.cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/Schema"
SDK_SCHEMA = "https://googleapis.github.io/js-genai/interfaces/types.Schema.html"
DECLARATION = "https://cloud.google.com/vertex-ai/docs/reference/rest/v1beta1/FunctionDeclaration"
GEMINI_API_DECLARATION = "https://ai.google.dev/api/caching#FunctionDeclaration"
FIREBASE_FORMAT = "https://firebase.google.com/docs/reference/js/ai.schemashared"

# The fields of the Schema message, as the Gemini API SDK and the Vertex reference list them.
SCHEMA_FIELDS = frozenset(
    {
        "type",
        "format",
        "title",
        "description",
        "nullable",
        "enum",
        "default",
        "example",
        "items",
        "minItems",
        "maxItems",
        "properties",
        "required",
        "propertyOrdering",
        "minProperties",
        "maxProperties",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "anyOf",
    }
)

GEMINI = ProviderProfile(
    provider=Provider.GEMINI,
    title="Google Gemini function declarations and response schemas (Schema object)",
    applies_to="tools[].functionDeclarations[].parameters, generationConfig.responseSchema",
    rules=(
        Rule(
            "GEMINI_ROOT_NOT_OBJECT",
            Check.ROOT_OBJECT,
            Severity.WARNING,
            "Function parameters must be an object schema; a response schema may be any type.",
            Source(DECLARATION, READ_ON, Confirmation.PRIMARY),
            keywords=frozenset({"object", "OBJECT"}),
        ),
        Rule(
            "GEMINI_UNSUPPORTED_KEYWORD",
            Check.KEYWORD_ALLOWLIST,
            Severity.BLOCKING,
            "Only the Schema object's fields are accepted: type, format, title, description, "
            "nullable, enum, default, example, items, minItems, maxItems, properties, "
            "required, propertyOrdering, minProperties, maxProperties, minLength, maxLength, "
            "pattern, minimum, maximum and anyOf.",
            Source(
                SDK_SCHEMA,
                READ_ON,
                Confirmation.PRIMARY,
                "Unknown fields are refused by the API's JSON parsing of the Schema message "
                "(known behaviour of protobuf JSON; the refusal itself not read here). "
                "Vertex AI v1beta1 also has additionalProperties, defs and ref.",
            ),
            keywords=SCHEMA_FIELDS,
        ),
        Rule(
            "GEMINI_TYPE_ARRAY",
            Check.TYPE_ARRAY,
            Severity.BLOCKING,
            "type is one type name; a nullable value says nullable: true instead of type: "
            '["string", "null"].',
            Source(SCHEMA, READ_ON, Confirmation.PRIMARY),
        ),
        Rule(
            "GEMINI_ENUM_NOT_STRING",
            Check.ENUM_STRINGS,
            Severity.BLOCKING,
            'enum values are strings, also for integers (enum: ["101", "201"]).',
            Source(SCHEMA, READ_ON, Confirmation.PRIMARY),
        ),
        Rule(
            "GEMINI_UNSUPPORTED_FORMAT",
            Check.FORMATS,
            Severity.WARNING,
            "On the Gemini Developer API format must be enum or date-time for strings "
            "(float, double, int32 and int64 for numbers); Vertex AI accepts more.",
            Source(FIREBASE_FORMAT, READ_ON, Confirmation.SECONDARY),
            keywords=frozenset({"enum", "date-time", "float", "double", "int32", "int64"}),
        ),
        Rule(
            "GEMINI_PROPERTY_NAME_INVALID",
            Check.PROPERTY_NAME,
            Severity.WARNING,
            "Parameter names start with a letter or an underscore and hold only a-z, A-Z, "
            "0-9 and _, at most 64 characters (Vertex AI).",
            Source(DECLARATION, READ_ON, Confirmation.PRIMARY),
            pattern=r"[a-zA-Z_][a-zA-Z0-9_]{0,63}",
        ),
        Rule(
            "GEMINI_BOOLEAN_SCHEMA",
            Check.BOOLEAN_SCHEMA,
            Severity.BLOCKING,
            "A subschema must be a Schema object, not true or false.",
            Source(SDK_SCHEMA, READ_ON, Confirmation.PRIMARY),
        ),
        Rule(
            "GEMINI_TOOL_NAME_INVALID",
            Check.TOOL_NAME,
            Severity.BLOCKING,
            "A function name is 1 to 64 of a-z, A-Z, 0-9, _, :, . and -.",
            Source(GEMINI_API_DECLARATION, READ_ON, Confirmation.SECONDARY),
            pattern=r"[a-zA-Z0-9_:.-]{1,64}",
        ),
        Rule(
            "GEMINI_TOOL_NAME_VERTEX",
            Check.TOOL_NAME,
            Severity.WARNING,
            "On Vertex AI a function name starts with a letter or an underscore and holds "
            "only a-z, A-Z, 0-9, _, . and -, at most 64 characters.",
            Source(DECLARATION, READ_ON, Confirmation.PRIMARY),
            pattern=r"[a-zA-Z_][a-zA-Z0-9_.-]{0,63}",
        ),
        Rule(
            "GEMINI_SCHEMA_TOO_LARGE_TO_LINT",
            Check.WORK_BUDGET,
            Severity.WARNING,
            "The schema is too large to lint whole; the findings cover only its first part.",
            Source("", READ_ON, Confirmation.PRIMARY, "A bound of this linter."),
        ),
    ),
    notes=(
        "No $ref or $defs in the Schema object, so no shared or recursive definitions; "
        "the lint still follows local references to report what they point at.",
        "additionalProperties is not a field: objects cannot be closed or opened.",
        "Limits on size, depth or enum counts were not found documented; very large "
        "schemas are reported refused in practice.",
    ),
)
