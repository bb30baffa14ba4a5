"""A key revoked through one replica fails at once on the other, on PostgreSQL + Redis:
its next HTTP request there is refused and its socket there is closed before any later
change reaches it. Credentials never reach a log."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.conftest import new_server, start_server, stop_server
from tests.e2e.test_authentication import SUBPROTOCOL
from tests.support.keys import Key, cli, create_key

CHANGES = "subscription { schemaChanges { subject } }"


async def _register(url: str, key: Key, subject: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{url}/subjects/{subject}/versions",
            json={"schemaType": "JSON", "schema": json.dumps({"title": subject})},
            headers=key.headers(),
        )
    assert response.status_code == 200, response.text


async def _next_message(socket: Any) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if message["type"] not in ("ping", "pong"):
            return message


@pytest.mark.parametrize("revoke_with", ["graphql", "command line"])
async def test_a_key_revoked_on_one_replica_fails_at_once_on_the_other(
    postgres_url: str, redis_url: str, unique_channel: str, tmp_path: Path, revoke_with: str
) -> None:
    assert cli(postgres_url, "migrate").returncode == 0
    admin = create_key(postgres_url, "admin", name="ops")
    doomed = create_key(postgres_url, "reader", "*", name="doomed")
    env = {
        "REGISTRY_AUTH": "true",
        "REGISTRY_BROADCAST_URL": redis_url,
        "REGISTRY_BROADCAST_CHANNEL": unique_channel,
        # Far beyond any wait here: the revocation must travel through Redis.
        "REGISTRY_EVENT_POLL_INTERVAL": "60",
    }
    a = await start_server(new_server(postgres_url, tmp_path / "a.log", **env))
    b = await start_server(new_server(postgres_url, tmp_path / "b.log", **env))
    try:
        async with (
            httpx.AsyncClient() as http,
            connect(b.ws_url, subprotocols=[SUBPROTOCOL]) as socket,  # type: ignore[list-item]
        ):
            assert (await http.get(f"{b.url}/subjects", headers=doomed.headers())).is_success
            init = {"type": "connection_init", "payload": {"Authorization": doomed.bearer}}
            await socket.send(json.dumps(init))
            assert (await _next_message(socket))["type"] == "connection_ack"
            subscribe = {"type": "subscribe", "id": "1", "payload": {"query": CHANGES}}
            await socket.send(json.dumps(subscribe))
            await asyncio.sleep(0.5)
            await _register(a.url, admin, "before.revocation")
            assert (await _next_message(socket))["payload"]["data"]["schemaChanges"] == {
                "subject": "before.revocation"
            }
            if revoke_with == "graphql":
                answer = await http.post(
                    a.graphql_url,
                    json={
                        "query": "mutation($id: String!) { revokeApiKey(id: $id) { id } }",
                        "variables": {"id": doomed.id},
                    },
                    headers=admin.headers(),
                )
                assert answer.json()["data"]["revokeApiKey"]["id"] == doomed.id
            else:
                env_cli = await asyncio.to_thread(
                    cli,
                    postgres_url,
                    "keys",
                    "revoke",
                    doomed.id,
                    REGISTRY_BROADCAST_URL=redis_url,
                    REGISTRY_BROADCAST_CHANNEL=unique_channel,
                )
                assert env_cli.returncode == 0, env_cli.stderr
            # At once on the other replica, over HTTP...
            refused = await http.get(f"{b.url}/subjects", headers=doomed.headers())
            assert refused.status_code == 401
            # ...its socket there closes without waiting for a later change...
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(_next_message(socket), 5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
            await _register(a.url, admin, "after.revocation")
            # ...so nothing committed after the revocation ever reached it.
    finally:
        await stop_server(b)
        await stop_server(a)
    logs = (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
    for secret in (admin.secret, doomed.secret):
        assert secret not in logs
