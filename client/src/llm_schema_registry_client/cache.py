"""What the client knows: schemas by id (immutable, kept for good) and each subject's latest
live version, kept current by applying change events in sequence order.

Ordering rules (no I/O here, so they are tested alone):

- An event at or below the last applied sequence is a duplicate (a resumed subscription
  may repeat what was delivered before the cut) and is ignored.
- A REGISTERED event replaces the latest unless it names a lower version: a snapshot read
  after the event was committed may have arrived first, and must not be undone.
- A snapshot (a read of the latest) is applied only if no event for that subject was
  applied while it was in flight: such a read may predate the event (a deletion, say),
  and putting it back would go backwards. The caller reads again instead.
- Deleting the latest version leaves the subject unknown until it is read again (the
  event does not say which version is now the latest).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from llm_schema_registry_client.errors import RegistryError
from llm_schema_registry_client.models import ChangeEvent, Schema, SchemaExport, SchemaVersion

ExportKey = tuple[str, int, str]  # (subject, schema id, target)


@dataclass(frozen=True)
class Applied:
    """The result of applying one event."""

    is_new: bool  # False: a duplicate or older sequence, ignored
    refetch: bool = False  # the cached latest was deleted: read the subject again
    latest: SchemaVersion | None = None  # the subject's latest afterwards, when known
    known: bool = True  # False: the event does not say what the latest is now


class Cache:
    """Thread-safe: the sync client reads it from the caller's thread while the watcher
    writes from its own."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._schemas: dict[int, Schema] = {}
        # subject -> latest live version; None: known to have none. Absent: unknown.
        self._latest: dict[str, SchemaVersion | None] = {}
        # subject -> sequence of the last event applied to it.
        self._marks: dict[str, int] = {}
        # Prefixes whose every subject is in _latest (a listing was applied), but for
        # those in _stale, whose latest version was deleted and must be read again.
        self._complete: set[str] = set()
        self._stale: set[str] = set()
        self._exports: dict[ExportKey, SchemaExport | RegistryError] = {}
        self._last_sequence: int | None = None
        self.revision = 0

    # -- schemas by id -------------------------------------------------------------------

    def schema(self, schema_id: int) -> Schema | None:
        with self._lock:
            return self._schemas.get(schema_id)

    def put_schema(self, schema: Schema) -> None:
        with self._lock:
            self._schemas[schema.id] = schema

    # -- sequence ------------------------------------------------------------------------

    @property
    def last_sequence(self) -> int | None:
        """The last event sequence applied (or the floor set at the start)."""
        with self._lock:
            return self._last_sequence

    def set_floor(self, sequence: int) -> None:
        """Start of the watch: events at or below ``sequence`` are already reflected in
        whatever is read from now on."""
        with self._lock:
            if self._last_sequence is None or sequence > self._last_sequence:
                self._last_sequence = sequence

    def token(self) -> int:
        """Taken before a snapshot read; given back to ``apply_snapshot``."""
        with self._lock:
            return self._last_sequence or 0

    # -- latest versions -----------------------------------------------------------------

    def latest(self, subject: str) -> tuple[bool, SchemaVersion | None]:
        """(known, latest): known is False when the subject must be read."""
        with self._lock:
            if subject in self._latest:
                return True, self._latest[subject]
            if subject not in self._stale and self._is_complete(subject):
                return True, None
            return False, None

    def _is_complete(self, subject: str) -> bool:
        return any(subject.startswith(prefix) for prefix in self._complete)

    def is_listed(self, prefix: str) -> bool:
        with self._lock:
            return any(prefix.startswith(listed) for listed in self._complete)

    def apply_snapshot(self, subject: str, latest: SchemaVersion | None, token: int) -> bool:
        """Store a read of the subject's latest, unless an event for it was applied since
        ``token`` was taken (then False: read again)."""
        with self._lock:
            if self._marks.get(subject, 0) > token:
                return False
            self._store(subject, latest)
            return True

    def apply_listing(
        self, prefix: str, latest: dict[str, SchemaVersion | None], token: int
    ) -> list[str]:
        """Store a read of every subject under ``prefix``; returns the subjects an event
        touched meanwhile (to be read again one by one). The prefix is complete from now
        on: later events add and remove its subjects."""
        with self._lock:
            stale = sorted(
                {
                    subject
                    for subject, mark in self._marks.items()
                    if mark > token and subject.startswith(prefix)
                }
            )
            for subject, version in latest.items():
                if subject not in stale:
                    self._store(subject, version)
            self._complete.add(prefix)
            for subject in stale:
                self._latest.pop(subject, None)
                self._stale.add(subject)
            return stale

    def subjects_under(self, prefix: str) -> list[SchemaVersion]:
        """Latest live versions of the subjects under a listed prefix, by subject name."""
        with self._lock:
            return [
                version
                for subject, version in sorted(self._latest.items())
                if version is not None and subject.startswith(prefix)
            ]

    def unknown_under(self, prefix: str) -> list[str]:
        """Subjects under a listed prefix whose latest must be read again."""
        with self._lock:
            return sorted(subject for subject in self._stale if subject.startswith(prefix))

    def _store(self, subject: str, latest: SchemaVersion | None) -> None:
        if self._latest.get(subject, ...) != latest:
            self.revision += 1
        self._latest[subject] = latest
        self._stale.discard(subject)
        if latest is not None:
            self._schemas[latest.id] = latest.content()

    def apply_event(self, event: ChangeEvent, *, track: bool = False) -> Applied:
        """Apply one event. ``track``: start caching the subject if it is not cached yet
        (a registration says what its latest is; a hook wants it kept)."""
        with self._lock:
            if self._last_sequence is not None and event.sequence <= self._last_sequence:
                return Applied(is_new=False)
            self._last_sequence = event.sequence
            subject = event.subject
            if subject is None:
                return Applied(is_new=True)
            self._marks[subject] = event.sequence
            known, current = self.latest(subject)
            if event.kind == "REGISTERED":
                registered = event.registered_version()
                if registered is None:
                    return Applied(is_new=True, known=False)
                self._schemas[registered.id] = registered.content()
                if current is not None and registered.version < current.version:
                    return Applied(is_new=True, latest=current)
                # A registration is the newest version: it is the latest, tracked or not.
                if known or track or subject in self._stale:
                    self._store(subject, registered)
                return Applied(is_new=True, latest=registered)
            if event.kind == "VERSION_DELETED":
                if current is not None and current.version == event.version:
                    del self._latest[subject]
                    self._stale.add(subject)
                    self.revision += 1
                    return Applied(is_new=True, refetch=True, known=False)
                return Applied(is_new=True, latest=current, known=known)
            if event.kind == "SUBJECT_DELETED":
                if known or track or subject in self._stale:
                    self._store(subject, None)
                return Applied(is_new=True, latest=None)
            return Applied(is_new=True, latest=current, known=known)

    def forget(self) -> None:
        """Everything but schemas by id, after the event history itself was replaced
        (a restored database): latest versions are read again."""
        with self._lock:
            self._latest.clear()
            self._marks.clear()
            self._complete.clear()
            self._stale.clear()
            self._last_sequence = None
            self.revision += 1

    # -- provider exports ----------------------------------------------------------------

    def export(self, key: ExportKey) -> SchemaExport | RegistryError | None:
        with self._lock:
            return self._exports.get(key)

    def put_export(self, key: ExportKey, value: SchemaExport | RegistryError) -> None:
        with self._lock:
            self._exports[key] = value
            self.revision += 1

    def missing_exports(self, keys: Iterable[ExportKey]) -> list[ExportKey]:
        with self._lock:
            return [key for key in keys if key not in self._exports]
