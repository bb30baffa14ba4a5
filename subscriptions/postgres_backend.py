"""A broadcaster backend on PostgreSQL LISTEN/NOTIFY, so replicas share events without Redis.

One dedicated connection per replica LISTENs on the channels and also carries the
replica's NOTIFYs (``pg_notify``) and a keepalive query; a lock keeps those one at a time,
as a connection runs one statement at a time. When the connection drops (a restart, a
failover, ``pg_terminate_backend``, a cut seen by the keepalive) the backend says so once
(``BroadcastHealth``), reconnects with capped, jittered backoff, LISTENs again and says so
once more. Notifications sent while it was away are not replayed by PostgreSQL; the hub
recovers those events from the outbox.

LISTEN/NOTIFY works within one database: every replica's URL must name the same one
(usually the registry's own database).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from broadcaster._backends.base import BroadcastBackend
from broadcaster._base import Event

from subscriptions.broadcast import POSTGRES_SCHEMES
from subscriptions.codec import announcement_of
from subscriptions.link import Backoff, LinkReporter, describe

logger = logging.getLogger(__name__)

# Seconds a connection attempt may take before PostgreSQL counts as unreachable.
CONNECT_TIMEOUT = 2.0
# Seconds between reconnection attempts (see ``Backoff``).
RETRY_FIRST = 0.1
RETRY_CAP = 2.0
# Every this many seconds the connection runs a trivial query; no answer within as long
# again means the link is gone even though no error was seen (a cut without a reset).
LIVENESS_INTERVAL = 5.0
# PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (with the default block size).
MAX_PAYLOAD_BYTES = 7999
# Channel names are identifiers: at most 63 bytes (NAMEDATALEN - 1).
MAX_CHANNEL_BYTES = 63
# How the connection shows in pg_stat_activity.
APPLICATION_NAME = "llm-schema-registry broadcast"


def asyncpg_dsn(url: str) -> str:
    """The URL in the form asyncpg takes (``postgresql://``)."""
    for scheme in POSTGRES_SCHEMES:
        if url.startswith(scheme):
            return "postgresql://" + url[len(scheme) :]
    raise ValueError("not a PostgreSQL URL; expected postgresql://host:5432/database")


def channel_name(channel: str) -> str:
    """The PostgreSQL channel for a broadcast channel: itself when it is a valid identifier
    (LISTEN quotes it, so dots and case are kept), else a readable prefix and a hash. A
    longer name would be cut short by LISTEN but refused by ``pg_notify``."""
    raw = channel.encode()
    if 0 < len(raw) <= MAX_CHANNEL_BYTES and "\x00" not in channel:
        return channel
    digest = hashlib.sha256(raw).hexdigest()[:16]
    prefix = raw.replace(b"\x00", b"")[: MAX_CHANNEL_BYTES - len(digest) - 1]
    return f"{prefix.decode(errors='ignore')}-{digest}"


def fit_payload(message: str) -> str:
    """The message, or the announcement of its event when it is too large for NOTIFY."""
    if len(message.encode()) <= MAX_PAYLOAD_BYTES:
        return message
    try:
        return announcement_of(message)
    except ValueError:
        raise ValueError(
            f"a broadcast message of {len(message.encode())} bytes exceeds the "
            f"{MAX_PAYLOAD_BYTES} a PostgreSQL NOTIFY carries, and is not a change event"
        ) from None


def _address(dsn: str) -> str:
    parts = urlsplit(dsn)
    host = parts.hostname or "localhost"
    try:
        port = parts.port or 5432
    except ValueError:
        port = 5432
    return f"{host}:{port}{parts.path or '/'}"


class PostgresNotifyBackend(BroadcastBackend):
    def __init__(
        self,
        url: str,
        *,
        retry_first: float = RETRY_FIRST,
        retry_cap: float = RETRY_CAP,
        liveness_interval: float = LIVENESS_INTERVAL,
    ) -> None:
        self._dsn = asyncpg_dsn(url)
        self.address = _address(self._dsn)
        self._link = LinkReporter(logger, f"postgresql at {self.address}", "LISTEN/NOTIFY")
        self.health = self._link.health
        self._backoff = Backoff(retry_first, retry_cap)
        self._liveness_interval = liveness_interval
        # Broadcast channel by PostgreSQL channel: notifications name the latter.
        self._channels: dict[str, str] = {}
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._connection: asyncpg.Connection[Any] | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    @property
    def server_pid(self) -> int | None:
        """The backend process of the current connection (for pg_stat_activity)."""
        connection = self._connection
        return None if connection is None else connection.get_server_pid()

    async def connect(self) -> None:
        self._task = asyncio.create_task(self._run(), name="broadcast-postgres-link")
        await self._link.wait_first_attempt(2 * CONNECT_TIMEOUT + 1)

    async def disconnect(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        # Cancelled until it ends: a cancellation that a library call swallowed (a race
        # with the connection ending) must not leave the link reconnecting for good.
        while not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=0.5)
        with contextlib.suppress(asyncio.CancelledError):
            task.result()

    async def subscribe(self, channel: str) -> None:
        """Returns once PostgreSQL runs the LISTEN, or at once while the link is down (the
        next connection listens to it)."""
        name = channel_name(channel)
        self._channels[name] = channel
        async with self._lock:
            connection = self._connection
            if connection is None:
                return
            with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                # On failure the link task sees the loss too, and listens on reconnect.
                await connection.add_listener(name, self._on_notification)

    async def unsubscribe(self, channel: str) -> None:
        name = channel_name(channel)
        self._channels.pop(name, None)
        async with self._lock:
            connection = self._connection
            if connection is not None:
                with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                    await connection.remove_listener(name, self._on_notification)

    async def publish(self, channel: str, message: Any) -> None:
        payload = fit_payload(str(message))
        async with self._lock:
            connection = self._connection
            if connection is None:
                raise ConnectionError(f"no connection to postgresql at {self.address}")
            await connection.execute("SELECT pg_notify($1, $2)", channel_name(channel), payload)

    async def next_published(self) -> Event:
        return await self._queue.get()

    def _on_notification(self, connection: object, pid: int, channel: str, payload: object) -> None:
        wanted = self._channels.get(channel)
        if wanted is not None:
            self._queue.put_nowait(Event(channel=wanted, message=str(payload)))

    async def _run(self) -> None:
        while True:
            try:
                await self._listen()
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
                reason = describe(exc)
            except Exception as exc:
                # Not a connection problem: a bug. Show where, then carry on reconnecting
                # rather than leave the replica without a broadcast for good.
                logger.error("broadcast link failed unexpectedly", exc_info=exc)
                reason = describe(exc)
            finally:
                connection, self._connection = self._connection, None
                if connection is not None:
                    # Closes the socket at once: a polite close could wait on a dead peer.
                    connection.terminate()
            if self.health.is_up:
                self._backoff.reset()
            self._link.report_down(reason)
            await asyncio.sleep(self._backoff.next_delay())

    async def _listen(self) -> None:
        """Connect, LISTEN, then keep the connection alive until it fails (never returns)."""
        lost = asyncio.Event()
        async with self._lock:
            # Bounded as a whole: a server that accepts but never answers holds the handshake.
            async with asyncio.timeout(2 * CONNECT_TIMEOUT):
                connection: asyncpg.Connection[Any] = await asyncpg.connect(
                    self._dsn,
                    timeout=CONNECT_TIMEOUT,
                    server_settings={"application_name": APPLICATION_NAME},
                )
                connection.add_termination_listener(lambda _: lost.set())
                self._connection = connection
                for name in list(self._channels):
                    await connection.add_listener(name, self._on_notification)
        self._link.report_up()
        while True:
            # Not ``wait_for``: on Python 3.11 it can swallow a cancellation that coincides
            # with the wait ending, and ``disconnect`` would then wait forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._liveness_interval):
                    await lost.wait()
            if lost.is_set() or connection.is_closed():
                raise ConnectionError("connection closed by the server")
            try:
                async with asyncio.timeout(self._liveness_interval), self._lock:
                    await connection.execute("SELECT 1")
            except TimeoutError:
                raise ConnectionError(
                    f"no answer to a keepalive query within {self._liveness_interval:g} s"
                ) from None
