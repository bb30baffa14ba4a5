"""Slow and excessive clients hold nothing for long: half-sent headers, trickled bodies,
idle keep-alive connections, stalled websocket upgrades and connection floods are each
cut at their setting, while well-behaved requests keep being served."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.conftest import (
    GRAPHQL_TRANSPORT_WS,
    WAIT,
    Subscription,
    new_server,
    poll,
    sqlite_file_url,
)
from tests.support.server import ServerProcess

HEADER_TIMEOUT = 2.0
HANDSHAKE_TIMEOUT = 1.0
BODY_TIMEOUT = 2.0
BODY_IDLE_TIMEOUT = 0.5
KEEP_ALIVE_TIMEOUT = 1
INIT_TIMEOUT = 1.0
MAX_CONNECTIONS = 20
BACKLOG = 4
# Late is late: cut at the bound, not before, and within a loaded machine's delays of it.
SLACK = 3.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("slow-clients")
    server = new_server(
        sqlite_file_url(directory),
        directory / "server.log",
        REGISTRY_HEADER_TIMEOUT=str(HEADER_TIMEOUT),
        REGISTRY_WEBSOCKET_HANDSHAKE_TIMEOUT=str(HANDSHAKE_TIMEOUT),
        REGISTRY_BODY_TIMEOUT=str(BODY_TIMEOUT),
        REGISTRY_BODY_IDLE_TIMEOUT=str(BODY_IDLE_TIMEOUT),
        REGISTRY_KEEP_ALIVE_TIMEOUT=str(KEEP_ALIVE_TIMEOUT),
        REGISTRY_WEBSOCKET_INIT_TIMEOUT=str(INIT_TIMEOUT),
    ).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("limited")
    server = new_server(
        sqlite_file_url(directory),
        directory / "server.log",
        REGISTRY_MAX_CONNECTIONS=str(MAX_CONNECTIONS),
        REGISTRY_LISTEN_BACKLOG=str(BACKLOG),
    ).start()
    try:
        yield server
    finally:
        server.stop()


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def open_raw(server: ServerProcess, first_bytes: bytes = b"") -> Connection:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    if first_bytes:
        writer.write(first_bytes)
        await writer.drain()
    return reader, writer


async def read_until_closed(connection: Connection, within: float = WAIT) -> bytes:
    """Everything the server sends until it closes the connection."""
    reader, writer = connection
    try:
        async with asyncio.timeout(within):
            return await reader.read(-1)
    finally:
        writer.close()


def request(path: str = "/healthz", body: bytes = b"", method: str = "GET") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: registry\r\n"
    if body or method == "POST":
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


async def healthz(server: ServerProcess) -> int:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        return (await client.get(f"{server.url}/healthz")).status_code


def log_of(server: ServerProcess) -> str:
    assert server.log_path is not None
    return server.log_path.read_text(errors="replace")


async def test_half_sent_requests_are_answered_408_and_closed_after_the_header_timeout(
    server: ServerProcess,
) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    half_sent = [await open_raw(server, b"GET /healthz HT") for _ in range(50)]
    silent = [await open_raw(server) for _ in range(10)]

    assert await healthz(server) == 200  # served meanwhile
    answers = await asyncio.gather(*(read_until_closed(c) for c in half_sent + silent))
    elapsed = loop.time() - started

    assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers[:50]), answers[0]
    assert answers[50:] == [b""] * 10  # nothing was asked: closed without a word
    assert HEADER_TIMEOUT - 0.1 <= elapsed <= HEADER_TIMEOUT + SLACK


async def test_a_later_request_on_a_kept_alive_connection_gets_the_same_header_timeout(
    server: ServerProcess,
) -> None:
    reader, writer = await open_raw(server, request())
    first = await reader.readuntil(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 200 ")
    await reader.readexactly(int(first.split(b"content-length: ")[1].split(b"\r\n")[0]))
    loop = asyncio.get_running_loop()
    writer.write(b"GET /heal")
    started = loop.time()

    answer = await read_until_closed((reader, writer))

    assert answer.startswith(b"HTTP/1.1 408 ")
    assert HEADER_TIMEOUT - 0.1 <= loop.time() - started <= HEADER_TIMEOUT + SLACK


async def test_an_idle_connection_is_closed_after_the_keep_alive_timeout(
    server: ServerProcess,
) -> None:
    reader, writer = await open_raw(server, request())
    head = await reader.readuntil(b"\r\n\r\n")
    await reader.readexactly(int(head.split(b"content-length: ")[1].split(b"\r\n")[0]))
    loop = asyncio.get_running_loop()
    started = loop.time()

    rest = await read_until_closed((reader, writer))

    assert rest == b""
    assert KEEP_ALIVE_TIMEOUT - 0.1 <= loop.time() - started <= KEEP_ALIVE_TIMEOUT + SLACK


@pytest.mark.parametrize("path", ["/graphql", "/subjects/trickled/versions"])
async def test_a_trickled_body_is_answered_408_at_the_body_timeout(
    server: ServerProcess, path: str
) -> None:
    body = json.dumps({"query": "{ subjects }", "schema": "{}"}).encode() + b" " * 200
    connection = await open_raw(server, request(path, body, "POST")[: -len(body)])
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def trickle() -> None:
        # A byte every 0.3 s: never idle for BODY_IDLE_TIMEOUT, done only after 60 s.
        for byte in body:
            connection[1].write(bytes([byte]))
            await asyncio.sleep(0.3)

    sender = asyncio.create_task(trickle())
    try:
        answer = await read_until_closed(connection)
    finally:
        sender.cancel()
    elapsed = loop.time() - started

    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"connection: close" in answer
    assert BODY_TIMEOUT - 0.1 <= elapsed <= BODY_TIMEOUT + SLACK
    # An expected refusal, not a failure of the application.
    assert "Traceback" not in log_of(server)


async def test_a_body_that_stops_is_answered_408_after_the_idle_timeout(
    server: ServerProcess,
) -> None:
    body = b'{"query": "{ subjects }"}'
    connection = await open_raw(server, request("/graphql", body, "POST")[:-10])
    loop = asyncio.get_running_loop()
    started = loop.time()

    answer = await read_until_closed(connection)

    assert answer.startswith(b"HTTP/1.1 408 ")
    assert BODY_IDLE_TIMEOUT - 0.1 <= loop.time() - started <= BODY_IDLE_TIMEOUT + SLACK


async def test_a_websocket_upgrade_that_is_not_complete_within_the_handshake_timeout_is_cut(
    server: ServerProcess,
) -> None:
    upgrade = (
        "GET /graphql HTTP/1.1\r\nHost: registry\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {GRAPHQL_TRANSPORT_WS}\r\n\r\n"
    ).encode()
    prompt = await open_raw(server, upgrade)
    late = await open_raw(server, upgrade[:20])
    await asyncio.sleep(HANDSHAKE_TIMEOUT + 0.3)  # within the header timeout, past this one
    late[1].write(upgrade[20:])

    assert b"101 Switching Protocols" in await prompt[0].readuntil(b"\r\n\r\n")
    prompt[1].close()
    assert (await read_until_closed(late)).startswith(b"HTTP/1.1 408 ")
    async with Subscription(server.ws_url, {"subject": "any"}):
        pass  # a client that upgrades at once is served


async def test_a_graphql_transport_ws_client_that_never_initializes_is_closed_with_4408(
    server: ServerProcess,
) -> None:
    loop = asyncio.get_running_loop()
    async with connect(server.ws_url, subprotocols=[GRAPHQL_TRANSPORT_WS]) as websocket:  # type: ignore[list-item]
        started = loop.time()
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(WAIT):
                await websocket.recv()

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408
    assert INIT_TIMEOUT - 0.1 <= loop.time() - started <= INIT_TIMEOUT + SLACK


async def test_connections_beyond_the_limit_are_answered_503_with_retry_after(
    limited_server: ServerProcess,
) -> None:
    held = [await open_raw(limited_server) for _ in range(MAX_CONNECTIONS - 1)]
    last_admitted = await open_raw(limited_server, request())
    beyond = [await open_raw(limited_server, request()), await open_raw(limited_server)]

    # Answered at once, whether a request was sent or not.
    for refused in await asyncio.gather(*(read_until_closed(c, within=2) for c in beyond)):
        assert refused.startswith(b"HTTP/1.1 503 "), refused
        assert b"retry-after: 1" in refused
    admitted = await last_admitted[0].readuntil(b"\r\n\r\n")
    assert admitted.startswith(b"HTTP/1.1 200 ")
    for _, writer in [*held, last_admitted]:
        writer.close()

    await poll(lambda: healthz(limited_server), lambda status: status == 200)
    async with httpx.AsyncClient(timeout=WAIT) as client:
        metrics = (await client.get(f"{limited_server.url}/metrics")).text
    assert 'registry_connections_cut_total{reason="over_limit"}' in metrics


def test_the_listen_backlog_bounds_connections_waiting_to_be_accepted(
    limited_server: ServerProcess,
) -> None:
    # Stopped, the server accepts nothing: the kernel queues connections up to the
    # backlog (Linux holds one more) and drops further attempts.
    opened: list[socket.socket] = []
    os.kill(limited_server.pid, signal.SIGSTOP)
    try:
        for _ in range(BACKLOG + 4):
            try:
                opened.append(socket.create_connection(("127.0.0.1", limited_server.port), 0.5))
            except OSError:
                break
    finally:
        os.kill(limited_server.pid, signal.SIGCONT)
        for sock in opened:
            sock.close()

    assert BACKLOG <= len(opened) <= BACKLOG + 1


def test_the_server_log_holds_no_traceback(server: ServerProcess) -> None:
    assert "Traceback" not in log_of(server)
