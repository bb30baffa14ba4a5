"""Connections and subscriptions held per principal: taken, refused over the limit,
given back however the holder ends."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from app.principal_limits import CONNECTIONS, SUBSCRIPTIONS, PrincipalLimitError, PrincipalLimits
from app.settings import Settings
from registry.errors import RateLimitedError


def test_a_connection_is_counted_while_held_and_given_back_after() -> None:
    limits = PrincipalLimits(max_connections=2, max_subscriptions=2)

    with limits.acquire_connection("alice"):
        assert limits.connections("alice") == 1
        with limits.acquire_connection("alice"):
            assert limits.connections("alice") == 2
            assert limits.total_connections == 2
        assert limits.connections("alice") == 1

    assert limits.connections("alice") == 0
    assert limits.total_connections == 0


def test_a_principal_over_its_connection_limit_is_refused_as_rate_limited() -> None:
    reported: list[str] = []
    limits = PrincipalLimits(max_connections=2, max_subscriptions=10, on_refused=reported.append)

    with ExitStack() as held:
        held.enter_context(limits.acquire_connection("alice"))
        held.enter_context(limits.acquire_connection("alice"))
        with pytest.raises(PrincipalLimitError) as refused, limits.acquire_connection("alice"):
            pytest.fail("a third connection was let in")

        assert isinstance(refused.value, RateLimitedError)
        assert refused.value.code == "RATE_LIMITED"
        assert refused.value.kind == CONNECTIONS
        assert refused.value.message == "Too many open websocket connections (2); close one first."
        assert limits.connections("alice") == 2
        assert reported == [CONNECTIONS]
        assert limits.refused == {CONNECTIONS: 1, SUBSCRIPTIONS: 0}

    with limits.acquire_connection("alice"):
        assert limits.connections("alice") == 1


def test_one_principal_at_its_limit_does_not_hold_back_another() -> None:
    limits = PrincipalLimits(max_connections=1, max_subscriptions=1)

    with limits.acquire_connection("alice"), limits.acquire_connection("bob"):
        assert limits.total_connections == 2


def test_a_connection_that_ends_with_an_error_is_given_back() -> None:
    limits = PrincipalLimits(max_connections=1, max_subscriptions=1)

    with pytest.raises(ConnectionResetError), limits.acquire_connection("alice"):
        raise ConnectionResetError("client went away")

    assert limits.connections("alice") == 0
    with limits.acquire_connection("alice"):
        assert limits.connections("alice") == 1


def test_subscriptions_have_their_own_limit() -> None:
    limits = PrincipalLimits(max_connections=1, max_subscriptions=3)

    with limits.acquire_connection("alice"), ExitStack() as held:
        for _ in range(3):
            held.enter_context(limits.acquire_subscription("alice"))
        with pytest.raises(PrincipalLimitError) as refused, limits.acquire_subscription("alice"):
            pytest.fail("a fourth subscription was let in")

        assert refused.value.kind == SUBSCRIPTIONS
        assert refused.value.message == "Too many active subscriptions (3); stop one first."
        assert limits.subscriptions("alice") == 3
        assert limits.total_subscriptions == 3

    assert limits.subscriptions("alice") == 0


def test_a_limit_of_zero_counts_without_limiting() -> None:
    limits = PrincipalLimits(max_connections=0, max_subscriptions=0)

    with ExitStack() as held:
        for _ in range(500):
            held.enter_context(limits.acquire_connection("alice"))
        assert limits.connections("alice") == 500

    assert limits.total_connections == 0


def test_the_limits_come_from_the_settings() -> None:
    settings = Settings(max_connections_per_principal=1, max_subscriptions_per_principal=2)
    limits = PrincipalLimits.from_settings(settings)

    with ExitStack() as held:
        held.enter_context(limits.acquire_connection("alice"))
        held.enter_context(limits.acquire_subscription("alice"))
        held.enter_context(limits.acquire_subscription("alice"))
        with pytest.raises(PrincipalLimitError, match="connections"):
            held.enter_context(limits.acquire_connection("alice"))
        with pytest.raises(PrincipalLimitError, match="subscriptions"):
            held.enter_context(limits.acquire_subscription("alice"))
