"""Incompatibilities in Confluent's words, beside this registry's records."""

from __future__ import annotations

from registry.compatibility import Direction, Incompatibility
from registry.errors import IncompatibleSchemaError
from registry.model import CompatibilityLevel, Schema, SchemaFormat, SchemaVersion
from registry.types import SchemaId, SubjectName, Version
from rest.incompatibility import (
    MAX_QUOTED_SCHEMA_CHARS,
    confluent_messages,
    incompatible_body,
    records,
)


def _version(number: int, text: str) -> SchemaVersion:
    schema = Schema(SchemaId(number), SchemaFormat.JSON, text, f"f{number}")
    return SchemaVersion(SubjectName("orders"), Version(number), schema)


def _finding(code: str, version: int, direction: Direction = Direction.BACKWARD) -> Incompatibility:
    return Incompatibility(
        code=code,
        message=f"{code} happened.",
        old_path="#/properties/a",
        new_path="#/required",
        direction=direction,
        version=Version(version),
    )


def test_each_broken_version_lists_its_differences_then_its_number_and_schema() -> None:
    findings = [
        _finding("REQUIRED_PROPERTY_ADDED", 1),
        _finding("TYPE_NARROWED", 2),
        _finding("ENUM_NARROWED", 2, Direction.FORWARD),
    ]
    checked = [_version(1, '{"title":"one"}'), _version(2, '{"title":"two"}')]

    messages = confluent_messages(findings, checked, CompatibilityLevel.FULL_TRANSITIVE)

    assert messages == [
        "{errorType:'REQUIRED_PROPERTY_ADDED', description:'"
        + findings[0].describe()
        + "', additionalInfo:'#/required'}",
        "{oldSchemaVersion: 1}",
        """{oldSchema: '{"title":"one"}'}""",
        "{errorType:'TYPE_NARROWED', description:'"
        + findings[1].describe()
        + "', additionalInfo:'#/required'}",
        "{errorType:'ENUM_NARROWED', description:'"
        + findings[2].describe()
        + "', additionalInfo:'#/required'}",
        "{oldSchemaVersion: 2}",
        """{oldSchema: '{"title":"two"}'}""",
        "{validateFields: 'false', compatibility: 'FULL_TRANSITIVE'}",
    ]


def test_a_compatible_candidate_has_no_messages() -> None:
    assert confluent_messages([], [_version(1, "{}")], CompatibilityLevel.BACKWARD) == []


def test_an_old_schema_over_ten_kibibytes_is_quoted_truncated_as_confluent_does() -> None:
    text = '{"title":"' + "x" * MAX_QUOTED_SCHEMA_CHARS + '"}'

    messages = confluent_messages([_finding("X", 1)], [_version(1, text)], None)

    assert messages[-1] == ("{oldSchema: <truncated> '" + text[:MAX_QUOTED_SCHEMA_CHARS] + "...'}")


def test_a_refused_registration_says_it_as_confluent_does_and_keeps_the_records() -> None:
    finding = _finding("REQUIRED_PROPERTY_ADDED", 1)
    error = IncompatibleSchemaError(
        "refused",
        [finding],
        subject="orders",
        level=CompatibilityLevel.BACKWARD,
        checked=[_version(1, "{}")],
    )

    body = incompatible_body(error, 409)

    assert body["error_code"] == 409
    assert body["message"] == (
        'Schema being registered is incompatible with an earlier schema for subject "orders", '
        "details: [{errorType:'REQUIRED_PROPERTY_ADDED', description:'"
        + finding.describe()
        + "', additionalInfo:'#/required'}, {oldSchemaVersion: 1}, {oldSchema: '{}'}, "
        "{validateFields: 'false', compatibility: 'BACKWARD'}]"
    )
    assert (
        body["incompatibilities"]
        == records([finding])
        == [
            {
                "code": "REQUIRED_PROPERTY_ADDED",
                "message": "REQUIRED_PROPERTY_ADDED happened.",
                "oldPath": "#/properties/a",
                "newPath": "#/required",
                "direction": "BACKWARD",
                "version": 1,
            }
        ]
    )
