"""One graphql-transport-ws connection carrying a subscription and, beside it, the queries
the watcher needs while it applies events (a subject's latest after a deletion, a provider
export), so reacting to a change costs no new HTTP connection.

The protocol: ``connection_init`` (credentials in its payload) answered by
``connection_ack``; then per operation ``subscribe`` from the client and ``next``,
``error`` or ``complete`` from the server; ``ping`` is answered with ``pong``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from typing import Any, Literal

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from llm_schema_registry_client.errors import TRANSPORT_ERROR, RegistryError

SUBPROTOCOL = Subprotocol("graphql-transport-ws")
ItemKind = Literal["next", "error", "complete", "closed", "rescope"]
Item = tuple[ItemKind, Any]


class ConnectionLost(Exception):
    """The socket closed; ``code`` is its close code (4401: credentials refused, 4403:
    key revoked), None when it was cut without one."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"websocket closed ({code}): {reason}")
        self.code = code
        self.reason = reason


class Connection:
    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._streams: dict[str, asyncio.Queue[Item]] = {}
        self._answers: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self.lost: ConnectionLost | None = None

    @classmethod
    async def open(cls, url: str, *, authorization: str | None, seconds: float) -> Connection:
        payload: dict[str, Any] = {"Authorization": authorization} if authorization else {}
        socket = await connect(
            url,
            subprotocols=[SUBPROTOCOL],
            open_timeout=seconds,
            # The server's messages are bounded by its own limit (4 MiB by default).
            max_size=None,
            compression=None,
        )
        try:
            await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
            async with asyncio.timeout(seconds):
                while True:
                    message = json.loads(await socket.recv())
                    if message.get("type") == "connection_ack":
                        break
                    if message.get("type") == "ping":
                        await socket.send(json.dumps({"type": "pong"}))
        except ConnectionClosed as exc:
            await socket.close()
            raise _lost(exc) from exc
        except BaseException:
            await socket.close()
            raise
        connection = cls(socket)
        connection._reader = asyncio.create_task(connection._read(), name="registry-ws-reader")
        return connection

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        with contextlib.suppress(Exception):
            await self._socket.close()

    async def stream(self, query: str, variables: dict[str, Any]) -> asyncio.Queue[Item]:
        """Start a subscription; its messages arrive on the queue returned."""
        operation = str(next(self._ids))
        queue: asyncio.Queue[Item] = asyncio.Queue()
        self._streams[operation] = queue
        await self._send(operation, query, variables)
        return queue

    async def execute(
        self, query: str, variables: dict[str, Any], *, seconds: float
    ) -> dict[str, Any]:
        """A query on this socket: its ``data``, or RegistryError."""
        operation = str(next(self._ids))
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._answers[operation] = answer
        try:
            await self._send(operation, query, variables)
            async with asyncio.timeout(seconds):
                return await answer
        except TimeoutError as exc:
            raise RegistryError(TRANSPORT_ERROR, "no answer on the websocket in time") from exc
        finally:
            self._answers.pop(operation, None)

    async def _send(self, operation: str, query: str, variables: dict[str, Any]) -> None:
        if self.lost is not None:
            raise RegistryError(TRANSPORT_ERROR, str(self.lost))
        message = {
            "id": operation,
            "type": "subscribe",
            "payload": {"query": query, "variables": variables},
        }
        try:
            await self._socket.send(json.dumps(message))
        except ConnectionClosed as exc:
            raise RegistryError(TRANSPORT_ERROR, str(_lost(exc))) from exc

    async def _read(self) -> None:
        try:
            async for raw in self._socket:
                message = json.loads(raw)
                if not isinstance(message, dict):
                    continue
                if message.get("type") == "ping":
                    await self._socket.send(json.dumps({"type": "pong"}))
                else:
                    self._dispatch(message)
            self.lost = ConnectionLost(self._socket.close_code, self._socket.close_reason or "")
        except ConnectionClosed as exc:
            self.lost = _lost(exc)
        except (ValueError, OSError) as exc:
            self.lost = ConnectionLost(None, f"{type(exc).__name__}: {exc}")
        finally:
            lost = self.lost or ConnectionLost(None, "reader stopped")
            for queue in self._streams.values():
                queue.put_nowait(("closed", lost))
            for answer in self._answers.values():
                if not answer.done():
                    answer.set_exception(RegistryError(TRANSPORT_ERROR, str(lost)))

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        operation = message.get("id")
        if not isinstance(operation, str):
            return
        answer = self._answers.get(operation)
        if answer is not None:
            if answer.done():
                return
            if kind == "next":
                payload = message.get("payload") or {}
                if payload.get("errors"):
                    answer.set_exception(RegistryError.from_graphql(payload["errors"]))
                else:
                    answer.set_result(payload.get("data") or {})
            elif kind == "error":
                answer.set_exception(RegistryError.from_graphql(message.get("payload") or []))
            elif kind == "complete":
                answer.set_exception(RegistryError(TRANSPORT_ERROR, "completed without data"))
            return
        queue = self._streams.get(operation)
        if queue is None:
            return
        if kind == "next":
            queue.put_nowait(("next", message.get("payload") or {}))
        elif kind == "error":
            queue.put_nowait(("error", message.get("payload") or []))
        elif kind == "complete":
            queue.put_nowait(("complete", None))


def _lost(exc: ConnectionClosed) -> ConnectionLost:
    received = exc.rcvd
    if received is None:
        return ConnectionLost(None, "closed without a close frame")
    return ConnectionLost(received.code, received.reason)
