"""Each registration says how it changed the previous version (MAJOR / MINOR / PATCH under
STRICT, whatever the subject's own level), stored with the version, shown by GraphQL and
in the event, and listed per version by ``subject { changelog }``."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.conftest import GraphQLHttp, Subscription, unique_subject
from tests.support.server import ServerProcess

DRAFT_07 = "http://json-schema.org/draft-07/schema#"


def _tool(
    age: str = "integer", described: str = "Age in years", required: tuple[str, ...] = ("age",)
) -> str:
    return json.dumps(
        {
            "$schema": DRAFT_07,
            "type": "object",
            "properties": {
                "age": {"type": age, "description": described},
                "name": {"type": "string"},
            },
            "required": list(required),
        }
    )


V1 = _tool()
V2_PATCH = _tool(described="The age, in whole years")  # an annotation
V3_MINOR = _tool(age="number", described="The age, in whole years")  # widened
V4_MAJOR = _tool(age="number", described="The age, in whole years", required=("age", "name"))

REGISTER = """
mutation($s: String!, $x: String!) {
  registerSchema(subject: $s, schema: $x) {
    version change changeFindings { code direction version }
  }
}
"""
CHANGES = """
subscription($subject: String, $after: Int) {
  schemaChanges(subject: $subject, after: $after) { kind version change }
}
"""
CHANGELOG = """
query($s: String!) {
  subject(name: $s) {
    latest { version change }
    changelog { version change deleted findings { code direction oldPath newPath version } }
  }
}
"""


async def _register(gql_http: GraphQLHttp, subject: str, text: str) -> dict[str, Any]:
    result: dict[str, Any] = (await gql_http.data(REGISTER, {"s": subject, "x": text}))[
        "registerSchema"
    ]
    return result


async def test_each_version_is_classified_against_the_previous_one(
    gql_http: GraphQLHttp, module_server: ServerProcess
) -> None:
    subject = unique_subject("changes")
    # The level does not matter: the class is always judged under STRICT, both ways.
    await gql_http.set_compatibility(subject, "NONE")
    after = await gql_http.last_sequence()

    variables = {"subject": subject, "after": after}
    async with Subscription(module_server.ws_url, variables, query=CHANGES) as feed:
        first = await _register(gql_http, subject, V1)
        patch = await _register(gql_http, subject, V2_PATCH)
        minor = await _register(gql_http, subject, V3_MINOR)
        major = await _register(gql_http, subject, V4_MAJOR)
        events = await feed.take(4)

    assert (first["change"], first["changeFindings"]) == (None, [])
    assert (patch["change"], patch["changeFindings"]) == ("PATCH", [])
    assert minor["change"] == "MINOR"
    assert {f["direction"] for f in minor["changeFindings"]} == {"FORWARD"}
    assert major["change"] == "MAJOR"
    assert "REQUIRED_PROPERTY_ADDED" in {
        f["code"] for f in major["changeFindings"] if f["direction"] == "BACKWARD"
    }
    assert [e.get("change") for e in events] == [None, "PATCH", "MINOR", "MAJOR"]

    shown = (await gql_http.data(CHANGELOG, {"s": subject}))["subject"]
    assert shown["latest"] == {"version": 4, "change": "MAJOR"}
    log = shown["changelog"]
    assert [(e["version"], e["change"], e["deleted"]) for e in log] == [
        (1, None, False),
        (2, "PATCH", False),
        (3, "MINOR", False),
        (4, "MAJOR", False),
    ]
    assert log[2]["findings"] and all(f["version"] == 2 for f in log[2]["findings"])
    assert {f["code"] for f in log[3]["findings"]} >= {"REQUIRED_PROPERTY_ADDED"}


async def test_a_version_after_a_soft_deleted_one_is_classified_against_the_live_one(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("changes")
    await gql_http.set_compatibility(subject, "NONE")
    await _register(gql_http, subject, V1)
    await _register(gql_http, subject, V4_MAJOR)
    await gql_http.data(
        "mutation($s: String!) { deleteSchemaVersion(subject: $s, version: 2) }", {"s": subject}
    )

    # Against version 1 (live), an annotation only; against version 2 it would be MINOR.
    again = await _register(gql_http, subject, V2_PATCH)

    assert (again["version"], again["change"]) == (3, "PATCH")
    log = (await gql_http.data(CHANGELOG, {"s": subject}))["subject"]["changelog"]
    assert [(e["version"], e["deleted"]) for e in log] == [(1, False), (2, True), (3, False)]
