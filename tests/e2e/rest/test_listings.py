"""Listings as Confluent's REST API gives them: soft-deleted entries with ?deleted=true,
only those with ?deletedOnly=true, pages with ?offset= and ?limit=, and lookups that find
soft-deleted versions."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from tests.e2e.conftest import unique_subject
from tests.e2e.rest.conftest import CONTENT_TYPE

NewClient = Callable[[], SchemaRegistryClient]


def _titled(title: str) -> Schema:
    """Distinct, mutually compatible schemas."""
    return Schema(json.dumps({"type": "object", "title": title}), "JSON")


def _error(response: httpx.Response) -> tuple[int, int]:
    assert response.headers["content-type"] == CONTENT_TYPE
    return response.status_code, response.json()["error_code"]


def test_the_uses_of_a_schema_id_include_soft_deleted_ones_only_with_deleted(
    registry_client: SchemaRegistryClient, rest: httpx.Client
) -> None:
    first, second = unique_subject("ids"), unique_subject("ids")
    schema = _titled(first)
    schema_id = registry_client.register_schema(first, schema)
    registry_client.register_schema(second, schema)
    registry_client.delete_version(second, 1)

    live = registry_client.get_schema_versions(schema_id)
    every = registry_client.get_schema_versions(schema_id, deleted=True)

    assert registry_client.get_subjects_by_schema_id(schema_id) == [first]
    assert registry_client.get_subjects_by_schema_id(schema_id, deleted=True) == sorted(
        [first, second]
    )
    assert [(v.subject, v.version) for v in live] == [(first, 1)]
    assert [(v.subject, v.version) for v in every] == sorted([(first, 1), (second, 1)])
    assert rest.get(f"/schemas/ids/{schema_id}/subjects?deleted=false").json() == [first]
    assert rest.get(f"/schemas/ids/{schema_id}?subject={second}&deleted=true").status_code == 200


def test_deleted_only_lists_soft_deleted_subjects_and_versions_and_no_live_ones(
    registry_client: SchemaRegistryClient, rest: httpx.Client
) -> None:
    prefix = unique_subject("only")
    live, gone = f"{prefix}-live", f"{prefix}-gone"
    registry_client.register_schema(live, _titled("1"))
    registry_client.register_schema(live, _titled("2"))
    registry_client.delete_version(live, 1)
    registry_client.register_schema(gone, _titled("1"))
    registry_client.delete_subject(gone)

    # confluent-kafka's client sends deleted_only; Confluent's own name is deletedOnly.
    assert registry_client.get_subjects(subject_prefix=prefix, deleted_only=True) == [gone]
    assert rest.get(f"/subjects?subjectPrefix={prefix}&deletedOnly=true").json() == [gone]
    assert registry_client.get_subjects(subject_prefix=prefix) == [live]
    assert registry_client.get_subjects(subject_prefix=prefix, deleted=True) == [gone, live]
    assert registry_client.get_versions(live, deleted_only=True) == [1]
    assert registry_client.get_versions(gone, deleted_only=True) == [1]
    assert registry_client.get_versions(live) == [2]
    assert registry_client.get_versions(live, deleted=True) == [1, 2]
    # deletedOnly wins over deleted, as in Confluent.
    assert rest.get(f"/subjects/{live}/versions?deleted=true&deletedOnly=true").json() == [1]
    assert rest.get(f"/subjects/{gone}/versions?deletedOnly=true").json() == [1]
    assert _error(rest.get(f"/subjects/{gone}/versions")) == (404, 40401)
    assert _error(rest.get(f"/subjects/{prefix}-none/versions?deletedOnly=true")) == (404, 40401)


def test_a_lookup_with_deleted_finds_soft_deleted_versions_and_subjects(
    registry_client: SchemaRegistryClient, new_registry_client: NewClient
) -> None:
    subject = unique_subject("lookup")
    first, second = _titled("first"), _titled("second")
    registry_client.register_schema(subject, first)
    second_id = registry_client.register_schema(subject, second)
    registry_client.delete_version(subject, 1)

    # Fresh clients: the client answers lookups of schemas it registered from its cache.
    with pytest.raises(SchemaRegistryError) as not_live:
        new_registry_client().lookup_schema(subject, first)
    deleted_version = new_registry_client().lookup_schema(subject, first, deleted=True)
    registry_client.delete_subject(subject)
    with pytest.raises(SchemaRegistryError) as subject_gone:
        new_registry_client().lookup_schema(subject, second)
    in_deleted_subject = new_registry_client().lookup_schema(subject, second, deleted=True)
    new_registry_client().register_schema(subject, first)
    latest = new_registry_client().lookup_schema(subject, first, deleted=True)

    assert (not_live.value.http_status_code, not_live.value.error_code) == (404, 40403)
    assert (deleted_version.subject, deleted_version.version) == (subject, 1)
    assert (subject_gone.value.http_status_code, subject_gone.value.error_code) == (404, 40401)
    assert (in_deleted_subject.version, in_deleted_subject.schema_id) == (2, second_id)
    # The latest version holding the schema, as Confluent answers once it is registered again.
    assert latest.version == 3


def test_offset_and_limit_page_subjects_and_versions(
    registry_client: SchemaRegistryClient, rest: httpx.Client
) -> None:
    prefix = unique_subject("page")
    names = [f"{prefix}-{letter}" for letter in "abc"]
    for name in names:
        registry_client.register_schema(name, _titled(name))
    versioned = names[0]
    for title in ("2", "3", "4"):
        registry_client.register_schema(versioned, _titled(title))
    registry_client.delete_version(versioned, 2)

    assert registry_client.get_subjects(subject_prefix=prefix, offset=1, limit=1) == [names[1]]
    assert registry_client.get_subjects(subject_prefix=prefix, offset=2) == [names[2]]
    assert registry_client.get_subjects(subject_prefix=prefix, offset=3) == []
    # Confluent reads a limit that is not positive as no limit.
    assert registry_client.get_subjects(subject_prefix=prefix, limit=0) == names
    assert registry_client.get_versions(versioned, offset=1, limit=1) == [3]
    assert registry_client.get_versions(versioned, offset=9) == []
    assert registry_client.get_versions(versioned, deleted=True, offset=1, limit=2) == [2, 3]
    assert registry_client.get_versions(versioned, deleted_only=True, limit=5) == [2]
    assert rest.get(f"/subjects?subjectPrefix={prefix}&offset=%2B1&limit=-7").json() == names[1:]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("offset=abc", (404, 404)),
        ("limit=1.5", (404, 404)),
        ("offset=1_0", (404, 404)),
        ("limit=99999999999", (404, 404)),
        ("offset=-1", (422, 422)),
    ],
    ids=["word", "decimal", "underscore", "beyond-int32", "negative-offset"],
)
def test_an_offset_or_limit_confluent_cannot_read_is_refused_with_its_codes(
    rest: httpx.Client, query: str, expected: tuple[int, int]
) -> None:
    """A value that is not a 32-bit integer gets Confluent's (JAX-RS's) 404; a negative
    offset, on which Confluent fails with a 500, is refused as bad input."""
    subject = unique_subject("bad-page")
    body = {"schemaType": "JSON", "schema": '{"type":"object"}'}
    assert rest.post(f"/subjects/{subject}/versions", json=body).is_success

    assert _error(rest.get(f"/subjects?{query}")) == expected
    assert _error(rest.get(f"/subjects/{subject}/versions?{query}")) == expected
