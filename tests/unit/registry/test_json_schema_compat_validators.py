"""The checker's value validators: jsonschema's verdicts and messages, with every schema
pattern searched in RE2 with ECMA-262 meaning."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from jsonschema.exceptions import best_match

from registry.formats.ecma_regex import PatternError
from registry.formats.json_schema_compat.dialects import DRAFT_07, DRAFT_2019_09, DRAFT_2020_12
from registry.formats.json_schema_compat.validators import VALIDATORS

STOCK = {
    DRAFT_07: jsonschema.Draft7Validator,
    DRAFT_2019_09: jsonschema.Draft201909Validator,
    DRAFT_2020_12: jsonschema.Draft202012Validator,
}
ATTACK = "a" * 5_000 + "!"


def _validator(dialect: str, schema: object) -> Any:
    cls = VALIDATORS[dialect]
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _stock(dialect: str, schema: Any) -> Any:
    cls = STOCK[dialect]
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _message(validator: Any, instance: object) -> str | None:
    error = best_match(validator.iter_errors(instance))
    return None if error is None else str(error.message)


# (draft, schema, instance): patterns that mean the same in Python and ECMA-262, so
# jsonschema's own validators are the reference for everything but the engine.
AGREEING = [
    (DRAFT_2020_12, {"pattern": "^x-"}, "x-a"),
    (DRAFT_2020_12, {"pattern": "^x-"}, "y-a"),
    (DRAFT_2020_12, {"patternProperties": {"^n": {"type": "integer"}}}, {"n1": 1, "n2": "s"}),
    (
        DRAFT_07,
        {"properties": {"a": {}}, "patternProperties": {"^x-": {}}, "additionalProperties": False},
        {"a": 1, "x-b": 2, "c": 3, "d": 4},
    ),
    (DRAFT_07, {"properties": {"a": {}}, "additionalProperties": False}, {"a": 1, "c": 3}),
    (
        DRAFT_2020_12,
        {"patternProperties": {"^x-": {}}, "additionalProperties": {"type": "string"}},
        {"x-a": 1, "b": 2},
    ),
    (DRAFT_2020_12, {"propertyNames": {"pattern": "^[a-z]+$"}}, {"ok": 1, "Not": 2}),
    (DRAFT_2020_12, {"format": "regex"}, "^[a-z]+$"),
    (DRAFT_2020_12, {"format": "regex"}, "(unclosed"),
    *(
        (dialect, schema, instance)
        for dialect in (DRAFT_2019_09, DRAFT_2020_12)
        for schema, instance in [
            (
                {"patternProperties": {"^x-": {}}, "unevaluatedProperties": False},
                {"x-a": 1, "b": 2},
            ),
            (
                {
                    "$defs": {"ext": {"patternProperties": {"^x-": {"type": "string"}}}},
                    "allOf": [{"$ref": "#/$defs/ext"}],
                    "properties": {"id": {}},
                    "unevaluatedProperties": False,
                },
                {"id": 1, "x-a": "s", "other": 3},
            ),
            (
                {
                    "if": {"properties": {"kind": {"const": "ext"}}},
                    "then": {"patternProperties": {"^x-": {}}},
                    "else": {"properties": {"plain": {}}},
                    "properties": {"kind": {}},
                    "unevaluatedProperties": {"type": "integer"},
                },
                {"kind": "ext", "x-a": "s", "y": "t"},
            ),
            (
                {
                    "anyOf": [{"patternProperties": {"^a": {}}}, {"properties": {"b": {}}}],
                    "dependentSchemas": {"d": {"properties": {"e": {}}}},
                    "additionalProperties": {"type": "string"},
                    "unevaluatedProperties": False,
                },
                {"a1": 1, "b": 2, "d": "x", "e": 3},
            ),
        ]
    ),
]


@pytest.mark.parametrize(("dialect", "schema", "instance"), AGREEING)
def test_verdicts_and_messages_are_jsonschemas_own(
    dialect: str, schema: object, instance: object
) -> None:
    ours = _validator(dialect, schema)
    reference = _stock(dialect, schema)
    assert ours.is_valid(instance) is reference.is_valid(instance)
    assert _message(ours, instance) == _message(reference, instance)


# (schema, instance, valid): where ECMA-262 and Python's re disagree, ECMA-262 decides.
ECMA = [
    ({"pattern": "^a$"}, "a\n", False),
    ({"pattern": "^\\d+$"}, "\u0663", False),
    ({"pattern": "^\\s$"}, "\ufeff", True),
    ({"patternProperties": {"^[^]$": {"type": "integer"}}}, {"\n": "s"}, False),
    ({"propertyNames": {"pattern": "^\\w+$"}}, {"café": 1}, False),
    ({"format": "regex"}, "(?i)x", False),
    ({"format": "regex"}, "(?=x)", True),
]


@pytest.mark.parametrize(("schema", "instance", "valid"), ECMA)
def test_patterns_are_read_as_ecma_262(schema: object, instance: object, valid: bool) -> None:
    assert _validator(DRAFT_2020_12, schema).is_valid(instance) is valid


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("dialect", "schema", "instance", "valid"),
    [
        (DRAFT_2020_12, {"pattern": "^(a+)+$"}, ATTACK, False),
        (DRAFT_2020_12, {"patternProperties": {"^(a+)+$": False}}, {ATTACK: 1}, True),
        (
            DRAFT_07,
            {"patternProperties": {"^(a+)+$": {}}, "additionalProperties": False},
            {ATTACK: 1},
            False,
        ),
        (DRAFT_2020_12, {"propertyNames": {"pattern": "^(a|aa)*$"}}, {ATTACK: 1}, False),
        (
            DRAFT_2019_09,
            {"patternProperties": {"^(a+)+$": {}}, "unevaluatedProperties": False},
            {ATTACK: 1},
            False,
        ),
        (
            DRAFT_2020_12,
            {"allOf": [{"patternProperties": {"^(a+)+$": {}}}], "unevaluatedProperties": False},
            {ATTACK: 1},
            False,
        ),
    ],
    ids=[
        "pattern",
        "patternProperties",
        "additionalProperties",
        "propertyNames",
        "uneval-2019",
        "uneval-2020",
    ],
)
def test_catastrophic_patterns_answer_at_once_and_correctly(
    dialect: str, schema: object, instance: object, valid: bool
) -> None:
    # Python's re needs about 2**5000 steps for each of these.
    assert _validator(dialect, schema).is_valid(instance) is valid


def test_a_pattern_the_engine_does_not_run_is_never_a_match_nor_a_miss() -> None:
    with pytest.raises(PatternError):
        _validator(DRAFT_2020_12, {"pattern": "(a)\\1"}).is_valid("aa")
