"""A broadcast whose Redis is unreachable still connects, degraded, and leaves nothing
running behind it once disconnected, so a replica can start and stop without Redis."""

from __future__ import annotations

import asyncio
import time

from subscriptions.broadcast import create_broadcast
from tests.support.server import free_port


async def test_an_unreachable_redis_connects_degraded_and_leaves_no_task_behind() -> None:
    before = {t for t in asyncio.all_tasks() if not t.done()}
    port = free_port()
    broadcast = create_broadcast(f"redis://127.0.0.1:{port}/0")

    started = time.monotonic()
    await asyncio.wait_for(broadcast.connect(), 10)
    took = time.monotonic() - started
    async with broadcast.subscribe("a-channel"):
        health = broadcast.health
        assert not health.is_up
        assert health.reason is not None and str(port) in health.reason
    await broadcast.disconnect()
    await asyncio.sleep(0)

    assert took < 5
    leftover = {t for t in asyncio.all_tasks() if not t.done()} - before
    assert leftover == set()
