"""The LLM policy: tool and structured-output evolutions under STRICT, LENIENT and LLM, and
the data behind each LLM verdict.

For every direction LLM accepts, documents generated from the writer (carrying no
undeclared key: LENIENT's assumption, which LLM keeps) are read as an application reads
model output (``llm_reading.read``) and validate under the reader. For every direction it
refuses, the row's document does not.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis_jsonschema import from_schema

from registry.compatibility import Direction, check_compatibility
from registry.formats.avro import AVRO
from registry.formats.json_schema import JSON_SCHEMA
from registry.formats.json_schema_compat import find_breaking_changes
from registry.formats.json_schema_compat.policy import (
    LENIENT_TOLERATED,
    LLM_TOLERATED,
    tolerated_codes,
)
from registry.model import CompatibilityLevel, CompatibilityPolicy
from registry.types import Version
from tests.unit.registry import test_avro_compatibility as avro_table
from tests.unit.registry import test_protobuf_compatibility as protobuf_table
from tests.unit.registry.llm_evolutions import EVOLUTIONS, RPA, Evolution, nullable
from tests.unit.registry.llm_reading import is_valid, read, without_undeclared
from tests.unit.registry.test_json_schema_cases_objects import (
    INTEGER,
    NUMBER,
    STRING,
    obj,
    strict,
    typed,
)

STRICT, LENIENT, LLM = (
    CompatibilityPolicy.STRICT,
    CompatibilityPolicy.LENIENT,
    (CompatibilityPolicy.LLM),
)
BACKWARD, FORWARD = Direction.BACKWARD, Direction.FORWARD
GENERATED = 40  # writer documents per accepted direction


def _codes(
    writer: object, reader: object, *, writer_is_old: bool, policy: CompatibilityPolicy
) -> list[str]:
    found = find_breaking_changes(writer, reader, writer_is_old=writer_is_old, policy=policy)
    return sorted(item.code for item in found)


def _sides(row: Evolution, direction: Direction) -> tuple[dict[str, Any], dict[str, Any]]:
    return (row.old, row.new) if direction is BACKWARD else (row.new, row.old)


def _expected(row: Evolution, policy: CompatibilityPolicy, direction: Direction) -> list[str]:
    pair = {STRICT: row.strict, LENIENT: row.lenient, LLM: row.llm}[policy]
    return sorted(pair[0] if direction is BACKWARD else pair[1])


def test_the_table_holds_at_least_25_evolutions_with_distinct_names() -> None:
    assert len(EVOLUTIONS) >= 25
    assert len({row.name for row in EVOLUTIONS}) == len(EVOLUTIONS)


@pytest.mark.parametrize(
    ("row", "policy", "direction"),
    [
        pytest.param(row, policy, direction, id=f"{row.name}-{policy.value}-{direction.value}")
        for row in EVOLUTIONS
        for policy in (STRICT, LENIENT, LLM)
        for direction in (BACKWARD, FORWARD)
    ],
)
def test_each_evolution_reports_its_codes(
    row: Evolution, policy: CompatibilityPolicy, direction: Direction
) -> None:
    writer, reader = _sides(row, direction)
    found = _codes(writer, reader, writer_is_old=direction is BACKWARD, policy=policy)
    assert found == _expected(row, policy, direction)


def _prove_by_documents(writer: dict[str, Any], reader: dict[str, Any]) -> None:
    @settings(
        max_examples=GENERATED,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(from_schema(without_undeclared(writer)))
    def read_back(document: object) -> None:
        assert is_valid(document, writer)
        assert is_valid(read(document, reader), reader), document

    read_back()


def _llm_cases(*, accepted: bool) -> list[Any]:
    return [
        pytest.param(row, direction, id=f"{row.name}-{direction.value}")
        for row in EVOLUTIONS
        for direction in (BACKWARD, FORWARD)
        if (not _expected(row, LLM, direction)) is accepted
    ]


@pytest.mark.parametrize(("row", "direction"), _llm_cases(accepted=True))
def test_a_direction_llm_accepts_reads_every_generated_writer_document(
    row: Evolution, direction: Direction
) -> None:
    writer, reader = _sides(row, direction)
    assert (row.breaks_backward if direction is BACKWARD else row.breaks_forward) is None
    _prove_by_documents(writer, reader)


@pytest.mark.parametrize(("row", "direction"), _llm_cases(accepted=False))
def test_a_direction_llm_refuses_has_a_writer_document_the_reader_rejects(
    row: Evolution, direction: Direction
) -> None:
    writer, reader = _sides(row, direction)
    document = row.breaks_backward if direction is BACKWARD else row.breaks_forward
    assert document is not None, "a refused direction needs its document"
    assert is_valid(document, writer)
    assert is_valid(document, without_undeclared(writer))  # no undeclared key
    assert not is_valid(read(document, reader), reader)


def test_the_table_shows_what_llm_adds_to_lenient() -> None:
    # Directions LENIENT refuses and LLM accepts: each is a REQUIRED_PROPERTY_ADDED only.
    gained = [
        (row.name, direction)
        for row in EVOLUTIONS
        for direction in (BACKWARD, FORWARD)
        if _expected(row, LENIENT, direction) and not _expected(row, LLM, direction)
    ]
    assert len(gained) >= 8
    for row in EVOLUTIONS:
        for direction in (BACKWARD, FORWARD):
            lenient, llm = _expected(row, LENIENT, direction), _expected(row, LLM, direction)
            assert set(llm) <= set(lenient)
            assert set(lenient) - set(llm) <= {RPA, "COMBINED_SCHEMA_CHANGED"}


def test_llm_tolerates_lenients_codes_and_a_required_property_on_its_condition() -> None:
    assert tolerated_codes(LLM) == LLM_TOLERATED == LENIENT_TOLERATED | {RPA}
    assert tolerated_codes(STRICT) == frozenset()


def _both_ways(old: object, new: object, policy: CompatibilityPolicy) -> tuple[list[str], ...]:
    return (
        _codes(old, new, writer_is_old=True, policy=policy),
        _codes(new, old, writer_is_old=False, policy=policy),
    )


def test_a_required_key_the_writer_declares_optional_is_not_read_as_null() -> None:
    # The writer may leave 'units' out, which for it means something else than null (in
    # a patch: "unchanged" against "cleared"); LLM fills only keys the writer never writes.
    old = obj({"location": STRING, "units": nullable("string")}, required=["location"])
    new = strict({"location": STRING, "units": nullable("string")})
    assert _codes(old, new, writer_is_old=True, policy=LLM) == ["REQUIRED_PROPERTY_ADDED"]
    # Undeclared, the key is assumed never written: read as null.
    undeclared = obj({"location": STRING}, required=["location"])
    assert _codes(undeclared, new, writer_is_old=True, policy=LLM) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # A partly open writer says what its other keys hold: it may write 'units'.
        (
            obj({"location": STRING}, additionalProperties=STRING),
            strict({"location": STRING, "units": nullable("string")}),
        ),
        # A writer pattern matching the name may write it.
        (
            obj({"location": STRING}, patternProperties={"^u": STRING}),
            strict({"location": STRING, "units": nullable("string")}),
        ),
        # The reader's allOf: another conjunct says what 'units' holds (here: no null).
        (
            strict({"location": STRING}),
            {
                "allOf": [
                    strict({"location": STRING, "units": nullable("string")}),
                    {"properties": {"units": STRING}},
                ]
            },
        ),
        # A conditional requires the key: reported as under STRICT.
        (
            strict({"location": STRING}),
            {
                **obj({"location": STRING, "units": nullable("string")}),
                "if": {"required": ["location"]},
                "then": {"required": ["units"]},
            },
        ),
        # Filling the key would trigger the reader's dependentRequired.
        (
            strict({"location": STRING}),
            {
                **strict({"location": STRING, "units": nullable("string"), "scale": STRING}),
                "required": ["location", "units"],
                "dependentRequired": {"units": ["scale"]},
            },
        ),
        # A required key the reader's patterns forbid null for.
        (
            strict({"location": STRING}),
            {
                **obj({"location": STRING, "units": nullable("string")}, closed=True),
                "required": ["location", "units"],
                "patternProperties": {"^u": STRING},
            },
        ),
        # A conditional requires a key whose property rejects null.
        (
            strict({"location": STRING}),
            {
                **obj({"location": STRING, "units": STRING}),
                "if": {"required": ["location"]},
                "then": {"required": ["units"]},
            },
        ),
        # An anyOf branch requires a key a sibling keyword forbids null for.
        (
            strict({"location": STRING}),
            {
                **obj({"location": STRING, "units": STRING}),
                "anyOf": [{"required": ["units"]}, {"required": ["location"], "minProperties": 3}],
            },
        ),
        # The object lists its values: a filled key matches none of them.
        (
            strict({"location": STRING}),
            {
                **strict({"location": STRING, "units": nullable("string")}),
                "enum": [{"location": "Paris", "units": "metric"}],
            },
        ),
    ],
    ids=[
        "partly open writer",
        "writer pattern",
        "reader allOf",
        "conditional",
        "dependentRequired",
        "reader pattern",
        "conditional over a non-nullable property",
        "anyOf beside properties",
        "enum of objects",
    ],
)
def test_llm_keeps_the_required_property_code_where_null_may_not_be_read(
    old: object, new: object
) -> None:
    backward, _ = _both_ways(old, new, LLM)
    assert RPA in backward or "COMBINED_SCHEMA_CHANGED" in backward, backward
    assert backward == _both_ways(old, new, LENIENT)[0]


def test_a_property_named_like_a_keyword_keeps_the_reader_plain() -> None:
    old = strict({"contains": STRING, "not": STRING})
    new = strict({"contains": STRING, "not": STRING, "if": nullable("string")})
    assert _both_ways(old, new, LLM) == ([], [])


def test_a_reader_made_not_plain_elsewhere_is_not_replayed_from_a_plain_one() -> None:
    # FORWARD, the candidate writes no 'alt'; v1 reads it as null, v2 (not plain: an
    # allOf among its definitions) does not. The 'at' subtrees are the same shapes.
    v1 = strict({"location": STRING, "at": strict({"lat": NUMBER, "alt": nullable("number")})})
    v2 = {**v1, "$defs": {"Unused": {"allOf": [STRING]}}}
    candidate = strict({"location": STRING, "at": strict({"lat": NUMBER})})
    parsed = [JSON_SCHEMA.parse(json.dumps(schema)) for schema in (v1, v2, candidate)]
    findings = check_compatibility(
        JSON_SCHEMA,
        CompatibilityLevel.FORWARD_TRANSITIVE,
        parsed[2],
        [(Version(1), parsed[0]), (Version(2), parsed[1])],
        LLM,
    )
    assert [(item.code, item.version) for item in findings] == [(RPA, Version(2))]


def test_a_nullable_required_key_of_a_closed_writer_is_not_assumed_away_when_written() -> None:
    # The writer writes 'units' (a string), the reader requires a number or null.
    old = strict({"location": STRING, "units": STRING})
    new = strict({"location": STRING, "units": nullable("number")})
    assert _both_ways(old, new, LLM)[0] == ["TYPE_CHANGED"]


def test_the_policy_reaches_the_format_through_check_compatibility() -> None:
    v1 = strict({"location": STRING})
    v2 = strict({"location": STRING, "units": nullable("string")})
    versions = [(Version(1), JSON_SCHEMA.parse(json.dumps(v1)))]
    candidate = JSON_SCHEMA.parse(json.dumps(v2))
    level = CompatibilityLevel.FULL_TRANSITIVE

    def found(policy: CompatibilityPolicy) -> list[tuple[str, str]]:
        findings = check_compatibility(JSON_SCHEMA, level, candidate, versions, policy)
        return [(item.code, item.direction.value) for item in findings]

    assert found(STRICT) == [
        ("REQUIRED_PROPERTY_ADDED", "BACKWARD"),
        ("PROPERTY_REMOVED_FROM_CLOSED_MODEL", "FORWARD"),
    ]
    assert found(LENIENT) == [("REQUIRED_PROPERTY_ADDED", "BACKWARD")]
    assert found(LLM) == []


def test_nested_and_array_readers_fill_null_too() -> None:
    old = strict({"items": typed("array", items=strict({"name": STRING}))})
    new = strict(
        {"items": typed("array", items=strict({"name": STRING, "qty": nullable("integer")}))}
    )
    assert _both_ways(old, new, LLM) == ([], [])
    document = {"items": [{"name": "a"}, {"name": "b"}]}
    assert read(document, new) == {
        "items": [{"name": "a", "qty": None}, {"name": "b", "qty": None}]
    }


@pytest.mark.parametrize(
    ("row", "direction"),
    [
        pytest.param(row, direction, id=f"{row.id}-{direction.value}")
        for row in protobuf_table.ROWS
        for direction in (BACKWARD, FORWARD)
    ],
)
def test_protobuf_judges_llm_as_lenient(row: protobuf_table.Row, direction: Direction) -> None:
    assert protobuf_table._codes(row, direction, LLM) == row.expected(direction, LENIENT)


@pytest.mark.parametrize(("pair", "direction"), avro_table.cases())
def test_avro_judges_every_policy_alike(pair: Any, direction: Direction) -> None:
    old, new = avro_table.parse(pair.old), avro_table.parse(pair.new)
    verdicts = [
        sorted({item.code for item in AVRO.find_incompatibilities(old, new, direction, policy)})
        for policy in (STRICT, LENIENT, LLM)
    ]
    assert (
        verdicts[0]
        == verdicts[1]
        == verdicts[2]
        == sorted(set(avro_table.expected(pair, direction)))
    )


@pytest.mark.parametrize(
    "schema",
    [
        nullable("string", maxLength=3),
        typed("string"),
        {"maxLength": 3},
        typed("null"),
        {"minimum": 3},
        typed(["integer"], minimum=0),
        {"enum": ["a", None]},
        {"enum": ["a"]},
        {"const": None},
        {"not": typed("null")},
        {"anyOf": [STRING, typed("null")]},
        {"anyOf": [STRING, INTEGER]},
        {"$ref": "#/$defs/Nullable"},
        {"$ref": "#/$defs/Text"},
        True,
        False,
    ],
    ids=repr,
)
def test_a_required_key_is_read_as_null_exactly_when_its_schema_accepts_null(
    schema: object,
) -> None:
    defs = {"Nullable": nullable("string"), "Text": STRING}
    reader = {"$defs": defs, **strict({"location": STRING, "key": schema})}
    accepted = not _codes(strict({"location": STRING}), reader, writer_is_old=True, policy=LLM)
    assert accepted is is_valid({"location": "Paris", "key": None}, reader)
