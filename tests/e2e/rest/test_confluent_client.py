"""Confluent's SchemaRegistryClient and JSON serializers against this registry."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from tests.e2e.conftest import unique_subject
from tests.e2e.rest.conftest import json_schema, schema_body

NewClient = Callable[[], SchemaRegistryClient]
CITY = json_schema({"city": "string"}, ["city"])
CITY_UNIT = json_schema({"city": "string", "unit": "string"}, ["city"])
CITY_UNIT_REQUIRED = json_schema({"city": "string", "unit": "string"}, ["city", "unit"])


def _schema(text: str) -> Schema:
    return Schema(text, "JSON")


def test_registering_looking_up_and_fetching_by_id_work_through_confluents_client(
    registry_client: SchemaRegistryClient, new_registry_client: NewClient
) -> None:
    subject = unique_subject("cc")
    schema_id = registry_client.register_schema(subject, _schema(CITY))
    again = registry_client.register_schema(unique_subject("cc"), _schema(CITY))
    found = registry_client.lookup_schema(subject, _schema(CITY))
    fetched = new_registry_client().get_schema(schema_id)
    assert again == schema_id
    assert (found.subject, found.version, found.schema_id) == (subject, 1, schema_id)
    assert fetched.schema_type == "JSON"
    assert json.loads(fetched.schema_str or "") == json.loads(CITY)
    assert "JSON" in registry_client.get_schema_types()
    assert subject in registry_client.get_subjects()


def test_versions_and_soft_then_permanent_deletion_work_through_confluents_client(
    registry_client: SchemaRegistryClient,
) -> None:
    subject = unique_subject("cc")
    registry_client.register_schema(subject, _schema(CITY))
    second_id = registry_client.register_schema(subject, _schema(CITY_UNIT))
    latest = registry_client.get_latest_version(subject)
    first = registry_client.get_version(subject, 1)
    assert registry_client.get_versions(subject) == [1, 2]
    assert (latest.version, latest.schema_id) == (2, second_id)
    assert json.loads(first.schema.schema_str or "") == json.loads(CITY)
    assert registry_client.delete_version(subject, 2) == 2
    assert registry_client.get_versions(subject) == [1]
    assert registry_client.delete_subject(subject) == [1]
    assert subject not in registry_client.get_subjects()
    with pytest.raises(SchemaRegistryError) as not_found:
        registry_client.get_versions(subject)
    assert (not_found.value.http_status_code, not_found.value.error_code) == (404, 40401)
    assert sorted(registry_client.delete_subject(subject, permanent=True)) == [1, 2]
    with pytest.raises(SchemaRegistryError) as gone:
        registry_client.delete_subject(subject, permanent=True)
    assert gone.value.error_code == 40401


def test_compatibility_checks_and_config_work_through_confluents_client(
    registry_client: SchemaRegistryClient,
) -> None:
    subject = unique_subject("cc")
    registry_client.register_schema(subject, _schema(CITY_UNIT))
    # The client passes the body through, though it is annotated as returning a str.
    answer: object = registry_client.set_compatibility(subject, "FULL")
    assert answer == {"compatibility": "FULL"}
    assert registry_client.get_compatibility(subject) == "FULL"
    assert registry_client.test_compatibility(subject, _schema(CITY_UNIT_REQUIRED)) is False
    registry_client.set_compatibility(subject, "NONE")
    assert registry_client.test_compatibility(subject, _schema(CITY_UNIT_REQUIRED)) is True
    assert registry_client.test_compatibility_all_versions(subject, _schema(CITY_UNIT)) is True
    registry_client.delete_config(subject)
    assert registry_client.get_compatibility() == "BACKWARD"
    with pytest.raises(SchemaRegistryError) as refused:
        registry_client.register_schema(subject, _schema(CITY_UNIT_REQUIRED))
    assert (refused.value.http_status_code, refused.value.error_code) == (409, 409)


def test_modes_are_read_and_set_through_confluents_client(
    registry_client: SchemaRegistryClient,
) -> None:
    subject = unique_subject("cc")
    registry_client.register_schema(subject, _schema(CITY))
    assert registry_client.update_mode(subject, "READONLY") == "READONLY"
    assert registry_client.get_mode(subject) == "READONLY"
    with pytest.raises(SchemaRegistryError) as refused:
        registry_client.register_schema(subject, _schema(CITY_UNIT))
    assert (refused.value.http_status_code, refused.value.error_code) == (422, 42205)
    assert registry_client.delete_mode(subject) == "READONLY"
    assert registry_client.get_global_mode() == "READWRITE"
    assert registry_client.register_schema(subject, _schema(CITY_UNIT)) > 0


def test_import_mode_refuses_a_registration_without_an_id_as_confluent_does(
    registry_client: SchemaRegistryClient, rest: httpx.Client
) -> None:
    subject = unique_subject("import")
    # Content of its own: one content has one id registry-wide.
    text = json.dumps({**json.loads(CITY), "title": subject})
    assert registry_client.update_mode(subject, "IMPORT") == "IMPORT"

    with pytest.raises(SchemaRegistryError) as refused:
        registry_client.register_schema(subject, _schema(text))
    version_only = rest.post(f"/subjects/{subject}/versions", json=schema_body(text, version=1))
    stored_nothing = rest.get(f"/subjects/{subject}/versions?deleted=true")
    imported = rest.post(
        f"/subjects/{subject}/versions", json=schema_body(text, id=900_001, version=1)
    )

    assert (refused.value.http_status_code, refused.value.error_code) == (422, 42205)
    assert "is not in read-write mode" in refused.value.error_message
    assert (version_only.status_code, version_only.json()["error_code"]) == (422, 42205)
    assert stored_nothing.json()["error_code"] == 40401
    assert imported.json() == {"id": 900_001}
    registry_client.delete_mode(subject)


def test_a_json_record_round_trips_through_the_serializers_with_the_schema_from_this_registry(
    registry_client: SchemaRegistryClient, new_registry_client: NewClient
) -> None:
    topic = unique_subject("topic")
    context = SerializationContext(topic, MessageField.VALUE)
    serializer = JSONSerializer(CITY_UNIT, registry_client)
    payload = serializer({"city": "Lyon", "unit": "C"}, context)
    assert payload is not None
    schema_id = registry_client.get_latest_version(f"{topic}-value").schema_id
    assert payload[0] == 0
    assert int.from_bytes(payload[1:5], "big") == schema_id
    # A fresh client: the deserializer must fetch the schema by id from the registry.
    reader = new_registry_client()
    deserializer = JSONDeserializer(None, schema_registry_client=reader)
    assert deserializer(payload, context) == {"city": "Lyon", "unit": "C"}
