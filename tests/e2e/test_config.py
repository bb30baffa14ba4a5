"""Modes and compatibility policies through GraphQL: config, setMode, setCompatibility."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import GraphQLHttp, Subscription, object_schema, unique_subject
from tests.support.server import ServerProcess

V1 = object_schema({"name": "string"}, ["name"])
V2 = object_schema({"name": "string", "age": "integer"}, ["name"])
OPEN_V1 = object_schema({"a": "string"}, closed=False)
OPEN_PLUS_B = object_schema({"a": "string", "b": "integer"}, closed=False)

CONFIG = """
query Config($subject: String) {
  config(subject: $subject) {
    subject compatibility configured policy configuredPolicy mode configuredMode
  }
}
"""
SET_MODE = """
mutation SetMode($subject: String, $mode: RegistryMode, $force: Boolean! = false) {
  setMode(subject: $subject, mode: $mode, force: $force) { subject mode configuredMode }
}
"""
SET_POLICY = """
mutation SetPolicy($subject: String, $policy: CompatibilityPolicy) {
  setCompatibility(subject: $subject, policy: $policy) {
    subject compatibility policy configuredPolicy
  }
}
"""
REGISTER_ID = (
    "mutation($s: String!, $x: String!) { registerSchema(subject: $s, schema: $x) { id } }"
)
CHECK = """
query Check($subject: String!, $schema: String!) {
  checkCompatibility(subject: $subject, schema: $schema) {
    isCompatible level policy incompatibilities { code }
  }
}
"""


async def _set_mode(gql_http: GraphQLHttp, subject: str | None, mode: str | None) -> dict[str, Any]:
    data = await gql_http.data(SET_MODE, {"subject": subject, "mode": mode})
    config: dict[str, Any] = data["setMode"]
    return config


async def _config(gql_http: GraphQLHttp, subject: str | None) -> dict[str, Any]:
    config: dict[str, Any] = (await gql_http.data(CONFIG, {"subject": subject}))["config"]
    return config


async def test_a_read_only_subject_refuses_registrations_until_set_read_write(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("mode")
    await gql_http.register(subject, V1)

    read_only = await _set_mode(gql_http, subject, "READONLY")
    while_read_only = await _config(gql_http, subject)
    refused = await gql_http.error(REGISTER_ID, {"s": subject, "x": V2})
    read_write = await _set_mode(gql_http, subject, "READWRITE")
    accepted = await gql_http.register(subject, V2)
    removed = await _set_mode(gql_http, subject, None)

    assert read_only == {"subject": subject, "mode": "READONLY", "configuredMode": "READONLY"}
    assert while_read_only == {
        "subject": subject,
        "compatibility": "BACKWARD",
        "configured": None,
        "policy": "STRICT",
        "configuredPolicy": None,
        "mode": "READONLY",
        "configuredMode": "READONLY",
    }
    assert refused["extensions"]["code"] == "OPERATION_NOT_PERMITTED"
    assert read_write == {"subject": subject, "mode": "READWRITE", "configuredMode": "READWRITE"}
    assert accepted["version"] == 2
    assert removed == {"subject": subject, "mode": "READWRITE", "configuredMode": None}


async def test_the_global_mode_applies_to_subjects_without_their_own(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("mode")
    await gql_http.register(subject, V1)
    try:
        global_mode = await _set_mode(gql_http, None, "READONLY")
        inherited = await _config(gql_http, subject)
        refused = await gql_http.error(REGISTER_ID, {"s": subject, "x": V2})
    finally:
        restored = await _set_mode(gql_http, None, None)
    accepted = await gql_http.register(subject, V2)

    assert global_mode == {"subject": None, "mode": "READONLY", "configuredMode": "READONLY"}
    assert (inherited["mode"], inherited["configuredMode"]) == ("READONLY", None)
    assert refused["extensions"]["code"] == "OPERATION_NOT_PERMITTED"
    assert restored == {"subject": None, "mode": "READWRITE", "configuredMode": None}
    assert accepted["version"] == 2


async def test_a_mode_change_reaches_a_subscriber_as_config_changed(
    module_server: ServerProcess, gql_http: GraphQLHttp
) -> None:
    subject = unique_subject("mode")
    after = await gql_http.last_sequence()

    async with Subscription(module_server.ws_url, {"subject": subject, "after": after}) as changes:
        await _set_mode(gql_http, subject, "READONLY")
        await _set_mode(gql_http, subject, None)
        events = await changes.take(2)

    assert [(e["kind"], e["subject"]) for e in events] == [
        ("CONFIG_CHANGED", subject),
        ("CONFIG_CHANGED", subject),
    ]
    assert after < events[0]["sequence"] < events[1]["sequence"]


async def test_a_lenient_policy_accepts_an_optional_property_added_to_an_open_model(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("policy")
    await gql_http.register(subject, OPEN_V1)
    refused = await gql_http.error(REGISTER_ID, {"s": subject, "x": OPEN_PLUS_B})
    strict_check = (await gql_http.data(CHECK, {"subject": subject, "schema": OPEN_PLUS_B}))[
        "checkCompatibility"
    ]

    lenient = (await gql_http.data(SET_POLICY, {"subject": subject, "policy": "LENIENT"}))[
        "setCompatibility"
    ]
    config = await _config(gql_http, subject)
    lenient_check = (await gql_http.data(CHECK, {"subject": subject, "schema": OPEN_PLUS_B}))[
        "checkCompatibility"
    ]
    accepted = await gql_http.register(subject, OPEN_PLUS_B)

    assert refused["extensions"]["code"] == "INCOMPATIBLE_SCHEMA"
    assert [i["code"] for i in refused["extensions"]["incompatibilities"]] == [
        "PROPERTY_ADDED_TO_OPEN_MODEL"
    ]
    assert strict_check == {
        "isCompatible": False,
        "level": "BACKWARD",
        "policy": "STRICT",
        "incompatibilities": [{"code": "PROPERTY_ADDED_TO_OPEN_MODEL"}],
    }
    assert lenient == {
        "subject": subject,
        "compatibility": "BACKWARD",
        "policy": "LENIENT",
        "configuredPolicy": "LENIENT",
    }
    assert (config["policy"], config["configuredPolicy"]) == ("LENIENT", "LENIENT")
    assert (config["compatibility"], config["configured"]) == ("BACKWARD", None)
    assert lenient_check == {
        "isCompatible": True,
        "level": "BACKWARD",
        "policy": "LENIENT",
        "incompatibilities": [],
    }
    assert accepted["version"] == 2
