"""Stable incompatibility codes. Public API: add new codes, never rename one.

"Writer" is the schema documents are written with, "reader" the one that must accept
them: BACKWARD checks old (writer) against new (reader), FORWARD new against old.
"""

from __future__ import annotations

CODES: dict[str, str] = {
    "SCHEMA_BECAME_FALSE": "The reader is the schema `false`: it rejects every document.",
    "TYPE_NARROWED": "The reader drops some of the JSON types the writer allows.",
    "TYPE_CHANGED": "The reader accepts none of the JSON types the writer allows.",
    "REQUIRED_PROPERTY_ADDED": "The reader requires a property the writer may omit.",
    "PROPERTY_REMOVED_FROM_CLOSED_MODEL": (
        "The writer allows a property that the reader's closed model "
        "(additionalProperties false) does not declare."
    ),
    "PROPERTY_ADDED_TO_OPEN_MODEL": (
        "The reader constrains a property the writer does not declare while the writer's "
        "model is open: writer documents may carry that key with any value."
    ),
    "ADDITIONAL_PROPERTIES_NARROWED": (
        "The reader's additionalProperties rejects undeclared properties the writer allows."
    ),
    "PROPERTY_NAMES_NARROWED": "The reader's propertyNames rejects a name the writer allows.",
    "MIN_PROPERTIES_INCREASED": "The reader's minProperties is above the writer's.",
    "MAX_PROPERTIES_DECREASED": "The reader's maxProperties is below the writer's, or new.",
    "DEPENDENT_REQUIRED_ADDED": (
        "The reader's dependentRequired (or dependencies) requires a property the writer "
        "may omit when the trigger property is present."
    ),
    "DEPENDENT_SCHEMA_NARROWED": (
        "The reader's dependentSchemas (or draft-07 schema dependencies) applies a schema, "
        "when its trigger property is present, that is not proved to accept every object "
        "the writer allows."
    ),
    "ENUM_VALUE_REMOVED": "A value the writer's enum or const allows is not in the reader's enum.",
    "ENUM_ADDED": "The reader restricts values with an enum the writer did not have.",
    "CONST_CHANGED": "A value the writer's enum or const allows differs from the reader's const.",
    "CONST_ADDED": "The reader pins the value with a const the writer did not have.",
    "VALUE_REJECTED": (
        "A value the writer's enum or const allows fails another keyword of the reader."
    ),
    "MIN_LENGTH_INCREASED": "The reader's minLength is above the writer's.",
    "MAX_LENGTH_DECREASED": "The reader's maxLength is below the writer's, or new.",
    "PATTERN_CHANGED": "A string the writer allows does not match the reader's pattern.",
    "UNDECIDABLE_PATTERN_CHANGE": (
        "Whether the writer's strings or property names still match the reader's patterns "
        "could not be decided (a word boundary, a Unicode property escape, a work limit...), "
        "so the "
        "change is treated as breaking."
    ),
    "FORMAT_ADDED": "The reader requires a format the writer did not.",
    "FORMAT_CHANGED": "The reader requires a different format than the writer.",
    "MINIMUM_INCREASED": "The reader's minimum is above the writer's lower bound, or new.",
    "MAXIMUM_DECREASED": "The reader's maximum is below the writer's upper bound, or new.",
    "EXCLUSIVE_MINIMUM_INCREASED": (
        "The reader's exclusiveMinimum excludes numbers the writer's lower bound allows."
    ),
    "EXCLUSIVE_MAXIMUM_DECREASED": (
        "The reader's exclusiveMaximum excludes numbers the writer's upper bound allows."
    ),
    "MULTIPLE_OF_CHANGED": "The reader's multipleOf does not divide the writer's, or is new.",
    "ITEMS_NARROWED": "The reader constrains array items the writer left unconstrained.",
    "MIN_ITEMS_INCREASED": "The reader's minItems is above the writer's.",
    "MAX_ITEMS_DECREASED": "The reader's maxItems is below the writer's, or new.",
    "VALUE_EXCLUDED": "The reader's `not` excludes a value the writer allows.",
    "MAX_CONTAINS_DECREASED": "The reader's maxContains is below what the writer allows, or new.",
    "CONTAINS_NARROWED": (
        "The reader's contains/minContains asks for matching items the writer's arrays "
        "need not hold."
    ),
    "UNIQUE_ITEMS_ADDED": "The reader requires unique items; the writer did not.",
    "CONDITIONAL_CHANGED": (
        "The reader's if/then/else may reject documents the writer allows; not proved safe."
    ),
    "COMBINED_SCHEMA_CHANGED": (
        "allOf/anyOf/oneOf/not changed in a way the checker could not prove safe."
    ),
    "UNDECIDABLE_CHANGE": (
        "A change the checker cannot prove safe (unsupported keyword, reference or "
        "complexity limit); treated as breaking, never silently accepted."
    ),
}
