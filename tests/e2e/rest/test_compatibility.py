"""Compatibility answers as Confluent gives them: checks against a subject with nothing to
break, and incompatibilities worded as Confluent's tools parse them, beside this
registry's own records."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from tests.e2e.conftest import unique_subject
from tests.e2e.rest.conftest import json_schema, schema_body

NewClient = Callable[[], SchemaRegistryClient]
CITY = json_schema({"city": "string"}, ["city"])
CITY_UNIT = json_schema({"city": "string", "unit": "string"}, ["city"])
CITY_UNIT_REQUIRED = json_schema({"city": "string", "unit": "string"}, ["city", "unit"])


def _schema(text: str) -> Schema:
    return Schema(text, "JSON")


def _canonical(text: str) -> str:
    return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))


def test_checking_against_the_latest_of_an_unknown_or_deleted_subject_is_compatible(
    registry_client: SchemaRegistryClient, rest: httpx.Client
) -> None:
    unknown, deleted = unique_subject("nobody"), unique_subject("deleted")
    registry_client.register_schema(deleted, _schema(CITY))
    registry_client.delete_subject(deleted)

    assert registry_client.test_compatibility(unknown, _schema(CITY)) is True
    assert registry_client.test_compatibility(deleted, _schema(CITY_UNIT_REQUIRED)) is True
    verbose = rest.post(
        f"/compatibility/subjects/{unknown}/versions/latest?verbose=true",
        json=schema_body(CITY),
    )
    assert verbose.json() == {"is_compatible": True, "messages": [], "incompatibilities": []}
    # The schema itself is still checked.
    invalid = rest.post(f"/compatibility/subjects/{unknown}/versions/latest", json=schema_body("{"))
    assert (invalid.status_code, invalid.json()["error_code"]) == (422, 42201)


def test_checking_against_a_numbered_version_that_does_not_exist_is_version_not_found(
    registry_client: SchemaRegistryClient,
) -> None:
    """As Confluent: 40402 whether or not the subject exists."""
    unknown, known = unique_subject("nobody"), unique_subject("known")
    registry_client.register_schema(known, _schema(CITY))

    for subject, version in ((unknown, 1), (known, 2)):
        with pytest.raises(SchemaRegistryError) as missing:
            registry_client.test_compatibility(subject, _schema(CITY), version=version)
        assert (missing.value.http_status_code, missing.value.error_code) == (404, 40402)


def test_a_refused_registration_reads_as_confluents_and_carries_the_records(
    registry_client: SchemaRegistryClient, rest: httpx.Client
) -> None:
    subject = unique_subject("refused")
    registry_client.register_schema(subject, _schema(CITY_UNIT))

    with pytest.raises(SchemaRegistryError) as refused:
        registry_client.register_schema(subject, _schema(CITY_UNIT_REQUIRED))
    body = rest.post(f"/subjects/{subject}/versions", json=schema_body(CITY_UNIT_REQUIRED)).json()

    message = refused.value.error_message
    assert (refused.value.http_status_code, refused.value.error_code) == (409, 409)
    assert message.startswith(
        "Schema being registered is incompatible with an earlier schema for subject "
        f"\"{subject}\", details: [{{errorType:'REQUIRED_PROPERTY_ADDED', description:'"
    )
    assert message.endswith(
        f"{{oldSchemaVersion: 1}}, {{oldSchema: '{_canonical(CITY_UNIT)}'}}, "
        "{validateFields: 'false', compatibility: 'BACKWARD'}]"
    )
    assert body["message"] == message
    assert body["incompatibilities"] == [
        {
            "code": "REQUIRED_PROPERTY_ADDED",
            "message": body["incompatibilities"][0]["message"],
            "oldPath": "#/properties/unit",
            "newPath": "#/properties/unit",
            "direction": "BACKWARD",
            "version": 1,
        }
    ]


def test_a_verbose_check_lists_confluents_items_and_the_records_of_each_broken_version(
    registry_client: SchemaRegistryClient, rest: httpx.Client
) -> None:
    subject = unique_subject("verbose")
    registry_client.register_schema(subject, _schema(CITY))
    registry_client.register_schema(subject, _schema(CITY_UNIT))
    registry_client.set_compatibility(subject, "BACKWARD_TRANSITIVE")
    candidate = json_schema({"city": "integer", "unit": "string"}, ["city"])
    path = f"/compatibility/subjects/{subject}/versions"

    every = rest.post(f"{path}?verbose=true", json=schema_body(candidate)).json()
    latest = rest.post(f"{path}/latest?verbose=true", json=schema_body(candidate)).json()

    assert every["is_compatible"] is False
    assert [m for m in every["messages"] if not m.startswith("{errorType:")] == [
        "{oldSchemaVersion: 1}",
        f"{{oldSchema: '{_canonical(CITY)}'}}",
        "{oldSchemaVersion: 2}",
        f"{{oldSchema: '{_canonical(CITY_UNIT)}'}}",
        "{validateFields: 'false', compatibility: 'BACKWARD_TRANSITIVE'}",
    ]
    assert {record["version"] for record in every["incompatibilities"]} == {1, 2}
    assert all(
        f"errorType:'{record['code']}'" in " ".join(every["messages"])
        for record in every["incompatibilities"]
    )
    assert latest["messages"][-3:] == [
        "{oldSchemaVersion: 2}",
        f"{{oldSchema: '{_canonical(CITY_UNIT)}'}}",
        "{validateFields: 'false', compatibility: 'BACKWARD_TRANSITIVE'}",
    ]
    assert {record["version"] for record in latest["incompatibilities"]} == {2}
    assert rest.post(path, json=schema_body(candidate)).json() == {"is_compatible": False}
