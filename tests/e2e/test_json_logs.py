"""REGISTRY_LOG_FORMAT=json on a real server: one JSON object per line, every line of a
request named by its request id (the caller's X-Request-ID when sane) and by the caller's
traceparent, access lines with fields for HTTP and websockets, and never a secret."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.conftest import (
    GRAPHQL_TRANSPORT_WS,
    REGISTER,
    WAIT,
    new_server,
    poll,
    sqlite_file_url,
    start_server,
    stop_server,
    unique_subject,
)
from tests.support.keys import Key, cli, create_key
from tests.support.server import ServerProcess

REQUIRED = ("time", "level", "logger", "message")
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


@pytest.fixture(scope="module")
def json_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("json-logs")
    server = new_server(
        sqlite_file_url(directory), directory / "server.log", REGISTRY_LOG_FORMAT="json"
    ).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        yield client


def parse_lines(path: Path) -> list[dict[str, Any]]:
    """Every line of the log as JSON; fails on the first that is not an object with the
    required fields."""
    lines: list[dict[str, Any]] = []
    for text in path.read_text(errors="replace").splitlines():
        line = json.loads(text)
        assert isinstance(line, dict), text
        for name in REQUIRED:
            assert isinstance(line.get(name), str) and line[name], text
        lines.append(line)
    return lines


async def lines_until(
    server: ServerProcess, is_done: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    path = server.log_path
    assert path is not None
    return await poll(lambda: asyncio.to_thread(parse_lines, path), is_done)


def of_request(lines: list[dict[str, Any]], request_id: str) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("request_id") == request_id]


def access_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["logger"] == "app.access"]


async def test_a_given_request_id_names_the_answer_the_access_line_and_the_refusal(
    json_server: ServerProcess, http: httpx.AsyncClient
) -> None:
    request_id = f"deploy-check.{uuid.uuid4().hex[:8]}"
    subject = unique_subject("json")

    answer = await http.post(
        f"{json_server.url}/subjects/{subject}/versions",
        json={"schemaType": "JSON", "schema": "{not json"},
        headers={"X-Request-ID": request_id},
    )

    assert answer.status_code == 422
    assert answer.headers["x-request-id"] == request_id
    lines = await lines_until(
        json_server, lambda found: len(access_lines(of_request(found, request_id))) == 1
    )
    mine = of_request(lines, request_id)
    [refusal] = [line for line in mine if line["logger"] == "rest.errors"]
    assert refusal["level"] == "WARNING" and "INVALID_SCHEMA" in refusal["message"]
    [access] = access_lines(mine)
    assert access["method"] == "POST"
    assert access["path"] == f"/subjects/{subject}/versions"
    assert access["status"] == 422
    assert access["client"].startswith("127.0.0.1:")
    assert isinstance(access["duration_ms"], int | float) and access["duration_ms"] >= 0


async def test_a_graphql_refusal_line_carries_the_request_id(
    json_server: ServerProcess, http: httpx.AsyncClient
) -> None:
    request_id = uuid.uuid4().hex
    answer = await http.post(
        json_server.graphql_url,
        json={"query": REGISTER, "variables": {"subject": unique_subject(), "schema": "[1"}},
        headers={"X-Request-ID": request_id},
    )

    assert answer.json()["errors"][0]["extensions"]["code"] == "INVALID_SCHEMA"
    lines = await lines_until(
        json_server, lambda found: len(access_lines(of_request(found, request_id))) == 1
    )
    [refusal] = [line for line in of_request(lines, request_id) if line["logger"] == "graph.errors"]
    assert refusal["level"] == "WARNING"
    assert "registerSchema refused: INVALID_SCHEMA" in refusal["message"]


@pytest.mark.parametrize("given", ["has space", "x" * 129, "semi;colon", "new\tline"])
async def test_a_malformed_request_id_is_replaced(
    json_server: ServerProcess, http: httpx.AsyncClient, given: str
) -> None:
    answer = await http.get(f"{json_server.url}/subjects", headers={"X-Request-ID": given})

    made = answer.headers["x-request-id"]
    assert made != given and len(made) == 16
    lines = await lines_until(json_server, lambda found: bool(of_request(found, made)))
    assert access_lines(of_request(lines, made))[0]["path"] == "/subjects"
    assert not [line for line in lines if given in json.dumps(line)]


async def test_the_callers_trace_id_names_the_lines_of_its_request(
    json_server: ServerProcess, http: httpx.AsyncClient
) -> None:
    request_id = uuid.uuid4().hex
    await http.post(
        f"{json_server.url}/subjects/{unique_subject()}/versions",
        json={"schemaType": "JSON", "schema": "{not json"},
        headers={"X-Request-ID": request_id, "traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"},
    )

    lines = await lines_until(
        json_server, lambda found: len(access_lines(of_request(found, request_id))) == 1
    )
    mine = of_request(lines, request_id)
    assert {line["logger"] for line in mine} == {"rest.errors", "app.access"}
    assert all(line["trace_id"] == TRACE_ID and line["span_id"] == PARENT_ID for line in mine)


async def test_a_malformed_traceparent_is_ignored(
    json_server: ServerProcess, http: httpx.AsyncClient
) -> None:
    request_id = uuid.uuid4().hex
    await http.get(
        f"{json_server.url}/subjects",
        headers={
            "X-Request-ID": request_id,
            "traceparent": f"00-{TRACE_ID.upper()}-{PARENT_ID}-01",
        },
    )

    lines = await lines_until(json_server, lambda found: bool(of_request(found, request_id)))
    assert all("trace_id" not in line for line in of_request(lines, request_id))


async def test_the_access_line_has_no_query_string(
    json_server: ServerProcess, http: httpx.AsyncClient
) -> None:
    request_id = uuid.uuid4().hex
    marker = f"in-the-query-{uuid.uuid4().hex}"
    query = f"# {marker}\n{{ __typename }}"

    await http.get(
        json_server.graphql_url, params={"query": query}, headers={"X-Request-ID": request_id}
    )

    lines = await lines_until(
        json_server, lambda found: bool(access_lines(of_request(found, request_id)))
    )
    [access] = access_lines(of_request(lines, request_id))
    assert (access["method"], access["path"]) == ("GET", "/graphql")
    assert json_server.log_path is not None
    assert marker not in json_server.log_path.read_text()


async def test_a_websocket_gets_a_connect_and_a_disconnect_line_with_its_close_code(
    json_server: ServerProcess,
) -> None:
    request_id = uuid.uuid4().hex
    async with connect(
        json_server.ws_url,
        subprotocols=[GRAPHQL_TRANSPORT_WS],  # type: ignore[list-item]
        additional_headers={"X-Request-ID": request_id},
    ) as socket:
        assert socket.response is not None
        assert socket.response.headers["x-request-id"] == request_id
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await asyncio.wait_for(socket.recv(), WAIT))["type"] == "connection_ack"
        # Not a graphql-transport-ws message: the server closes with 4400.
        await socket.send(json.dumps({"type": "no-such-type"}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), WAIT)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400

    lines = await lines_until(
        json_server, lambda found: len(access_lines(of_request(found, request_id))) == 2
    )
    connected, disconnected = access_lines(of_request(lines, request_id))
    assert connected["websocket"] == "connect" and disconnected["websocket"] == "disconnect"
    for line in (connected, disconnected):
        assert line["path"] == "/graphql"
        assert line["subprotocol"] == GRAPHQL_TRANSPORT_WS
        assert line["duration_ms"] >= 0
    assert disconnected["close_code"] == 4400


async def test_text_lines_keep_their_format_and_lose_query_strings(tmp_path: Path) -> None:
    log_path = tmp_path / "server.log"
    server = new_server(sqlite_file_url(tmp_path), log_path)
    await start_server(server)
    marker = f"in-the-query-{uuid.uuid4().hex}"
    try:
        async with httpx.AsyncClient(timeout=WAIT) as http:
            answer = await http.get(
                server.graphql_url, params={"query": f'{{ subjects(prefix: "{marker}") }}'}
            )
            assert answer.headers["x-request-id"]
            lines = await poll(
                lambda: asyncio.to_thread(log_path.read_text),
                lambda text: '"GET /graphql HTTP/1.1"' in text,
            )
    finally:
        await stop_server(server)

    assert " INFO uvicorn.access: 127.0.0.1:" in lines
    assert marker not in log_path.read_text()
    assert not log_path.read_text().lstrip().startswith("{")


# ---- Secrets never reach the log --------------------------------------------------


async def test_no_secret_and_no_schema_body_reaches_the_json_log(
    tmp_path: Path, postgres_url: str
) -> None:
    database_url = postgres_url
    # The test server's password may be a common word: look for it where a URL has it.
    password = make_url(database_url).password
    assert password, "the test needs a PostgreSQL URL with a password"
    db_password = f":{password}@"
    assert (await asyncio.to_thread(cli, database_url, "migrate")).returncode == 0
    admin = await asyncio.to_thread(create_key, database_url, "admin", name="ops")
    log_path = tmp_path / "server.log"
    server = new_server(
        database_url,
        log_path,
        REGISTRY_AUTH="true",
        REGISTRY_LOG_FORMAT="json",
        # DEBUG: the most any operator could see.
        REGISTRY_LOG_LEVEL="debug",
        REGISTRY_CHECK_WORKERS="0",
    )
    body_marker = f"schema-body-{uuid.uuid4().hex}"
    wrong_secret = uuid.uuid4().hex * 2
    unknown_token = f"token-{uuid.uuid4().hex}"
    basic_password = f"basic-{uuid.uuid4().hex}"
    secrets = [db_password, admin.secret, wrong_secret, unknown_token, basic_password, body_marker]
    ids: list[str] = []
    await start_server(server)
    try:
        async with httpx.AsyncClient(timeout=WAIT) as http:

            async def call(method: str, url: str, **options: Any) -> httpx.Response:
                request_id = f"secret-check-{len(ids)}"
                ids.append(request_id)
                headers = {**options.pop("headers", {}), "X-Request-ID": request_id}
                return await http.request(method, url, headers=headers, **options)

            subject = unique_subject("secret")
            schema = json.dumps({"type": "object", "description": body_marker})
            accepted = await call(
                "POST",
                f"{server.url}/subjects/{subject}/versions",
                json={"schemaType": "JSON", "schema": schema},
                headers=admin.headers(),
            )
            assert accepted.status_code == 200, accepted.text
            invalid = await call(
                "POST",
                server.graphql_url,
                json={"query": REGISTER, "variables": {"subject": subject, "schema": "{" + schema}},
                headers=admin.headers(),
            )
            assert invalid.json()["errors"][0]["extensions"]["code"] == "INVALID_SCHEMA"
            # A required property added to an open model: refused, naming the property
            # (a path is what an operator needs); the body's text stays out.
            incompatible = json.dumps(
                {
                    "type": "object",
                    "description": body_marker,
                    "properties": {"added": {"type": "string", "description": body_marker}},
                    "required": ["added"],
                }
            )
            refused = await call(
                "POST",
                f"{server.url}/subjects/{subject}/versions",
                json={"schemaType": "JSON", "schema": incompatible},
                headers=admin.headers(),
            )
            assert refused.status_code == 409, refused.text
            wrong = Key(admin.id, wrong_secret)
            for headers in (
                wrong.headers(),
                {"Authorization": f"Bearer {unknown_token}"},
                {"Authorization": f"Basic {basic_password}"},
            ):
                answer = await call("GET", f"{server.url}/subjects", headers=headers)
                assert answer.status_code == 401
            in_url = httpx.URL(f"{server.url}/subjects").copy_with(
                username=admin.id, password=basic_password
            )
            assert (await call("GET", str(in_url))).status_code == 401
            query = f'{{ lookupSchema(subject: "{subject}", schema: "{body_marker}") {{ id }} }}'
            looked_up = await call(
                "GET", server.graphql_url, params={"query": query}, headers=admin.headers()
            )
            assert looked_up.status_code == 200
            # Credentials on an open path are not even read, and not logged either.
            health = await call(
                "GET", f"{server.url}/healthz", headers={"Authorization": f"Bearer {unknown_token}"}
            )
            assert health.status_code == 200
        async with connect(
            f"{server.ws_url}?token={unknown_token}",
            subprotocols=[GRAPHQL_TRANSPORT_WS],  # type: ignore[list-item]
        ) as socket:
            await socket.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": wrong.bearer}})
            )
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), WAIT)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
        lines = await lines_until(
            server,
            lambda found: (
                sum(line.get("websocket") == "disconnect" for line in found) == 1
                and all(access_lines(of_request(found, request_id)) for request_id in ids)
            ),
        )
    finally:
        await stop_server(server)

    lines = await asyncio.to_thread(parse_lines, log_path)
    text = log_path.read_text()
    for secret in secrets:
        assert secret not in text, secret
    # The refusals were logged (so the check above looked at lines that name them).
    refusals = [line for line in lines if line["logger"] == "app.authentication"]
    assert len(refusals) >= 4, refusals
    assert any(
        line["logger"] == "graph.errors" and "INVALID_SCHEMA" in line["message"] for line in lines
    )
    assert any("INCOMPATIBLE_SCHEMA" in line["message"] for line in lines)


async def test_a_failed_start_is_one_json_line_without_the_password(tmp_path: Path) -> None:
    password = f"db-password-{uuid.uuid4().hex}"
    log_path = tmp_path / "server.log"
    server = new_server(
        f"postgresql+asyncpg://registry:{password}@127.0.0.1:1/registry",
        log_path,
        REGISTRY_LOG_FORMAT="json",
        REGISTRY_DATABASE_CONNECT_TIMEOUT="0",
    )

    try:
        with pytest.raises(RuntimeError, match="exited early"):
            await start_server(server)
    finally:
        server.kill()  # closes the log file

    lines = await asyncio.to_thread(parse_lines, log_path)
    assert password not in log_path.read_text()
    [error] = [
        line for line in lines if line["level"] == "ERROR" and "127.0.0.1:1" in line["message"]
    ]
    assert "registry:***@127.0.0.1:1" in error["message"]
