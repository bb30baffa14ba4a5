"""What one request may send: bodies bounded while they are read, query cost bounded
before execution, malformed websocket messages and bodies answered with a clear error,
never a 500 or a dropped socket."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from tests.e2e.conftest import (
    WAIT,
    new_server,
    sqlite_file_url,
)
from tests.support.server import ServerProcess

MAX_SCHEMA_BYTES = 16_384
LIMIT = 4 * MAX_SCHEMA_BYTES  # the default: four times the schema limit
TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("limits")
    started = new_server(
        sqlite_file_url(directory),
        directory / "server.log",
        REGISTRY_MAX_SCHEMA_BYTES=str(MAX_SCHEMA_BYTES),
    ).start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        yield client


def fragment_bomb(levels: int, root: str = "Query", field: str = "__typename") -> str:
    fragments = [f"fragment F0 on {root} {{ {field} }}"] + [
        f"fragment F{i} on {root} {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)
    ]
    operation = "subscription" if root == "Subscription" else "query"
    return f"{operation} {{ ...F{levels} }}\n" + "\n".join(fragments)


async def resident_bytes(http: httpx.AsyncClient, server: ServerProcess) -> float:
    text = (await http.get(f"{server.url}/metrics")).text
    match = re.search(r"^process_resident_memory_bytes (\S+)$", text, re.MULTILINE)
    assert match is not None
    return float(match.group(1))


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


# ------------------------------------------------------------------- query cost


async def test_a_fragment_bomb_is_refused_as_too_complex(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    query = fragment_bomb(20)
    assert len(query) < 1_000

    posted = await http.post(server.graphql_url, json={"query": query})
    got = await http.get(server.graphql_url, params={"query": query})

    for response in (posted, got):
        assert response.status_code == 200, response.text
        assert codes(response.json()) == ["QUERY_TOO_COMPLEX"], response.text
        assert response.json().get("data") is None
    health = await http.get(f"{server.url}/healthz")
    assert health.status_code == 200


async def test_a_fragment_bomb_subscription_is_refused_over_the_websocket(
    server: ServerProcess,
) -> None:
    query = fragment_bomb(20, "Subscription", "schemaChanges { sequence }")
    async with websockets.connect(server.ws_url, subprotocols=[TRANSPORT_WS]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps({"type": "subscribe", "id": "1", "payload": {"query": query}}))
        reply = json.loads(await socket.recv())

    assert reply["type"] == "error"
    assert reply["id"] == "1"
    assert [e["extensions"]["code"] for e in reply["payload"]] == ["QUERY_TOO_COMPLEX"]


# ------------------------------------------------------------------- body size


async def test_a_body_over_the_limit_is_refused_before_it_is_read(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    big = json.dumps({"query": "{ __typename }", "variables": {"x": "a" * (LIMIT + 1)}})

    graphql = await http.post(
        server.graphql_url, content=big, headers={"Content-Type": "application/json"}
    )
    rest = await http.post(
        f"{server.url}/subjects/s/versions",
        content=big,
        headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
    )

    assert graphql.status_code == 413
    assert codes(graphql.json()) == ["PAYLOAD_TOO_LARGE"]
    assert rest.status_code == 413
    assert rest.json()["error_code"] == 413
    assert "REGISTRY_MAX_REQUEST_BYTES" in rest.json()["message"]


@pytest.mark.parametrize("path", ["/graphql", "/subjects/s/versions"])
async def test_a_streamed_body_without_length_is_cut_off_at_the_limit(
    server: ServerProcess, http: httpx.AsyncClient, path: str
) -> None:
    """50 MB sent in chunks without Content-Length: refused once the limit is passed,
    and the server's memory does not grow by the body's size."""
    before = await resident_bytes(http, server)
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"query": "{ __typename }", "variables": {"x": "'
        for _ in range(800):
            sent += 65_536
            yield b"a" * 65_536

    response = await http.post(
        f"{server.url}{path}",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    after = await resident_bytes(http, server)

    assert response.status_code == 413
    if path == "/graphql":
        assert codes(response.json()) == ["PAYLOAD_TOO_LARGE"], response.text
    else:
        assert response.json()["error_code"] == 413, response.text
    assert after - before < 20 * 1024 * 1024, (before, after)


async def test_a_body_within_the_limit_is_served(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    body = {"query": "{ __typename }", "extensions": {"padding": "a" * (LIMIT // 2)}}

    response = await http.post(server.graphql_url, json=body)

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_a_websocket_message_over_the_limit_closes_the_socket_as_too_big(
    server: ServerProcess,
) -> None:
    async with websockets.connect(server.ws_url, subprotocols=[TRANSPORT_WS]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps({"type": "ping", "payload": {"x": "a" * (LIMIT + 1)}}))
        with pytest.raises(ConnectionClosed) as closed:
            await socket.recv()

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009


# ------------------------------------------------------------------ malformed input


async def test_invalid_utf8_in_a_graphql_body_is_a_400_graphql_error(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    response = await http.post(
        server.graphql_url,
        content=b'{"query": "{ __typename \xff\xfe }"}',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert codes(response.json()) == ["BAD_REQUEST"]
    assert "UTF-8" in response.json()["errors"][0]["message"]


async def test_a_body_that_is_not_json_is_a_400_graphql_error(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    response = await http.post(
        server.graphql_url, content=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert codes(response.json()) == ["BAD_REQUEST"]


MALFORMED = [
    ("[]", "must be a JSON object"),
    ("null", "must be a JSON object"),
    ("123", "must be a JSON object"),
    ('"subscribe"', "must be a JSON object"),
    ('{"type": 7}', "'type' must be a string"),
    (
        '{"type": "subscribe", "id": 1, "payload": {"query": "{ __typename }"}}',
        "'id' must be a non-empty string",
    ),
    ('{"type": "subscribe", "id": "1", "payload": "x"}', "'payload' must be an object"),
    ('{"type": "subscribe", "id": "1", "payload": {"query": 5}}', "'payload.query'"),
    (
        '{"type": "subscribe", "id": "1", "payload": {"query": "{ __typename }",'
        ' "variables": "x"}}',
        "'payload.variables' must be an object",
    ),
    ('{"type": "complete", "id": null}', "'id' must be a non-empty string"),
]


@pytest.mark.parametrize(("frame", "reason"), MALFORMED)
async def test_a_malformed_transport_ws_message_closes_with_4400_and_a_reason(
    server: ServerProcess, frame: str, reason: str
) -> None:
    async with websockets.connect(server.ws_url, subprotocols=[TRANSPORT_WS]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(frame)
        with pytest.raises(ConnectionClosed) as closed:
            await socket.recv()

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4400
    assert reason in closed.value.rcvd.reason


@pytest.mark.parametrize(("frame", "reason"), MALFORMED)
async def test_a_malformed_legacy_ws_message_gets_an_error_and_the_socket_stays_usable(
    server: ServerProcess, frame: str, reason: str
) -> None:
    frame = frame.replace('"subscribe"', '"start"').replace('"complete"', '"stop"')
    async with websockets.connect(server.ws_url, subprotocols=[LEGACY_WS]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(frame)
        reply = json.loads(await socket.recv())
        while reply["type"] == "ka":
            reply = json.loads(await socket.recv())
        assert reply["type"] in ("error", "connection_error"), reply
        assert reason in reply["payload"]["message"]
        # Still served afterwards (the protocol carries subscriptions only, and says so).
        await socket.send(
            json.dumps({"type": "start", "id": "ok", "payload": {"query": "{ __typename }"}})
        )
        answer = json.loads(await socket.recv())
        while answer["type"] == "ka":
            answer = json.loads(await socket.recv())

    assert answer["type"] == "error" and answer["id"] == "ok", answer
    assert answer["payload"]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "Query operations are not accepted here" in answer["payload"]["message"]


def test_nothing_above_left_a_traceback_in_the_server_log(server: ServerProcess) -> None:
    log = Path(server.log_path or "").read_text(errors="replace")
    assert "Traceback" not in log


# ------------------------------------------------------------------ headers


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/", None),
        ("GET", "/healthz", None),
        ("POST", "/graphql", {"query": "{ __typename }"}),
        ("GET", "/subjects", None),
        ("GET", "/no/such/path", None),
        ("PATCH", "/subjects", None),
        ("GET", "/openapi.json", None),
    ],
)
async def test_every_response_carries_the_security_headers_and_no_server_header(
    server: ServerProcess, http: httpx.AsyncClient, method: str, path: str, body: Any
) -> None:
    response = await http.request(method, f"{server.url}{path}", json=body)

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "server" not in response.headers


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
async def test_a_rest_write_without_a_json_content_type_is_415(
    server: ServerProcess, http: httpx.AsyncClient, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    content = json.dumps({"schemaType": "JSON", "schema": '{"type": "object"}'}).encode()

    response = await http.post(
        f"{server.url}/subjects/csrf/versions", content=content, headers=headers
    )

    assert response.status_code == 415
    assert response.json()["error_code"] == 415
    listed = await http.get(f"{server.url}/subjects")
    assert "csrf" not in listed.json()
