"""The version cache's rules: answers are kept per subject until an event names it, a
read racing an event never stores what it read before the event, and the bound holds."""

from __future__ import annotations

from registry.model import ChangeEvent, EventKind, Schema, SchemaFormat, SchemaVersion
from registry.types import SchemaId, Sequence, SubjectName, Version
from storage.version_cache import LATEST, MISSING, VersionCache

A = SubjectName("a")
B = SubjectName("b")


def version(subject: SubjectName, number: int) -> SchemaVersion:
    schema = Schema(SchemaId(number), SchemaFormat.JSON, "{}", f"fp{number}")
    return SchemaVersion(subject, Version(number), schema)


def event(kind: EventKind, subject: SubjectName | None, sequence: int = 1) -> ChangeEvent:
    return ChangeEvent(Sequence(sequence), kind, subject)


def test_an_answer_is_kept_until_an_event_names_its_subject() -> None:
    cache = VersionCache()
    cache.put(A, LATEST, version(A, 1), cache.token(A))
    cache.put(A, 1, version(A, 1), cache.token(A))
    cache.put(B, LATEST, version(B, 3), cache.token(B))

    assert cache.get(A, LATEST) == version(A, 1)
    cache.observe(event(EventKind.CONFIG_CHANGED, None))
    assert cache.get(A, LATEST) == version(A, 1)
    cache.observe(event(EventKind.REGISTERED, A))
    assert cache.get(A, LATEST) is MISSING
    assert cache.get(A, 1) is MISSING
    assert cache.get(B, LATEST) == version(B, 3)


def test_every_kind_of_event_naming_a_subject_drops_it() -> None:
    for kind in (
        EventKind.REGISTERED,
        EventKind.VERSION_DELETED,
        EventKind.SUBJECT_DELETED,
        EventKind.CONFIG_CHANGED,
    ):
        cache = VersionCache()
        cache.put(A, 1, version(A, 1), cache.token(A))
        cache.observe(event(kind, A))
        assert cache.get(A, 1) is MISSING, kind


def test_no_live_version_is_an_answer_too() -> None:
    cache = VersionCache()
    cache.put(A, 7, None, cache.token(A))
    assert cache.get(A, 7) is None
    assert cache.get(A, 8) is MISSING


def test_a_read_that_raced_an_event_is_not_kept() -> None:
    cache = VersionCache()
    token = cache.token(A)  # the read starts, sees the old latest...
    cache.forget(A)  # ...a registration commits meanwhile...
    cache.put(A, LATEST, version(A, 1), token)  # ...and the old answer arrives late.

    assert cache.get(A, LATEST) is MISSING
    fresh = cache.token(A)
    cache.put(A, LATEST, version(A, 2), fresh)
    assert cache.get(A, LATEST) == version(A, 2)


def test_an_event_for_another_subject_does_not_fence_a_read() -> None:
    cache = VersionCache()
    token = cache.token(A)
    cache.forget(B)
    cache.put(A, LATEST, version(A, 1), token)
    assert cache.get(A, LATEST) == version(A, 1)


def test_clear_fences_every_read_in_flight() -> None:
    cache = VersionCache()
    token = cache.token(A)
    cache.clear()
    cache.put(A, 1, version(A, 1), token)
    assert cache.get(A, 1) is MISSING


def test_the_least_recently_used_subject_goes_first() -> None:
    cache = VersionCache(max_subjects=2)
    for subject in (A, B):
        cache.put(subject, 1, version(subject, 1), cache.token(subject))
    assert cache.get(A, 1) == version(A, 1)  # A is now the most recent
    c = SubjectName("c")
    cache.put(c, 1, version(c, 1), cache.token(c))

    assert cache.get(B, 1) is MISSING
    assert cache.get(A, 1) == version(A, 1)
    assert cache.get(c, 1) == version(c, 1)
    assert len(cache) == 2


def test_a_zero_bound_keeps_nothing() -> None:
    cache = VersionCache(max_subjects=0)
    cache.put(A, 1, version(A, 1), cache.token(A))
    assert cache.get(A, 1) is MISSING
