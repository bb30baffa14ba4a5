"""The broadcast transport: memory:// in one process, redis:// across replicas."""

from __future__ import annotations

from broadcaster import Broadcast
from broadcaster._backends.redis import RedisBackend


class OrderedRedisBackend(RedisBackend):
    """broadcaster 0.3.1 wakes its listener before SUBSCRIBE has completed; with newer
    redis-py the listener then finds no subscription, returns, and nothing is ever
    delivered. Subscribing first, then waking the listener, fixes the ordering."""

    async def subscribe(self, channel: str) -> None:
        await self._pubsub.subscribe(channel)
        self._ready.set()

    async def connect(self) -> None:
        # The parent starts its listener task before connecting; a failed connect would
        # leave that task and the client behind, and Broadcast.disconnect cannot be called
        # for a broadcast that never connected.
        try:
            await super().connect()
        except BaseException:
            await self.disconnect()
            raise


def create_broadcast(url: str) -> Broadcast:
    if url.startswith(("redis://", "rediss://")):
        return Broadcast(backend=OrderedRedisBackend(url))
    return Broadcast(url)
