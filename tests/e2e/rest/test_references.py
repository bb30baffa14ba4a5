"""Schema references over the REST API, with Confluent's client where it has the call:
registered, shown, resolved in checks and lookups, part of the identity, and guarding the
versions they point at against deletion."""

from __future__ import annotations

import json
from typing import Any

import httpx
from confluent_kafka.schema_registry import Schema, SchemaReference, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from tests.e2e.conftest import unique_subject
from tests.e2e.rest.conftest import schema_body

DRAFT_07 = "http://json-schema.org/draft-07/schema#"


def _address(*required: str) -> str:
    return json.dumps(
        {
            "$schema": DRAFT_07,
            "type": "object",
            "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
            "required": list(required),
        }
    )


ORDER = json.dumps(
    {
        "$schema": DRAFT_07,
        "type": "object",
        "properties": {"id": {"type": "string"}, "shipTo": {"$ref": "address.json"}},
        "required": ["id"],
    }
)


def _ref(subject: str, version: int) -> dict[str, object]:
    return {"name": "address.json", "subject": subject, "version": version}


def test_a_reference_is_stored_shown_and_resolved(
    rest: httpx.Client, registry_client: SchemaRegistryClient
) -> None:
    addresses, orders = unique_subject("address"), unique_subject("order")
    registry_client.register_schema(addresses, Schema(_address("street"), "JSON"))
    reference = SchemaReference("address.json", addresses, 1)

    order_id = registry_client.register_schema(
        orders, Schema(ORDER, "JSON", references=[reference])
    )

    latest = registry_client.get_latest_version(orders)
    assert latest.schema_id == order_id
    assert [(r.name, r.subject, r.version) for r in latest.schema.references or []] == [
        ("address.json", addresses, 1)
    ]
    by_id = rest.get(f"/schemas/ids/{order_id}").json()
    assert by_id["references"] == [_ref(addresses, 1)]
    assert registry_client.get_referenced_by(addresses, 1) == [order_id]
    # Looking the schema up needs the same references: they are part of its identity.
    found = registry_client.lookup_schema(orders, Schema(ORDER, "JSON", references=[reference]))
    assert found.version == 1
    without = rest.post(f"/subjects/{orders}", json=schema_body(ORDER))
    assert without.status_code == 422, without.text
    assert "address.json" in without.json()["message"]


def test_identity_includes_the_references(rest: httpx.Client) -> None:
    addresses, orders = unique_subject("address"), unique_subject("order")
    rest.put(f"/config/{addresses}", json={"compatibility": "NONE"})
    rest.post(f"/subjects/{addresses}/versions", json=schema_body(_address()))
    rest.post(f"/subjects/{addresses}/versions", json=schema_body(_address("city")))
    rest.put(f"/config/{orders}", json={"compatibility": "NONE"})

    first = rest.post(
        f"/subjects/{orders}/versions", json=schema_body(ORDER, references=[_ref(addresses, 1)])
    )
    second = rest.post(
        f"/subjects/{orders}/versions", json=schema_body(ORDER, references=[_ref(addresses, 2)])
    )

    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert first.json()["id"] != second.json()["id"]
    assert rest.get(f"/subjects/{orders}/versions").json() == [1, 2]


def test_compatibility_sees_changes_inside_a_referenced_schema(rest: httpx.Client) -> None:
    addresses, orders = unique_subject("address"), unique_subject("order")
    rest.post(f"/subjects/{addresses}/versions", json=schema_body(_address()))
    rest.put(f"/config/{addresses}", json={"compatibility": "NONE"})
    rest.post(f"/subjects/{addresses}/versions", json=schema_body(_address("city")))
    rest.post(
        f"/subjects/{orders}/versions", json=schema_body(ORDER, references=[_ref(addresses, 1)])
    )

    # The same order text, its address now requiring a city: an old order without one is
    # no longer valid, so BACKWARD refuses it.
    check = rest.post(
        f"/compatibility/subjects/{orders}/versions/latest?verbose=true",
        json=schema_body(ORDER, references=[_ref(addresses, 2)]),
    )
    refused = rest.post(
        f"/subjects/{orders}/versions", json=schema_body(ORDER, references=[_ref(addresses, 2)])
    )

    assert check.status_code == 200, check.text
    assert check.json()["is_compatible"] is False
    assert refused.status_code == 409, refused.text


def test_a_missing_reference_is_named(rest: httpx.Client) -> None:
    orders, nobody = unique_subject("order"), unique_subject("nobody")

    answer = rest.post(
        f"/subjects/{orders}/versions", json=schema_body(ORDER, references=[_ref(nobody, 1)])
    )

    assert answer.status_code == 422
    assert answer.json()["error_code"] == 42201
    assert nobody in answer.json()["message"]
    assert rest.get(f"/subjects/{orders}/versions").status_code == 404


def test_malformed_references_are_refused_clearly(rest: httpx.Client) -> None:
    subject = unique_subject("order")
    cases: list[dict[str, Any]] = [
        {"references": "address.json"},
        {"references": [{"name": "", "subject": "a", "version": 1}]},
        {"references": [{"name": "a", "subject": "a", "version": 0}]},
        {"references": [{"name": "a", "subject": "a", "version": "1"}]},
        {"references": [_ref("a", 1), _ref("b", 1)]},
    ]
    for extra in cases:
        answer = rest.post(f"/subjects/{subject}/versions", json=schema_body(ORDER, **extra))
        assert answer.status_code == 422, (extra, answer.text)
        assert answer.json()["message"], extra


def test_a_referenced_version_cannot_be_deleted(
    rest: httpx.Client, registry_client: SchemaRegistryClient
) -> None:
    addresses, orders = unique_subject("address"), unique_subject("order")
    registry_client.register_schema(addresses, Schema(_address(), "JSON"))
    reference = SchemaReference("address.json", addresses, 1)
    registry_client.register_schema(orders, Schema(ORDER, "JSON", references=[reference]))

    for delete in (
        lambda: registry_client.delete_version(addresses, 1),
        lambda: registry_client.delete_subject(addresses),
    ):
        try:
            delete()
        except SchemaRegistryError as error:
            assert error.error_code == 42206
            assert orders in error.error_message
        else:
            raise AssertionError("a referenced version was deleted")
    assert registry_client.get_versions(addresses) == [1]

    # Once the referring version is only soft-deleted, a soft delete may go ahead, but a
    # permanent one may not: the referrer could still be restored by an import.
    registry_client.delete_subject(orders)
    assert registry_client.delete_version(addresses, 1) == 1
    permanent = rest.delete(f"/subjects/{addresses}/versions/1?permanent=true")
    assert permanent.status_code == 422
    assert permanent.json()["error_code"] == 42206
    registry_client.delete_subject(orders, permanent=True)
    assert registry_client.delete_subject(addresses, permanent=True) == [1]


def test_version_minus_one_names_the_latest_version_and_is_stored_as_it(
    rest: httpx.Client,
) -> None:
    addresses, orders = unique_subject("address"), unique_subject("order")
    rest.put(f"/config/{addresses}", json={"compatibility": "NONE"})
    rest.post(f"/subjects/{addresses}/versions", json=schema_body(_address()))
    rest.post(f"/subjects/{addresses}/versions", json=schema_body(_address("city")))

    answer = rest.post(
        f"/subjects/{orders}/versions", json=schema_body(ORDER, references=[_ref(addresses, -1)])
    )

    assert answer.status_code == 200, answer.text
    shown = rest.get(f"/subjects/{orders}/versions/1").json()
    assert shown["references"] == [_ref(addresses, 2)]


def test_reference_names_with_control_characters_are_refused(rest: httpx.Client) -> None:
    addresses, orders = unique_subject("address"), unique_subject("order")
    rest.post(f"/subjects/{addresses}/versions", json=schema_body(_address()))

    for name in ("address\u0000.json", "address\n.json"):
        reference = {"name": name, "subject": addresses, "version": 1}
        answer = rest.post(
            f"/subjects/{orders}/versions", json=schema_body(ORDER, references=[reference])
        )
        assert answer.status_code == 422, answer.text
        assert "control character" in answer.json()["message"]


def test_one_schema_referring_to_a_version_twice_is_listed_once(rest: httpx.Client) -> None:
    addresses, orders = unique_subject("address"), unique_subject("order")
    rest.post(f"/subjects/{addresses}/versions", json=schema_body(_address()))
    twice = json.dumps(
        {
            "$schema": DRAFT_07,
            "properties": {"a": {"$ref": "a.json"}, "b": {"$ref": "b.json"}},
        }
    )
    refs = [
        {"name": "a.json", "subject": addresses, "version": 1},
        {"name": "b.json", "subject": addresses, "version": 1},
    ]
    order_id = rest.post(
        f"/subjects/{orders}/versions", json=schema_body(twice, references=refs)
    ).json()["id"]

    assert rest.get(f"/subjects/{addresses}/versions/1/referencedby").json() == [order_id]
    refused = rest.delete(f"/subjects/{addresses}/versions/1").json()["message"]
    assert refused.count(orders) == 1


def test_referencedby_answers_for_a_soft_deleted_version_and_lists_deleted_referrers(
    rest: httpx.Client,
) -> None:
    addresses, orders = unique_subject("address"), unique_subject("order")
    rest.post(f"/subjects/{addresses}/versions", json=schema_body(_address()))
    order_id = rest.post(
        f"/subjects/{orders}/versions", json=schema_body(ORDER, references=[_ref(addresses, 1)])
    ).json()["id"]
    rest.delete(f"/subjects/{orders}")
    rest.delete(f"/subjects/{addresses}/versions/1")

    live = rest.get(f"/subjects/{addresses}/versions/1/referencedby")
    with_deleted = rest.get(f"/subjects/{addresses}/versions/1/referencedby?deleted=true")

    assert live.status_code == 200 and live.json() == []
    assert with_deleted.json() == [order_id]
