"""tools(): the tool list for a provider's SDK, one exported document per live subject
under a prefix, kept live from the cache."""

from __future__ import annotations

import json
from typing import Any

import pytest

from llm_schema_registry_client import Change, Provider
from tests.e2e.client.conftest import tool_schema, wait_until
from tests.e2e.conftest import DELETE_SUBJECT, GraphQLHttp, unique_subject


@pytest.mark.parametrize(
    ("provider", "target"),
    [
        (Provider.OPENAI, "OPENAI_TOOL"),
        ("anthropic", "ANTHROPIC_TOOL"),
        ("GEMINI", "GEMINI_FUNCTION"),
    ],
)
async def test_tools_exports_every_live_subject_under_the_prefix(
    client: Any, provider: Provider | str, target: str
) -> None:
    prefix = unique_subject("tools") + "."
    await client.register(prefix + "get_weather", tool_schema("city"))
    await client.register(prefix + "search", tool_schema("city", "query"))
    await client.register(unique_subject("elsewhere"), tool_schema("city"))

    documents = await client.tools(prefix, provider)
    exports = await client.tool_exports(prefix, provider)

    assert [e.subject for e in exports] == [prefix + "get_weather", prefix + "search"]
    assert {e.target for e in exports} == {target}
    assert documents == [e.document for e in exports]
    assert "query" in json.dumps(documents[1]) and "query" not in json.dumps(documents[0])


async def test_the_tool_list_follows_changes_without_a_request(
    client: Any, gql_http: GraphQLHttp
) -> None:
    prefix = unique_subject("live-tools") + "."
    weather = prefix + "get_weather"
    await client.register(weather, tool_schema("city"))
    seen: list[Change] = []
    client.on_change(prefix, seen.append)
    await client.start()
    assert len(await client.tools(prefix, "openai")) == 1
    before = client.stats.total

    await gql_http.register(weather, tool_schema("city", "unit"))
    await gql_http.register(prefix + "search", tool_schema("city", "query"))
    await wait_until(lambda: len(seen) == 2)
    exports = await client.tool_exports(prefix, "openai")

    assert [(e.subject, e.version) for e in exports] == [(weather, 2), (prefix + "search", 1)]
    assert "unit" in json.dumps(exports[0].document)
    assert client.stats.total == before  # the watcher fetched the exports on its socket

    await gql_http.data(DELETE_SUBJECT, {"subject": prefix + "search"})
    await wait_until(lambda: len(seen) == 3)
    assert [e.subject for e in await client.tool_exports(prefix, "openai")] == [weather]
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
