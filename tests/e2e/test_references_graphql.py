"""References and the default dialect through GraphQL: registerSchema with references,
each version's references and referencedBy, and the dialect setting in config."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.conftest import GraphQLHttp, unique_subject

DRAFT_07 = "http://json-schema.org/draft-07/schema"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
ADDRESS = json.dumps({"type": "object", "properties": {"city": {"type": "string"}}})
ORDER = json.dumps(
    {"type": "object", "properties": {"id": {"type": "string"}, "shipTo": {"$ref": "addr.json"}}}
)
# Array-form items: a tuple in draft-07, not a valid schema in 2020-12.
TUPLE = json.dumps({"type": "array", "items": [{"type": "string"}, {"type": "integer"}]})

REGISTER = """
mutation($s: String!, $x: String!, $refs: [SchemaReferenceInput!]) {
  registerSchema(subject: $s, schema: $x, references: $refs) {
    id version references { name subject version }
  }
}
"""
VERSION = """
query($s: String!) {
  subject(name: $s) {
    latest {
      version references { name subject version }
      referencedBy { subject version id }
    }
  }
}
"""
SET_DIALECT = """
mutation($s: String, $d: String) {
  setCompatibility(subject: $s, dialect: $d) { subject dialect configuredDialect compatibility }
}
"""
CONFIG = "query($s: String) { config(subject: $s) { dialect configuredDialect } }"


async def _register(
    gql_http: GraphQLHttp, subject: str, text: str, refs: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    data = await gql_http.data(REGISTER, {"s": subject, "x": text, "refs": refs})
    result: dict[str, Any] = data["registerSchema"]
    return result


async def test_a_version_shows_its_references_and_who_refers_to_it(
    gql_http: GraphQLHttp,
) -> None:
    addresses, orders = unique_subject("addr"), unique_subject("order")
    await _register(gql_http, addresses, ADDRESS)
    ref = {"name": "addr.json", "subject": addresses, "version": 1}

    order = await _register(gql_http, orders, ORDER, [ref])

    assert order["references"] == [ref]
    address = (await gql_http.data(VERSION, {"s": addresses}))["subject"]["latest"]
    assert address["references"] == []
    assert address["referencedBy"] == [{"subject": orders, "version": 1, "id": order["id"]}]
    shown = (await gql_http.data(VERSION, {"s": orders}))["subject"]["latest"]
    assert shown["references"] == [ref]


async def test_an_unresolvable_reference_is_refused_and_nothing_is_stored(
    gql_http: GraphQLHttp,
) -> None:
    orders = unique_subject("order")
    missing = {"name": "addr.json", "subject": unique_subject("nobody"), "version": 3}

    error = await gql_http.error(REGISTER, {"s": orders, "x": ORDER, "refs": [missing]})

    assert error["extensions"]["code"] == "INVALID_SCHEMA"
    assert missing["subject"] in error["message"]
    assert (await gql_http.data(VERSION, {"s": orders}))["subject"] is None


async def test_deleting_a_referenced_version_is_refused_naming_the_referrer(
    gql_http: GraphQLHttp,
) -> None:
    addresses, orders = unique_subject("addr"), unique_subject("order")
    await _register(gql_http, addresses, ADDRESS)
    await _register(
        gql_http, orders, ORDER, [{"name": "addr.json", "subject": addresses, "version": 1}]
    )

    error = await gql_http.error(
        "mutation($s: String!) { deleteSchemaVersion(subject: $s, version: 1) }", {"s": addresses}
    )

    assert error["extensions"]["code"] == "SCHEMA_REFERENCED"
    assert orders in error["message"]


async def test_the_default_dialect_is_draft_07_and_can_be_set_per_subject(
    gql_http: GraphQLHttp,
) -> None:
    tuples, modern = unique_subject("tuple"), unique_subject("modern")
    assert (await gql_http.data(CONFIG, {"s": tuples}))["config"] == {
        "dialect": DRAFT_07,
        "configuredDialect": None,
    }

    set_ = (await gql_http.data(SET_DIALECT, {"s": modern, "d": DRAFT_2020_12 + "#"}))[
        "setCompatibility"
    ]

    assert set_["dialect"] == set_["configuredDialect"] == DRAFT_2020_12
    # Setting only the dialect leaves the level inherited.
    assert set_["compatibility"] == "BACKWARD"
    await _register(gql_http, tuples, TUPLE)
    error = await gql_http.error(REGISTER, {"s": modern, "x": TUPLE, "refs": None})
    assert error["extensions"]["code"] == "INVALID_SCHEMA"
    removed = (await gql_http.data(SET_DIALECT, {"s": modern, "d": None}))["setCompatibility"]
    assert removed["configuredDialect"] is None
    assert removed["dialect"] == DRAFT_07


async def test_an_unknown_dialect_is_refused(gql_http: GraphQLHttp) -> None:
    error = await gql_http.error(
        SET_DIALECT, {"s": unique_subject("d"), "d": "http://example.com/my-schema"}
    )

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "draft-07" in error["message"]
