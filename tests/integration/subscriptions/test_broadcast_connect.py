"""A broadcast that cannot connect leaves nothing running behind it, so a replica whose
startup fails can exit."""

from __future__ import annotations

import asyncio

import pytest
import redis
import redis.exceptions

from subscriptions.broadcast import create_broadcast
from tests.support.server import free_port


async def test_a_broadcast_that_cannot_connect_leaves_no_task_behind() -> None:
    before = {t for t in asyncio.all_tasks() if not t.done()}
    broadcast = create_broadcast(f"redis://127.0.0.1:{free_port()}/0")

    with pytest.raises((redis.exceptions.ConnectionError, OSError)):
        await broadcast.connect()
    await asyncio.sleep(0)

    leftover = {t for t in asyncio.all_tasks() if not t.done()} - before
    assert leftover == set()
