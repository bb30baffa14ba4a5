"""validatePayload and validatePayloads through GraphQL on a real server: each format
(JSON Schema, Avro's JSON encoding, ProtoJSON), references, versions, and the bounds on
what one request may ask."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import WAIT, GraphQLHttp, new_server, sqlite_file_url, unique_subject
from tests.support.server import ServerProcess

REGISTER = """
mutation($s: String!, $x: String!, $f: SchemaFormat!, $refs: [SchemaReferenceInput!]) {
  registerSchema(subject: $s, schema: $x, format: $f, references: $refs) { version }
}
"""
VALIDATE = """
query($s: String!, $v: Int, $p: JSON!, $m: String) {
  validatePayload(subject: $s, version: $v, payload: $p, messageName: $m) {
    valid subject version errors { instancePath schemaPath keyword message }
  }
}
"""
VALIDATE_MANY = """
query($s: String!, $v: Int, $p: [JSON!]!) {
  validatePayloads(subject: $s, version: $v, payloads: $p) {
    valid version errors { instancePath schemaPath keyword }
  }
}
"""

TOOL = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
    "required": ["city"],
    "additionalProperties": False,
}
USER = {
    "type": "record",
    "name": "User",
    "namespace": "acme",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "email", "type": ["null", "string"], "default": None},
    ],
}
ORDER_PROTO = """
syntax = "proto3";
package shop;
message Order {
  string id = 1;
  repeated Line lines = 2;
  message Line { int32 qty = 1; }
}
message Refund { string order_id = 1; }
"""


async def register(
    gql: GraphQLHttp,
    subject: str,
    schema: str,
    format: str = "JSON",
    references: list[dict[str, Any]] | None = None,
) -> int:
    data = await gql.data(REGISTER, {"s": subject, "x": schema, "f": format, "refs": references})
    return int(data["registerSchema"]["version"])


async def validate(gql: GraphQLHttp, subject: str, payload: object, **more: Any) -> dict[str, Any]:
    data = await gql.data(VALIDATE, {"s": subject, "p": payload, **more})
    result: dict[str, Any] = data["validatePayload"]
    return result


def pointers(result: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(e["instancePath"], e["schemaPath"], e["keyword"]) for e in result["errors"]]


async def test_a_json_payload_is_checked_against_the_latest_or_a_named_version(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tools")
    await register(gql_http, subject, json.dumps(TOOL))
    relaxed = {**TOOL, "additionalProperties": True}
    assert await register(gql_http, subject, json.dumps(relaxed)) == 2
    extra = {"city": "Oslo", "units": "C"}

    good = await validate(gql_http, subject, {"city": "Oslo", "days": 2})
    latest = await validate(gql_http, subject, extra)
    first = await validate(gql_http, subject, extra, v=1)
    bad = await validate(gql_http, subject, {"days": 0}, v=1)

    assert good == {"valid": True, "subject": subject, "version": 2, "errors": []}
    assert (latest["valid"], latest["version"]) == (True, 2)
    assert (first["valid"], first["version"]) == (False, 1)
    assert pointers(first) == [("", "/additionalProperties", "additionalProperties")]
    assert sorted(pointers(bad)) == [
        ("", "/required", "required"),
        ("/days", "/properties/days/minimum", "minimum"),
    ]
    assert all(e["message"] for e in bad["errors"])


async def test_an_avro_payload_is_checked_in_avros_json_encoding(gql_http: GraphQLHttp) -> None:
    subject = unique_subject("users")
    await register(gql_http, subject, json.dumps(USER), "AVRO")

    good = await validate(gql_http, subject, {"id": 7, "email": {"string": "a@b.c"}})
    bare = await validate(gql_http, subject, {"id": 7, "email": "a@b.c"})
    wrong = await validate(gql_http, subject, {"id": "7", "email": None})

    assert good["valid"] is True
    assert pointers(bare) == [("/email", "/fields/1/type", "union")]
    assert pointers(wrong) == [("/id", "/fields/0/type", "type")]


async def test_a_protobuf_payload_is_checked_as_protojson_for_the_message_named(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("orders")
    await register(gql_http, subject, ORDER_PROTO, "PROTOBUF")

    first = await validate(gql_http, subject, {"id": "o-1", "lines": [{"qty": 1}, {"qty": "x"}]})
    refund = await validate(gql_http, subject, {"orderId": "o-1"}, m="Refund")
    as_order = await validate(gql_http, subject, {"orderId": "o-1"})
    unknown = await gql_http.error(VALIDATE, {"s": subject, "p": {}, "m": "Invoice"})

    assert pointers(first) == [("/lines/1/qty", "shop.Order.Line.qty", "type")]
    assert refund["valid"] is True
    assert pointers(as_order) == [("/orderId", "shop.Order", "field")]
    assert unknown["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Refund" in unknown["message"]


@pytest.mark.parametrize(
    ("format", "referenced", "referring", "good", "bad", "where"),
    [
        (
            "JSON",
            json.dumps({"type": "object", "properties": {"zip": {"type": "string"}}}),
            json.dumps({"properties": {"to": {"$ref": "address.json"}}}),
            {"to": {"zip": "0150"}},
            {"to": {"zip": 150}},
            # Read in the server's default dialect, draft-07: bundled under definitions.
            ("/to/zip", "/definitions/address.json/properties/zip/type", "type"),
        ),
        (
            "AVRO",
            json.dumps(
                {"type": "record", "name": "Money", "fields": [{"name": "cents", "type": "long"}]}
            ),
            json.dumps(
                {"type": "record", "name": "Invoice", "fields": [{"name": "t", "type": "Money"}]}
            ),
            {"t": {"cents": 5}},
            {"t": {"cents": 5.5}},
            ("/t/cents", "/fields/0/type/fields/0/type", "type"),
        ),
        (
            "PROTOBUF",
            'syntax = "proto3";\npackage fin;\nmessage Money { int64 cents = 1; }\n',
            'syntax = "proto3";\nimport "money.proto";\nmessage Invoice { fin.Money t = 1; }\n',
            {"t": {"cents": "5"}},
            {"t": {"cents": "five"}},
            ("/t/cents", "fin.Money.cents", "type"),
        ),
    ],
)
async def test_a_schema_with_references_checks_what_they_define(
    gql_http: GraphQLHttp,
    format: str,
    referenced: str,
    referring: str,
    good: object,
    bad: object,
    where: tuple[str, str, str],
) -> None:
    base, subject = unique_subject("ref"), unique_subject("referring")
    name = {"JSON": "address.json", "AVRO": "Money", "PROTOBUF": "money.proto"}[format]
    await register(gql_http, base, referenced, format)
    refs = [{"name": name, "subject": base, "version": 1}]
    await register(gql_http, subject, referring, format, refs)

    assert (await validate(gql_http, subject, good))["valid"] is True
    assert pointers(await validate(gql_http, subject, bad)) == [where]


async def test_a_batch_is_answered_in_order_against_one_version(gql_http: GraphQLHttp) -> None:
    subject = unique_subject("batch")
    await register(gql_http, subject, json.dumps(TOOL))
    payloads = [{"city": "Oslo"}, {"city": 5}, {"city": "Rome", "days": 3}, "text"]

    data = await gql_http.data(VALIDATE_MANY, {"s": subject, "p": payloads})
    empty = await gql_http.data(VALIDATE_MANY, {"s": subject, "p": []})

    results = data["validatePayloads"]
    assert [r["valid"] for r in results] == [True, False, True, False]
    assert {r["version"] for r in results} == {1}
    assert [e["instancePath"] for e in results[1]["errors"]] == ["/city"]
    assert [e["keyword"] for e in results[3]["errors"]] == ["type"]
    assert empty["validatePayloads"] == []


@pytest.mark.parametrize(
    ("subject_kind", "version", "code"),
    [
        ("missing", None, "SUBJECT_NOT_FOUND"),
        ("missing", 1, "SUBJECT_NOT_FOUND"),
        ("existing", 9, "VERSION_NOT_FOUND"),
        ("existing", 0, "BAD_USER_INPUT"),
    ],
)
async def test_an_unknown_subject_or_version_is_a_clear_error(
    gql_http: GraphQLHttp, subject_kind: str, version: int | None, code: str
) -> None:
    subject = unique_subject("missing")
    if subject_kind == "existing":
        await register(gql_http, subject, json.dumps(TOOL))

    error = await gql_http.error(VALIDATE, {"s": subject, "v": version, "p": {}})

    assert error["extensions"]["code"] == code


async def test_a_soft_deleted_version_is_not_validated_against(gql_http: GraphQLHttp) -> None:
    subject = unique_subject("deleted")
    await register(gql_http, subject, json.dumps(TOOL))
    await gql_http.data(
        "mutation($s: String!) { deleteSchemaVersion(subject: $s, version: 1) }", {"s": subject}
    )

    error = await gql_http.error(VALIDATE, {"s": subject, "v": 1, "p": {}})
    latest = await gql_http.error(VALIDATE, {"s": subject, "p": {}})

    assert error["extensions"]["code"] == "VERSION_NOT_FOUND"
    assert latest["extensions"]["code"] == "SUBJECT_NOT_FOUND"


# ---- bounds: a server whose schema (and so payload) limit is 4 KiB -------------------

LIMIT = 4096


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("small")
    server = new_server(
        sqlite_file_url(directory),
        directory / "server.log",
        REGISTRY_MAX_SCHEMA_BYTES=str(LIMIT),
        REGISTRY_MAX_REQUEST_BYTES=str(64 * 1024),
    ).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def small(small_server: ServerProcess) -> AsyncIterator[GraphQLHttp]:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        yield GraphQLHttp(client, small_server)


def nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


async def test_a_payload_over_the_limit_is_refused_and_one_at_it_is_checked(
    small: GraphQLHttp,
) -> None:
    subject = unique_subject("bounds")
    await register(small, subject, json.dumps({"type": "string"}))
    at_limit = "x" * (LIMIT - 2)  # the quotes make it LIMIT bytes

    accepted = await validate(small, subject, at_limit)
    refused = await small.error(VALIDATE, {"s": subject, "p": at_limit + "x"})

    assert accepted["valid"] is True
    assert refused["extensions"]["code"] == "BAD_USER_INPUT"
    assert f"the limit is {LIMIT} bytes" in refused["message"]


async def test_a_batch_is_bounded_in_count_and_in_total_size(small: GraphQLHttp) -> None:
    subject = unique_subject("bounds")
    await register(small, subject, json.dumps({"type": "string"}))

    hundred = await small.data(VALIDATE_MANY, {"s": subject, "p": ["a"] * 100})
    too_many = await small.error(VALIDATE_MANY, {"s": subject, "p": ["a"] * 101})
    too_large = await small.error(VALIDATE_MANY, {"s": subject, "p": ["x" * 1500] * 3})

    assert len(hundred["validatePayloads"]) == 100
    assert too_many["extensions"]["code"] == "BAD_USER_INPUT"
    assert "At most 100 payloads" in too_many["message"]
    assert too_large["extensions"]["code"] == "BAD_USER_INPUT"
    assert "together" in too_large["message"]


async def test_a_deeply_nested_payload_is_refused_before_any_validator_reads_it(
    small: GraphQLHttp,
) -> None:
    subject = unique_subject("bounds")
    await register(small, subject, json.dumps({"items": {"$ref": "#"}}))

    shallow = await validate(small, subject, nested(100))
    deep = await small.error(VALIDATE, {"s": subject, "p": nested(500)})

    assert shallow["valid"] is True
    assert deep["extensions"]["code"] == "BAD_USER_INPUT"
    assert "nested more than" in deep["message"]


async def test_nesting_past_what_json_parsers_recurse_is_refused_and_serving_goes_on(
    small: GraphQLHttp,
) -> None:
    subject = unique_subject("bounds")
    await register(small, subject, json.dumps({"type": "integer"}))
    deep = "[" * 5000 + "1" + "]" * 5000
    head = json.dumps({"query": VALIDATE, "variables": {"s": subject, "p": None}})
    body = head.replace('"p": null', f'"p": {deep}')

    response = await small.http.post(
        small.server.graphql_url, content=body, headers={"content-type": "application/json"}
    )
    after = await validate(small, subject, 3)

    assert response.status_code < 500, response.text
    # Deeper than the request's JSON parser goes: refused as a malformed request.
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert after["valid"] is True
