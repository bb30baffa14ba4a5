"""The rule catalog. A new keyword family is a new entry here; the walker stays as is."""

from __future__ import annotations

from registry.formats.json_schema_compat.applicators import (
    check_contains,
    check_dependent_schemas,
)
from registry.formats.json_schema_compat.arrays import check_array
from registry.formats.json_schema_compat.combinators import check_combinators
from registry.formats.json_schema_compat.conditionals import check_conditional
from registry.formats.json_schema_compat.enums import check_enum, check_listed_values
from registry.formats.json_schema_compat.json_types import check_type
from registry.formats.json_schema_compat.numeric import check_numeric
from registry.formats.json_schema_compat.objects import check_object
from registry.formats.json_schema_compat.refs import follow_references
from registry.formats.json_schema_compat.rules import KeywordRule, StructuralRule
from registry.formats.json_schema_compat.strings import check_string
from registry.formats.json_schema_compat.unevaluated import (
    check_unevaluated_items,
    check_unevaluated_properties,
)

_OBJECT = frozenset({"object"})
_ARRAY = frozenset({"array"})

# In order: a listed-values writer is decided outright; references are followed before
# combinators are taken apart.
STRUCTURAL_RULES: tuple[StructuralRule, ...] = (
    check_listed_values,
    follow_references,
    check_combinators,
)
STRUCTURAL_KEYWORDS = frozenset(
    {"$ref", "$dynamicRef", "$recursiveRef", "allOf", "anyOf", "oneOf", "not"}
)

KEYWORD_RULES: tuple[KeywordRule, ...] = (
    KeywordRule("type", frozenset({"type"}), None, check_type),
    KeywordRule("enum", frozenset({"enum", "const"}), None, check_enum),
    KeywordRule(
        "object",
        frozenset(
            {
                "properties",
                "patternProperties",
                "additionalProperties",
                "required",
                "propertyNames",
                "minProperties",
                "maxProperties",
                "dependentRequired",
            }
        ),
        _OBJECT,
        check_object,
    ),
    KeywordRule(
        "array",
        frozenset({"prefixItems", "items", "minItems", "maxItems", "uniqueItems"}),
        _ARRAY,
        check_array,
    ),
    KeywordRule(
        "string",
        frozenset({"minLength", "maxLength", "pattern", "format"}),
        frozenset({"string"}),
        check_string,
    ),
    KeywordRule(
        "numeric",
        frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}),
        frozenset({"number", "integer"}),
        check_numeric,
    ),
    KeywordRule(
        "conditional",
        frozenset({"if", "then", "else"}),
        None,
        check_conditional,
    ),
    KeywordRule(
        "contains",
        frozenset({"contains", "minContains", "maxContains"}),
        _ARRAY,
        check_contains,
    ),
    KeywordRule(
        "dependentSchemas",
        frozenset({"dependentSchemas"}),
        _OBJECT,
        check_dependent_schemas,
    ),
    KeywordRule(
        "unevaluatedProperties",
        frozenset({"unevaluatedProperties"}),
        _OBJECT,
        check_unevaluated_properties,
    ),
    KeywordRule(
        "unevaluatedItems",
        frozenset({"unevaluatedItems"}),
        _ARRAY,
        check_unevaluated_items,
    ),
)
