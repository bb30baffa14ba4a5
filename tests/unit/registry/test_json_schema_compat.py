"""find_breaking_changes against the compatibility table, cross-checked with the validators.

Soundness: where the table (and the checker) says compatible, every example document the
writer accepts must be accepted by the reader. Precision: where it reports a proven break,
some example document must show it.
"""

from __future__ import annotations

from typing import Any

import pytest

from registry.compatibility import Incompatibility
from registry.formats.json_schema_compat import CODES, find_breaking_changes
from registry.formats.json_schema_compat.dialects import DRAFT_2020_12, dialect_of
from registry.formats.json_schema_compat.validators import VALIDATORS
from tests.unit.registry.test_json_schema_cases_applicators import (
    CONTAINS_CASES,
    NOT_CASES,
    ONE_OF_CASES,
)
from tests.unit.registry.test_json_schema_cases_catalog import (
    APPLICATOR_CASES,
    DEEP_CASES,
    OBJECT_MORE_CASES,
    TYPE_CASES,
)
from tests.unit.registry.test_json_schema_cases_conditionals import CONDITIONAL_CASES
from tests.unit.registry.test_json_schema_cases_drafts import (
    CROSS_DRAFT_CASES,
    DRAFT_04_CASES,
    DRAFT_06_CASES,
)
from tests.unit.registry.test_json_schema_cases_keywords import (
    ARRAY_MORE_CASES,
    BOOLEAN_MORE_CASES,
    COMBINATOR_MORE_CASES,
    NUMBER_MORE_CASES,
    TOOL_MORE_CASES,
    VALUE_CASES,
)
from tests.unit.registry.test_json_schema_cases_objects import (
    OBJECT_CASES,
    TYPE_AND_ANNOTATION_CASES,
    Case,
    Expect,
    Schema,
)
from tests.unit.registry.test_json_schema_cases_patterns import (
    KNOWN_NAMES_CASES,
    PATTERN_CASES,
    PATTERN_DECISION_CASES,
)
from tests.unit.registry.test_json_schema_cases_regressions import (
    ANCHOR_AND_TUPLE_CASES,
    DEPENDENCY_CASES,
    EMPTY_WRITER_CASES,
    REGRESSION_CASES,
    UNIQUE_BOUND_CASES,
)
from tests.unit.registry.test_json_schema_cases_structure import (
    ARRAY_CASES,
    BOOLEAN_CASES,
    COMBINATOR_CASES,
    OTHER_KEYWORD_CASES,
    REFERENCE_CASES,
)
from tests.unit.registry.test_json_schema_cases_tools import LLM_TOOL_CASES
from tests.unit.registry.test_json_schema_cases_unevaluated import UNEVALUATED_CASES
from tests.unit.registry.test_json_schema_cases_values import ENUM_CASES, NUMBER_CASES, STRING_CASES

CASES = [
    *TYPE_AND_ANNOTATION_CASES,
    *OBJECT_CASES,
    *LLM_TOOL_CASES,
    *ENUM_CASES,
    *STRING_CASES,
    *NUMBER_CASES,
    *ARRAY_CASES,
    *BOOLEAN_CASES,
    *COMBINATOR_CASES,
    *REFERENCE_CASES,
    *OTHER_KEYWORD_CASES,
    *DEEP_CASES,
    *TYPE_CASES,
    *OBJECT_MORE_CASES,
    *APPLICATOR_CASES,
    *VALUE_CASES,
    *NUMBER_MORE_CASES,
    *ARRAY_MORE_CASES,
    *COMBINATOR_MORE_CASES,
    *TOOL_MORE_CASES,
    *BOOLEAN_MORE_CASES,
    *PATTERN_CASES,
    *PATTERN_DECISION_CASES,
    *KNOWN_NAMES_CASES,
    *REGRESSION_CASES,
    *UNIQUE_BOUND_CASES,
    *ANCHOR_AND_TUPLE_CASES,
    *DEPENDENCY_CASES,
    *EMPTY_WRITER_CASES,
    *CONDITIONAL_CASES,
    *NOT_CASES,
    *ONE_OF_CASES,
    *CONTAINS_CASES,
    *UNEVALUATED_CASES,
    *DRAFT_04_CASES,
    *DRAFT_06_CASES,
    *CROSS_DRAFT_CASES,
]

# Codes that say "not proved" rather than "broken": no counterexample need exist.
UNPROVEN = frozenset(
    {
        "UNDECIDABLE_CHANGE",
        "UNDECIDABLE_PATTERN_CHANGE",
        "COMBINED_SCHEMA_CHANGED",
        "CONDITIONAL_CHANGED",
    }
)

POOL: tuple[object, ...] = (
    None,
    True,
    False,
    0,
    1,
    -1,
    2,
    3,
    4,
    5,
    6,
    10,
    1000,
    1001,
    0.5,
    0.1,
    0.3,
    2.5,
    "",
    "a",
    "b",
    "c",
    "x",
    "abc",
    "abcd",
    "abcdef",
    "v1",
    "v2",
    "celsius",
    "not an email",
    "someone@example.com",
    "http://example.com",
    [],
    [1],
    ["a"],
    ["a", "a"],
    ["a", 1],
    ["a", "b"],
    ["a", "b", "c"],
    [None],
    {},
    {"a": "x"},
    {"a": 1},
    {"a": None},
    {"a": "x", "b": "y"},
    {"a": "x", "z": 1},
    {"abcd": 1},
    {"k": 1},
    {"k": "x"},
    {"n": 1},
    {"name": "abcdefg"},
    {"age": -1},
    {"color": "blue"},
    {"value": "abcdefg", "children": []},
)


def _case_id(case: Case) -> str:
    return case.name


def _validator(schema: Schema) -> Any:
    # The registry's own validators: ECMA-262 patterns, run in RE2.
    cls = VALIDATORS.get(dialect_of(schema), VALIDATORS[DRAFT_2020_12])
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _expected_codes(expected: tuple[Expect, ...]) -> list[str]:
    return sorted(item if isinstance(item, str) else item[0] for item in expected)


def _assert_matches(found: list[Incompatibility], expected: tuple[Expect, ...]) -> None:
    assert sorted(item.code for item in found) == _expected_codes(expected), found
    for item in expected:
        if isinstance(item, tuple):
            located = [(f.code, f.old_path, f.new_path) for f in found]
            assert item in located, located


def _directions(case: Case) -> list[tuple[Schema, Schema, tuple[Expect, ...]]]:
    """(writer, reader, expected) for BACKWARD then FORWARD."""
    return [(case.old, case.new, case.backward), (case.new, case.old, case.forward)]


def test_the_table_has_at_least_two_hundred_rows_with_unique_names() -> None:
    assert len(CASES) >= 200
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_backward_check_reports_what_the_table_expects(case: Case) -> None:
    found = find_breaking_changes(case.old, case.new, writer_is_old=True)
    _assert_matches(found, case.backward)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_forward_check_reports_what_the_table_expects(case: Case) -> None:
    found = find_breaking_changes(case.new, case.old, writer_is_old=False)
    _assert_matches(found, case.forward)


@pytest.mark.parametrize("case", [c for c in CASES if c.mentions], ids=_case_id)
def test_messages_name_the_changed_property(case: Case) -> None:
    found = [
        *find_breaking_changes(case.old, case.new, writer_is_old=True),
        *find_breaking_changes(case.new, case.old, writer_is_old=False),
    ]
    assert found
    for item in found:
        assert case.mentions is not None and case.mentions in item.message, item.message


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_compatible_directions_accept_every_example_the_writer_accepts(case: Case) -> None:
    for writer, reader, expected in _directions(case):
        if expected:
            continue
        writer_validator, reader_validator = _validator(writer), _validator(reader)
        for document in (*POOL, *case.documents):
            if writer_validator.is_valid(document):
                assert reader_validator.is_valid(document), (document, writer, reader)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_proven_breaks_are_shown_by_an_example_document(case: Case) -> None:
    for writer, reader, expected in _directions(case):
        if not expected or set(_expected_codes(expected)) <= UNPROVEN:
            continue
        writer_validator, reader_validator = _validator(writer), _validator(reader)
        assert any(
            writer_validator.is_valid(document) and not reader_validator.is_valid(document)
            for document in (*POOL, *case.documents)
        ), (writer, reader)


def test_every_code_in_the_table_is_documented() -> None:
    used = {
        code
        for case in CASES
        for direction in (case.backward, case.forward)
        for code in _expected_codes(direction)
    }
    assert used <= CODES.keys()
    assert all(description.strip().endswith(".") for description in CODES.values())
