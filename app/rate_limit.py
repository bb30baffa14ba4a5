"""Per-principal rate limits: a token bucket per principal, shared by every replica.

Each principal has a bucket of ``burst`` tokens that refills at ``rate`` tokens a second;
a request takes one, and a request that finds none is refused with the time until the
next token (the caller answers RATE_LIMITED with ``Retry-After``).

With a redis:// broadcast URL the buckets live in Redis, so replicas share them: one Lua
script per request refills by the time elapsed on the Redis server's clock (replicas'
clocks never enter), takes a token and sets a TTL after which an idle bucket would be
full again anyway, so idle principals vanish. Keys hold a hash of the principal id,
never the id itself.

Redis is not allowed to slow requests down or stop them: a call that fails or takes more
than ``REDIS_TIMEOUT`` is answered from a bucket in this replica's memory, and Redis is
left alone for ``REDIS_RETRY`` seconds before one request tries it again. The switch is
logged once each way. While Redis is away each replica counts on its own, so a principal
spread over N replicas may get up to N times its rate.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from registry.errors import RateLimitedError
from subscriptions.link import describe

if TYPE_CHECKING:
    from app.settings import Settings

logger = logging.getLogger(__name__)

MEMORY = "memory"
REDIS = "redis"
# Seconds a Redis call may take before this request is answered from memory instead.
REDIS_TIMEOUT = 0.05
# Seconds between attempts to reach Redis again once it failed.
REDIS_RETRY = 1.0
# Principals whose buckets one replica keeps in memory; the least recently seen go first
# (a bucket left alone for burst/rate seconds is full, the same as a forgotten one).
MEMORY_PRINCIPALS = 10_000

# KEYS[1]: the bucket. ARGV: rate (tokens/s), burst, TTL (ms).
# Returns {1, "0"} when a token was taken, else {0, seconds until the next token}. Numbers
# travel as strings: Redis truncates a Lua number it returns to an integer, and Lua's
# tostring keeps 14 digits, too few for a time in microseconds; the time is kept as the
# two integers TIME gives.
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local state = redis.call('HMGET', KEYS[1], 'tokens', 's', 'us')
local tokens = tonumber(state[1])
local s = tonumber(state[2])
local us = tonumber(state[3])
if tokens == nil or s == nil or us == nil then
  tokens = burst
else
  local elapsed = (tonumber(clock[1]) - s) + (tonumber(clock[2]) - us) / 1000000
  tokens = math.min(burst, tokens + math.max(0, elapsed) * rate)
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 's', clock[1], 'us', clock[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {allowed, string.format('%.17g', wait)}
"""


class RateLimiter(Protocol):
    refused: Counter[str]
    """Refusals since start, by the backend that refused: MEMORY or REDIS."""

    @property
    def backend(self) -> str:
        """The backend answering now: MEMORY or REDIS."""
        ...

    async def take(self, principal_id: str) -> float | None:
        """None when the request may go on, else the seconds until it may be retried."""
        ...

    async def aclose(self) -> None: ...


def retry_after(seconds: float) -> int:
    """Whole seconds for ``Retry-After``: rounded up, and at least one."""
    return max(1, math.ceil(seconds))


async def enforce(limiter: RateLimiter, principal_id: str) -> None:
    """Takes a token for the principal, or raises RATE_LIMITED with the delay."""
    wait = await limiter.take(principal_id)
    if wait is not None:
        seconds = retry_after(wait)
        raise RateLimitedError(
            f"Too many requests; retry in {seconds} s.", retry_after_seconds=seconds
        )


class MemoryBuckets:
    """Token buckets in this process, for at most ``max_principals`` principals."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        max_principals: int = MEMORY_PRINCIPALS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1 or max_principals < 1:
            raise ValueError("a token bucket needs rate > 0, burst >= 1 and room for one")
        self.rate = rate
        self.burst = burst
        self._max = max_principals
        self._clock = clock
        # principal -> (tokens, when they were counted)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def peek(self, principal_id: str) -> float | None:
        """Seconds until ``principal_id`` has a token again (None: it has one), taking none."""
        found = self._buckets.get(principal_id)
        if found is None:
            return None
        tokens, at = found
        tokens = min(float(self.burst), tokens + max(0.0, self._clock() - at) * self.rate)
        return None if tokens >= 1 else (1 - tokens) / self.rate

    def take(self, principal_id: str) -> float | None:
        now = self._clock()
        tokens, at = self._buckets.pop(principal_id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + max(0.0, now - at) * self.rate)
        wait: float | None = None
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        self._buckets[principal_id] = (tokens, now)
        if len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return wait


class MemoryRateLimiter:
    """Buckets in this replica only: the limiter of a memory:// deployment."""

    def __init__(
        self,
        buckets: MemoryBuckets,
        *,
        on_refused: Callable[[str], None] = lambda backend: None,
    ) -> None:
        self.buckets = buckets
        self.refused: Counter[str] = Counter()
        self._on_refused = on_refused

    @property
    def backend(self) -> str:
        return MEMORY

    async def take(self, principal_id: str) -> float | None:
        wait = self.buckets.take(principal_id)
        if wait is not None:
            self.refused[MEMORY] += 1
            self._on_refused(MEMORY)
        return wait

    async def aclose(self) -> None:
        return None


class RedisRateLimiter:
    """Buckets in Redis, shared by replicas, with this replica's memory as the fallback.

    ``backend`` says which one answers now; ``refused`` counts refusals by backend and
    ``fallbacks`` the times Redis was given up; ``on_refused(backend)`` is called on each
    refusal, for metrics."""

    def __init__(
        self,
        url: str,
        buckets: MemoryBuckets,
        *,
        key_prefix: str,
        timeout: float = REDIS_TIMEOUT,
        retry_interval: float = REDIS_RETRY,
        on_refused: Callable[[str], None] = lambda backend: None,
    ) -> None:
        # One immediate retry, on a pooled connection that Redis closed meanwhile (it
        # restarted); anything slower would hold the request, so there is no backoff.
        self._redis = aioredis.Redis.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 1),
        )
        options = self._redis.connection_pool.connection_kwargs
        self.address = f"{options.get('host', 'localhost')}:{options.get('port', 6379)}"
        self._script = self._redis.register_script(_TAKE)
        self.buckets = buckets
        self.key_prefix = key_prefix
        self.refused: Counter[str] = Counter()
        self.fallbacks = 0
        self._timeout = timeout
        self._retry_interval = retry_interval
        self._on_refused = on_refused
        # Redis is tried again once the monotonic clock passes this (0: it answers).
        self._retry_at = 0.0
        self._is_down = False
        # An idle bucket is full again after burst/rate seconds: no need to keep it longer.
        self._ttl_ms = max(1000, math.ceil(buckets.burst / buckets.rate * 1000) + 1000)

    @property
    def backend(self) -> str:
        return MEMORY if self._is_down else REDIS

    def key(self, principal_id: str) -> str:
        """The bucket's Redis key: a digest, since principal ids may be sensitive."""
        digest = hashlib.sha256(principal_id.encode()).hexdigest()[:32]
        return f"{self.key_prefix}{digest}"

    async def take(self, principal_id: str) -> float | None:
        wait: float | None
        backend = REDIS
        if not self._is_down or time.monotonic() >= self._retry_at:
            if self._is_down:
                # Only this request tries Redis; those arriving meanwhile use memory.
                self._retry_at = time.monotonic() + self._retry_interval
            try:
                wait = await self._take_from_redis(principal_id)
            except (RedisError, OSError, TimeoutError) as exc:
                self._give_up_redis(exc)
                backend = MEMORY
                wait = self.buckets.take(principal_id)
            else:
                self._redis_answers()
        else:
            backend = MEMORY
            wait = self.buckets.take(principal_id)
        if wait is not None:
            self.refused[backend] += 1
            self._on_refused(backend)
        return wait

    async def _take_from_redis(self, principal_id: str) -> float | None:
        # Bounded as a whole: a reconnection has two steps, each with its own timeout.
        async with asyncio.timeout(self._timeout):
            allowed, wait = await self._script(
                keys=[self.key(principal_id)],
                args=[repr(self.buckets.rate), self.buckets.burst, self._ttl_ms],
            )
        return None if int(allowed) else float(wait)

    def _give_up_redis(self, error: BaseException) -> None:
        self._retry_at = time.monotonic() + self._retry_interval
        if self._is_down:
            return
        self._is_down = True
        self.fallbacks += 1
        reason = describe(error) if str(error) else type(error).__name__
        logger.warning(
            "rate limits: redis at %s did not answer (%s); counting in this replica's "
            "memory until it does",
            self.address,
            reason,
        )

    def _redis_answers(self) -> None:
        if self._is_down:
            self._is_down = False
            logger.warning("rate limits: redis at %s answers again; buckets shared", self.address)

    async def aclose(self) -> None:
        await self._redis.aclose()


def create_rate_limiter(
    settings: Settings, *, on_refused: Callable[[str], None] = lambda backend: None
) -> MemoryRateLimiter | RedisRateLimiter | None:
    """The limiter the settings ask for, or None when ``REGISTRY_RATE_LIMIT`` is 0. Its
    Redis keys start with the broadcast channel, so deployments sharing a Redis (each
    with its own channel) keep their buckets apart."""
    if settings.rate_limit == 0:
        return None
    buckets = MemoryBuckets(settings.rate_limit, settings.rate_burst)
    url = settings.broadcast_url.get_secret_value()
    if url.startswith(("redis://", "rediss://")):
        return RedisRateLimiter(
            url,
            buckets,
            key_prefix=f"{settings.broadcast_channel}:rate:",
            on_refused=on_refused,
        )
    return MemoryRateLimiter(buckets, on_refused=on_refused)
