"""Provider rules on a real server: setProviderRules and the Config fields, registrations
refused under ENFORCE (GraphQL, REST and Confluent's client), findings under WARN in the
result, in a live subscription and in one resumed from the outbox, OFF, a subject's
setting over the global one, and an upgrade from a registry at migration 0006."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from sqlalchemy.ext.asyncio import create_async_engine

from storage.migrate import upgrade_async
from tests.e2e.conftest import (
    WAIT,
    GraphQLHttp,
    Subscription,
    new_server,
    sqlite_file_url,
    start_server,
    stop_server,
    unique_subject,
)
from tests.e2e.rest.conftest import CONTENT_TYPE
from tests.support.server import ServerProcess


def _closed(properties: dict[str, Any], required: list[str] | None = None) -> str:
    return json.dumps(
        {
            "type": "object",
            "properties": properties,
            "required": list(properties) if required is None else required,
            "additionalProperties": False,
        }
    )


GOOD = _closed({"city": {"type": "string"}})
# OpenAI refuses the optional "days" (BLOCKING).
OPTIONAL = _closed({"city": {"type": "string"}, "days": {"type": "integer"}}, ["city"])
# OpenAI warns about the format only.
WARNED = _closed({"city": {"type": "string"}, "when": {"type": "string", "format": "uri"}})

SET_RULES = """
mutation($s: String, $p: [Provider!], $e: ProviderEnforcement) {
  setProviderRules(subject: $s, providers: $p, enforcement: $e) {
    subject providers configuredProviders providerEnforcement configuredProviderEnforcement
  }
}
"""
REGISTER = """
mutation($s: String!, $x: String!) {
  registerSchema(subject: $s, schema: $x) {
    version id isNewVersion lintFindings { provider ruleId pointer message severity }
  }
}
"""
CHANGES = """
subscription($subject: String, $after: Int) {
  schemaChanges(subject: $subject, after: $after) {
    sequence kind version lintFindings { provider ruleId pointer message severity }
  }
}
"""
VERSIONS = "query($s: String!) { subject(name: $s) { versions } }"


async def _set_rules(
    gql_http: GraphQLHttp, subject: str | None, **arguments: object
) -> dict[str, Any]:
    variables: dict[str, object] = {"s": subject}
    if "providers" in arguments:
        variables["p"] = arguments["providers"]
    if "enforcement" in arguments:
        variables["e"] = arguments["enforcement"]
    config: dict[str, Any] = (await gql_http.data(SET_RULES, variables))["setProviderRules"]
    return config


async def _register(gql_http: GraphQLHttp, subject: str, text: str) -> dict[str, Any]:
    result: dict[str, Any] = (await gql_http.data(REGISTER, {"s": subject, "x": text}))[
        "registerSchema"
    ]
    return result


@pytest.fixture
async def global_rules(gql_http: GraphQLHttp) -> AsyncIterator[None]:
    """The global rules go back to none and OFF after the test (the server is shared)."""
    yield
    await _set_rules(gql_http, None, providers=None, enforcement=None)


async def test_rules_are_set_and_shown_with_what_applies(
    gql_http: GraphQLHttp, global_rules: None
) -> None:
    subject = unique_subject("rules")

    shown = await _set_rules(gql_http, subject, providers=["OPENAI", "GEMINI"])
    await _set_rules(gql_http, None, providers=["ANTHROPIC"], enforcement="WARN")
    config = (
        await gql_http.data(
            "query($s: String) { config(subject: $s) { providers configuredProviders "
            "providerEnforcement configuredProviderEnforcement compatibility } }",
            {"s": subject},
        )
    )["config"]

    assert shown == {
        "subject": subject,
        "providers": ["OPENAI", "GEMINI"],
        "configuredProviders": ["OPENAI", "GEMINI"],
        "providerEnforcement": "OFF",
        "configuredProviderEnforcement": None,
    }
    assert config == {
        "providers": ["OPENAI", "GEMINI"],
        "configuredProviders": ["OPENAI", "GEMINI"],
        "providerEnforcement": "WARN",
        "configuredProviderEnforcement": None,
        "compatibility": "BACKWARD",
    }
    # Omitted leaves a setting as is; null removes it.
    kept = await _set_rules(gql_http, subject, enforcement="ENFORCE")
    assert (kept["configuredProviders"], kept["providerEnforcement"]) == (
        ["OPENAI", "GEMINI"],
        "ENFORCE",
    )
    removed = await _set_rules(gql_http, subject, providers=None)
    assert (removed["configuredProviders"], removed["providers"]) == (None, ["ANTHROPIC"])


async def test_enforce_refuses_with_the_findings_and_stores_nothing(gql_http: GraphQLHttp) -> None:
    subject = unique_subject("enforced")
    before = await _register(gql_http, unique_subject("other"), _closed({"n": {"type": "number"}}))
    await _set_rules(gql_http, subject, providers=["OPENAI"], enforcement="ENFORCE")
    sequence = await gql_http.last_sequence()

    error = await gql_http.error(REGISTER, {"s": subject, "x": OPTIONAL})

    assert error["extensions"]["code"] == "PROVIDER_LINT_FAILED"
    assert error["extensions"]["findings"] == [
        {
            "provider": "OPENAI",
            "ruleId": "OPENAI_PROPERTY_NOT_REQUIRED",
            "pointer": "#/properties/days",
            "message": error["extensions"]["findings"][0]["message"],
            "severity": "BLOCKING",
        }
    ]
    assert "OPENAI_PROPERTY_NOT_REQUIRED" in error["message"]
    assert (await gql_http.data(VERSIONS, {"s": subject}))["subject"] is None
    assert await gql_http.last_sequence() == sequence
    # The refusal took no id: the next new schema gets the next one.
    accepted = await _register(gql_http, subject, GOOD)
    assert (accepted["version"], accepted["id"]) == (1, before["id"] + 1)
    assert accepted["lintFindings"] == []
    # Warnings never refuse; they come back with the registration.
    await gql_http.set_compatibility(subject, "NONE")
    warned = await _register(gql_http, subject, WARNED)
    assert [(f["ruleId"], f["severity"]) for f in warned["lintFindings"]] == [
        ("OPENAI_UNSUPPORTED_FORMAT", "WARNING")
    ]


async def test_warn_stores_and_findings_reach_live_and_resumed_subscribers(
    gql_http: GraphQLHttp, module_server: ServerProcess
) -> None:
    subject = unique_subject("warned")
    await _set_rules(gql_http, subject, providers=["OPENAI", "GEMINI"], enforcement="WARN")
    after = await gql_http.last_sequence()

    variables = {"subject": subject, "after": after}
    async with Subscription(module_server.ws_url, variables, query=CHANGES) as live:
        result = await _register(gql_http, subject, OPTIONAL)
        [event] = await live.take(1)
    async with Subscription(module_server.ws_url, variables, query=CHANGES) as resumed:
        [replayed] = await resumed.take(1)

    assert (result["version"], result["isNewVersion"]) == (1, True)
    found = {(f["provider"], f["ruleId"], f["severity"]) for f in result["lintFindings"]}
    assert ("OPENAI", "OPENAI_PROPERTY_NOT_REQUIRED", "BLOCKING") in found
    assert ("GEMINI", "GEMINI_UNSUPPORTED_KEYWORD", "BLOCKING") in found
    assert event["kind"] == "REGISTERED"
    assert event["lintFindings"] == result["lintFindings"]
    assert replayed == event


async def test_off_ignores_the_rules_and_a_subject_overrides_the_global_setting(
    gql_http: GraphQLHttp, global_rules: None
) -> None:
    off, lenient, strict = (unique_subject(p) for p in ("off", "lenient", "strict"))
    await _set_rules(gql_http, None, providers=["OPENAI"], enforcement="ENFORCE")
    await _set_rules(gql_http, off, enforcement="OFF")
    await _set_rules(gql_http, lenient, enforcement="WARN")

    ignored = await _register(gql_http, off, OPTIONAL)
    warned = await _register(gql_http, lenient, OPTIONAL)
    refused = await gql_http.error(REGISTER, {"s": strict, "x": OPTIONAL})

    assert (ignored["isNewVersion"], ignored["lintFindings"]) == (True, [])
    assert warned["isNewVersion"]
    assert "OPENAI_PROPERTY_NOT_REQUIRED" in {f["ruleId"] for f in warned["lintFindings"]}
    assert refused["extensions"]["code"] == "PROVIDER_LINT_FAILED"


async def test_rest_registration_on_an_enforced_subject_is_refused_with_42212(
    gql_http: GraphQLHttp, module_server: ServerProcess
) -> None:
    subject = unique_subject("rest")
    await _set_rules(gql_http, subject, providers=["ANTHROPIC_STRICT"], enforcement="ENFORCE")
    # Anthropic strict refuses numeric bounds.
    bounded = _closed({"n": {"type": "integer", "minimum": 1}})
    async with httpx.AsyncClient(
        base_url=module_server.url, headers={"Content-Type": CONTENT_TYPE}, timeout=WAIT
    ) as rest:
        response = await rest.post(
            f"/subjects/{subject}/versions", json={"schemaType": "JSON", "schema": bounded}
        )
        versions = await rest.get(f"/subjects/{subject}/versions")

    assert response.status_code == 422
    body = response.json()
    assert body["error_code"] == 42212
    assert "ANTHROPIC_STRICT_UNSUPPORTED_KEYWORD at #/properties/n/minimum" in body["message"]
    assert versions.status_code == 404

    client = SchemaRegistryClient({"url": module_server.url})
    try:
        with pytest.raises(SchemaRegistryError) as refused:
            client.register_schema(subject, Schema(bounded, "JSON"))
        accepted = client.register_schema(subject, Schema(GOOD, "JSON"))
    finally:
        client.close()
    assert (refused.value.http_status_code, refused.value.error_code) == (422, 42212)
    assert "ANTHROPIC_STRICT_UNSUPPORTED_KEYWORD" in refused.value.error_message
    assert accepted > 0


async def test_a_registry_at_migration_0006_upgrades_with_its_data_and_takes_rules(
    tmp_path: Path,
) -> None:
    url = sqlite_file_url(tmp_path)
    await upgrade_async(url, "0006")
    engine = create_async_engine(url, poolclass=sa.pool.NullPool)
    try:
        async with engine.begin() as connection:
            for statement in (
                f"INSERT INTO schemas (id, fingerprint, format, schema_text, created_at) "
                f"VALUES (7, '{'a' * 64}', 'JSON', '{GOOD}', 0)",
                "INSERT INTO subjects (name, deleted, created_at) VALUES ('tools.kept', 0, 0)",
                "INSERT INTO subject_versions (subject, version, schema_id, deleted, created_at)"
                " VALUES ('tools.kept', 1, 7, 0, 0)",
                "INSERT INTO configs (subject, compatibility) VALUES ('tools.kept', 'NONE')",
                "INSERT INTO events (sequence, kind, subject, version, schema_id, permanent, "
                "created_at) VALUES (1, 'REGISTERED', 'tools.kept', 1, 7, 0, 0)",
                "UPDATE registry_state SET last_sequence = 1",
            ):
                await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()

    server = await start_server(new_server(url, tmp_path / "server.log"))
    try:
        async with httpx.AsyncClient(timeout=WAIT) as client:
            gql_http = GraphQLHttp(client, server)
            kept = await gql_http.data(
                'query { subject(name: "tools.kept") { versions latest { id schema } } '
                'config(subject: "tools.kept") { compatibility providers providerEnforcement } }'
            )
            await _set_rules(gql_http, "tools.kept", providers=["OPENAI"], enforcement="WARN")
            added = await _register(gql_http, "tools.kept", OPTIONAL)
            async with Subscription(server.ws_url, {"subject": "tools.kept", "after": 0}) as feed:
                replayed = await feed.take(3)
    finally:
        await stop_server(server)

    assert (kept["subject"]["versions"], kept["subject"]["latest"]["id"]) == ([1], 7)
    assert json.loads(kept["subject"]["latest"]["schema"]) == json.loads(GOOD)
    assert kept["config"] == {
        "compatibility": "NONE",
        "providers": [],
        "providerEnforcement": "OFF",
    }
    assert (added["version"], added["id"]) == (2, 8)
    assert "OPENAI_PROPERTY_NOT_REQUIRED" in {f["ruleId"] for f in added["lintFindings"]}
    assert [(e["kind"], e["version"]) for e in replayed] == [
        ("REGISTERED", 1),
        ("CONFIG_CHANGED", None),
        ("REGISTERED", 2),
    ]
