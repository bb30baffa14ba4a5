"""A broadcaster backend for Redis pub/sub that survives Redis going away.

broadcaster's own ``RedisBackend`` listens in a task that ends, silently, on the first
connection error: after a Redis restart nothing arrives over pub/sub again. Here one task
owns the subscriber connection for the backend's life. When the link drops it says so once
(``BroadcastHealth``), reconnects with capped, jittered backoff, subscribes again to every
channel and says so once more. Messages published while the link was down are not replayed
by Redis; the hub recovers them from the outbox.

A replica may also start while Redis is unreachable: ``connect`` makes one bounded attempt
and returns either way, leaving the link degraded until a later attempt succeeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from broadcaster._backends.base import BroadcastBackend
from broadcaster._base import Event
from redis import asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from subscriptions.link import Backoff, LinkReporter, describe

logger = logging.getLogger(__name__)

# Seconds a connection attempt may take before Redis counts as unreachable.
CONNECT_TIMEOUT = 2.0
# Seconds between reconnection attempts: doubled from the first to the cap, with jitter so
# that replicas do not all knock at once when Redis comes back.
RETRY_FIRST = 0.1
RETRY_CAP = 2.0
# A subscriber connection quiet for this long is sent a PING; no answer within as long
# again means the link is gone even though no error was seen (a cut without a reset).
LIVENESS_INTERVAL = 5.0
# Seconds ``subscribe`` waits for Redis to confirm a subscription.
SUBSCRIBE_TIMEOUT = 5.0


class ReconnectingRedisBackend(BroadcastBackend):
    def __init__(
        self,
        url: str,
        *,
        retry_first: float = RETRY_FIRST,
        retry_cap: float = RETRY_CAP,
        liveness_interval: float = LIVENESS_INTERVAL,
    ) -> None:
        # One immediate retry on a pooled connection that Redis closed meanwhile; any
        # further retrying is this backend's, where it can be seen and bounded.
        self._publisher = aioredis.Redis.from_url(
            url, socket_connect_timeout=CONNECT_TIMEOUT, retry=Retry(NoBackoff(), 1)
        )
        self._subscriber = aioredis.Redis.from_url(
            url, socket_connect_timeout=CONNECT_TIMEOUT, retry=Retry(NoBackoff(), 0)
        )
        options = self._subscriber.connection_pool.connection_kwargs
        self.address = f"{options.get('host', 'localhost')}:{options.get('port', 6379)}"
        self._link = LinkReporter(logger, f"redis at {self.address}", "pub/sub")
        self.health = self._link.health
        self._backoff = Backoff(retry_first, retry_cap)
        self._liveness_interval = liveness_interval
        self._channels: set[str] = set()
        self._confirmed: dict[str, asyncio.Event] = {}
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._pubsub: PubSub | None = None
        self._task: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self._task = asyncio.create_task(self._run(), name="broadcast-redis-link")
        # A Redis that accepts connections but never answers would hold startup: the first
        # attempt gets as long as one attempt may take, then the replica starts degraded.
        await self._link.wait_first_attempt(2 * CONNECT_TIMEOUT + 1)

    async def disconnect(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._publisher.aclose()
        await self._subscriber.aclose()

    async def subscribe(self, channel: str) -> None:
        """Returns once Redis confirms the subscription, or at once while the link is
        down (the next connection subscribes to it)."""
        self._channels.add(channel)
        pubsub = self._pubsub
        if pubsub is None:
            return
        confirmed = self._confirmed.setdefault(channel, asyncio.Event())
        confirmed.clear()
        try:
            await pubsub.subscribe(channel)
        except (RedisError, OSError):
            return  # the reading task sees the loss too, and resubscribes on reconnect
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(confirmed.wait(), SUBSCRIBE_TIMEOUT)

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)
        pubsub = self._pubsub
        if pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await pubsub.unsubscribe(channel)

    async def publish(self, channel: str, message: Any) -> None:
        await self._publisher.publish(channel, message)

    async def next_published(self) -> Event:
        return await self._queue.get()

    async def _run(self) -> None:
        while True:
            pubsub = self._subscriber.pubsub()
            try:
                await self._listen(pubsub)
            except (RedisError, OSError) as exc:
                reason = describe(exc)
            except Exception as exc:
                # Not a connection problem: a bug. Show where, then carry on reconnecting
                # rather than leave the replica without pub/sub for good.
                logger.error("broadcast link failed unexpectedly", exc_info=exc)
                reason = describe(exc)
            finally:
                self._pubsub = None
                # redis-py leaves these two untyped.
                close: Callable[[], Awaitable[None]] = pubsub.aclose
                with contextlib.suppress(Exception):
                    await close()
            if self.health.is_up:
                self._backoff.reset()
            self._link.report_down(reason)
            await asyncio.sleep(self._backoff.next_delay())

    async def _listen(self, pubsub: PubSub) -> None:
        """Connect, subscribe, then read until the link fails (it never returns)."""
        connect: Callable[[], Awaitable[None]] = pubsub.connect
        # Bounded as a whole: the handshake after the TCP connect has no timeout of its own.
        async with asyncio.timeout(2 * CONNECT_TIMEOUT):
            await connect()
            # From here on ``subscribe`` sends on this connection itself; every channel
            # wanted before is subscribed to below, so none falls between the two.
            self._pubsub = pubsub
            pending = set(self._channels)
            if pending:
                await pubsub.subscribe(*pending)
        if not pending:
            self._link.report_up()
        ping_sent = False
        while True:
            message = await pubsub.get_message(timeout=self._liveness_interval)
            if message is None:
                if ping_sent:
                    raise ConnectionError(f"no answer to PING within {self._liveness_interval:g} s")
                await pubsub.ping()
                ping_sent = True
                continue
            ping_sent = False
            kind = message["type"]
            if kind == "message":
                await self._queue.put(
                    Event(channel=message["channel"].decode(), message=message["data"].decode())
                )
            elif kind == "subscribe":
                channel = message["channel"].decode()
                pending.discard(channel)
                if channel in self._confirmed:
                    self._confirmed[channel].set()
                if not pending:
                    self._link.report_up()
