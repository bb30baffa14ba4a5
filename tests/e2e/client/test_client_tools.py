"""tools(): the tool list for a provider's SDK, one exported document per live subject
under a prefix, kept live from the cache."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from llm_schema_registry_client import Change, Provider
from tests.e2e.client.conftest import (
    open_tool_schema,
    set_policy,
    strict_tool_schema,
    tool_schema,
    wait_until,
)
from tests.e2e.conftest import DELETE_SUBJECT, GraphQLHttp, unique_subject


def strict_parameters(*properties: str) -> dict[str, Any]:
    parameters: dict[str, Any] = json.loads(strict_tool_schema(*properties))
    return parameters


def gemini_parameters(*properties: str) -> dict[str, Any]:
    """``open_tool_schema(*properties)`` as Gemini's Schema object spells it."""
    return {
        "type": "OBJECT",
        "properties": {name: {"type": "STRING"} for name in properties},
        "required": ["city"],
    }


@pytest.mark.parametrize(
    ("provider", "schema", "expected"),
    [
        (
            Provider.OPENAI,
            strict_tool_schema,
            lambda name, *properties: {
                "type": "function",
                "function": {
                    "name": name,
                    "parameters": strict_parameters(*properties),
                    "strict": True,
                },
            },
        ),
        (
            "anthropic",
            strict_tool_schema,
            lambda name, *properties: {
                "name": name,
                "input_schema": strict_parameters(*properties),
                "strict": True,
            },
        ),
        (
            "GEMINI",
            open_tool_schema,
            lambda name, *properties: {"name": name, "parameters": gemini_parameters(*properties)},
        ),
    ],
    ids=["openai", "anthropic", "gemini"],
)
async def test_tools_exports_every_live_subject_under_the_prefix(
    client: Any, provider: Provider | str, schema: Any, expected: Any
) -> None:
    prefix = unique_subject("tools") + "."
    await client.register(prefix + "get_weather", schema("city"))
    await client.register(prefix + "search", schema("city", "query"))
    await client.register(unique_subject("elsewhere"), schema("city"))

    documents = await client.tools(prefix, provider)
    exports = await client.tool_exports(prefix, provider)

    assert [e.subject for e in exports] == [prefix + "get_weather", prefix + "search"]
    target = {"OPENAI": "OPENAI_TOOL", "ANTHROPIC": "ANTHROPIC_TOOL", "GEMINI": "GEMINI_FUNCTION"}
    assert {e.target for e in exports} == {target[str(provider).upper()]}
    assert documents == [e.document for e in exports]
    assert documents == [expected("get_weather", "city"), expected("search", "city", "query")]
    assert await client.tool_refusals(prefix, provider) == []


async def test_the_tool_list_follows_changes_without_a_request(
    client: Any, gql_http: GraphQLHttp
) -> None:
    prefix = unique_subject("live-tools") + "."
    weather = prefix + "get_weather"
    await set_policy(gql_http, weather, "LLM")  # a strict tool may gain a nullable parameter
    await client.register(weather, strict_tool_schema("city"))
    seen: list[Change] = []
    client.on_change(prefix, seen.append)
    await client.start()
    assert len(await client.tools(prefix, "openai")) == 1
    before = client.stats.total

    await gql_http.register(weather, strict_tool_schema("city", "unit", nullable=("unit",)))
    await gql_http.register(prefix + "search", strict_tool_schema("city", "query"))
    await wait_until(lambda: len(seen) == 2)
    exports = await client.tool_exports(prefix, "openai")

    assert [(e.subject, e.version) for e in exports] == [(weather, 2), (prefix + "search", 1)]
    unit = exports[0].document["function"]["parameters"]["properties"]["unit"]
    assert unit == {"type": ["string", "null"]}
    assert client.stats.total == before  # the watcher fetched the exports on its socket

    await gql_http.data(DELETE_SUBJECT, {"subject": prefix + "search"})
    await wait_until(lambda: len(seen) == 3)
    assert [e.subject for e in await client.tool_exports(prefix, "openai")] == [weather]
    assert client.stats.total == before


async def test_a_version_the_provider_refuses_is_reported_and_the_others_served(
    client: Any, gql_http: GraphQLHttp, caplog: pytest.LogCaptureFixture
) -> None:
    prefix = unique_subject("refused") + "."
    search = prefix + "search"
    await client.register(prefix + "get_weather", strict_tool_schema("city"))
    optional = await client.register(search, tool_schema("city", "query"))  # query optional
    point = json.dumps(
        {"type": "record", "name": "Point", "fields": [{"name": "x", "type": "int"}]}
    )
    avro = await client.register(prefix + "point", point, format="AVRO")
    seen: list[Change] = []
    client.on_change(prefix, seen.append)
    await client.start()

    with caplog.at_level(logging.WARNING, logger="llm_schema_registry_client"):
        for _ in range(3):
            served = await client.tool_exports(prefix, "openai")
            refused = await client.tool_refusals(prefix, "openai")

    assert [e.subject for e in served] == [prefix + "get_weather"]
    assert [(r.subject, r.version, r.schema_id, r.target, r.code) for r in refused] == [
        (prefix + "point", 1, avro.id, "OPENAI_TOOL", "BAD_USER_INPUT"),
        (search, 1, optional.id, "OPENAI_TOOL", "PROVIDER_LINT_FAILED"),
    ]
    findings = [(f["provider"], f["ruleId"], f["pointer"]) for f in refused[1].findings]
    assert findings == [("OPENAI", "OPENAI_PROPERTY_NOT_REQUIRED", "#/properties/query")]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2, warnings  # once per subject, schema and provider
    assert any(
        search in w and "OPENAI_PROPERTY_NOT_REQUIRED at #/properties/query" in w for w in warnings
    ), warnings

    # A new refused subject is reported as it comes, from the watcher's socket alone.
    before = client.stats.total
    lookup = prefix + "lookup"
    await gql_http.register(lookup, open_tool_schema("city"))
    await wait_until(lambda: any(c.subject == lookup for c in seen))
    refused_now = await client.tool_refusals(prefix, "openai")
    assert [(r.subject, r.code) for r in refused_now][:1] == [(lookup, "PROVIDER_LINT_FAILED")]
    assert client.stats.total == before

    # The fix is a new version OpenAI takes: it is served at once, with no request.
    await gql_http.set_compatibility(search, "NONE")  # optional -> required and nullable
    await gql_http.register(search, strict_tool_schema("city", "query", nullable=("query",)))
    await wait_until(lambda: any(c.subject == search for c in seen))

    assert [(e.subject, e.version) for e in await client.tool_exports(prefix, "openai")] == [
        (prefix + "get_weather", 1),
        (search, 2),
    ]
    assert [r.subject for r in await client.tool_refusals(prefix, "openai")] == [
        lookup,
        prefix + "point",
    ]
    assert client.stats.total == before


async def test_exports_are_read_once_per_schema_and_target(client: Any) -> None:
    prefix = unique_subject("once") + "."
    await client.register(prefix + "a", tool_schema("city"))
    await client.tools(prefix, "openai")
    await client.tools(prefix, "anthropic")
    exports_read = client.stats.by_operation["Export"]

    for _ in range(5):
        await client.tools(prefix, "openai")
        await client.tools(prefix, "anthropic")

    assert client.stats.by_operation["Export"] == exports_read


async def test_an_unknown_provider_is_refused(client: Any) -> None:
    with pytest.raises(ValueError, match="unknown provider"):
        await client.tools("tools.", "mistral")
