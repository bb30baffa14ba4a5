"""JWT bearer tokens (against a JWKS served locally), per-principal limits and CORS, on a
real server with REGISTRY_AUTH=true."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.conftest import new_server, sqlite_file_url
from tests.e2e.test_authentication import SUBPROTOCOL
from tests.support.jwks_server import JwksServer, running_jwks_server
from tests.support.keys import Key, create_key
from tests.support.server import ROOT, ServerProcess
from tests.support.tokens import AUDIENCE, ISSUER, SigningKey, issue, rsa_key

ORIGIN = "https://ui.example.com"


@dataclass
class Deployment:
    server: ServerProcess
    jwks: JwksServer
    signing: SigningKey
    admin: Key
    database_url: str

    def token(self, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue(self.signing, **claims)}"}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    directory = tmp_path_factory.mktemp("tokens")
    url = sqlite_file_url(directory)
    migrated = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        cwd=ROOT,
        env={"REGISTRY_DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        timeout=60,
    )
    assert migrated.returncode == 0
    admin = create_key(url, "admin", name="ops")
    signing = rsa_key("kid-1")
    with running_jwks_server(signing) as jwks:
        server = new_server(
            url,
            directory / "server.log",
            REGISTRY_AUTH="true",
            REGISTRY_JWT_ISSUER=ISSUER,
            REGISTRY_JWT_AUDIENCE=AUDIENCE,
            REGISTRY_JWT_JWKS_URL=jwks.url,
            REGISTRY_RATE_LIMIT="5",
            REGISTRY_RATE_BURST="10",
            REGISTRY_MAX_CONNECTIONS_PER_PRINCIPAL="2",
            REGISTRY_CORS_ORIGINS=ORIGIN,
            REGISTRY_INTROSPECTION="admin",
        ).start()
        try:
            yield Deployment(server, jwks, signing, admin, url)
        finally:
            server.stop()


def test_a_token_from_the_issuer_acts_with_its_role_and_scopes(deployment: Deployment) -> None:
    url = deployment.server.url
    headers = deployment.token(sub="svc-1", role="writer", subjects=["team-a.*"])
    body = {"schemaType": "JSON", "schema": json.dumps({"type": "object"})}
    mine = httpx.post(f"{url}/subjects/team-a.tok/versions", json=body, headers=headers)
    assert mine.status_code == 200, mine.text
    theirs = httpx.post(f"{url}/subjects/team-b.tok/versions", json=body, headers=headers)
    assert (theirs.status_code, theirs.json()["error_code"]) == (403, 40301)


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) - 3600},
        {"iss": "https://someone-else.example.com"},
        {"aud": "another-service"},
        {"role": "superuser"},
    ],
    ids=["expired", "other-issuer", "other-audience", "unknown-role"],
)
def test_a_token_that_does_not_hold_is_refused(
    deployment: Deployment, claims: dict[str, Any]
) -> None:
    response = httpx.get(f"{deployment.server.url}/subjects", headers=deployment.token(**claims))
    assert (response.status_code, response.json()["error_code"]) == (401, 40101)
    assert response.json()["message"] == "The bearer token is not valid."


def test_a_token_signed_by_a_key_the_issuer_does_not_publish_is_refused(
    deployment: Deployment,
) -> None:
    stranger = rsa_key("kid-1")  # the same kid, another key
    headers = {"Authorization": f"Bearer {issue(stranger)}"}
    response = httpx.get(f"{deployment.server.url}/subjects", headers=headers)
    assert response.status_code == 401


async def test_a_websocket_is_closed_when_its_token_expires(deployment: Deployment) -> None:
    token = issue(deployment.signing, exp=int(time.time()) + 3, role="reader", subjects=["*"])
    async with connect(deployment.server.ws_url, subprotocols=[SUBPROTOCOL]) as socket:  # type: ignore[list-item]
        await socket.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"
        started = time.monotonic()
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(socket.recv(), 15)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    assert time.monotonic() - started < 10


def test_a_principal_over_its_rate_is_refused_with_retry_after(deployment: Deployment) -> None:
    headers = deployment.token(sub="svc-flood", role="reader", subjects=["*"])
    url = f"{deployment.server.url}/subjects"
    graphql_url = f"{deployment.server.url}/graphql"
    query = {"query": "{ subjects { name } }"}
    with httpx.Client() as client:
        rest = [client.get(url, headers=headers) for _ in range(20)]
        graphql = [client.post(graphql_url, json=query, headers=headers) for _ in range(10)]
    refused = [r for r in rest if r.status_code == 429]
    assert refused, [r.status_code for r in rest]
    assert refused[0].json()["error_code"] == 42901
    assert int(refused[0].headers["retry-after"]) >= 1
    # Both transports draw on the same bucket.
    refused_graphql = [r for r in graphql if r.status_code == 429]
    assert refused_graphql, [r.status_code for r in graphql]
    assert refused_graphql[0].json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    # Another principal is not affected.
    other = httpx.get(url, headers=deployment.token(sub="svc-calm", role="reader", subjects=["*"]))
    assert other.status_code == 200


async def test_a_principal_may_hold_only_so_many_sockets(deployment: Deployment) -> None:
    init = {"type": "connection_init", "payload": {"Authorization": deployment.admin.bearer}}
    held = []
    try:
        for _ in range(2):
            socket = await connect(deployment.server.ws_url, subprotocols=[SUBPROTOCOL])  # type: ignore[list-item]
            held.append(socket)
            await socket.send(json.dumps(init))
            assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"
        async with connect(deployment.server.ws_url, subprotocols=[SUBPROTOCOL]) as extra:  # type: ignore[list-item]
            await extra.send(json.dumps(init))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(extra.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4429
        await held.pop().close()
        await asyncio.sleep(0.3)
        async with connect(deployment.server.ws_url, subprotocols=[SUBPROTOCOL]) as again:  # type: ignore[list-item]
            await again.send(json.dumps(init))
            assert json.loads(await asyncio.wait_for(again.recv(), 10))["type"] == "connection_ack"
    finally:
        for socket in held:
            await socket.close()


def test_a_listed_origin_gets_its_preflight_answered_and_others_do_not(
    deployment: Deployment,
) -> None:
    request = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    url = f"{deployment.server.url}/graphql"
    allowed = httpx.options(url, headers={**request, "Origin": ORIGIN})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    denied = httpx.options(url, headers={**request, "Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in denied.headers
    # A refusal can be read by the listed frontend.
    refused = httpx.get(f"{deployment.server.url}/subjects", headers={"Origin": ORIGIN})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == ORIGIN


def test_introspection_can_be_kept_to_administrators(deployment: Deployment) -> None:
    query = {"query": "{ __schema { queryType { name } } }"}
    url = f"{deployment.server.url}/graphql"
    reader = deployment.token(sub="svc-introspect", role="reader", subjects=["*"])
    refused = httpx.post(url, json=query, headers=reader).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    allowed = httpx.post(url, json=query, headers=deployment.admin.headers()).json()
    assert allowed["data"]["__schema"]["queryType"]["name"] == "Query"
    # __typename is not introspection of the schema.
    typename = httpx.post(url, json={"query": "{ __typename }"}, headers=reader).json()
    assert typename == {"data": {"__typename": "Query"}}


# Last in the module: it leaves this address refused for a second or two.
def test_an_address_that_keeps_failing_authentication_is_refused_before_verification(
    deployment: Deployment,
) -> None:
    url = f"{deployment.server.url}/subjects"
    wrong = {"Authorization": f"Bearer lsr_{deployment.admin.id}_{'0' * 64}"}
    with httpx.Client() as client:
        answers = [client.get(url, headers=wrong) for _ in range(40)]
        statuses = [a.status_code for a in answers]
        assert statuses[0] == 401
        assert 429 in statuses, statuses
        refused = answers[statuses.index(429)]
        assert refused.json()["error_code"] == 42901
        assert int(refused.headers["retry-after"]) >= 1
        # Refused before verification: valid credentials from the address wait too...
        assert client.get(url, headers=deployment.admin.headers()).status_code == 429
        # ...until a failure is allowed again.
        time.sleep(int(refused.headers["retry-after"]) + 0.2)
        assert client.get(url, headers=deployment.admin.headers()).status_code == 200
