"""The REST API over HTTP: Confluent's codes and shapes, one core with GraphQL."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    DELETE_SUBJECT,
    DELETE_VERSION,
    GraphQLHttp,
    Subscription,
    unique_subject,
)
from tests.e2e.rest.conftest import CONTENT_TYPE, json_schema, schema_body
from tests.support.server import ServerProcess

V1 = json_schema({"city": "string"}, ["city"])
V2 = json_schema({"city": "string", "unit": "string"}, ["city"])
V2_BREAKING = json_schema({"city": "string", "unit": "string"}, ["city", "unit"])


def _register(rest: httpx.Client, subject: str, text: str) -> int:
    response = rest.post(f"/subjects/{subject}/versions", json=schema_body(text))
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


def _error(response: httpx.Response) -> tuple[int, int]:
    assert response.headers["content-type"] == CONTENT_TYPE
    body = response.json()
    # A refused registration also carries this registry's incompatibility records.
    extra = {"incompatibilities"} if response.status_code == 409 else set()
    assert set(body) == {"error_code", "message"} | extra and body["message"], body
    return response.status_code, body["error_code"]


def test_errors_carry_confluents_status_and_error_code(rest: httpx.Client) -> None:
    subject, missing = unique_subject("err"), unique_subject("missing")
    _register(rest, subject, V1)
    cases: list[tuple[httpx.Response, tuple[int, int]]] = [
        (rest.get(f"/subjects/{missing}/versions"), (404, 40401)),
        (rest.get(f"/subjects/{subject}/versions/7"), (404, 40402)),
        (rest.get("/schemas/ids/999999"), (404, 40403)),
        (rest.post(f"/subjects/{subject}", json=schema_body(V2)), (404, 40403)),
        (rest.post(f"/subjects/{subject}/versions", json=schema_body(V2_BREAKING)), (409, 409)),
        (rest.post(f"/subjects/{subject}/versions", json=schema_body("{")), (422, 42201)),
        (rest.post(f"/subjects/{subject}/versions", json={"schema": V1}), (422, 42201)),
        (rest.get(f"/subjects/{subject}/versions/0"), (422, 42202)),
        (rest.get(f"/subjects/{subject}/versions/one"), (422, 42202)),
        (rest.put("/config", json={"compatibility": "SIDEWAYS"}), (422, 42203)),
        (rest.put("/mode", json={"mode": "WRITEONLY"}), (422, 42204)),
        (rest.get(f"/config/{subject}"), (404, 40408)),
        (rest.get(f"/mode/{subject}"), (404, 40409)),
        (rest.delete(f"/subjects/{subject}?permanent=true"), (404, 40405)),
        (rest.delete(f"/subjects/{subject}/versions/1?permanent=true"), (404, 40407)),
        (rest.post(f"/subjects/{subject}/versions", json=schema_body(V2, id=4242)), (422, 42205)),
        (rest.get("/no/such/path"), (404, 404)),
    ]
    assert [_error(response) for response, _ in cases] == [expected for _, expected in cases]


def test_soft_deleting_twice_answers_confluents_soft_deleted_codes(rest: httpx.Client) -> None:
    subject = unique_subject("soft")
    _register(rest, subject, V1)
    _register(rest, subject, V2)
    assert rest.delete(f"/subjects/{subject}/versions/2").json() == 2
    assert _error(rest.delete(f"/subjects/{subject}/versions/2")) == (404, 40406)
    assert rest.get(f"/subjects/{subject}/versions?deleted=true").json() == [1, 2]
    assert rest.delete(f"/subjects/{subject}/versions/latest?permanent=true").json() == 2
    _register(rest, subject, V2)
    assert rest.delete(f"/subjects/{subject}").json() == [1, 2]
    assert _error(rest.delete(f"/subjects/{subject}")) == (404, 40404)
    assert subject in rest.get("/subjects?deleted=true").json()
    assert subject not in rest.get("/subjects").json()


@pytest.mark.parametrize(
    "content_type",
    [
        "application/vnd.schemaregistry.v1+json",
        "application/vnd.schemaregistry+json",
        "application/json",
    ],
)
def test_every_confluent_content_type_is_accepted(rest: httpx.Client, content_type: str) -> None:
    subject = unique_subject("ct")
    response = rest.post(
        f"/subjects/{subject}/versions",
        content=json.dumps(schema_body(V1)),
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == CONTENT_TYPE
    version = rest.get(f"/subjects/{subject}/versions/latest").json()
    assert version == {
        "subject": subject,
        "version": 1,
        "id": response.json()["id"],
        "schema": version["schema"],
        "schemaType": "JSON",
    }
    assert json.loads(version["schema"]) == json.loads(V1)


def test_reads_by_id_list_subjects_versions_and_the_raw_schema(rest: httpx.Client) -> None:
    first, second = unique_subject("ids"), unique_subject("ids")
    text = json.dumps({**json.loads(V1), "title": first})
    schema_id = _register(rest, first, text)
    assert _register(rest, second, text) == schema_id
    assert rest.get(f"/schemas/ids/{schema_id}/subjects").json() == sorted([first, second])
    assert rest.get(f"/schemas/ids/{schema_id}/versions").json() == [
        {"subject": s, "version": 1} for s in sorted([first, second])
    ]
    assert json.loads(rest.get(f"/schemas/ids/{schema_id}/schema").text) == json.loads(text)
    assert rest.get(f"/schemas/ids/{schema_id}?subject={first}").status_code == 200
    assert _error(rest.get(f"/schemas/ids/{schema_id}?subject=elsewhere")) == (404, 40403)
    assert json.loads(rest.get(f"/subjects/{first}/versions/-1/schema").text) == json.loads(text)
    assert rest.get(f"/subjects/{first}/versions/1/referencedby").json() == []
    assert sorted(rest.get("/schemas/types").json()) == ["AVRO", "JSON", "PROTOBUF"]
    assert rest.get(f"/subjects?subjectPrefix={first}").json() == [first]


def test_a_verbose_compatibility_check_explains_what_broke(rest: httpx.Client) -> None:
    subject = unique_subject("compat")
    _register(rest, subject, V2)
    path = f"/compatibility/subjects/{subject}/versions"
    latest = rest.post(f"{path}/latest?verbose=true", json=schema_body(V2_BREAKING)).json()
    every = rest.post(path, json=schema_body(V2_BREAKING)).json()
    assert latest["is_compatible"] is False
    assert any("REQUIRED_PROPERTY_ADDED" in message for message in latest["messages"])
    assert [record["code"] for record in latest["incompatibilities"]] == ["REQUIRED_PROPERTY_ADDED"]
    assert every == {"is_compatible": False}
    assert rest.post(f"{path}/1", json=schema_body(V2)).json() == {"is_compatible": True}
    missing = unique_subject("compat")
    assert rest.post(
        f"/compatibility/subjects/{missing}/versions/latest", json=schema_body(V1)
    ).json() == {"is_compatible": True}
    assert _error(
        rest.post(f"/compatibility/subjects/{missing}/versions/1", json=schema_body(V1))
    ) == (404, 40402)


async def _changes_of(
    server: ServerProcess, subject: str, after: int, make_changes: Any
) -> list[dict[str, Any]]:
    async with Subscription(server.ws_url, {"subject": subject, "after": after}) as changes:
        count = await make_changes()
        events = await changes.take(count)
    return [
        {
            k: v
            for k, v in event.items()
            if k not in ("sequence", "subject", "id", "timestamp", "committedAt")
        }
        for event in events
    ]


async def test_changes_made_through_rest_raise_the_same_events_as_through_graphql(
    module_server: ServerProcess, gql_http: GraphQLHttp
) -> None:
    via_graphql, via_rest = unique_subject("parity"), unique_subject("parity")
    after = await gql_http.last_sequence()

    async def with_graphql() -> int:
        await gql_http.register(via_graphql, V1)
        await gql_http.register(via_graphql, V2)
        await gql_http.set_compatibility(via_graphql, "FULL")
        await gql_http.data(DELETE_VERSION, {"subject": via_graphql, "version": 2})
        await gql_http.data(DELETE_SUBJECT, {"subject": via_graphql})
        await gql_http.data(DELETE_SUBJECT, {"subject": via_graphql, "permanent": True})
        return 6

    async def with_rest() -> int:
        async with httpx.AsyncClient(base_url=module_server.url, timeout=10) as rest:
            for text in (V1, V2):
                await rest.post(f"/subjects/{via_rest}/versions", json=schema_body(text))
            await rest.put(f"/config/{via_rest}", json={"compatibility": "FULL"})
            await rest.delete(f"/subjects/{via_rest}/versions/2")
            await rest.delete(f"/subjects/{via_rest}")
            await rest.delete(f"/subjects/{via_rest}?permanent=true")
        return 6

    from_graphql = await _changes_of(module_server, via_graphql, after, with_graphql)
    from_rest = await _changes_of(module_server, via_rest, after, with_rest)
    assert [e["kind"] for e in from_rest] == [
        "REGISTERED",
        "REGISTERED",
        "CONFIG_CHANGED",
        "VERSION_DELETED",
        "SUBJECT_DELETED",
        "SUBJECT_DELETED",
    ]
    assert from_rest == from_graphql


async def test_read_only_mode_refuses_writes_through_graphql_too(
    module_server: ServerProcess, gql_http: GraphQLHttp
) -> None:
    subject = unique_subject("ro")
    async with httpx.AsyncClient(base_url=module_server.url, timeout=10) as rest:
        await rest.post(f"/subjects/{subject}/versions", json=schema_body(V1))
        set_mode = await rest.put(f"/mode/{subject}", json={"mode": "READONLY"})
        registration = await gql_http.error(
            "mutation($s: String!, $t: String!) { registerSchema(subject: $s, schema: $t) { id } }",
            {"s": subject, "t": V2},
        )
        deletion = await gql_http.error(DELETE_SUBJECT, {"subject": subject})
        rest_deletion = await rest.delete(f"/subjects/{subject}")
        versions = await rest.get(f"/subjects/{subject}/versions")
        removed = await rest.delete(f"/mode/{subject}")
        inherited = await rest.get(f"/mode/{subject}?defaultToGlobal=true")
    assert set_mode.json() == {"mode": "READONLY"}
    assert registration["extensions"]["code"] == "OPERATION_NOT_PERMITTED"
    assert deletion["extensions"]["code"] == "OPERATION_NOT_PERMITTED"
    assert _error(rest_deletion) == (422, 42205)
    assert versions.json() == [1]
    assert removed.json() == {"mode": "READONLY"}
    assert inherited.json() == {"mode": "READWRITE"}


def test_the_openapi_document_is_served_and_metrics_use_route_templates(
    rest: httpx.Client,
) -> None:
    subject = unique_subject("metrics")
    _register(rest, subject, V1)
    document = rest.get("/openapi.json").json()
    metrics = rest.get("/metrics").text
    assert document["openapi"].startswith("3.")
    assert "/subjects/{subject}/versions" in document["paths"]
    # Both ways credentials are sent, and none at all while authentication is off.
    schemes = document["components"]["securitySchemes"]
    assert {(s["type"], s["scheme"]) for s in schemes.values()} == {
        ("http", "basic"),
        ("http", "bearer"),
    }
    assert {} in document["security"]
    assert {name for option in document["security"] for name in option} == set(schemes)
    assert 'route="/subjects/{subject}/versions"' in metrics
    assert subject not in metrics


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", "/subjects", {"GET", "HEAD"}),
        ("PUT", "/schemas/types", {"GET", "HEAD"}),
        ("POST", "/healthz", {"GET", "HEAD"}),
        ("PATCH", "/config", {"GET", "PUT", "DELETE", "HEAD"}),
    ],
)
def test_a_wrong_method_answers_405_with_the_allowed_methods(
    module_server: ServerProcess, method: str, path: str, allowed: set[str]
) -> None:
    response = httpx.request(method, f"{module_server.url}{path}", timeout=10)

    assert response.status_code == 405
    assert response.json() == {"error_code": 405, "message": "Method Not Allowed"}
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed
