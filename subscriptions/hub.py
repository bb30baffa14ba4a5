"""One process-wide listener that turns the broadcast channel into an ordered, gap-free
stream and fans it out to local subscribers.

Ordering: sequences are assigned in commit order (see storage.tables.registry_state), but
replicas publish after commit, so messages may arrive out of order or not at all (a crash
between commit and publish, a Redis hiccup). The hub delivers strictly increasing
sequences: when a message skips ahead it first reads the missing events from the outbox,
and a periodic check of the last sequence recovers lost publishes. That costs one query
per gap per process, never one per subscriber. A message that only announces a sequence
(an event too large for the transport, see subscriptions/codec.py) is read the same way.

While the broadcast is down (``BroadcastHealth``), nothing arrives over it: the hub then
checks the outbox every ``degraded_poll_interval`` instead, and skips publishing. Failures
(an outbox read during a database outage, a publish) are logged once when they start and
once when they end, not on every tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from collections.abc import Sequence as Seq
from dataclasses import dataclass

from broadcaster import Broadcast
from broadcaster._base import Unsubscribed

from registry.errors import RegistryError, SubscriberTooSlowError
from registry.model import ChangeEvent
from registry.ports import RegistryReader
from registry.types import Sequence
from subscriptions.broadcast import BroadcastHealth, RegistryBroadcast
from subscriptions.codec import Announcement, decode_message, encode_event

logger = logging.getLogger(__name__)

# Events per outbox read; each registration carries its schema text (up to the size limit).
_PAGE = 100
# A publish that hangs (Redis unreachable) must not hold the mutation that committed it:
# the poll delivers what was not announced.
_PUBLISH_TIMEOUT = 2.0
# Seconds between outbox checks while the broadcast is down.
DEGRADED_POLL_INTERVAL = 0.1


def _describe(error: BaseException) -> str:
    if isinstance(error, RegistryError):
        return error.message
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


class _Trouble:
    """Logs a recurring failure once when it starts and once when it ends."""

    def __init__(self, what: str, consequence: str) -> None:
        self._what = what
        self._consequence = consequence
        self.failures = 0

    def failed(self, error: BaseException) -> None:
        self.failures += 1
        if self.failures > 1:
            return
        # An unavailable database or broadcast is described by the error's type and first
        # line; where it came from is left to the debug level.
        logger.warning("%s failed, %s: %s", self._what, self._consequence, _describe(error))
        logger.debug("%s failed", self._what, exc_info=error)

    def succeeded(self) -> None:
        if self.failures:
            logger.warning("%s works again after %d failure(s)", self._what, self.failures)
            self.failures = 0


@dataclass(frozen=True, slots=True)
class EventFilter:
    subject: str | None = None
    subject_prefix: str | None = None

    def matches(self, event: ChangeEvent) -> bool:
        if self.subject is None and self.subject_prefix is None:
            return True
        # Global config changes concern every subject.
        if event.subject is None:
            return True
        if self.subject is not None and event.subject != self.subject:
            return False
        return self.subject_prefix is None or event.subject.startswith(self.subject_prefix)


class _Subscriber:
    __slots__ = ("filter", "overflowed", "queue")

    def __init__(self, event_filter: EventFilter, max_queue: int) -> None:
        self.filter = event_filter
        self.queue: asyncio.Queue[ChangeEvent] = asyncio.Queue(max_queue)
        self.overflowed = False


class EventHub:
    def __init__(
        self,
        reader: RegistryReader,
        broadcast: Broadcast,
        channel: str,
        *,
        poll_interval: float = 1.0,
        degraded_poll_interval: float = DEGRADED_POLL_INTERVAL,
        max_queue: int = 10_000,
        on_event: Callable[[ChangeEvent], None] | None = None,
        on_gap_read: Callable[[], None] | None = None,
        on_poll_recovery: Callable[[], None] | None = None,
    ) -> None:
        self._reader = reader
        self._broadcast = broadcast
        self._channel = channel
        self._poll_interval = poll_interval
        self._degraded_poll_interval = min(poll_interval, degraded_poll_interval)
        self.broadcast_health = (
            broadcast.health if isinstance(broadcast, RegistryBroadcast) else BroadcastHealth()
        )
        # A change either way calls for an outbox check now: going down, to deliver what
        # the lost link would have; coming back, for what was committed meanwhile.
        self._wake = asyncio.Event()
        self.broadcast_health.observe(lambda is_up: self._wake.set())
        self._outbox_trouble = _Trouble("reading the outbox", "the poll retries it")
        self._publish_trouble = _Trouble("publishing change events", "replicas poll them")
        self._max_queue = max_queue
        self._on_event = on_event
        # For the metrics: a gap filled from the outbox, a poll that delivered events.
        self._on_gap_read = on_gap_read
        self._on_poll_recovery = on_poll_recovery
        self._subscribers: set[_Subscriber] = set()
        self._last = Sequence(0)
        self._advance_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._listening = asyncio.Event()

    @property
    def last_sequence(self) -> Sequence:
        return self._last

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    @property
    def poll_interval(self) -> float:
        """Seconds between outbox checks now: shorter while the broadcast is down."""
        if self.broadcast_health.is_up:
            return self._poll_interval
        return self._degraded_poll_interval

    async def start(self) -> None:
        self._last = await self._reader.get_last_sequence()
        listen = asyncio.create_task(self._listen(), name="event-hub-listen")
        poll = asyncio.create_task(self._poll(), name="event-hub-poll")
        self._tasks = [listen, poll]
        # A subscription that fails ends the listener before it is ever listening:
        # surface that failure instead of waiting for a readiness that cannot come.
        listening = asyncio.create_task(self._listening.wait())
        await asyncio.wait((listen, listening), return_when=asyncio.FIRST_COMPLETED)
        if not listening.done():
            listening.cancel()
            poll.cancel()
            self._tasks = []
            with contextlib.suppress(asyncio.CancelledError):
                await poll
            listen.result()
            raise RuntimeError("the event listener ended before it was listening")

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:
                logger.warning("event hub task %s had failed", task.get_name(), exc_info=True)
        self._tasks = []

    async def publish(self, events: Seq[ChangeEvent]) -> None:
        """Announce committed events; failures are logged, the poll recovers them."""
        if not self.broadcast_health.is_up:
            # Every replica whose link is down polls quickly; trying would only make the
            # mutation wait for a connection attempt.
            return
        for event in events:
            try:
                await asyncio.wait_for(
                    self._broadcast.publish(self._channel, encode_event(event)), _PUBLISH_TIMEOUT
                )
            except Exception as exc:
                self._publish_trouble.failed(exc)
            else:
                self._publish_trouble.succeeded()

    async def _listen(self) -> None:
        async with self._broadcast.subscribe(self._channel) as subscriber:
            self._listening.set()
            while True:
                try:
                    message = await subscriber.get()
                except Unsubscribed:
                    return
                try:
                    decoded = decode_message(message.message)
                except ValueError:
                    logger.warning("ignored a malformed message on %s", self._channel)
                    continue
                try:
                    if isinstance(decoded, Announcement):
                        # Too large for the transport: read it (and any gap) from the outbox.
                        await self._advance(None, upto=decoded.sequence)
                    else:
                        await self._advance(decoded)
                except Exception as exc:
                    # Typically the outbox read of a gap failed; the poll retries it.
                    self._outbox_trouble.failed(exc)

    async def _poll(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await self._wake.wait()
            self._wake.clear()
            try:
                newest = await self._reader.get_last_sequence()
                if newest > self._last:
                    before = self._last
                    await self._advance(None, upto=newest)
                    if self._last > before and self._on_poll_recovery is not None:
                        self._on_poll_recovery()
            except Exception as exc:
                self._outbox_trouble.failed(exc)
            else:
                self._outbox_trouble.succeeded()

    async def _advance(self, event: ChangeEvent | None, upto: Sequence | None = None) -> None:
        """Deliver everything up to ``event`` (or ``upto``) in order, exactly once."""
        target = event.sequence if event is not None else upto
        if target is None or target <= self._last:
            return
        async with self._advance_lock:
            if event is not None and self._last < target - 1 and self._on_gap_read is not None:
                self._on_gap_read()
            while self._last < target - (1 if event is not None else 0):
                before = self._last
                for item in await self._reader.list_events_after(self._last, _PAGE):
                    if item.sequence > target:
                        break
                    self._deliver(item)
                if self._last == before:
                    break
            if event is not None and event.sequence == self._last + 1:
                self._deliver(event)

    def _deliver(self, event: ChangeEvent) -> None:
        if event.sequence <= self._last:
            return
        self._last = event.sequence
        if self._on_event is not None:
            self._on_event(event)
        for sub in self._subscribers:
            if sub.overflowed or not sub.filter.matches(event):
                continue
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:
                sub.overflowed = True

    async def subscribe(
        self,
        subject: str | None = None,
        subject_prefix: str | None = None,
        after: Sequence | None = None,
    ) -> AsyncIterator[ChangeEvent]:
        """Events matching the filter: first those after ``after`` from the outbox, then
        live ones, in sequence order with no gap and no duplicate."""
        event_filter = EventFilter(subject, subject_prefix)
        sub = _Subscriber(event_filter, self._max_queue)
        self._subscribers.add(sub)
        try:
            cursor = after if after is not None else self._last
            if after is not None:
                while True:
                    page = await self._reader.list_events_after(cursor, _PAGE)
                    for event in page:
                        cursor = event.sequence
                        if event_filter.matches(event):
                            yield event
                    if len(page) < _PAGE:
                        break
            while True:
                if sub.overflowed and sub.queue.empty():
                    raise SubscriberTooSlowError(
                        f"Subscriber fell more than {self._max_queue} events behind; "
                        f"reconnect with after: {cursor}."
                    )
                event = await sub.queue.get()
                if event.sequence <= cursor:
                    continue
                cursor = event.sequence
                yield event
        finally:
            self._subscribers.discard(sub)
