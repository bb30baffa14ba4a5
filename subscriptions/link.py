"""What the reconnecting broadcast backends share: how a link's state is reported, and how
long to wait between attempts.

Each backend (Redis pub/sub, PostgreSQL LISTEN/NOTIFY) owns one subscriber connection for
its life. When the link drops it says so once, keeps ``BroadcastHealth`` current (the hub
polls the outbox quickly meanwhile), reconnects with capped, jittered backoff and says so
once more when it is back.
"""

from __future__ import annotations

import asyncio
import logging
import random

from subscriptions.broadcast import BroadcastHealth


def describe(error: BaseException) -> str:
    """One line: what went wrong with the link, without a traceback."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0].rstrip('.')}" if text else type(error).__name__


class Backoff:
    """Seconds between reconnection attempts: doubled from the first to the cap, with
    jitter so that replicas do not all knock at once when the server comes back."""

    def __init__(self, first: float, cap: float) -> None:
        self._first = first
        self._cap = cap
        self._next = first

    def reset(self) -> None:
        self._next = self._first

    def next_delay(self) -> float:
        delay = self._next * random.uniform(0.8, 1.2)
        self._next = min(self._next * 2, self._cap)
        return delay


class LinkReporter:
    """Keeps a link's ``BroadcastHealth`` and logs one line per change of state.

    ``server`` names where the link goes ("redis at host:6379"), ``transport`` how events
    travel over it ("pub/sub"); messages are written to the backend's own ``logger``.
    """

    def __init__(self, logger: logging.Logger, server: str, transport: str) -> None:
        self.health = BroadcastHealth(is_up=False, reason="not connected yet")
        # Set once the first attempt has ended, either way: ``connect`` waits for it.
        self.first_attempt = asyncio.Event()
        self._logger = logger
        self._server = server
        self._transport = transport

    def report_up(self) -> None:
        down_for = self.health.down_seconds
        was_started = self.first_attempt.is_set()
        if self.health.mark_up() and was_started:
            self._logger.warning(
                "broadcast reconnected to %s after %.1f s down; events travel over %s again",
                self._server,
                down_for,
                self._transport,
            )
        self.first_attempt.set()

    def report_down(self, reason: str) -> None:
        if not self.first_attempt.is_set():
            self._logger.warning(
                "broadcast unreachable at startup (%s): %s; serving degraded, events are "
                "delivered by polling the outbox until it answers",
                self._server,
                reason,
            )
            self.health.mark_down(reason)
        elif self.health.mark_down(reason):
            self._logger.warning(
                "broadcast lost (%s): %s; reconnecting, events are delivered by polling the "
                "outbox meanwhile",
                self._server,
                reason,
            )
        self.first_attempt.set()

    async def wait_first_attempt(self, seconds: float) -> None:
        """Until the first attempt ended, or ``seconds``: a server that accepts connections
        but never answers must not hold startup."""
        try:
            await asyncio.wait_for(self.first_attempt.wait(), seconds)
        except TimeoutError:
            return
