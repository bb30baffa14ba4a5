"""Rate limits in real Redis: replicas share one bucket per principal, refused requests
learn when to retry, idle buckets expire; and a Redis that is killed, or stops answering,
neither slows requests nor stops the limiting, which returns to Redis once it is back."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from app import rate_limit
from app.rate_limit import (
    MEMORY,
    REDIS,
    REDIS_TIMEOUT,
    MemoryBuckets,
    RedisRateLimiter,
    enforce,
)
from registry.errors import RateLimitedError
from tests.support.services import PrivateRedis

LimiterFactory = Callable[..., Awaitable[RedisRateLimiter]]
# Slack over REDIS_TIMEOUT for the event loop and a busy machine.
PROMPT = REDIS_TIMEOUT + 0.03


@pytest.fixture
def key_prefix() -> str:
    return f"test-rate-{uuid.uuid4().hex}:"


@pytest.fixture
async def open_limiter(
    redis_client: aioredis.Redis, redis_url: str, key_prefix: str
) -> AsyncIterator[LimiterFactory]:
    """Limiters on the shared Redis under the test's own key prefix, as replicas of one
    deployment would be; their keys are deleted afterwards."""
    opened: list[RedisRateLimiter] = []

    async def open_(
        rate: float, burst: int, *, url: str = redis_url, **options: Any
    ) -> RedisRateLimiter:
        limiter = RedisRateLimiter(
            url, MemoryBuckets(rate, burst), key_prefix=key_prefix, **options
        )
        opened.append(limiter)
        return limiter

    yield open_
    for limiter in opened:
        await limiter.aclose()
    keys = [key async for key in redis_client.scan_iter(match=f"{key_prefix}*")]
    if keys:
        await redis_client.delete(*keys)


async def test_two_replicas_share_one_bucket_per_principal(open_limiter: LimiterFactory) -> None:
    a = await open_limiter(rate=1.0, burst=3)
    b = await open_limiter(rate=1.0, burst=3)

    taken = [await a.take("alice"), await b.take("alice"), await a.take("alice")]
    refused = [await b.take("alice"), await a.take("alice")]

    assert taken == [None, None, None]
    assert all(wait is not None and 0.9 < wait <= 1.0 for wait in refused), refused
    assert await b.take("bob") is None
    assert (a.backend, b.backend) == (REDIS, REDIS)
    assert a.refused[REDIS] == 1
    assert b.refused[REDIS] == 1


async def test_a_refused_request_is_told_to_retry_when_the_next_token_comes(
    open_limiter: LimiterFactory,
) -> None:
    reported: list[str] = []
    limiter = await open_limiter(rate=0.5, burst=1, on_refused=reported.append)
    await enforce(limiter, "alice")

    wait = await limiter.take("alice")
    with pytest.raises(RateLimitedError) as refused:
        await enforce(limiter, "alice")

    assert wait is not None
    assert 1.9 < wait <= 2.0
    assert refused.value.retry_after_seconds == 2
    assert reported == [REDIS, REDIS]


async def test_tokens_come_back_on_the_redis_servers_clock(open_limiter: LimiterFactory) -> None:
    limiter = await open_limiter(rate=20.0, burst=1)
    assert await limiter.take("alice") is None
    assert await limiter.take("alice") is not None

    await asyncio.sleep(0.06)

    assert await limiter.take("alice") is None


async def test_a_bucket_has_a_hashed_key_that_expires_once_it_would_be_full(
    open_limiter: LimiterFactory, redis_client: aioredis.Redis, key_prefix: str
) -> None:
    limiter = await open_limiter(rate=100.0, burst=10)  # full again after 0.1 s
    await limiter.take("key:alice")

    keys = [key.decode() async for key in redis_client.scan_iter(match=f"{key_prefix}*")]
    ttl = await redis_client.pttl(limiter.key("key:alice"))

    assert keys == [limiter.key("key:alice")]
    assert "alice" not in keys[0]
    assert 0 < ttl <= 1100
    await asyncio.sleep(ttl / 1000 + 0.1)
    assert await redis_client.exists(limiter.key("key:alice")) == 0


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis").start()
    yield server
    server.stop()


def switches(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == rate_limit.__name__]


async def timed(limiter: RedisRateLimiter, principal: str) -> tuple[float | None, float]:
    started = time.perf_counter()
    wait = await limiter.take(principal)
    return wait, time.perf_counter() - started


async def test_a_killed_redis_is_replaced_by_memory_at_once_and_taken_back_when_it_returns(
    private_redis: PrivateRedis, open_limiter: LimiterFactory, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = await open_limiter(rate=1.0, burst=3, url=private_redis.url, retry_interval=0.3)
    caplog.set_level(logging.INFO, logger=rate_limit.__name__)
    assert await limiter.take("alice") is None
    assert limiter.backend == REDIS

    private_redis.kill()
    during = [await timed(limiter, "alice") for _ in range(20)]

    assert limiter.backend == MEMORY
    assert max(seconds for _, seconds in during) < PROMPT, during
    # Memory counts from a full bucket of its own, and still limits.
    assert [wait for wait, _ in during[:3]] == [None, None, None]
    assert all(wait is not None for wait, _ in during[3:])
    assert limiter.refused[MEMORY] == 17
    assert limiter.fallbacks == 1
    [down] = switches(caplog)
    assert f"redis at 127.0.0.1:{private_redis.port} did not answer (ConnectionError" in down
    assert "memory" in down

    private_redis.start()
    await asyncio.sleep(0.35)
    wait, seconds = await timed(limiter, "bob")

    assert wait is None
    assert seconds < 0.5
    assert limiter.backend == REDIS
    assert switches(caplog)[1:] == [
        f"rate limits: redis at {limiter.address} answers again; buckets shared"
    ]
    probe = aioredis.Redis.from_url(private_redis.url)
    try:
        assert await probe.exists(limiter.key("bob")) == 1
    finally:
        await probe.aclose()


async def test_a_redis_that_stops_answering_costs_one_request_a_retry_interval(
    private_redis: PrivateRedis, open_limiter: LimiterFactory, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = await open_limiter(rate=1000.0, burst=1000, url=private_redis.url)
    caplog.set_level(logging.INFO, logger=rate_limit.__name__)
    assert await limiter.take("alice") is None

    private_redis.pause()
    try:
        during = []
        deadline = time.monotonic() + 0.5  # within one retry interval (1 s)
        while time.monotonic() < deadline:
            during.append(await timed(limiter, "alice"))
            await asyncio.sleep(0.005)
    finally:
        private_redis.resume()

    slow = [seconds for _, seconds in during if seconds >= REDIS_TIMEOUT / 2]
    assert len(during) > 20
    assert len(slow) == 1, slow
    assert max(seconds for _, seconds in during) < PROMPT
    assert all(wait is None for wait, _ in during)
    assert limiter.backend == MEMORY
    assert len(switches(caplog)) == 1
    assert "TimeoutError" in switches(caplog)[0]

    await asyncio.sleep(rate_limit.REDIS_RETRY)
    assert await limiter.take("alice") is None
    assert limiter.backend == REDIS
    assert len(switches(caplog)) == 2
