"""Hostile requests, shared by ``load.attacks`` and ``load.chaos``: patterns a backtracking
engine would take minutes on, a fragment bomb, bodies and websocket messages far over the
request limit, and how each is sent when a plain client would not (a body the server
refuses while it arrives, a message it closes the socket on).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.typing import Subprotocol

# ``^(a+)+$`` against n letters "a" then "!": a backtracking engine tries about 2**n ways
# to split the letters before it fails (28 letters: minutes). RE2 answers in linear time.
CATASTROPHIC = "^(a+)+$"
EVIL_NAMES = ["a" * 28 + "!", "a" * 29 + "!", "a" * 30 + "!"]

# The pattern is tried on the property names: as a patternProperties key beside them...
NAMED_BEFORE = {"type": "object", "properties": {EVIL_NAMES[0]: {"type": "string"}}}
NAMED_AFTER = {**NAMED_BEFORE, "patternProperties": {CATASTROPHIC: {"type": "integer"}}}
# ...and on listed values, as a pattern beside an enum of them.
LISTED_BEFORE = {"type": "string", "enum": [*EVIL_NAMES, "aaa"]}
LISTED_AFTER = {**LISTED_BEFORE, "pattern": CATASTROPHIC}
# (before, after, the incompatibility a check reports): the names do not match (they end
# in "!"), so the open writer may carry other, matching names with any value; "aaa"
# matches the pattern but the long values do not.
REGEX_CASES = {
    "pattern-property": (NAMED_BEFORE, NAMED_AFTER, "PROPERTY_ADDED_TO_OPEN_MODEL"),
    "pattern-beside-enum": (LISTED_BEFORE, LISTED_AFTER, "PATTERN_CHANGED"),
}

CHECK = """
query($subject: String!, $schema: String!) {
  checkCompatibility(subject: $subject, schema: $schema) {
    isCompatible incompatibilities { code }
  }
}
"""


def fragment_bomb(levels: int = 20) -> str:
    """About 770 bytes that expand to 2**levels selections: F0 selects one field, each
    further fragment spreads the one before it twice."""
    fragments = ["fragment F0 on Query{__typename}"] + [
        f"fragment F{i} on Query{{...F{i - 1} ...F{i - 1}}}" for i in range(1, levels + 1)
    ]
    return f"{{...F{levels}}}" + "".join(fragments)


def compact(document: object) -> str:
    return json.dumps(document, separators=(",", ":"))


# Oversized bodies


@dataclass(frozen=True)
class BodyAnswer:
    status: int  # 0: the connection closed without an answer
    body: bytes
    sent: int  # body bytes written before the answer (or the close) came
    seconds: float  # from the first byte sent to the answer


# A GraphQL request whose one variable, and a REST registration whose schema text, fill
# the body: what comes before and after the letters.
GRAPHQL_BODY = (b'{"query":"query($x:String){__typename}","variables":{"x":"', b'"}}')
REST_BODY = (b'{"schemaType":"JSON","schema":"', b'"}')


def _body_chunks(head: bytes, tail: bytes, size: int, chunk: int = 65_536) -> Iterator[bytes]:
    letters = size - len(head) - len(tail)
    yield head
    block = b"a" * chunk
    while letters > 0:
        yield block[: min(chunk, letters)]
        letters -= chunk
    yield tail


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
        return 0, b""
    status = int(head[9:12]) if head.startswith(b"HTTP/1.1 ") else 0
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    try:
        body = await reader.readexactly(length)
    except (asyncio.IncompleteReadError, OSError):
        body = b""
    return status, body


async def send_large_body(
    host: str,
    port: int,
    path: str,
    parts: tuple[bytes, bytes],
    size: int,
    *,
    chunked: bool,
    content_type: str = "application/json",
    give_up: float = 60.0,
) -> BodyAnswer:
    """POSTs a ``size``-byte body, with ``Content-Length`` or in chunks without it, and
    stops sending as soon as the server answers or closes: a server that refuses the
    body while it arrives is never sent all of it."""
    reader, writer = await asyncio.open_connection(host, port)
    framing = b"Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}".encode()
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: registry\r\nContent-Type: {content_type}\r\n".encode()
        + framing
        + b"\r\n\r\n"
    )
    started = time.monotonic()
    answer = asyncio.create_task(_read_answer(reader))
    sent = 0
    status, body = 0, b""
    try:
        async with asyncio.timeout(give_up):
            try:
                for piece in _body_chunks(*parts, size):
                    if answer.done():
                        break
                    writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                    await writer.drain()
                    sent += len(piece)
                if chunked and not answer.done():
                    writer.write(b"0\r\n\r\n")
            except OSError:
                pass  # closed while we were sending: what it answered first is read below
            status, body = await answer
    except TimeoutError:
        pass
    finally:
        answer.cancel()
        writer.close()
    return BodyAnswer(status, body, sent, time.monotonic() - started)


async def send_large_message(ws_url: str, size: int, give_up: float = 60.0) -> tuple[int, float]:
    """A graphql-transport-ws message of ``size`` bytes after a proper connection_init;
    returns the close code the server gave (0: none) and the seconds until it closed."""
    message = '{"type":"ping","payload":{"x":"' + "a" * (size - 40) + '"}}'
    started = time.monotonic()
    try:
        async with (
            asyncio.timeout(give_up),
            connect(
                ws_url,
                subprotocols=[Subprotocol("graphql-transport-ws")],
                max_size=None,
                ping_interval=None,
            ) as socket,
        ):
            await socket.send(json.dumps({"type": "connection_init"}))
            await socket.recv()
            started = time.monotonic()
            try:
                await socket.send(message)
                while True:
                    await socket.recv()
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd is not None else 0
                return code, time.monotonic() - started
    except (OSError, TimeoutError, WebSocketException):
        pass
    return 0, time.monotonic() - started


def error_code(payload: Any) -> str:
    """The first GraphQL ``extensions.code`` or REST ``error_code`` of a decoded body."""
    if not isinstance(payload, dict):
        return ""
    if "error_code" in payload:
        return str(payload["error_code"])
    errors = payload.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str((errors[0].get("extensions") or {}).get("code", ""))
    return ""
