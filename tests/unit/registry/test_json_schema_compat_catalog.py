"""The checker's contract: documented codes, keyword coverage, paths, directions, refs."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import jsonschema
import pytest

from registry.compatibility import Direction, Incompatibility
from registry.formats.json_schema_compat import CODES, find_breaking_changes
from registry.formats.json_schema_compat.catalog import KEYWORD_RULES, STRUCTURAL_KEYWORDS
from registry.formats.json_schema_compat.dialects import ASSERTING
from registry.formats.json_schema_compat.emptiness import allows_nothing
from registry.formats.json_schema_compat.fingerprints import Fingerprints
from registry.formats.json_schema_compat.nodes import Side
from tests.unit.registry.test_json_schema_cases_objects import obj, strict, typed

PACKAGE = Path(__file__).parents[3] / "registry" / "formats" / "json_schema_compat"

REQUIRED_CODES = {
    "TYPE_NARROWED",
    "TYPE_CHANGED",
    "REQUIRED_PROPERTY_ADDED",
    "PROPERTY_REMOVED_FROM_CLOSED_MODEL",
    "PROPERTY_ADDED_TO_OPEN_MODEL",
    "ADDITIONAL_PROPERTIES_NARROWED",
    "ENUM_VALUE_REMOVED",
    "ENUM_ADDED",
    "CONST_CHANGED",
    "MAX_LENGTH_DECREASED",
    "MIN_LENGTH_INCREASED",
    "PATTERN_CHANGED",
    "UNDECIDABLE_PATTERN_CHANGE",
    "FORMAT_ADDED",
    "FORMAT_CHANGED",
    "MAXIMUM_DECREASED",
    "MINIMUM_INCREASED",
    "EXCLUSIVE_MINIMUM_INCREASED",
    "EXCLUSIVE_MAXIMUM_DECREASED",
    "MULTIPLE_OF_CHANGED",
    "ITEMS_NARROWED",
    "MAX_ITEMS_DECREASED",
    "MIN_ITEMS_INCREASED",
    "UNIQUE_ITEMS_ADDED",
    "MIN_PROPERTIES_INCREASED",
    "MAX_PROPERTIES_DECREASED",
    "COMBINED_SCHEMA_CHANGED",
    "SCHEMA_BECAME_FALSE",
    "UNDECIDABLE_CHANGE",
}


def test_the_public_codes_are_all_documented() -> None:
    assert CODES.keys() >= REQUIRED_CODES
    for code, description in CODES.items():
        assert re.fullmatch(r"[A-Z]+(_[A-Z]+)*", code)
        assert description.endswith(".")


def test_every_code_the_rules_report_is_documented() -> None:
    source = "\n".join(path.read_text() for path in PACKAGE.glob("*.py"))
    reported = set(re.findall(r'"([A-Z]+(?:_[A-Z]+)+)"', source))
    assert reported <= CODES.keys()


@pytest.mark.parametrize(
    "validator",
    [jsonschema.Draft7Validator, jsonschema.Draft201909Validator, jsonschema.Draft202012Validator],
)
def test_every_keyword_a_validator_asserts_is_known_to_the_checker(validator: type) -> None:
    assert set(validator.VALIDATORS) <= ASSERTING  # type: ignore[attr-defined]


def test_every_asserting_keyword_is_read_by_some_rule() -> None:
    read = set(STRUCTURAL_KEYWORDS).union(*(rule.keywords for rule in KEYWORD_RULES))
    # Draft-07/2019-09 spellings, rewritten to 2020-12 ones before any rule runs.
    rewritten = {"dependencies", "additionalItems"}
    assert ASSERTING - rewritten <= read


def test_forward_findings_put_the_writer_path_on_the_new_side() -> None:
    old = obj({"a": typed("integer")})
    new = obj({"a": typed("number")})
    (finding,) = find_breaking_changes(new, old, writer_is_old=False)
    assert (finding.old_path, finding.new_path) == ("#/properties/a", "#/properties/a")
    (closed,) = find_breaking_changes(
        strict({"a": typed("string"), "b": typed("string")}),
        strict({"a": typed("string")}),
        writer_is_old=False,
    )
    assert (closed.code, closed.old_path, closed.new_path) == (
        "PROPERTY_REMOVED_FROM_CLOSED_MODEL",
        "#",
        "#/properties/b",
    )


def test_messages_speak_of_old_and_new_in_the_right_roles() -> None:
    optional, required = obj({"a": typed("string")}), obj({"a": typed("string")}, required=["a"])
    (backward,) = find_breaking_changes(optional, required, writer_is_old=True)
    (forward,) = find_breaking_changes(optional, required, writer_is_old=False)
    assert "required by the new schema but optional in the old one" in backward.message
    assert "required by the old schema but optional in the new one" in forward.message


def test_findings_leave_direction_and_version_to_the_caller() -> None:
    (finding,) = find_breaking_changes(typed("string"), typed("integer"), writer_is_old=True)
    defaults = {f.name: f.default for f in fields(Incompatibility)}
    assert finding.direction is defaults["direction"] is Direction.BACKWARD
    assert finding.version is None


def test_anchor_references_are_followed() -> None:
    def anchored(name: dict[str, object]) -> dict[str, object]:
        return {**obj({"a": {"$ref": "#label"}}), "$defs": {"x": {"$anchor": "label", **name}}}

    (finding,) = find_breaking_changes(
        anchored(typed("string")), anchored(typed("string", maxLength=2)), writer_is_old=True
    )
    assert (finding.code, finding.new_path) == ("MAX_LENGTH_DECREASED", "#/$defs/x")


def test_a_reader_reference_that_cannot_be_followed_is_undecidable() -> None:
    embedded = {
        "$defs": {"inner": {"$id": "https://example.com/inner", "type": "string"}},
        **obj({"a": {"$ref": "#/$defs/inner"}}),
    }
    writer = obj({"a": typed("string")})
    codes = [i.code for i in find_breaking_changes(writer, embedded, writer_is_old=True)]
    assert codes == ["UNDECIDABLE_CHANGE"]


def test_a_dynamic_reference_in_the_reader_is_undecidable() -> None:
    dynamic = {"$dynamicAnchor": "node", **obj({"next": {"$dynamicRef": "#node"}})}
    writer = obj({"next": {}})
    codes = [i.code for i in find_breaking_changes(writer, dynamic, writer_is_old=True)]
    assert codes == ["UNDECIDABLE_CHANGE"]


def test_a_changed_enum_nested_inside_values_is_reported_as_a_rejected_value() -> None:
    (finding,) = find_breaking_changes(
        {"enum": [{"k": 1}]}, obj({"k": typed("string")}), writer_is_old=True
    )
    assert finding.code == "VALUE_REJECTED"
    assert '{"k": 1}' in finding.message


def test_cross_draft_comparisons_read_each_side_in_its_own_draft() -> None:
    draft7 = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        **typed("array", prefixItems=[typed("string")]),
    }
    current = typed("array", prefixItems=[typed("string")])
    # Draft-07 ignores prefixItems, so its arrays may start with anything.
    assert [i.code for i in find_breaking_changes(draft7, current, writer_is_old=True)] == [
        "ITEMS_NARROWED"
    ]
    assert find_breaking_changes(current, draft7, writer_is_old=False) == []


def test_a_validator_failure_on_a_listed_value_is_undecidable_rather_than_a_crash() -> None:
    # jsonschema's draft-07 additionalItems raises TypeError when "items" is true.
    reader = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        **typed("array", items=True, additionalItems=False),
    }
    (finding,) = find_breaking_changes({"enum": [[1, 2]]}, reader, writer_is_old=True)
    assert finding.code == "UNDECIDABLE_CHANGE"
    assert "[1, 2]" in finding.message


def test_the_readme_documents_every_code_with_its_description() -> None:
    readme = (PACKAGE.parents[2] / "README.md").read_text()
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| (.+) \|$", readme, flags=re.MULTILINE))
    for code, description in CODES.items():
        assert rows.get(code) == description, code


@pytest.mark.parametrize(
    ("schema", "empty"),
    [
        (False, True),
        ({"not": {}}, True),
        ({"not": {"title": "anything"}}, True),
        ({"enum": []}, True),
        (typed("string", minLength=3, maxLength=2), True),
        (typed(["string", "array"], minLength=3, maxLength=2, minItems=2, maxItems=1), True),
        (typed(["string", "null"], minLength=3, maxLength=2), False),  # null remains
        ({"minLength": 3, "maxLength": 2}, False),  # any non-string passes
        (typed("integer", minimum=1, maximum=1), False),
        ({"not": typed("string")}, False),
    ],
)
def test_a_writer_that_allows_nothing_is_recognised_by_its_own_keywords(
    schema: object, empty: bool
) -> None:
    side = Side(schema, Fingerprints())
    assert allows_nothing(side.node(schema, "#")) is empty
    assert (find_breaking_changes(schema, False, writer_is_old=True) == []) is empty
