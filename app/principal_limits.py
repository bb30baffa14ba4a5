"""How many websocket connections and subscriptions each principal holds on this replica.

A principal over its limit is refused (RATE_LIMITED) before it holds anything more; what
it holds is given back when the ``with`` block that took it ends, however it ends. The
counts are per replica: a load balancer spreading one principal over N replicas lets it
hold up to N times as much.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

from registry.errors import RateLimitedError

if TYPE_CHECKING:
    from app.settings import Settings

CONNECTIONS = "connections"
SUBSCRIPTIONS = "subscriptions"

_WHAT = {CONNECTIONS: "open websocket connections", SUBSCRIPTIONS: "active subscriptions"}
_HINT = {CONNECTIONS: "close one first", SUBSCRIPTIONS: "stop one first"}


class PrincipalLimitError(RateLimitedError):
    """A principal already holds as many connections or subscriptions as it may.
    ``kind`` is CONNECTIONS or SUBSCRIPTIONS; the public code stays RATE_LIMITED."""

    def __init__(self, kind: str, limit: int) -> None:
        super().__init__(f"Too many {_WHAT[kind]} ({limit}); {_HINT[kind]}.")
        self.kind = kind
        self.limit = limit


class _Counts:
    def __init__(self, kind: str, limit: int, on_refused: Callable[[str], None]) -> None:
        self.kind = kind
        self.limit = limit
        self.held: Counter[str] = Counter()
        self.refused = 0
        self._on_refused = on_refused

    @contextmanager
    def hold(self, principal_id: str) -> Iterator[None]:
        if self.limit and self.held[principal_id] >= self.limit:
            self.refused += 1
            self._on_refused(self.kind)
            raise PrincipalLimitError(self.kind, self.limit)
        self.held[principal_id] += 1
        try:
            yield
        finally:
            self.held[principal_id] -= 1
            if self.held[principal_id] <= 0:
                del self.held[principal_id]


class PrincipalLimits:
    """Per-principal counts on this replica; a limit of 0 counts without limiting.
    ``on_refused(kind)`` is called on each refusal, for metrics."""

    def __init__(
        self,
        max_connections: int,
        max_subscriptions: int,
        *,
        on_refused: Callable[[str], None] = lambda kind: None,
    ) -> None:
        self._connections = _Counts(CONNECTIONS, max_connections, on_refused)
        self._subscriptions = _Counts(SUBSCRIPTIONS, max_subscriptions, on_refused)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, on_refused: Callable[[str], None] = lambda kind: None
    ) -> PrincipalLimits:
        return cls(
            settings.max_connections_per_principal,
            settings.max_subscriptions_per_principal,
            on_refused=on_refused,
        )

    def acquire_connection(self, principal_id: str) -> AbstractContextManager[None]:
        """``with limits.acquire_connection(pid):`` around a websocket connection's life;
        raises PrincipalLimitError (RATE_LIMITED) when the principal holds too many."""
        return self._connections.hold(principal_id)

    def acquire_subscription(self, principal_id: str) -> AbstractContextManager[None]:
        """``with limits.acquire_subscription(pid):`` around one subscription's life."""
        return self._subscriptions.hold(principal_id)

    def connections(self, principal_id: str) -> int:
        return self._connections.held[principal_id]

    def subscriptions(self, principal_id: str) -> int:
        return self._subscriptions.held[principal_id]

    @property
    def total_connections(self) -> int:
        return self._connections.held.total()

    @property
    def total_subscriptions(self) -> int:
        return self._subscriptions.held.total()

    @property
    def refused(self) -> dict[str, int]:
        """Refusals since start, by kind."""
        return {CONNECTIONS: self._connections.refused, SUBSCRIPTIONS: self._subscriptions.refused}
