"""HTTP/1.1 requests sent byte for byte: a path with stray percent signs, dot segments or
invalid UTF-8, and header values outside ASCII reach the server as written (an HTTP
client library would normalize or refuse them first)."""

from __future__ import annotations

import contextlib
import json
import socket
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def is_json(self) -> bool:
        return "json" in self.headers.get("content-type", "")


def send(
    port: int,
    method: str,
    target: bytes,
    *,
    headers: list[tuple[bytes, bytes]] | None = None,
    body: bytes = b"",
    timeout: float = 30.0,
) -> RawResponse:
    """One request on its own connection (``Connection: close``), read to the end."""
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1"]
    lines += [name + b": " + value for name, value in headers or []]
    lines += [b"Content-Length: " + str(len(body)).encode(), b"Connection: close"]
    request = b"\r\n".join(lines) + b"\r\n\r\n" + body
    chunks = []
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        # Answered (413, 400) and closed before the whole body was read: read the answer.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(request)
        with contextlib.suppress(ConnectionResetError):
            while chunk := connection.recv(65536):
                chunks.append(chunk)
    if not chunks:
        raise ConnectionError(f"no response to {method} {target[:200]!r}")
    head, _, content = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        parsed[name.strip().lower()] = value.strip()
    if parsed.get("transfer-encoding") == "chunked":
        content = _dechunk(content)
    return RawResponse(int(status_line.split(" ")[1]), parsed, content)


def _dechunk(content: bytes) -> bytes:
    body = b""
    while content:
        size_line, _, rest = content.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        body += rest[:size]
        content = rest[size + 2 :]
    return body
