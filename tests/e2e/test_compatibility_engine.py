"""The compatibility engine through the running server: records for every earlier
version under a transitive level, for the keyword families decided by name, branch and
pattern, and the same answer when the same candidate is checked again."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.conftest import GraphQLHttp, unique_subject

CHECK = """
query Check($subject: String!, $schema: String!) {
  checkCompatibility(subject: $subject, schema: $schema) {
    isCompatible level
    incompatibilities { code message oldPath newPath direction version }
  }
}
"""
REGISTER = """
mutation($s: String!, $x: String!) { registerSchema(subject: $s, schema: $x) { id version } }
"""


def search_tool(*, mode_values: list[str], extra: dict[str, Any] | None = None) -> str:
    """A strict-mode LLM tool: closed, every property required, nullable instead of optional."""
    properties: dict[str, Any] = {
        "mode": {"enum": mode_values},
        "query": {"type": ["string", "null"]},
        **(extra or {}),
    }
    return json.dumps(
        {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }
    )


async def test_a_conditional_added_to_a_tool_is_reported_for_every_earlier_version(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("engine")
    await gql_http.set_compatibility(subject, "NONE")
    await gql_http.register(subject, search_tool(mode_values=["search", "browse"]))
    await gql_http.register(
        subject, search_tool(mode_values=["search", "browse"], extra={"limit": {"type": "integer"}})
    )
    await gql_http.set_compatibility(subject, "FULL_TRANSITIVE")
    # When mode is "search" the query may no longer be null: old calls with a null query
    # in search mode would be rejected.
    candidate = json.loads(
        search_tool(mode_values=["search", "browse"], extra={"limit": {"type": "integer"}})
    )
    candidate["if"] = {"properties": {"mode": {"const": "search"}}}
    candidate["then"] = {"properties": {"query": {"type": "string"}}}

    first = (await gql_http.data(CHECK, {"subject": subject, "schema": json.dumps(candidate)}))[
        "checkCompatibility"
    ]
    again = (await gql_http.data(CHECK, {"subject": subject, "schema": json.dumps(candidate)}))[
        "checkCompatibility"
    ]
    refused = await gql_http.error(REGISTER, {"s": subject, "x": json.dumps(candidate)})

    assert first["isCompatible"] is False
    assert first["level"] == "FULL_TRANSITIVE"
    backward = [i for i in first["incompatibilities"] if i["direction"] == "BACKWARD"]
    # Version 1 lacks "limit" (a closed model gaining a required property breaks it too);
    # the conditional breaks both versions.
    assert {i["version"] for i in backward} == {1, 2}
    conditional = [i for i in backward if i["newPath"].startswith("#/then")]
    assert {i["version"] for i in conditional} == {1, 2}
    assert all(i["code"] == "TYPE_NARROWED" for i in conditional)
    assert all("query" in i["message"] for i in conditional)
    assert sorted(map(json.dumps, again["incompatibilities"])) == sorted(
        map(json.dumps, first["incompatibilities"])
    )
    assert refused["extensions"]["code"] == "INCOMPATIBLE_SCHEMA"
    assert sorted(map(json.dumps, refused["extensions"]["incompatibilities"])) == sorted(
        map(json.dumps, first["incompatibilities"])
    )


async def test_pattern_properties_are_compared_by_name_over_graphql(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("engine")
    await gql_http.set_compatibility(subject, "BACKWARD_TRANSITIVE")
    labels = {
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "patternProperties": {"^x-": {"type": "string"}},
        "additionalProperties": False,
    }
    await gql_http.register(subject, json.dumps(labels))
    widened = {**labels, "patternProperties": {"^x-": {"type": ["string", "integer"]}}}
    accepted = (await gql_http.data(REGISTER, {"s": subject, "x": json.dumps(widened)}))[
        "registerSchema"
    ]
    narrowed = {**labels, "patternProperties": {"^x-": {"type": "string", "maxLength": 8}}}
    check = (await gql_http.data(CHECK, {"subject": subject, "schema": json.dumps(narrowed)}))[
        "checkCompatibility"
    ]

    assert accepted["version"] == 2
    assert check["isCompatible"] is False
    found = {
        (i["code"], i["oldPath"], i["newPath"], i["version"]) for i in check["incompatibilities"]
    }
    assert (
        "MAX_LENGTH_DECREASED",
        "#/patternProperties/^x-",
        "#/patternProperties/^x-",
        1,
    ) in found
    assert ("TYPE_NARROWED", "#/patternProperties/^x-", "#/patternProperties/^x-", 2) in found
