"""JSON_SCHEMA.parse and its verdicts across dialects: drafts 04 and 06, the dialect a
schema naming none is read in (``ParseContext.dialect``), and what identifies it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from registry.compatibility import Direction, Incompatibility
from registry.errors import InvalidSchemaError
from registry.formats.base import NO_CONTEXT, ParseContext, ParsedSchema, fingerprint_of
from registry.formats.json_schema import (
    DRAFT_04,
    DRAFT_06,
    DRAFT_07,
    DRAFT_2019_09,
    DRAFT_2020_12,
    JSON_SCHEMA,
    SUPPORTED_DIALECTS,
    normalize_dialect,
)
from registry.model import SchemaFormat
from tests.unit.registry.test_json_schema_cases_objects import Case, Expect, Schema
from tests.unit.registry.test_json_schema_compat import CASES

IN_DRAFT_07 = ParseContext(dialect=DRAFT_07 + "#")


def parse(document: object, context: ParseContext = NO_CONTEXT) -> ParsedSchema:
    return JSON_SCHEMA.parse(json.dumps(document), context=context)


def found(old: ParsedSchema, new: ParsedSchema, direction: Direction) -> list[Incompatibility]:
    return JSON_SCHEMA.find_incompatibilities(old, new, direction)


def codes(old: ParsedSchema, new: ParsedSchema, direction: Direction) -> list[str]:
    return sorted(item.code for item in found(old, new, direction))


# ---- dialect names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://json-schema.org/draft-04/schema#", DRAFT_04),
        ("http://json-schema.org/draft-04/schema", DRAFT_04),
        ("http://json-schema.org/draft-06/schema#", DRAFT_06),
        ("http://json-schema.org/draft-07/schema#", DRAFT_07),
        ("https://json-schema.org/draft/2019-09/schema#", DRAFT_2019_09),
        ("https://json-schema.org/draft/2020-12/schema", DRAFT_2020_12),
        ("http://json-schema.org/draft-03/schema#", None),
        ("https://json-schema.org/draft-07/schema#", None),
        ("draft-07", None),
        ("", None),
        (7, None),
        (None, None),
    ],
)
def test_normalize_dialect_names_a_supported_dialect_or_none(
    value: object, expected: str | None
) -> None:
    assert normalize_dialect(value) == expected


def test_supported_dialects_are_the_five_drafts_each_normalized_to_itself() -> None:
    assert len(SUPPORTED_DIALECTS) == 5
    assert all(normalize_dialect(name) == name for name in SUPPORTED_DIALECTS)
    assert all(normalize_dialect(name + "#") == name for name in SUPPORTED_DIALECTS)


# ---- drafts 04 and 06: acceptance and metaschema refusals ----------------------------


@pytest.mark.parametrize(
    "document",
    [
        {"$schema": DRAFT_04 + "#", "type": "number", "maximum": 5, "exclusiveMaximum": True},
        {"$schema": DRAFT_04, "id": "https://example.com/s.json", "type": "string"},
        {"$schema": DRAFT_04 + "#", "type": "array", "items": [{}], "additionalItems": False},
        {"$schema": DRAFT_04 + "#", "dependencies": {"a": ["b"], "c": {"required": ["d"]}}},
        {"$schema": DRAFT_06 + "#", "type": "number", "exclusiveMaximum": 5},
        {"$schema": DRAFT_06, "properties": {"a": False}, "propertyNames": {"maxLength": 3}},
        {"$schema": DRAFT_06 + "#", "const": 1, "contains": True, "examples": [1]},
    ],
)
def test_draft_04_and_06_schemas_are_accepted(document: dict[str, Any]) -> None:
    parsed = parse(document)
    assert parsed.document == document
    assert parsed.dialect is None  # the text names its dialect


@pytest.mark.parametrize(
    ("document", "where"),
    [
        # Draft-04's exclusive bounds are flags, not numbers.
        ({"$schema": DRAFT_04 + "#", "exclusiveMaximum": 5}, "#"),
        ({"$schema": DRAFT_04 + "#", "type": "number", "exclusiveMinimum": 0}, "#"),
        # No boolean subschemas before draft-06.
        ({"$schema": DRAFT_04 + "#", "properties": {"a": False}}, "#/properties/a"),
        ({"$schema": DRAFT_04 + "#", "items": True}, "#/items"),
        # Draft-04 requires at least one name in "required".
        ({"$schema": DRAFT_04 + "#", "required": []}, "#/required"),
        # Draft-06 exclusive bounds are numbers, no longer flags.
        ({"$schema": DRAFT_06 + "#", "maximum": 5, "exclusiveMaximum": True}, "#/exclusiveMaximum"),
        ({"$schema": DRAFT_06 + "#", "propertyNames": 5}, "#/propertyNames"),
    ],
)
def test_draft_04_and_06_metaschemas_refuse_what_their_draft_does_not_allow(
    document: dict[str, Any], where: str
) -> None:
    with pytest.raises(InvalidSchemaError) as raised:
        parse(document)
    assert f"Invalid JSON Schema at {where}" in raised.value.message


def test_a_draft_04_boolean_root_is_refused_when_draft_04_is_the_default() -> None:
    with pytest.raises(InvalidSchemaError, match="Invalid JSON Schema at #"):
        parse(True, ParseContext(dialect=DRAFT_04))
    assert parse(True, ParseContext(dialect=DRAFT_06)).document is True


def test_a_draft_04_anchor_spelled_id_resolves_and_a_missing_one_is_refused() -> None:
    schema = {
        "$schema": DRAFT_04 + "#",
        "definitions": {"s": {"id": "#street", "type": "string"}},
        "properties": {"a": {"$ref": "#street"}},
    }
    assert parse(schema).document == schema
    with pytest.raises(InvalidSchemaError, match="'#zip' at #/properties/a/\\$ref"):
        parse({**schema, "properties": {"a": {"$ref": "#zip"}}})


# ---- drafts 04 and 06 through the handler ---------------------------------------------


def test_a_draft_04_maximum_made_exclusive_breaks_backward_only() -> None:
    old = parse({"$schema": DRAFT_04 + "#", "type": "number", "maximum": 5})
    new = parse(
        {"$schema": DRAFT_04 + "#", "type": "number", "maximum": 5, "exclusiveMaximum": True}
    )
    assert codes(old, new, Direction.BACKWARD) == ["EXCLUSIVE_MAXIMUM_DECREASED"]
    assert codes(old, new, Direction.FORWARD) == []


@pytest.mark.parametrize(
    ("draft_04", "other", "backward", "forward"),
    [
        # The same bound in two spellings: compatible both ways.
        ({"maximum": 5, "exclusiveMaximum": True}, {"exclusiveMaximum": 5}, [], []),
        ({"minimum": 0, "exclusiveMinimum": True}, {"exclusiveMinimum": 0}, [], []),
        # The inclusive bound admits 5, which the exclusive one does not.
        (
            {"maximum": 5, "exclusiveMaximum": True},
            {"maximum": 5},
            [],
            ["EXCLUSIVE_MAXIMUM_DECREASED"],
        ),
        ({"maximum": 5}, {"exclusiveMaximum": 5}, ["EXCLUSIVE_MAXIMUM_DECREASED"], []),
        ({"minimum": 0}, {"exclusiveMinimum": 0}, ["EXCLUSIVE_MINIMUM_INCREASED"], []),
        # A false flag is no flag.
        ({"maximum": 5, "exclusiveMaximum": False}, {"maximum": 5}, [], []),
    ],
)
@pytest.mark.parametrize("later", [DRAFT_06, DRAFT_07, DRAFT_2019_09, DRAFT_2020_12])
def test_draft_04_bounds_compare_with_the_numeric_exclusive_bounds_of_later_drafts(
    draft_04: dict[str, Any],
    other: dict[str, Any],
    backward: list[str],
    forward: list[str],
    later: str,
) -> None:
    old = parse({"$schema": DRAFT_04 + "#", "type": "number", **draft_04})
    new = parse({"$schema": later, "type": "number", **other})
    assert codes(old, new, Direction.BACKWARD) == backward
    assert codes(old, new, Direction.FORWARD) == forward


def test_a_draft_04_const_is_ignored_and_a_draft_06_one_is_not() -> None:
    plain = {"type": "string"}
    pinned = {"type": "string", "const": "a"}
    old_04, new_04 = parse({"$schema": DRAFT_04, **plain}), parse({"$schema": DRAFT_04, **pinned})
    old_06, new_06 = parse({"$schema": DRAFT_06, **plain}), parse({"$schema": DRAFT_06, **pinned})
    assert codes(old_04, new_04, Direction.BACKWARD) == []
    assert codes(old_06, new_06, Direction.BACKWARD) == ["CONST_ADDED"]
    # Across drafts: the draft-04 schema pins nothing, the draft-06 one does.
    assert codes(new_04, new_06, Direction.BACKWARD) == ["CONST_ADDED"]
    assert codes(new_06, new_04, Direction.BACKWARD) == []


# ---- the default dialect --------------------------------------------------------------


def test_without_a_default_a_schema_naming_no_dialect_is_read_in_2020_12_as_before() -> None:
    text = {"type": "array", "items": [{"type": "string"}]}
    with pytest.raises(InvalidSchemaError, match="Invalid JSON Schema at #/items"):
        parse(text)
    with pytest.raises(InvalidSchemaError, match="Invalid JSON Schema at #/items"):
        parse(text, ParseContext(dialect=DRAFT_2020_12))
    assert parse(text, IN_DRAFT_07).document == text


def test_the_dialect_used_is_recorded_only_when_the_text_names_none_and_it_is_not_2020_12() -> None:
    schema = {"type": "string"}
    assert parse(schema).dialect is None
    assert parse(schema, ParseContext(dialect=DRAFT_2020_12 + "#")).dialect is None
    assert parse(schema, IN_DRAFT_07).dialect == DRAFT_07
    assert parse(schema, ParseContext(dialect=DRAFT_04 + "#")).dialect == DRAFT_04
    assert parse({"$schema": DRAFT_2019_09, **schema}, IN_DRAFT_07).dialect is None


def test_fingerprints_of_schemas_read_in_2020_12_are_the_legacy_ones() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    canonical = json.dumps(schema, sort_keys=True, separators=(",", ":"))
    legacy = fingerprint_of(SchemaFormat.JSON, canonical)
    assert parse(schema).fingerprint == legacy
    assert parse(schema, ParseContext(dialect=DRAFT_2020_12)).fingerprint == legacy
    assert parse(schema, IN_DRAFT_07).fingerprint == fingerprint_of(
        SchemaFormat.JSON, canonical, (), DRAFT_07
    )
    assert parse(schema, IN_DRAFT_07).fingerprint != legacy
    # A text naming its dialect is the same schema whatever the default.
    named = {"$schema": DRAFT_07 + "#", **schema}
    assert parse(named).fingerprint == parse(named, IN_DRAFT_07).fingerprint


def test_the_canonical_text_is_the_text_as_written_in_any_default_dialect() -> None:
    schema = {"type": "object", "dependencies": {"a": ["b"]}}
    assert parse(schema, IN_DRAFT_07).canonical == parse(schema).canonical
    assert "$schema" not in parse(schema, IN_DRAFT_07).canonical


def test_an_unknown_default_dialect_is_refused_clearly() -> None:
    with pytest.raises(InvalidSchemaError, match="Unsupported default dialect 'draft-07'"):
        parse({"type": "string"}, ParseContext(dialect="draft-07"))


def test_an_unknown_declared_dialect_is_refused_whatever_the_default() -> None:
    with pytest.raises(InvalidSchemaError, match="Unsupported \\$schema"):
        parse({"$schema": "https://example.com/my-dialect"}, IN_DRAFT_07)


def test_each_schema_of_a_pair_is_compared_in_its_own_dialect() -> None:
    # The same text, read in draft-07 (dependencies asserted) and in 2020-12 (ignored).
    text = {"type": "object", "properties": {"a": {}, "b": {}}, "dependencies": {"a": ["b"]}}
    plain = {"type": "object", "properties": {"a": {}, "b": {}}}
    draft_07, legacy = parse(text, IN_DRAFT_07), parse(text)
    assert codes(parse(plain), draft_07, Direction.BACKWARD) == ["DEPENDENT_REQUIRED_ADDED"]
    assert codes(parse(plain), legacy, Direction.BACKWARD) == []
    assert codes(legacy, draft_07, Direction.BACKWARD) == ["DEPENDENT_REQUIRED_ADDED"]
    assert codes(draft_07, legacy, Direction.BACKWARD) == []
    assert codes(draft_07, legacy, Direction.FORWARD) == ["DEPENDENT_REQUIRED_ADDED"]


# ---- the draft-07 rows of the compatibility table, naming no dialect -------------------


def _unnamed(schema: Schema) -> dict[str, Any]:
    assert isinstance(schema, dict)
    return {key: value for key, value in schema.items() if key != "$schema"}


def _is_draft_07(schema: Schema) -> bool:
    return isinstance(schema, dict) and normalize_dialect(schema.get("$schema")) == DRAFT_07


STRING = {"type": "string"}
# More draft-07 tuples, written without $schema as Confluent's users write them.
OWN_ROWS = [
    Case(
        "draft-07 tuple position narrowed",
        {"$schema": DRAFT_07, "type": "array", "items": [{"type": "number"}]},
        {"$schema": DRAFT_07, "type": "array", "items": [{"type": "integer"}]},
        (("TYPE_NARROWED", "#/items/0", "#/items/0"),),
        (),
    ),
    Case(
        "draft-07 tuple rest narrowed",
        {"$schema": DRAFT_07, "type": "array", "items": [STRING], "additionalItems": STRING},
        {
            "$schema": DRAFT_07,
            "type": "array",
            "items": [STRING],
            "additionalItems": {"type": "string", "maxLength": 2},
        },
        (("MAX_LENGTH_DECREASED", "#/additionalItems", "#/additionalItems"),),
        (),
    ),
    Case(
        "draft-07 tuple lengthened under a closed rest",
        {"$schema": DRAFT_07, "type": "array", "items": [STRING], "additionalItems": False},
        {"$schema": DRAFT_07, "type": "array", "items": [STRING, STRING], "additionalItems": False},
        (),
        ("SCHEMA_BECAME_FALSE",),
    ),
]
DRAFT_07_ROWS = [
    case for case in (*CASES, *OWN_ROWS) if _is_draft_07(case.old) and _is_draft_07(case.new)
]


def test_the_draft_07_rows_are_many_and_include_tuples_and_dependencies() -> None:
    assert len(DRAFT_07_ROWS) >= 17
    texts = [json.dumps([case.old, case.new]) for case in DRAFT_07_ROWS]
    assert sum('"items": [' in text for text in texts) >= 6
    assert sum('"dependencies"' in text for text in texts) >= 3


def _assert_matches(found: list[Incompatibility], expected: tuple[Expect, ...]) -> None:
    expected_codes = sorted(item if isinstance(item, str) else item[0] for item in expected)
    assert sorted(item.code for item in found) == expected_codes, found
    located = [(item.code, item.old_path, item.new_path) for item in found]
    for item in expected:
        if isinstance(item, tuple):
            assert item in located, located


@pytest.mark.parametrize("case", DRAFT_07_ROWS, ids=lambda case: case.name)
def test_draft_07_rows_naming_no_dialect_read_in_draft_07_get_the_table_verdicts(
    case: Case,
) -> None:
    old, new = parse(_unnamed(case.old), IN_DRAFT_07), parse(_unnamed(case.new), IN_DRAFT_07)
    assert old.dialect == new.dialect == DRAFT_07
    _assert_matches(found(old, new, Direction.BACKWARD), case.backward)
    _assert_matches(found(old, new, Direction.FORWARD), case.forward)
    # The same verdicts as for the texts naming draft-07 themselves.
    named_old, named_new = parse(case.old), parse(case.new)
    for direction in Direction:
        assert found(old, new, direction) == found(named_old, named_new, direction)


def _parsed_or_refusal(document: dict[str, Any]) -> ParsedSchema | str:
    try:
        return parse(document)
    except InvalidSchemaError as refusal:
        return refusal.message


@pytest.mark.parametrize("case", DRAFT_07_ROWS, ids=lambda case: case.name)
def test_draft_07_rows_naming_no_dialect_without_a_default_are_read_in_2020_12(
    case: Case,
) -> None:
    texts = (_unnamed(case.old), _unnamed(case.new))
    read = [_parsed_or_refusal(text) for text in texts]
    in_2020 = [_parsed_or_refusal({"$schema": DRAFT_2020_12, **text}) for text in texts]
    for text, unnamed, named in zip(texts, read, in_2020, strict=True):
        if isinstance(named, str):
            assert unnamed == named  # refused for the same reason
        else:
            assert isinstance(unnamed, ParsedSchema) and unnamed.dialect is None
        if '"items": [' in json.dumps(text):
            assert isinstance(unnamed, str) and "Invalid JSON Schema at" in unnamed
    old, new = read
    if isinstance(old, ParsedSchema) and isinstance(new, ParsedSchema):
        assert isinstance(in_2020[0], ParsedSchema) and isinstance(in_2020[1], ParsedSchema)
        for direction in Direction:
            assert found(old, new, direction) == found(in_2020[0], in_2020[1], direction)


def test_a_draft_07_dependency_named_nowhere_means_nothing_in_2020_12() -> None:
    plain = {"type": "object", "properties": {"a": {}, "b": {}}}
    text = {**plain, "dependencies": {"a": ["b"]}}
    assert codes(parse(plain), parse(text), Direction.BACKWARD) == []
    assert codes(parse(plain, IN_DRAFT_07), parse(text, IN_DRAFT_07), Direction.BACKWARD) == [
        "DEPENDENT_REQUIRED_ADDED"
    ]
