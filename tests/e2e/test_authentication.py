"""Authentication and subject scopes on a real server with REGISTRY_AUTH=true: keys made
with the command line, used by Confluent's client, over REST, GraphQL and websockets."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.conftest import new_server, sqlite_file_url
from tests.support.keys import Key, cli, create_key
from tests.support.server import ROOT, ServerProcess

SUBPROTOCOL = "graphql-transport-ws"
CHANGES = "subscription { schemaChanges { kind subject version } }"


@dataclass
class Registry:
    server: ServerProcess
    database_url: str
    admin: Key
    team_a: Key
    reader_a: Key


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    directory = tmp_path_factory.mktemp("auth")
    url = sqlite_file_url(directory)
    assert cli(url, "migrate").returncode == 0
    admin = create_key(url, "admin", name="ops")
    team_a = create_key(url, "writer", "team-a.*", name="ci-bot")
    reader_a = create_key(url, "reader", "team-a.*", name="dashboard")
    server = new_server(url, directory / "server.log", REGISTRY_AUTH="true").start()
    try:
        yield Registry(server, url, admin, team_a, reader_a)
    finally:
        server.stop()


def schema_text(title: str) -> str:
    return json.dumps({"type": "object", "title": title})


def rest_register(registry: Registry, key: Key, subject: str) -> httpx.Response:
    return httpx.post(
        f"{registry.server.url}/subjects/{subject}/versions",
        json={"schemaType": "JSON", "schema": schema_text(subject)},
        headers=key.headers(),
    )


def graphql(registry: Registry, query: str, key: Key | None = None, **variables: Any) -> Any:
    headers = key.headers() if key else {}
    response = httpx.post(
        registry.server.graphql_url,
        json={"query": query, "variables": variables},
        headers=headers,
    )
    return response.json()


def test_a_request_without_credentials_is_refused_on_rest_and_graphql(registry: Registry) -> None:
    response = httpx.get(f"{registry.server.url}/subjects")
    assert response.status_code == 401
    assert response.json()["error_code"] == 40101
    assert "Basic" in response.headers["www-authenticate"]
    answer = graphql(registry, "{ subjects { name } }")
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_wrong_credentials_are_refused_without_saying_which_part_is_wrong(
    registry: Registry,
) -> None:
    wrong_secret = Key(registry.admin.id, "0" * 64)
    unknown_id = Key("0123456789abcdef", registry.admin.secret)
    answers = []
    for key in (wrong_secret, unknown_id):
        response = httpx.get(f"{registry.server.url}/subjects", headers=key.headers())
        assert response.status_code == 401
        answers.append(response.json())
    assert answers[0] == answers[1] == {"error_code": 40101, "message": "Invalid credentials."}


def test_health_and_metrics_stay_open(registry: Registry) -> None:
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        assert httpx.get(f"{registry.server.url}{path}").status_code == 200, path


def test_confluent_client_authenticates_with_basic_auth_user_info(registry: Registry) -> None:
    config = {"url": registry.server.url, "basic.auth.user.info": registry.team_a.basic}
    with SchemaRegistryClient(config) as client:
        schema_id = client.register_schema("team-a.orders", Schema(schema_text("orders"), "JSON"))
        stored = client.get_schema(schema_id).schema_str
        assert stored is not None and json.loads(stored) == json.loads(schema_text("orders"))
        assert "team-a.orders" in client.get_subjects()
        with pytest.raises(SchemaRegistryError) as refused:
            client.register_schema("team-b.orders", Schema(schema_text("b-orders"), "JSON"))
    assert refused.value.http_status_code == 403
    assert refused.value.error_code == 40301
    with (
        SchemaRegistryClient({"url": registry.server.url}) as anonymous,
        pytest.raises(SchemaRegistryError) as unauthenticated,
    ):
        anonymous.get_subjects()
    assert unauthenticated.value.http_status_code == 401


def test_another_teams_subject_reads_exactly_as_a_missing_one(registry: Registry) -> None:
    assert rest_register(registry, registry.admin, "team-b.hidden").status_code == 200
    hidden_id = rest_register(registry, registry.admin, "team-b.hidden").json()["id"]
    url = registry.server.url
    headers = registry.reader_a.headers()
    for path in (
        "/subjects/{}/versions",
        "/subjects/{}/versions/1",
        "/subjects/{}/versions/latest",
    ):
        hidden = httpx.get(url + path.format("team-b.hidden"), headers=headers)
        missing = httpx.get(url + path.format("team-b.never-there"), headers=headers)
        assert (hidden.status_code, hidden.json()["error_code"]) == (
            missing.status_code,
            missing.json()["error_code"],
        ), path
        assert hidden.json()["message"].replace("hidden", "X") == missing.json()["message"].replace(
            "never-there", "X"
        )
    assert "team-b.hidden" not in httpx.get(f"{url}/subjects", headers=headers).json()
    assert httpx.get(f"{url}/schemas/ids/{hidden_id}", headers=headers).status_code == 404
    data = graphql(
        registry,
        'query($id: Int!) { subject(name: "team-b.hidden") { name } schema(id: $id) { id } }',
        registry.reader_a,
        id=hidden_id,
    )["data"]
    assert data == {"subject": None, "schema": None}
    # The admin sees it.
    assert httpx.get(f"{url}/schemas/ids/{hidden_id}", headers=registry.admin.headers()).is_success


def test_roles_limit_what_a_principal_may_do(registry: Registry) -> None:
    assert rest_register(registry, registry.reader_a, "team-a.reader").status_code == 403
    assert rest_register(registry, registry.team_a, "team-a.roles").status_code == 200
    url = registry.server.url
    # A writer may soft-delete in its scopes, but not permanently, nor set global config.
    response = httpx.delete(f"{url}/subjects/team-a.roles", headers=registry.team_a.headers())
    assert response.status_code == 200
    response = httpx.delete(
        f"{url}/subjects/team-a.roles?permanent=true", headers=registry.team_a.headers()
    )
    assert response.status_code == 403
    response = httpx.put(
        f"{url}/config", json={"compatibility": "NONE"}, headers=registry.team_a.headers()
    )
    assert response.status_code == 403
    response = httpx.put(
        f"{url}/mode/team-a.roles", json={"mode": "IMPORT"}, headers=registry.team_a.headers()
    )
    assert response.status_code == 403
    errors = graphql(registry, "mutation { setMode(mode: READONLY) { mode } }", registry.team_a)
    assert errors["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    response = httpx.delete(
        f"{url}/subjects/team-a.roles?permanent=true", headers=registry.admin.headers()
    )
    assert response.status_code == 200


def test_non_loopback_address_without_authentication_refuses_to_start(tmp_path: Path) -> None:
    url = sqlite_file_url(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--host", "0.0.0.0", "--port", "0"],
        cwd=ROOT,
        env={"REGISTRY_DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "REGISTRY_AUTH=true" in done.stderr
    assert "REGISTRY_ALLOW_UNAUTHENTICATED=true" in done.stderr
    assert "Traceback" not in done.stderr


async def _init(socket: Any, payload: dict[str, Any] | None) -> None:
    message: dict[str, Any] = {"type": "connection_init"}
    if payload is not None:
        message["payload"] = payload
    await socket.send(json.dumps(message))


async def test_a_websocket_without_credentials_is_closed_with_4401(registry: Registry) -> None:
    async with connect(registry.server.ws_url, subprotocols=[SUBPROTOCOL]) as socket:  # type: ignore[list-item]
        await _init(socket, {})
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_a_websocket_with_a_bad_key_is_closed_with_4401(registry: Registry) -> None:
    async with connect(registry.server.ws_url, subprotocols=[SUBPROTOCOL]) as socket:  # type: ignore[list-item]
        await _init(socket, {"Authorization": f"Bearer lsr_{registry.admin.id}_{'0' * 64}"})
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def _subscribe(socket: Any, key: Key) -> None:
    await _init(socket, {"Authorization": key.bearer})
    ack = json.loads(await asyncio.wait_for(socket.recv(), 10))
    assert ack["type"] == "connection_ack"
    await socket.send(json.dumps({"type": "subscribe", "id": "1", "payload": {"query": CHANGES}}))


async def _next_event(socket: Any) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if message["type"] == "next":
            return dict(message["payload"]["data"]["schemaChanges"])
        assert message["type"] in ("ping", "pong"), message


async def test_a_subscriber_sees_only_its_subjects(registry: Registry) -> None:
    async with connect(registry.server.ws_url, subprotocols=[SUBPROTOCOL]) as socket:  # type: ignore[list-item]
        await _subscribe(socket, registry.reader_a)
        await asyncio.sleep(0.5)
        await asyncio.to_thread(rest_register, registry, registry.admin, "team-b.secret-ws")
        await asyncio.to_thread(rest_register, registry, registry.admin, "team-a.visible-ws")
        event = await _next_event(socket)
    assert event["subject"] == "team-a.visible-ws"


async def test_revoking_a_key_closes_its_socket_before_any_later_event(
    registry: Registry,
) -> None:
    key = create_key(registry.database_url, "reader", "*", name="revoked-soon")
    async with connect(registry.server.ws_url, subprotocols=[SUBPROTOCOL]) as socket:  # type: ignore[list-item]
        await _subscribe(socket, key)
        await asyncio.sleep(0.5)
        await asyncio.to_thread(rest_register, registry, registry.admin, "team-a.before-revoke")
        assert (await _next_event(socket))["subject"] == "team-a.before-revoke"
        done = await asyncio.to_thread(cli, registry.database_url, "keys", "revoke", key.id)
        assert done.returncode == 0, done.stderr
        await asyncio.to_thread(rest_register, registry, registry.admin, "team-a.after-revoke")
        received: list[dict[str, Any]] = []
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                received.append(await _next_event(socket))
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    assert received == []
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{registry.server.url}/subjects", headers=key.headers())
    assert response.status_code == 401


def test_a_revoked_key_fails_at_once_over_http(registry: Registry) -> None:
    key = create_key(registry.database_url, "reader", "*", name="short-lived")
    url = f"{registry.server.url}/subjects"
    assert httpx.get(url, auth=(key.id, key.secret)).status_code == 200
    assert cli(registry.database_url, "keys", "revoke", key.id).returncode == 0
    assert httpx.get(url, auth=(key.id, key.secret)).status_code == 401


def test_keys_are_listed_without_secrets(registry: Registry) -> None:
    done = cli(registry.database_url, "keys", "list", "--json")
    assert done.returncode == 0
    listed = [json.loads(line) for line in done.stdout.splitlines()]
    by_id = {k["id"]: k for k in listed}
    assert by_id[registry.team_a.id]["role"] == "writer"
    assert by_id[registry.team_a.id]["subjects"] == ["team-a.*"]
    assert registry.team_a.secret not in done.stdout
    stored = base64.b64encode(registry.team_a.secret.encode()).decode()
    assert stored not in done.stdout


def test_a_cached_answer_is_never_served_to_a_principal_that_may_not_see_it(
    registry: Registry,
) -> None:
    schema_id = rest_register(registry, registry.admin, "team-b.cached").json()["id"]
    body = {"query": f"{{ schema(id: {schema_id}) {{ id schema }} }}"}
    url = registry.server.graphql_url
    for _ in range(2):  # the second answer comes from the cache
        seen = httpx.post(url, json=body, headers=registry.admin.headers())
        assert seen.json()["data"]["schema"]["id"] == schema_id
    hidden = httpx.post(url, json=body, headers=registry.reader_a.headers())
    assert hidden.json() == {"data": {"schema": None}}
    anonymous = httpx.post(url, json=body)
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    got = httpx.get(url, params=body, headers=registry.admin.headers())
    assert got.headers["cache-control"].startswith("private")


def test_an_admin_manages_keys_over_graphql_and_others_may_not(registry: Registry) -> None:
    created = graphql(
        registry,
        'mutation { createApiKey(name: "gql-bot", role: READER, subjects: ["team-a.*"]) '
        "{ key { id role subjects revokedAt } secret basicAuth bearerToken } }",
        registry.admin,
    )["data"]["createApiKey"]
    assert created["key"]["role"] == "READER"
    assert created["key"]["subjects"] == ["team-a.*"]
    assert created["basicAuth"] == f"{created['key']['id']}:{created['secret']}"
    url = f"{registry.server.url}/subjects"
    bearer = {"Authorization": f"Bearer {created['bearerToken']}"}
    assert httpx.get(url, headers=bearer).status_code == 200
    listed = graphql(registry, "{ apiKeys { id name } }", registry.admin)["data"]["apiKeys"]
    assert {"id": created["key"]["id"], "name": "gql-bot"} in listed
    assert created["secret"] not in json.dumps(listed)
    for key in (registry.team_a, registry.reader_a):
        refused = graphql(registry, "{ apiKeys { id } }", key)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    revoked = graphql(
        registry,
        "mutation($id: String!) { revokeApiKey(id: $id) { revokedAt } }",
        registry.admin,
        id=created["key"]["id"],
    )["data"]["revokeApiKey"]
    assert revoked["revokedAt"] is not None
    assert httpx.get(url, headers=bearer).status_code == 401
    missing = graphql(registry, 'mutation { revokeApiKey(id: "nope") { id } }', registry.admin)
    assert missing["errors"][0]["extensions"]["code"] == "KEY_NOT_FOUND"


AUDIT = """query($subject: String, $principal: String) {
  auditLog(subject: $subject, principal: $principal, first: 1000) {
    sequence principal action outcome subject version schemaId client requestId detail hash
  }
}"""


def test_every_change_and_every_refused_change_is_in_the_audit_log(registry: Registry) -> None:
    registered = rest_register(registry, registry.team_a, "team-a.audited")
    assert registered.status_code == 200
    refused = rest_register(registry, registry.team_a, "team-b.audited")
    assert refused.status_code == 403
    graphql(
        registry,
        'mutation { setCompatibility(subject: "team-a.audited", level: NONE) { compatibility } }',
        registry.team_a,
    )
    rows = graphql(registry, AUDIT, registry.admin, principal=registry.team_a.id)["data"][
        "auditLog"
    ]
    by_subject = {(r["subject"], r["outcome"], r["action"]): r for r in rows}
    done = by_subject[("team-a.audited", "ok", "register")]
    assert done["schemaId"] == registered.json()["id"]
    assert done["version"] == 1
    assert done["client"] == "127.0.0.1"
    assert done["requestId"] == registered.headers["x-request-id"]
    assert done["detail"]["operation"] == "POST /subjects/{subject}/versions"
    forbidden = by_subject[("team-b.audited", "FORBIDDEN", "register")]
    assert forbidden["detail"]["operation"] == "POST /subjects/{subject}/versions"
    configured = [r for r in rows if r["action"] == "configure"]
    assert configured and configured[-1]["detail"]["operation"] == "setCompatibility"
    # Only an administrator reads the log; the chain verifies.
    denied = graphql(registry, AUDIT, registry.team_a)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    verified = cli(registry.database_url, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stdout


def test_the_command_line_audits_the_keys_it_creates_and_revokes(registry: Registry) -> None:
    key = create_key(registry.database_url, "reader", name="audited-key")
    assert cli(registry.database_url, "keys", "revoke", key.id).returncode == 0
    rows = graphql(registry, AUDIT, registry.admin)["data"]["auditLog"]
    events = [
        (r["detail"]["event"], r["detail"]["operation"])
        for r in rows
        if r["detail"] and r["detail"].get("key") == key.id
    ]
    assert events == [("KEY_CREATED", "keys create"), ("KEY_REVOKED", "keys revoke")]
    assert all(
        r["principal"].startswith("cli:")
        for r in rows
        if r["detail"] and r["detail"].get("key") == key.id
    )


async def test_mutations_in_flight_on_one_socket_are_each_audited_under_their_own_action(
    registry: Registry,
) -> None:
    register = (
        'mutation { registerSchema(subject: "team-a.ws-audit", '
        'schema: "{\\"type\\":\\"object\\"}") { version } }'
    )
    configure = (
        'mutation { setCompatibility(subject: "team-a.ws-audit-config", level: NONE) '
        "{ compatibility } }"
    )
    async with connect(registry.server.ws_url, subprotocols=[SUBPROTOCOL]) as socket:  # type: ignore[list-item]
        await _init(socket, {"Authorization": registry.team_a.bearer})
        assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"
        for number, query in enumerate((register, configure, register, configure)):
            message = {"type": "subscribe", "id": str(number), "payload": {"query": query}}
            await socket.send(json.dumps(message))
        completed: set[str] = set()
        while len(completed) < 4:
            message = json.loads(await asyncio.wait_for(socket.recv(), 10))
            assert "errors" not in message.get("payload", {}), message
            if message["type"] == "complete":
                completed.add(message["id"])
    rows = await asyncio.to_thread(
        graphql, registry, AUDIT, registry.admin, principal=registry.team_a.id
    )
    mine = [
        r
        for r in rows["data"]["auditLog"]
        if r["subject"] in ("team-a.ws-audit", "team-a.ws-audit-config")
    ]
    assert len(mine) == 3  # the second registration of the same schema changes nothing
    for row in mine:
        expected = ("register", "registerSchema")
        if row["subject"] == "team-a.ws-audit-config":
            expected = ("configure", "setCompatibility")
        assert (row["action"], row["detail"]["operation"]) == expected
