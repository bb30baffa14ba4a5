"""JSON_SCHEMA.parse (canonical form, refusals) and check_compatibility over its verdicts."""

from __future__ import annotations

import json

import pytest

from registry.compatibility import Direction, check_compatibility, summarize
from registry.errors import InvalidSchemaError
from registry.formats.base import ParsedSchema
from registry.formats.json_schema import JSON_SCHEMA
from registry.model import CompatibilityLevel, SchemaFormat
from registry.types import Version


def parse(document: object) -> ParsedSchema:
    return JSON_SCHEMA.parse(json.dumps(document))


def string_schema(**keywords: object) -> ParsedSchema:
    return parse({"type": "string", **keywords})


# ---- parse ---------------------------------------------------------------------------


def test_whitespace_and_key_order_give_the_same_canonical_text_and_fingerprint() -> None:
    compact = JSON_SCHEMA.parse('{"type":"object","properties":{"a":{"type":"string"}}}')
    spaced = JSON_SCHEMA.parse(
        '{\n  "properties" : { "a" : { "type" : "string" } },\n  "type" : "object"\n}'
    )
    assert spaced.canonical == compact.canonical
    assert spaced.fingerprint == compact.fingerprint
    assert compact.canonical == '{"properties":{"a":{"type":"string"}},"type":"object"}'
    assert compact.format is SchemaFormat.JSON


def test_different_schemas_get_different_fingerprints() -> None:
    assert string_schema().fingerprint != string_schema(maxLength=3).fingerprint


def test_non_ascii_text_is_kept_as_is_in_the_canonical_form() -> None:
    assert '"Bogotá"' in parse({"const": "Bogotá"}).canonical


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"type": "string"', "not valid JSON"),
        ("NaN", "not valid JSON"),
        ('{"minimum": Infinity}', "not valid JSON"),
        ("[1, 2]", "must be an object or a boolean, got list"),
        ('"string"', "must be an object or a boolean, got str"),
        ("42", "must be an object or a boolean, got int"),
        ('{"type": 5}', "Invalid JSON Schema at #/type"),
        ('{"properties": {"a": {"minLength": -1}}}', "#/properties/a/minLength"),
        ('{"$schema": "http://json-schema.org/draft-03/schema#"}', "Unsupported $schema"),
        ('{"$ref": "#/$defs/missing"}', "'#/$defs/missing' at #/$ref does not resolve"),
        (
            '{"$ref": "https://example.com/other.json"}',
            "'https://example.com/other.json', which is not one of the schema's references",
        ),
    ],
    ids=[
        "unterminated object",
        "bare NaN",
        "Infinity inside",
        "array",
        "string",
        "number",
        "type is a number",
        "negative minLength deep inside",
        "draft-03",
        "unresolvable local ref",
        "external ref",
    ],
)
def test_unusable_text_is_refused_with_a_message_naming_the_problem(
    text: str, expected: str
) -> None:
    with pytest.raises(InvalidSchemaError) as raised:
        JSON_SCHEMA.parse(text)
    assert expected in raised.value.message
    assert raised.value.code == "INVALID_SCHEMA"


@pytest.mark.parametrize(
    "dialect",
    [
        "http://json-schema.org/draft-04/schema#",
        "http://json-schema.org/draft-04/schema",
        "http://json-schema.org/draft-06/schema#",
        "http://json-schema.org/draft-06/schema",
        "http://json-schema.org/draft-07/schema#",
        "http://json-schema.org/draft-07/schema",
        "https://json-schema.org/draft/2019-09/schema",
        "https://json-schema.org/draft/2020-12/schema",
    ],
)
def test_the_five_supported_drafts_are_accepted(dialect: str) -> None:
    parsed = parse({"$schema": dialect, "type": "object", "properties": {"a": {"type": "string"}}})
    assert parsed.document == json.loads(parsed.canonical)


def test_boolean_schemas_and_resolvable_refs_are_accepted() -> None:
    assert parse(True).document is True
    assert parse(False).canonical == "false"
    parsed = parse({"$defs": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/s"}}})
    assert parsed.document != {}


def test_a_ref_inside_an_enum_value_is_data_not_a_reference() -> None:
    assert parse({"enum": [{"$ref": "#/nowhere"}]}).document == {"enum": [{"$ref": "#/nowhere"}]}


def test_find_incompatibilities_reads_old_documents_with_the_new_schema_for_backward() -> None:
    old, new = string_schema(), string_schema(maxLength=3)
    (backward,) = JSON_SCHEMA.find_incompatibilities(old, new, Direction.BACKWARD)
    assert backward.code == "MAX_LENGTH_DECREASED"
    assert JSON_SCHEMA.find_incompatibilities(old, new, Direction.FORWARD) == []


# ---- check_compatibility -------------------------------------------------------------


def versions(*schemas: ParsedSchema) -> list[tuple[Version, ParsedSchema]]:
    return [(Version(number), schema) for number, schema in enumerate(schemas, start=1)]


def check(
    level: CompatibilityLevel, candidate: ParsedSchema, *previous: ParsedSchema
) -> list[tuple[str, Direction, Version | None]]:
    found = check_compatibility(JSON_SCHEMA, level, candidate, versions(*previous))
    return [(item.code, item.direction, item.version) for item in found]


def test_none_checks_nothing() -> None:
    assert check(CompatibilityLevel.NONE, parse({"type": "integer"}), string_schema()) == []


def test_the_first_version_has_nothing_to_be_compatible_with() -> None:
    assert check(CompatibilityLevel.FULL_TRANSITIVE, string_schema()) == []


def test_backward_compares_with_the_latest_version_only() -> None:
    wide, narrow, candidate = (
        string_schema(maxLength=10),
        string_schema(maxLength=5),
        string_schema(maxLength=8),
    )
    assert check(CompatibilityLevel.BACKWARD, candidate, wide, narrow) == []


def test_backward_transitive_compares_with_every_version_and_names_the_one_that_broke() -> None:
    wide, narrow, candidate = (
        string_schema(maxLength=10),
        string_schema(maxLength=5),
        string_schema(maxLength=8),
    )
    assert check(CompatibilityLevel.BACKWARD_TRANSITIVE, candidate, wide, narrow) == [
        ("MAX_LENGTH_DECREASED", Direction.BACKWARD, Version(1))
    ]


def test_forward_reads_new_documents_with_the_old_schema() -> None:
    narrow, wide, candidate = (
        string_schema(maxLength=5),
        string_schema(maxLength=10),
        string_schema(maxLength=8),
    )
    assert check(CompatibilityLevel.FORWARD, candidate, narrow, wide) == []
    assert check(CompatibilityLevel.FORWARD_TRANSITIVE, candidate, narrow, wide) == [
        ("MAX_LENGTH_DECREASED", Direction.FORWARD, Version(1))
    ]


def test_full_checks_both_directions() -> None:
    assert check(CompatibilityLevel.FULL, string_schema(maxLength=3), string_schema()) == [
        ("MAX_LENGTH_DECREASED", Direction.BACKWARD, Version(1))
    ]
    assert check(CompatibilityLevel.FULL, parse({"type": "integer"}), string_schema()) == [
        ("TYPE_CHANGED", Direction.BACKWARD, Version(1)),
        ("TYPE_CHANGED", Direction.FORWARD, Version(1)),
    ]


def test_full_transitive_reports_each_broken_version_separately() -> None:
    found = check(
        CompatibilityLevel.FULL_TRANSITIVE,
        parse({"type": "integer"}),
        string_schema(),
        string_schema(maxLength=9),
    )
    assert [(version, direction) for _, direction, version in found] == [
        (Version(1), Direction.BACKWARD),
        (Version(1), Direction.FORWARD),
        (Version(2), Direction.BACKWARD),
        (Version(2), Direction.FORWARD),
    ]


def test_a_previous_version_of_another_format_is_a_schema_type_change() -> None:
    avro = ParsedSchema(
        format=SchemaFormat.AVRO, canonical='"string"', document="string", fingerprint="x"
    )
    assert check(CompatibilityLevel.BACKWARD, string_schema(), avro) == [
        ("SCHEMA_TYPE_CHANGED", Direction.BACKWARD, Version(1))
    ]


def test_the_summary_names_the_level_the_first_finding_and_the_count() -> None:
    found = check_compatibility(
        JSON_SCHEMA, CompatibilityLevel.FULL, parse({"type": "integer"}), versions(string_schema())
    )
    summary = summarize(found, CompatibilityLevel.FULL)
    assert summary.startswith("Schema is incompatible under FULL: BACKWARD TYPE_CHANGED at #")
    assert "(against version 1)" in summary
    assert summary.endswith("(and 1 more)")


# ---- lone surrogates -----------------------------------------------------------------

# A JSON \uXXXX escape can spell half of a UTF-16 pair. Such a string has no UTF-8 form:
# it can be neither stored nor sent back in a JSON response, so parse refuses it, and
# its message must not quote it either (the message goes back to the client).
LONE_SURROGATES = [
    pytest.param('{"description": "\\ud800"}', id="in-a-description"),
    pytest.param('{"description": "\ud800"}', id="unescaped-in-a-description"),
    pytest.param('{"enum": ["ok", "\\udc00"]}', id="in-an-enum-value"),
    pytest.param('{"properties": {"\\udfff": {}}}', id="in-a-property-name"),
    pytest.param('{"\\ud800": true}', id="as-an-unknown-keyword"),
    pytest.param('{"type": "\\ud800"}', id="as-a-type-name"),
    pytest.param('{"$ref": "#/\\ud800"}', id="in-a-reference"),
]


def _has_lone_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(char) <= 0xDFFF for char in text)


@pytest.mark.parametrize("text", LONE_SURROGATES)
def test_a_lone_surrogate_anywhere_is_an_invalid_schema_whose_message_is_valid_text(
    text: str,
) -> None:
    with pytest.raises(InvalidSchemaError) as raised:
        JSON_SCHEMA.parse(text)

    assert not _has_lone_surrogate(raised.value.message), ascii(raised.value.message)


def test_a_surrogate_pair_is_one_character_and_is_kept() -> None:
    parsed = JSON_SCHEMA.parse('{"description": "\\ud83d\\ude00"}')

    assert parsed.canonical == '{"description":"\U0001f600"}'


# ---- patterns ------------------------------------------------------------------------

NOT_LINEAR = "backreferences and lookaround are not supported: patterns run in a linear-time engine"


@pytest.mark.parametrize(
    ("document", "pointer", "pattern"),
    [
        ({"type": "string", "pattern": "^(?=.*[0-9]).{8,}$"}, "#/pattern", "^(?=.*[0-9]).{8,}$"),
        (
            {"properties": {"a/b": {"type": "string", "pattern": "(x)\\1"}}},
            "#/properties/a~1b/pattern",
            "(x)\\1",
        ),
        (
            {"type": "object", "patternProperties": {"^(?!x-)": {"type": "string"}}},
            "#/patternProperties/^(?!x-)",
            "^(?!x-)",
        ),
        (
            {"type": "object", "propertyNames": {"pattern": "(?<!_)$"}},
            "#/propertyNames/pattern",
            "(?<!_)$",
        ),
        (
            {"$defs": {"id": {"anyOf": [{"type": "integer"}, {"pattern": "(?<=#)\\d"}]}}},
            "#/$defs/id/anyOf/1/pattern",
            "(?<=#)\\d",
        ),
        (
            {
                "$schema": "http://json-schema.org/draft-07/schema#",
                "items": [{"type": "string"}, {"pattern": "\\k<a>(?<a>x)"}],
            },
            "#/items/1/pattern",
            "\\k<a>(?<a>x)",
        ),
    ],
    ids=["pattern", "nested-property", "patternProperties", "propertyNames", "defs", "tuple-items"],
)
def test_a_pattern_with_backreferences_or_lookaround_is_refused_naming_it_and_where(
    document: object, pointer: str, pattern: str
) -> None:
    with pytest.raises(InvalidSchemaError) as raised:
        parse(document)
    assert raised.value.message == f"Pattern '{pattern}' at {pointer} is refused: {NOT_LINEAR}."
    assert raised.value.code == "INVALID_SCHEMA"


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("[\\p{L}\\p{N}]{1,500}", "MiB the linear-time engine allows one pattern"),
        ("(?i)name", "inline flags are not ECMA-262"),
        ("(unclosed", "missing )"),
    ],
)
def test_a_pattern_too_large_or_not_ecma_262_is_refused(pattern: str, reason: str) -> None:
    with pytest.raises(InvalidSchemaError, match=r"at #/properties/a/pattern is refused") as raised:
        parse({"properties": {"a": {"pattern": pattern}}})
    assert reason in raised.value.message


def test_data_and_unknown_keywords_holding_a_pattern_are_not_patterns() -> None:
    document = {
        "properties": {"pattern": {"type": "string"}, "patternProperties": {"type": "object"}},
        "enum": [{"pattern": "(?=x)"}],
        "examples": [{"pattern": "(a)\\1"}],
        "x-vendor": {"pattern": "(?!y)"},
    }
    assert parse(document).refusal is None


def test_many_patterns_together_are_bounded_by_a_schema_budget() -> None:
    many = {f"p{i}": {"type": "string", "pattern": f"^[a-z]{{1,{900 + i}}}$"} for i in range(60)}
    with pytest.raises(InvalidSchemaError, match="patterns together compile to more than"):
        parse({"properties": many})
    # The same pattern repeated costs once.
    same = {f"p{i}": {"type": "string", "pattern": "^[a-z]{1,999}$"} for i in range(60)}
    assert parse({"properties": same}).refusal is None


def test_a_stored_schema_with_a_refused_pattern_is_still_read_and_keeps_the_refusal() -> None:
    text = json.dumps({"type": "string", "pattern": "^(?!tmp-)"})
    parsed = JSON_SCHEMA.parse(text, stored=True)
    assert parsed.refusal == f"Pattern '^(?!tmp-)' at #/pattern is refused: {NOT_LINEAR}."
    with pytest.raises(InvalidSchemaError):
        JSON_SCHEMA.parse(text)


def test_patterns_a_stored_schema_cannot_run_make_the_comparison_not_provable() -> None:
    old = JSON_SCHEMA.parse(
        json.dumps(
            {
                "type": "object",
                "properties": {"tag": {"enum": ["tmp-1", "v1"]}, "x-a": {"type": "string"}},
                "patternProperties": {"^(?=x-)": {"type": "string"}},
            }
        ),
        stored=True,
    )
    new = JSON_SCHEMA.parse(
        json.dumps(
            {
                "type": "object",
                "properties": {
                    "tag": {"enum": ["tmp-1", "v1"]},
                    "x-a": {"type": "string", "maxLength": 3},
                },
                "patternProperties": {"^x-": {"type": "string"}},
            }
        )
    )
    backward = JSON_SCHEMA.find_incompatibilities(old, new, Direction.BACKWARD)
    forward = JSON_SCHEMA.find_incompatibilities(old, new, Direction.FORWARD)
    # Whether the writer's pattern constrains 'x-a' is unknown: not proved, never a guess.
    assert "UNDECIDABLE_PATTERN_CHANGE" in {item.code for item in backward}
    assert "UNDECIDABLE_PATTERN_CHANGE" in {item.code for item in forward}
    enum_old = JSON_SCHEMA.parse(json.dumps({"pattern": "^(?!tmp-)"}), stored=True)
    enum_new = parse({"enum": ["tmp-1"]})
    found = JSON_SCHEMA.find_incompatibilities(enum_old, enum_new, Direction.FORWARD)
    assert [item.code for item in found] == ["UNDECIDABLE_CHANGE"]
    assert "could not be evaluated" in found[0].message
