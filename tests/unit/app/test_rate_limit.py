"""Token buckets in memory, driven by a clock the test moves; the limiter the settings
pick; the delay a refused request is told."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.rate_limit import (
    MEMORY,
    REDIS,
    MemoryBuckets,
    MemoryRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    create_rate_limiter,
    enforce,
    retry_after,
)
from app.settings import Settings
from app.startup import describe_settings_error
from registry.errors import RateLimitedError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def buckets(rate: float = 4.0, burst: int = 3, **options: int) -> tuple[MemoryBuckets, Clock]:
    clock = Clock()
    return MemoryBuckets(rate, burst, clock=clock, **options), clock


def test_a_new_principal_may_send_a_burst_and_then_waits_for_the_next_token() -> None:
    bucket, _ = buckets(rate=4.0, burst=3)

    assert [bucket.take("alice") for _ in range(3)] == [None, None, None]
    assert bucket.take("alice") == pytest.approx(0.25)


def test_tokens_come_back_at_the_rate_as_time_passes() -> None:
    bucket, clock = buckets(rate=4.0, burst=3)
    for _ in range(3):
        bucket.take("alice")

    clock.now += 0.5  # two tokens

    assert bucket.take("alice") is None
    assert bucket.take("alice") is None
    assert bucket.take("alice") == pytest.approx(0.25)


def test_the_wait_counts_the_part_of_a_token_already_refilled() -> None:
    bucket, clock = buckets(rate=4.0, burst=1)
    bucket.take("alice")

    clock.now += 0.1

    assert bucket.take("alice") == pytest.approx(0.15)


def test_a_refused_request_takes_nothing_from_the_bucket() -> None:
    bucket, clock = buckets(rate=4.0, burst=1)
    bucket.take("alice")
    for _ in range(10):
        bucket.take("alice")

    clock.now += 0.25

    assert bucket.take("alice") is None


def test_a_long_pause_refills_no_more_than_the_burst() -> None:
    bucket, clock = buckets(rate=4.0, burst=3)
    bucket.take("alice")

    clock.now += 3600

    assert [bucket.take("alice") for _ in range(4)] == [None, None, None, pytest.approx(0.25)]


def test_a_clock_going_backwards_adds_no_tokens() -> None:
    bucket, clock = buckets(rate=4.0, burst=1)
    bucket.take("alice")

    clock.now -= 10

    assert bucket.take("alice") == pytest.approx(0.25)


def test_each_principal_has_its_own_bucket() -> None:
    bucket, _ = buckets(rate=1.0, burst=1)

    assert bucket.take("alice") is None
    assert bucket.take("bob") is None
    assert bucket.take("alice") is not None


def test_memory_holds_at_most_the_principals_seen_last() -> None:
    bucket, _ = buckets(rate=1.0, burst=1, max_principals=2)
    bucket.take("alice")
    bucket.take("bob")
    bucket.take("alice")  # alice seen after bob: bob goes first

    bucket.take("carol")

    assert len(bucket) == 2
    assert bucket.take("alice") is not None  # still remembered as empty
    assert bucket.take("bob") is None  # forgotten: a full bucket again


@pytest.mark.parametrize(
    ("rate", "burst"), [(0.0, 1), (-1.0, 1), (1.0, 0)], ids=["no rate", "negative", "no burst"]
)
def test_a_bucket_that_could_never_answer_is_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="rate > 0"):
        MemoryBuckets(rate, burst)


@pytest.mark.parametrize(
    ("seconds", "header"), [(0.001, 1), (0.5, 1), (1.0, 1), (1.01, 2), (59.2, 60)]
)
def test_retry_after_is_whole_seconds_rounded_up(seconds: float, header: int) -> None:
    assert retry_after(seconds) == header


async def test_the_memory_limiter_counts_and_reports_its_refusals() -> None:
    reported: list[str] = []
    bucket, _ = buckets(rate=1.0, burst=1)
    limiter = MemoryRateLimiter(bucket, on_refused=reported.append)

    assert await limiter.take("alice") is None
    assert await limiter.take("alice") == pytest.approx(1.0)
    assert await limiter.take("alice") == pytest.approx(1.0)

    assert reported == [MEMORY, MEMORY]
    assert limiter.refused[MEMORY] == 2
    assert limiter.backend == MEMORY


async def test_enforce_raises_rate_limited_with_the_delay_in_whole_seconds() -> None:
    bucket, _ = buckets(rate=0.4, burst=1)
    limiter = MemoryRateLimiter(bucket)
    await enforce(limiter, "alice")

    with pytest.raises(RateLimitedError) as refused:
        await enforce(limiter, "alice")

    assert refused.value.code == "RATE_LIMITED"
    assert refused.value.http_status == 429
    assert refused.value.retry_after_seconds == 3  # 2.5 s until the next token
    assert refused.value.message == "Too many requests; retry in 3 s."


def test_no_limiter_when_the_rate_is_zero() -> None:
    assert create_rate_limiter(Settings(rate_limit=0)) is None


def test_a_memory_broadcast_gets_a_limiter_in_memory_with_the_configured_bucket() -> None:
    limiter = create_rate_limiter(Settings(rate_limit=7.5, rate_burst=20))

    assert isinstance(limiter, MemoryRateLimiter)
    assert (limiter.buckets.rate, limiter.buckets.burst) == (7.5, 20)


async def test_a_redis_broadcast_gets_buckets_in_redis_named_after_the_channel() -> None:
    settings = Settings(broadcast_url="redis://127.0.0.1:1/0", broadcast_channel="team-a.events")
    limiter = create_rate_limiter(settings)
    assert isinstance(limiter, RedisRateLimiter)
    try:
        key = limiter.key("key:alice@example.com")

        assert key.startswith("team-a.events:rate:")
        assert "alice" not in key
        assert key == limiter.key("key:alice@example.com")
        assert key != limiter.key("key:bob@example.com")
    finally:
        await limiter.aclose()


@pytest.mark.parametrize(
    ("setting", "value"),
    [("rate_limit", -1), ("rate_burst", 0), ("max_connections_per_principal", -1)],
)
def test_a_limit_out_of_range_is_one_line_naming_the_setting(setting: str, value: int) -> None:
    with pytest.raises(ValidationError) as error:
        Settings.model_validate({setting: value})

    message = describe_settings_error(error.value)

    assert message.startswith(f"invalid setting REGISTRY_{setting.upper()}:")
    assert "\n" not in message


def test_the_limits_have_working_defaults() -> None:
    settings = Settings()

    assert (settings.rate_limit, settings.rate_burst) == (50.0, 100)
    assert settings.max_connections_per_principal == 100
    assert settings.max_subscriptions_per_principal == 1000


async def test_both_limiters_have_the_interface_the_transports_use() -> None:
    settings = Settings(broadcast_url="redis://127.0.0.1:1/0")
    limiters: list[RateLimiter] = [
        MemoryRateLimiter(MemoryBuckets(1.0, 1)),
        RedisRateLimiter("redis://127.0.0.1:1/0", MemoryBuckets(1.0, 1), key_prefix="t:"),
    ]
    try:
        assert [limiter.backend for limiter in limiters] == [MEMORY, REDIS]
        assert all(sum(limiter.refused.values()) == 0 for limiter in limiters)
        assert isinstance(create_rate_limiter(settings), RedisRateLimiter)
    finally:
        for limiter in limiters:
            await limiter.aclose()
