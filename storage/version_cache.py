"""Live versions kept between requests: ``(subject, version)`` and each subject's latest.

Gateways ask for the same few versions all the time (``validatePayload``, ``subject {
latest }``, Confluent's ``GET /subjects/{s}/versions/latest``), and a version changes
only through an event naming its subject: a registration, a deletion. So an answer read
from the database is kept until this replica applies an event for its subject: its own
writes as they commit (read-your-writes), the other replicas' when the event hub delivers
them, in sequence order. No answer older than the last event applied is served.

A read racing an event must not store what it read before the event: each subject has a
generation, bumped by every event naming it, and an answer is kept only if the
generation it was read under is still current when the read ends (a fence). Everything
runs on the event loop, so no lock is needed.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Final

from registry.model import ChangeEvent, SchemaVersion
from registry.types import SubjectName

DEFAULT_MAX_SUBJECTS = 10_000
# A version number, or LATEST for the subject's newest live version.
LATEST: Final = 0


class Missing:
    __slots__ = ()


MISSING: Final = Missing()

Token = tuple[int, int]


class VersionCache:
    """At most ``max_subjects`` subjects' answers (least recently used first out); an
    answer may be None (no such live version)."""

    def __init__(self, max_subjects: int = DEFAULT_MAX_SUBJECTS) -> None:
        self.max_subjects = max_subjects
        self._subjects: OrderedDict[SubjectName, dict[int, SchemaVersion | None]] = OrderedDict()
        self._generations: dict[SubjectName, int] = {}
        self._epoch = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return sum(len(answers) for answers in self._subjects.values())

    def get(self, subject: SubjectName, version: int) -> SchemaVersion | Missing | None:
        answers = self._subjects.get(subject)
        if answers is None or version not in answers:
            self.misses += 1
            return MISSING
        self.hits += 1
        self._subjects.move_to_end(subject)
        return answers[version]

    def token(self, subject: SubjectName) -> Token:
        """Taken before a read; ``put`` keeps the answer only if it is still current."""
        return self._epoch, self._generations.get(subject, 0)

    def put(
        self, subject: SubjectName, version: int, found: SchemaVersion | None, token: Token
    ) -> None:
        if self.max_subjects < 1 or token != self.token(subject):
            return
        answers = self._subjects.get(subject)
        if answers is None:
            answers = self._subjects[subject] = {}
            while len(self._subjects) > self.max_subjects:
                self._subjects.popitem(last=False)
        else:
            self._subjects.move_to_end(subject)
        answers[version] = found

    def observe(self, event: ChangeEvent) -> None:
        """Forget what ``event`` may have changed (every event naming a subject changes,
        or may change, its versions or latest)."""
        if event.subject is None:
            return
        self.forget(event.subject)

    def forget(self, subject: SubjectName) -> None:
        self._generations[subject] = self._generations.get(subject, 0) + 1
        self._subjects.pop(subject, None)

    def clear(self) -> None:
        self._epoch += 1
        self._subjects.clear()
