"""The client on a registry with REGISTRY_AUTH=true: an API key over HTTP and on the
subscription's connection_init, and refusals with their codes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llm_schema_registry_client import AsyncRegistryClient, Change, RegistryClient, RegistryError
from tests.e2e.client.conftest import tool_schema, wait_until
from tests.e2e.conftest import new_server, sqlite_file_url, unique_subject
from tests.support.keys import Key, create_key, revoke_key
from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str]]:
    directory = tmp_path_factory.mktemp("secured")
    database = sqlite_file_url(directory)
    server = new_server(database, directory / "server.log", REGISTRY_AUTH="true").start()
    try:
        yield server, database
    finally:
        server.stop()


def token(key: Key) -> str:
    return key.bearer.removeprefix("Bearer ")


async def test_an_api_key_authenticates_calls_and_the_subscription(
    secured: tuple[ServerProcess, str],
) -> None:
    server, database = secured
    writer = create_key(database, "writer", "team-a.*")
    subject = "team-a." + unique_subject("auth")
    seen: list[Change] = []

    async with AsyncRegistryClient(server.url, api_key=token(writer)) as client:
        client.on_change("team-a.", seen.append)
        assert await client.start()
        await client.register(subject, tool_schema("city"))
        await client.register(subject, tool_schema("city", "unit"))
        await wait_until(lambda: len(seen) == 2)
        assert (await client.latest(subject)).version == 2

    assert [c.event.version for c in seen] == [1, 2]


def test_basic_credentials_work_as_confluent_clients_send_them(
    secured: tuple[ServerProcess, str],
) -> None:
    server, database = secured
    reader = create_key(database, "reader")
    with RegistryClient(server.url, api_key=reader.basic) as client:
        assert client.lint(tool_schema("city"), "ANTHROPIC") == []
        with pytest.raises(RegistryError) as refused:
            client.register(unique_subject("reader"), tool_schema("city"))
    assert refused.value.code == "FORBIDDEN"


async def test_missing_or_wrong_credentials_are_refused_with_unauthenticated(
    secured: tuple[ServerProcess, str],
) -> None:
    server, _ = secured
    for credentials in (None, "lsr_0000000000000000_wrong"):
        async with AsyncRegistryClient(server.url, api_key=credentials, retries=0) as client:
            with pytest.raises(RegistryError) as refused:
                await client.lint(tool_schema("city"), "OPENAI")
            assert refused.value.code == "UNAUTHENTICATED"
            # The subscription is refused too (4401), and the client stops trying.
            assert not await client.start()
            assert client.watcher.failure is not None


async def test_a_revoked_key_stops_the_watch_and_calls_go_to_the_server(
    secured: tuple[ServerProcess, str],
) -> None:
    server, database = secured
    key = create_key(database, "writer", "team-b.*")
    subject = "team-b." + unique_subject("revoked")
    async with AsyncRegistryClient(server.url, api_key=token(key), retries=0) as client:
        await client.register(subject, tool_schema("city"))
        assert (await client.latest(subject)).version == 1
        revoke_key(database, key)
        await wait_until(lambda: client.watcher.failure is not None)

        assert not client.is_live
        with pytest.raises(RegistryError) as refused:
            await client.latest(subject)
    assert refused.value.code == "UNAUTHENTICATED"
