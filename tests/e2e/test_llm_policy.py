"""The LLM policy through the running server: set on a subject with GraphQL, it lets a
strict-mode tool gain a nullable parameter under FULL (which STRICT refuses both ways),
and still refuses a new non-nullable one, whether the schema comes through GraphQL or
through the Confluent REST API (which has no policy setting of its own: the subject's
applies)."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.conftest import GraphQLHttp, unique_subject

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
SET = """
mutation Set($subject: String!, $policy: CompatibilityPolicy) {
  setCompatibility(subject: $subject, level: FULL, policy: $policy) {
    compatibility policy configuredPolicy
  }
}
"""
CHECK = """
query Check($subject: String!, $schema: String!) {
  checkCompatibility(subject: $subject, schema: $schema) {
    isCompatible policy incompatibilities { code direction newPath }
  }
}
"""
REGISTER = """
mutation($s: String!, $x: String!) { registerSchema(subject: $s, schema: $x) { version } }
"""


def tool(**properties: Any) -> str:
    """A strict-mode tool: closed, every property required."""
    return json.dumps(
        {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }
    )


LOCATION = {"type": "string"}
V1 = tool(location=LOCATION)
V2 = tool(location=LOCATION, units={"type": ["string", "null"]})
V3 = tool(location=LOCATION, units={"type": ["string", "null"]}, country={"type": "string"})


async def _set(gql_http: GraphQLHttp, subject: str, policy: str | None) -> dict[str, Any]:
    data = await gql_http.data(SET, {"subject": subject, "policy": policy})
    config: dict[str, Any] = data["setCompatibility"]
    return config


async def _check(gql_http: GraphQLHttp, subject: str, schema: str) -> dict[str, Any]:
    data = await gql_http.data(CHECK, {"subject": subject, "schema": schema})
    check: dict[str, Any] = data["checkCompatibility"]
    return check


async def test_a_nullable_parameter_is_accepted_under_llm_and_a_required_one_refused(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tools.llm")
    await _set(gql_http, subject, None)
    await gql_http.register(subject, V1)
    strict = await _check(gql_http, subject, V2)
    config = await _set(gql_http, subject, "LLM")
    llm = await _check(gql_http, subject, V2)
    registered = (await gql_http.data(REGISTER, {"s": subject, "x": V2}))["registerSchema"]
    refused = await gql_http.error(REGISTER, {"s": subject, "x": V3})

    assert config == {"compatibility": "FULL", "policy": "LLM", "configuredPolicy": "LLM"}
    assert strict["policy"] == "STRICT"
    assert {(i["code"], i["direction"]) for i in strict["incompatibilities"]} == {
        ("REQUIRED_PROPERTY_ADDED", "BACKWARD"),
        ("PROPERTY_REMOVED_FROM_CLOSED_MODEL", "FORWARD"),
    }
    assert (llm["isCompatible"], llm["policy"], llm["incompatibilities"]) == (True, "LLM", [])
    assert registered == {"version": 2}
    assert refused["extensions"]["code"] == "INCOMPATIBLE_SCHEMA"
    records = refused["extensions"]["incompatibilities"]
    assert [(r["code"], r["direction"], r["newPath"]) for r in records] == [
        ("REQUIRED_PROPERTY_ADDED", "BACKWARD", "#/properties/country")
    ]


async def test_the_confluent_rest_api_registers_under_the_subjects_llm_policy(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tools.llm-rest")
    base = f"{gql_http.server.url}/subjects/{subject}/versions"
    headers = {"Content-Type": CONTENT_TYPE}

    async def post(path: str, schema: str) -> Any:
        body = {"schemaType": "JSON", "schema": schema}
        return await gql_http.http.post(path, json=body, headers=headers)

    first = await post(base, V1)
    await _set(gql_http, subject, None)
    strict_check = await post(
        f"{gql_http.server.url}/compatibility/subjects/{subject}/versions/latest", V2
    )
    await _set(gql_http, subject, "LLM")
    llm_check = await post(
        f"{gql_http.server.url}/compatibility/subjects/{subject}/versions/latest", V2
    )
    accepted = await post(base, V2)
    refused = await post(base, V3)

    assert first.status_code == 200, first.text
    assert strict_check.json()["is_compatible"] is False
    assert llm_check.json()["is_compatible"] is True
    assert accepted.status_code == 200, accepted.text
    versions = await gql_http.http.get(base)
    assert versions.json() == [1, 2]
    assert (refused.status_code, refused.json()["error_code"]) == (409, 409), refused.text
    assert "country" in refused.text
