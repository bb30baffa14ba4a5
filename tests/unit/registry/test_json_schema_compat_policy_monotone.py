"""LENIENT accepts everything STRICT accepts, LLM everything LENIENT accepts: each is the
verdict of the one before plus its own acceptances.

Checked on every row of the compatibility tables (the Confluent corpus table and the tool
schema evolutions too), and on
schema pairs hypothesis builds from small strategies: objects, arrays, numbers, strings
and the combinators, each pair an old schema and an edited copy of it, so that many pairs
are compatible one way or both. For a longer local run:
``COMPAT_MONOTONE_EXAMPLES=5000 pytest -p no:cacheprovider
tests/unit/registry/test_json_schema_compat_policy_monotone.py``.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from registry.formats.json_schema_compat import find_breaking_changes
from registry.model import CompatibilityPolicy
from tests.unit.registry.llm_evolutions import EVOLUTIONS
from tests.unit.registry.test_json_schema_cases_objects import Schema
from tests.unit.registry.test_json_schema_compat import CASES
from tests.unit.registry.test_json_schema_compat_confluent import CONFLUENT_CASES
from tests.unit.registry.test_json_schema_compat_policy import OPEN, OPEN_PLUS

EXAMPLES = int(os.environ.get("COMPAT_MONOTONE_EXAMPLES", "200"))

NAMES = ("a", "b", "c")
VALUES: tuple[object, ...] = ("a", "b", 0, 1, 2.5, True, None)


def _strings() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"type": st.just("string")},
        optional={
            "minLength": st.integers(0, 2),
            "maxLength": st.integers(2, 4),
            "enum": st.lists(
                st.sampled_from(["a", "b", "ab"]), min_size=1, max_size=2, unique=True
            ),
        },
    )


def _numbers() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"type": st.sampled_from(["number", "integer"])},
        optional={
            "minimum": st.integers(-1, 1),
            "maximum": st.integers(2, 4),
            "exclusiveMinimum": st.integers(-2, 0),
            "multipleOf": st.sampled_from([1, 2, 0.5]),
        },
    )


LEAVES: st.SearchStrategy[Schema] = st.one_of(
    _strings(),
    _numbers(),
    st.sampled_from([{"type": "boolean"}, {"type": "null"}, {"type": ["string", "null"]}]),
    st.lists(st.sampled_from(VALUES), min_size=1, max_size=3, unique=True).map(
        lambda values: {"enum": values}
    ),
    st.sampled_from(VALUES).map(lambda value: {"const": value}),
    st.booleans(),
)


def _objects(children: st.SearchStrategy[Schema]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "type": st.just("object"),
            "properties": st.dictionaries(st.sampled_from(NAMES), children, max_size=3),
        },
        optional={
            "required": st.lists(st.sampled_from(NAMES), max_size=2, unique=True),
            "additionalProperties": st.one_of(st.booleans(), children),
            "patternProperties": st.dictionaries(st.just("^x"), children, max_size=1),
            "maxProperties": st.integers(1, 3),
        },
    )


def _arrays(children: st.SearchStrategy[Schema]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"type": st.just("array")},
        optional={
            "items": children,
            "minItems": st.integers(0, 1),
            "maxItems": st.integers(1, 3),
            "contains": children,
        },
    )


def _combinators(children: st.SearchStrategy[Schema]) -> st.SearchStrategy[dict[str, Any]]:
    branches = st.lists(children, min_size=1, max_size=3)
    return st.one_of(
        branches.map(lambda found: {"anyOf": found}),
        branches.map(lambda found: {"oneOf": found}),
        branches.map(lambda found: {"allOf": found}),
        children.map(lambda found: {"not": found}),
        st.fixed_dictionaries({"if": children}, optional={"then": children, "else": children}),
    )


SCHEMAS: st.SearchStrategy[Schema] = st.recursive(
    LEAVES,
    lambda children: st.one_of(_objects(children), _arrays(children), _combinators(children)),
    max_leaves=6,
)

# Where subschemas sit: keyword -> "one" (a schema), "map" (name -> schema), "list".
_PLACES = {
    "properties": "map",
    "patternProperties": "map",
    "additionalProperties": "one",
    "items": "one",
    "contains": "one",
    "not": "one",
    "if": "one",
    "then": "one",
    "else": "one",
    "anyOf": "list",
    "oneOf": "list",
    "allOf": "list",
}
_ADDED: dict[str, st.SearchStrategy[object]] = {
    "additionalProperties": st.one_of(st.booleans(), LEAVES),
    "required": st.lists(st.sampled_from(NAMES), max_size=2, unique=True),
    "minimum": st.integers(-1, 3),
    "maxLength": st.integers(0, 4),
    "maxItems": st.integers(0, 3),
    "not": LEAVES,
    "enum": st.lists(st.sampled_from(VALUES), min_size=1, max_size=3, unique=True),
}


@st.composite
def _edited(draw: st.DrawFn, schema: Schema, depth: int = 0) -> Schema:
    """A copy of ``schema`` with edits here and there: subschemas kept, edited, replaced,
    or widened into anyOf; keywords dropped or added."""
    actions = ["edit", "edit", "edit", "replace", "widen"]
    # The root is always edited (an unchanged pair is equal).
    action = draw(st.sampled_from(actions if depth == 0 else ["keep", "keep", *actions]))
    if action == "keep" or depth > 3:
        return schema
    if action == "replace":
        return draw(SCHEMAS)
    if action == "widen":
        return {"anyOf": [schema, draw(SCHEMAS)]}
    if not isinstance(schema, dict):
        return schema
    result = copy.deepcopy(schema)
    for keyword, kind in _PLACES.items():
        value = result.get(keyword)
        if kind == "one" and isinstance(value, dict | bool):
            result[keyword] = draw(_edited(value, depth + 1))
        elif kind == "map" and isinstance(value, dict):
            result[keyword] = {name: draw(_edited(sub, depth + 1)) for name, sub in value.items()}
        elif kind == "list" and isinstance(value, list):
            result[keyword] = [draw(_edited(sub, depth + 1)) for sub in value]
    drop: bool = draw(st.booleans())
    if drop and result:
        del result[draw(st.sampled_from(sorted(result)))]
    if isinstance(result.get("properties"), dict) and draw(st.booleans()):
        result["properties"] = {**result["properties"], draw(st.sampled_from(NAMES)): draw(LEAVES)}
    if draw(st.booleans()):
        keyword = draw(st.sampled_from(sorted(_ADDED)))
        result[keyword] = draw(_ADDED[keyword])
    if "type" in schema and draw(st.booleans()):
        result["type"] = draw(st.sampled_from(["object", "string", "integer", "number"]))
    return result


@st.composite
def _pairs(draw: st.DrawFn) -> tuple[Schema, Schema]:
    old = draw(SCHEMAS)
    new = draw(_edited(old))
    assume(new != old)  # an equal pair proves nothing here
    return old, new


# Each policy after the first accepts everything the one before it accepts.
_POLICIES = (CompatibilityPolicy.STRICT, CompatibilityPolicy.LENIENT, CompatibilityPolicy.LLM)


def _non_monotone(old: Schema, new: Schema) -> list[str]:
    """Directions a policy calls compatible and the next one (STRICT, LENIENT, LLM) does
    not, with the next one's findings."""
    found = []
    for writer, reader, writer_is_old in ((old, new, True), (new, old, False)):
        accepted = [
            not find_breaking_changes(writer, reader, writer_is_old=writer_is_old, policy=policy)
            for policy in _POLICIES
        ]
        for index in range(1, len(_POLICIES)):
            if accepted[index - 1] and not accepted[index]:
                policy = _POLICIES[index]
                refusal = find_breaking_changes(
                    writer, reader, writer_is_old=writer_is_old, policy=policy
                )
                direction = "BACKWARD" if writer_is_old else "FORWARD"
                found.append(f"{direction} {policy.value}: {[item.describe() for item in refusal]}")
    return found


_TABLE = [
    *((case.name, case.old, case.new) for case in CASES),
    *((case.description, case.old, case.new) for case in CONFLUENT_CASES),
    *((row.name, row.old, row.new) for row in EVOLUTIONS),
]


@pytest.mark.parametrize(("name", "old", "new"), _TABLE, ids=[row[0] for row in _TABLE])
def test_each_policy_accepts_every_table_pair_the_stricter_one_accepts(
    name: str, old: Schema, new: Schema
) -> None:
    assert _non_monotone(old, new) == []


def test_a_reader_not_proved_by_a_lemma_is_accepted_under_both_policies() -> None:
    # The lemma "integer fits within number" is about schemas, not documents: LENIENT
    # proves it as STRICT does.
    old, new = {"not": {"type": "number"}}, {"not": {"type": "integer"}}
    assert find_breaking_changes(old, new, writer_is_old=True) == []
    assert find_breaking_changes(old, new, writer_is_old=True, lenient=True) == []
    # A lemma LENIENT's tolerance would wrongly prove stays unproved: {"b": "x"} is
    # outside OPEN_PLUS (b is no integer), so old documents hold it, and OPEN, which the
    # new schema excludes, accepts it.
    found = find_breaking_changes(
        {"not": OPEN_PLUS}, {"not": OPEN}, writer_is_old=True, lenient=True
    )
    assert [item.code for item in found] == ["COMBINED_SCHEMA_CHANGED"]


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(_pairs())
def test_each_policy_accepts_every_generated_pair_the_stricter_one_accepts(
    pair: tuple[Schema, Schema],
) -> None:
    old, new = pair
    Draft202012Validator.check_schema(old)
    Draft202012Validator.check_schema(new)
    assert _non_monotone(old, new) == [], (old, new)
