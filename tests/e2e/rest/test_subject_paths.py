"""Subject names with '/' (and other characters that need encoding) on every REST path
that takes a subject; path segments that are not valid percent-encoded UTF-8 are refused."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from tests.e2e.conftest import unique_subject
from tests.e2e.rest.conftest import CONTENT_TYPE, json_schema, schema_body

NewClient = Callable[[], SchemaRegistryClient]
CITY = json_schema({"city": "string"}, ["city"])
CITY_UNIT = json_schema({"city": "string", "unit": "string"}, ["city"])
CITY_UNIT_REQUIRED = json_schema({"city": "string", "unit": "string"}, ["city", "unit"])


def _schema(text: str) -> Schema:
    return Schema(text, "JSON")


def test_a_subject_with_a_slash_works_through_confluents_client(
    registry_client: SchemaRegistryClient, new_registry_client: NewClient
) -> None:
    subject = f"{unique_subject('confluent')}/meta.proto"
    schema_id = registry_client.register_schema(subject, _schema(CITY))
    second_id = registry_client.register_schema(subject, _schema(CITY_UNIT))
    reader = new_registry_client()

    latest = reader.get_latest_version(subject)
    first = reader.get_version(subject, 1)
    found = reader.lookup_schema(subject, _schema(CITY))
    assert subject in reader.get_subjects()
    assert reader.get_versions(subject) == [1, 2]
    assert (latest.subject, latest.version, latest.schema_id) == (subject, 2, second_id)
    assert (first.subject, first.schema_id) == (subject, schema_id)
    assert json.loads(first.schema.schema_str or "") == json.loads(CITY)
    assert (found.subject, found.version) == (subject, 1)
    assert reader.get_subjects_by_schema_id(schema_id) == [subject]

    assert reader.test_compatibility(subject, _schema(CITY_UNIT_REQUIRED)) is False
    assert reader.test_compatibility(subject, _schema(CITY_UNIT), version=1) is True
    reader.set_compatibility(subject, "NONE")
    assert reader.get_compatibility(subject) == "NONE"
    assert reader.test_compatibility_all_versions(subject, _schema(CITY_UNIT_REQUIRED)) is True
    reader.delete_config(subject)
    assert reader.update_mode(subject, "READONLY") == "READONLY"
    assert reader.get_mode(subject) == "READONLY"
    assert reader.delete_mode(subject) == "READONLY"

    assert reader.delete_version(subject, 2) == 2
    assert reader.get_versions(subject, deleted=True) == [1, 2]
    assert reader.delete_subject(subject) == [1]
    assert reader.delete_subject(subject, permanent=True) == [1, 2]
    with pytest.raises(SchemaRegistryError) as gone:
        reader.get_versions(subject)
    assert gone.value.error_code == 40401


def test_an_encoded_slash_names_one_subject_and_is_decoded_once(rest: httpx.Client) -> None:
    base = unique_subject("slash")
    slashed = rest.post(f"/subjects/{base}%2Fb/versions", json=schema_body(CITY))
    # %25 is '%': this subject is literally "<base>%2Fb", another subject.
    literal = rest.post(f"/subjects/{base}%252Fb/versions", json=schema_body(CITY_UNIT))

    assert slashed.status_code == literal.status_code == 200
    assert rest.get(f"/subjects/{base}%2Fb/versions/1").json()["subject"] == f"{base}/b"
    assert rest.get(f"/subjects/{base}%252Fb/versions/1").json()["subject"] == f"{base}%2Fb"
    assert rest.get(f"/subjects?subjectPrefix={base}").json() == sorted(
        [f"{base}/b", f"{base}%2Fb"]
    )
    # An unencoded '/' separates segments: no such route.
    assert rest.get(f"/subjects/{base}/b/versions").status_code == 404
    metrics = rest.get("/metrics").text
    assert 'route="/subjects/{subject}/versions/{version}"' in metrics
    assert base not in metrics


def test_a_subject_needing_encoding_round_trips(rest: httpx.Client) -> None:
    subject = f"{unique_subject('odd')} 100% café?#&+"
    encoded = "".join(
        f"%{byte:02X}" if not chr(byte).isalnum() or byte > 127 else chr(byte)
        for byte in subject.encode()
    )

    registered = rest.post(f"/subjects/{encoded}/versions", json=schema_body(CITY))
    found = rest.post(f"/subjects/{encoded}", json=schema_body(CITY))

    assert registered.status_code == 200, registered.text
    assert found.json()["subject"] == subject
    assert rest.get(f"/subjects/{encoded}/versions").json() == [1]


@pytest.mark.parametrize(
    "segment",
    ["a%C0%AF", "a%FF%FE", "%ED%A0%80", "caf%C3", "a%ZZ", "a%", "a%2"],
    ids=["overlong-slash", "not-utf8", "surrogate", "truncated", "not-hex", "bare", "short"],
)
@pytest.mark.parametrize(
    ("method", "template"),
    [
        ("GET", "/subjects/{}/versions"),
        ("POST", "/subjects/{}/versions"),
        ("POST", "/subjects/{}"),
        ("DELETE", "/subjects/{}"),
        ("GET", "/subjects/{}/versions/latest"),
        ("DELETE", "/subjects/{}/versions/1"),
        ("GET", "/subjects/{}/versions/1/schema"),
        ("GET", "/subjects/{}/versions/1/referencedby"),
        ("POST", "/compatibility/subjects/{}/versions/latest"),
        ("POST", "/compatibility/subjects/{}/versions"),
        ("GET", "/config/{}"),
        ("PUT", "/config/{}"),
        ("DELETE", "/config/{}"),
        ("GET", "/mode/{}"),
        ("PUT", "/mode/{}"),
        ("DELETE", "/mode/{}"),
    ],
)
def test_a_subject_segment_that_is_not_percent_encoded_utf8_is_an_invalid_subject(
    rest: httpx.Client, segment: str, method: str, template: str
) -> None:
    # The raw path is sent exactly as written, invalid escapes included.
    url = httpx.URL(rest.base_url, raw_path=template.format(segment).encode())
    response = rest.request(method, url, json=schema_body(CITY))

    assert response.headers["content-type"] == CONTENT_TYPE
    assert (response.status_code, response.json()["error_code"]) == (422, 42208)
    assert "\ufffd" not in response.text


def test_nothing_is_stored_under_a_replacement_character(rest: httpx.Client) -> None:
    url = httpx.URL(rest.base_url, raw_path=b"/subjects/x%FF/versions")
    assert rest.post(url, json=schema_body(CITY)).status_code == 422
    assert all("\ufffd" not in name for name in rest.get("/subjects?deleted=true").json())


def test_a_version_segment_that_is_not_percent_encoded_utf8_is_an_invalid_version(
    rest: httpx.Client,
) -> None:
    url = httpx.URL(rest.base_url, raw_path=b"/subjects/orders/versions/%FF")
    response = rest.get(url)

    assert (response.status_code, response.json()["error_code"]) == (422, 42202)
