"""Regular expressions from schemas through the running server: catastrophic patterns
answer at once (they run in a linear-time engine) and correctly, and patterns that engine
cannot run are refused where they are submitted.

A backtracking engine needs about 2**n steps for ``^(a+)+$`` against n letters ``a``
followed by ``!``: 26 letters took 4.6 s a request (and held ``/healthz`` as long), so the
5,000 used here would never finish within the timeout.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import GraphQLHttp, unique_subject

CHECK = """
query Check($subject: String!, $schema: String!) {
  checkCompatibility(subject: $subject, schema: $schema) {
    isCompatible incompatibilities { code newPath }
  }
}
"""
REGISTER = """
mutation($subject: String!, $schema: String!) {
  registerSchema(subject: $subject, schema: $schema) { id version }
}
"""
CATASTROPHIC = "^(a+)+$"
NAME = "a" * 5_000 + "!"
NOT_LINEAR = "backreferences and lookaround are not supported: patterns run in a linear-time engine"

# A property whose name the pattern is tried on, and a pattern property added beside it.
NAMED_BEFORE = {"type": "object", "properties": {NAME: {"type": "string"}}}
NAMED_AFTER = {**NAMED_BEFORE, "patternProperties": {CATASTROPHIC: {"type": "integer"}}}
# A listed value the pattern is tried on.
LISTED_BEFORE = {"type": "string", "enum": [NAME, "aaa"]}
LISTED_AFTER = {**LISTED_BEFORE, "pattern": CATASTROPHIC}


async def _check(gql_http: GraphQLHttp, subject: str, schema: object) -> dict[str, Any]:
    data = await gql_http.data(CHECK, {"subject": subject, "schema": json.dumps(schema)})
    report: dict[str, Any] = data["checkCompatibility"]
    return report


@pytest.mark.timeout(60)
async def test_a_catastrophic_pattern_property_is_checked_at_once_and_health_answers(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("regex")
    await gql_http.register(subject, json.dumps(NAMED_BEFORE))

    report, health = await asyncio.gather(
        _check(gql_http, subject, NAMED_AFTER),
        gql_http.http.get(f"{gql_http.server.url}/healthz"),
    )

    # The name does not match (it ends in "!"), so the pattern constrains only other
    # names, which the open writer may carry with any value.
    assert report == {
        "isCompatible": False,
        "incompatibilities": [
            {
                "code": "PROPERTY_ADDED_TO_OPEN_MODEL",
                "newPath": f"#/patternProperties/{CATASTROPHIC}",
            }
        ],
    }
    assert health.status_code == 200


@pytest.mark.timeout(60)
async def test_a_catastrophic_pattern_beside_an_enum_is_checked_at_once(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("regex")
    await gql_http.register(subject, json.dumps(LISTED_BEFORE))

    report = await _check(gql_http, subject, LISTED_AFTER)

    # "aaa" matches; the long value does not: documents holding it would be rejected.
    assert report == {
        "isCompatible": False,
        "incompatibilities": [{"code": "PATTERN_CHANGED", "newPath": "#"}],
    }


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("before", "after", "code"),
    [
        (NAMED_BEFORE, NAMED_AFTER, "PROPERTY_ADDED_TO_OPEN_MODEL"),
        (LISTED_BEFORE, LISTED_AFTER, "PATTERN_CHANGED"),
    ],
    ids=["pattern-property", "pattern-beside-enum"],
)
async def test_registering_a_catastrophic_pattern_is_decided_at_once(
    gql_http: GraphQLHttp, before: object, after: object, code: str
) -> None:
    subject = unique_subject("regex")
    await gql_http.register(subject, json.dumps(before))

    error = await gql_http.error(REGISTER, {"subject": subject, "schema": json.dumps(after)})
    assert error["extensions"]["code"] == "INCOMPATIBLE_SCHEMA"
    assert [item["code"] for item in error["extensions"]["incompatibilities"]] == [code]

    # Where the level allows it, the same schema is stored, and reading it back is instant.
    await gql_http.set_compatibility(subject, "NONE")
    registered = await gql_http.register(subject, json.dumps(after))
    assert registered["version"] == 2


@pytest.mark.parametrize(
    ("schema", "pointer", "pattern"),
    [
        ({"type": "string", "pattern": "^(?!tmp-).+"}, "#/pattern", "^(?!tmp-).+"),
        (
            {"type": "object", "patternProperties": {"^(\\w)\\1": {"type": "string"}}},
            "#/patternProperties/^(\\w)\\1",
            "^(\\w)\\1",
        ),
        (
            {"type": "object", "propertyNames": {"pattern": "(?<=_)id$"}},
            "#/propertyNames/pattern",
            "(?<=_)id$",
        ),
    ],
    ids=["lookahead", "backreference", "lookbehind-in-propertyNames"],
)
async def test_patterns_the_engine_cannot_run_are_refused_naming_them_where_they_are(
    gql_http: GraphQLHttp, schema: object, pointer: str, pattern: str
) -> None:
    subject = unique_subject("regex")
    await gql_http.register(subject, json.dumps({"type": "object"}))
    expected = f"Pattern '{pattern}' at {pointer} is refused: {NOT_LINEAR}."
    variables = {"subject": subject, "schema": json.dumps(schema)}

    for document in (CHECK, REGISTER):
        error = await gql_http.error(document, variables)
        assert error["extensions"]["code"] == "INVALID_SCHEMA"
        assert expected in error["message"]


async def test_the_rest_api_refuses_them_too(gql_http: GraphQLHttp) -> None:
    subject = unique_subject("regex")
    async with httpx.AsyncClient(base_url=gql_http.server.url) as rest:
        response = await rest.post(
            f"/subjects/{subject}/versions",
            json={"schemaType": "JSON", "schema": json.dumps({"pattern": "(?=x)"})},
        )
    assert response.status_code == 422
    body = response.json()
    assert body["error_code"] == 42201
    assert f"Pattern '(?=x)' at #/pattern is refused: {NOT_LINEAR}." in body["message"]
