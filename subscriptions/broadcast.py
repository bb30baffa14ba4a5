"""The broadcast transport: memory:// in one process; across replicas redis:// (pub/sub)
or postgresql:// (LISTEN/NOTIFY on the registry's database).

Across replicas the link can drop (a restart, a failover, a network cut) or be missing at
startup. ``BroadcastHealth`` says whether events travel over it right now; the hub polls
the outbox quickly while they do not, so delivery stays timely, and the backends
(``subscriptions/redis_backend.py``, ``subscriptions/postgres_backend.py``) reconnect by
themselves.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from broadcaster import Broadcast

POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+asyncpg://")


class BroadcastHealth:
    """Up, or down with a reason since a moment; observers hear of every change.

    ``reconnects`` counts links re-established after one was lost (the first
    connection, even after a degraded start, is not a reconnect).
    """

    def __init__(self, *, is_up: bool = True, reason: str | None = None) -> None:
        self.is_up = is_up
        self.reason = None if is_up else reason
        self.down_since: float | None = None if is_up else time.monotonic()
        self.reconnects = 0
        self._has_connected = is_up
        self._observers: list[Callable[[bool], None]] = []

    def observe(self, callback: Callable[[bool], None]) -> None:
        """``callback(is_up)`` after each change."""
        self._observers.append(callback)

    @property
    def down_seconds(self) -> float:
        return 0.0 if self.down_since is None else time.monotonic() - self.down_since

    def mark_down(self, reason: str) -> bool:
        """Returns whether this is a change (it was up); the reason is kept current."""
        self.reason = reason
        if not self.is_up:
            return False
        self.is_up = False
        self.down_since = time.monotonic()
        self._notify()
        return True

    def mark_up(self) -> bool:
        if self.is_up:
            return False
        self.is_up = True
        self.reason = None
        self.down_since = None
        if self._has_connected:
            self.reconnects += 1
        self._has_connected = True
        self._notify()
        return True

    def _notify(self) -> None:
        for callback in list(self._observers):
            callback(self.is_up)


class RegistryBroadcast(Broadcast):
    """broadcaster's ``Broadcast`` with the health of its link (always up in memory)."""

    def __init__(self, url: str) -> None:
        if url.startswith(("redis://", "rediss://")):
            from subscriptions.redis_backend import ReconnectingRedisBackend

            backend = ReconnectingRedisBackend(url)
            super().__init__(backend=backend)
            self.health = backend.health
        elif url.startswith(POSTGRES_SCHEMES):
            from subscriptions.postgres_backend import PostgresNotifyBackend

            notify = PostgresNotifyBackend(url)
            super().__init__(backend=notify)
            self.health = notify.health
        else:
            super().__init__(url)
            self.health = BroadcastHealth()


def create_broadcast(url: str) -> RegistryBroadcast:
    return RegistryBroadcast(url)
