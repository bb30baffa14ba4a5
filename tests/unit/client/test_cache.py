"""The client's cache on its own: events applied in sequence order exactly once, snapshots
that never undo a newer event, deletions of the latest version."""

from __future__ import annotations

from typing import Any

import pytest

from llm_schema_registry_client.aclient import common_prefix
from llm_schema_registry_client.cache import Cache
from llm_schema_registry_client.errors import RegistryError
from llm_schema_registry_client.models import ChangeEvent, SchemaVersion
from llm_schema_registry_client.transport import Backoff, authorization


def version(subject: str, number: int, schema_id: int | None = None) -> SchemaVersion:
    ident = schema_id if schema_id is not None else number * 10
    return SchemaVersion(subject, number, ident, f'{{"title":"{subject} v{number}"}}', "JSON")


def event(
    sequence: int, kind: str, subject: str | None, number: int | None = None, **extra: Any
) -> ChangeEvent:
    registered = kind == "REGISTERED" and subject is not None and number is not None
    schema_id = extra.get("schema_id", (number or 0) * 10)
    return ChangeEvent(
        sequence=sequence,
        kind=kind,
        subject=subject,
        version=number,
        id=schema_id if registered else None,
        schema=f'{{"title":"{subject} v{number}"}}' if registered else None,
        format="JSON" if registered else None,
        permanent=bool(extra.get("permanent", False)),
        timestamp=0.0,
    )


def test_a_registration_of_a_read_subject_becomes_its_latest() -> None:
    cache = Cache()
    cache.set_floor(4)
    assert cache.apply_snapshot("tools.a", version("tools.a", 1), cache.token())

    applied = cache.apply_event(event(5, "REGISTERED", "tools.a", 2))

    assert applied.is_new and applied.latest == version("tools.a", 2)
    assert cache.latest("tools.a") == (True, version("tools.a", 2))
    assert cache.schema(20) == version("tools.a", 2).content()


def test_events_at_or_below_the_last_applied_sequence_are_ignored() -> None:
    cache = Cache()
    cache.set_floor(10)
    cache.apply_snapshot("s", version("s", 3), cache.token())

    assert not cache.apply_event(event(9, "REGISTERED", "s", 9)).is_new
    assert not cache.apply_event(event(10, "SUBJECT_DELETED", "s")).is_new
    assert cache.apply_event(event(11, "REGISTERED", "s", 4)).is_new
    assert not cache.apply_event(event(11, "REGISTERED", "s", 4)).is_new

    assert cache.latest("s") == (True, version("s", 4))
    assert cache.last_sequence == 11


def test_a_registration_older_than_the_snapshot_does_not_take_the_latest_back() -> None:
    """The snapshot read v3 after v2's event was committed, and arrived first."""
    cache = Cache()
    cache.set_floor(1)
    assert cache.apply_snapshot("s", version("s", 3), cache.token())

    applied = cache.apply_event(event(2, "REGISTERED", "s", 2))

    assert applied.latest == version("s", 3)
    assert cache.latest("s") == (True, version("s", 3))


def test_a_snapshot_overtaken_by_an_event_for_its_subject_is_refused() -> None:
    """A read sent before a deletion may answer the deleted version: putting it back
    would go backwards, so the caller reads again."""
    cache = Cache()
    cache.set_floor(1)
    cache.apply_snapshot("s", version("s", 2), cache.token())
    token = cache.token()
    cache.apply_event(event(2, "VERSION_DELETED", "s", 2))

    assert not cache.apply_snapshot("s", version("s", 2), token)
    assert cache.latest("s") == (False, None)
    assert cache.apply_snapshot("s", version("s", 1), cache.token())
    assert cache.latest("s") == (True, version("s", 1))


def test_an_event_for_another_subject_does_not_refuse_a_snapshot() -> None:
    cache = Cache()
    cache.set_floor(1)
    token = cache.token()
    cache.apply_event(event(2, "REGISTERED", "other", 1))

    assert cache.apply_snapshot("s", version("s", 1), token)


@pytest.mark.parametrize(
    ("deleted", "refetch", "after"),
    [
        (3, True, (False, None)),  # the latest: unknown until read again
        (2, False, (True, "v3")),  # an older version: the latest stands
    ],
)
def test_deleting_a_version_refetches_only_when_it_was_the_latest(
    deleted: int, refetch: bool, after: tuple[bool, str | None]
) -> None:
    cache = Cache()
    cache.set_floor(1)
    cache.apply_snapshot("s", version("s", 3), cache.token())

    applied = cache.apply_event(event(2, "VERSION_DELETED", "s", deleted))

    assert applied.refetch is refetch
    known, latest = cache.latest("s")
    assert (known, None if latest is None else f"v{latest.version}") == after


def test_a_deleted_subject_is_known_to_have_no_latest_until_registered_again() -> None:
    cache = Cache()
    cache.set_floor(1)
    cache.apply_snapshot("s", version("s", 2), cache.token())

    assert cache.apply_event(event(2, "SUBJECT_DELETED", "s")).latest is None
    assert cache.latest("s") == (True, None)
    cache.apply_event(event(3, "REGISTERED", "s", 3))
    assert cache.latest("s") == (True, version("s", 3))


def test_config_changes_leave_latest_versions_alone_but_advance_the_sequence() -> None:
    cache = Cache()
    cache.set_floor(1)
    cache.apply_snapshot("s", version("s", 2), cache.token())

    assert cache.apply_event(event(2, "CONFIG_CHANGED", "s")).latest == version("s", 2)
    assert cache.apply_event(event(3, "CONFIG_CHANGED", None)).is_new
    assert cache.latest("s") == (True, version("s", 2))
    assert cache.last_sequence == 3


def test_a_subject_never_read_is_not_cached_but_its_registration_is_reported() -> None:
    cache = Cache()
    cache.set_floor(1)

    applied = cache.apply_event(event(2, "REGISTERED", "unread", 1))

    assert applied.latest == version("unread", 1)
    assert cache.latest("unread") == (False, None)


def test_a_listed_prefix_gains_and_loses_subjects_through_events() -> None:
    cache = Cache()
    cache.set_floor(5)
    stale = cache.apply_listing(
        "tools.", {"tools.a": version("tools.a", 1), "tools.b": None}, cache.token()
    )
    assert stale == []

    cache.apply_event(event(6, "REGISTERED", "tools.c", 1))
    cache.apply_event(event(7, "SUBJECT_DELETED", "tools.a"))
    cache.apply_event(event(8, "REGISTERED", "other.x", 1))

    assert [v.subject for v in cache.subjects_under("tools.")] == ["tools.c"]
    assert cache.latest("tools.zzz") == (True, None)  # listed: known to be absent
    assert cache.is_listed("tools.a") and not cache.is_listed("other.")


def test_a_listing_overtaken_by_events_leaves_those_subjects_to_be_read_again() -> None:
    cache = Cache()
    cache.set_floor(5)
    token = cache.token()
    cache.apply_event(event(6, "VERSION_DELETED", "tools.a", 2))
    cache.apply_event(event(7, "REGISTERED", "tools.new", 1))

    stale = cache.apply_listing(
        "tools.", {"tools.a": version("tools.a", 2), "tools.b": version("tools.b", 1)}, token
    )

    assert stale == ["tools.a", "tools.new"]
    assert cache.unknown_under("tools.") == ["tools.a", "tools.new"]
    assert cache.latest("tools.a") == (False, None)
    assert [v.subject for v in cache.subjects_under("tools.")] == ["tools.b"]
    cache.apply_snapshot("tools.a", version("tools.a", 1), cache.token())
    assert cache.unknown_under("tools.") == ["tools.new"]


def test_a_registration_after_the_latest_was_deleted_is_the_latest_again() -> None:
    cache = Cache()
    cache.set_floor(1)
    cache.apply_listing("p.", {"p.s": version("p.s", 2)}, cache.token())
    cache.apply_event(event(2, "VERSION_DELETED", "p.s", 2))

    cache.apply_event(event(3, "REGISTERED", "p.s", 3))

    assert cache.latest("p.s") == (True, version("p.s", 3))
    assert cache.unknown_under("p.") == []


def test_forgetting_keeps_schemas_by_id_and_drops_everything_else() -> None:
    cache = Cache()
    cache.set_floor(1)
    cache.apply_snapshot("s", version("s", 2), cache.token())

    cache.forget()

    assert cache.latest("s") == (False, None)
    assert cache.last_sequence is None
    assert cache.schema(20) is not None


def test_one_subscription_covers_every_watched_prefix() -> None:
    assert common_prefix(["tools.search", "tools.weather"]) == "tools."
    assert common_prefix(["tools.", "outputs."]) == ""
    assert common_prefix(["tools."]) == "tools."
    assert common_prefix([]) == ""


def test_backoff_grows_exponentially_to_its_cap_with_jitter() -> None:
    backoff = Backoff(base=0.1, cap=2.0)
    for attempt, ceiling in [(0, 0.1), (1, 0.2), (3, 0.8), (10, 2.0)]:
        delays = [backoff.delay(attempt) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 2  # spread over the range, not fixed
        assert len(set(delays)) > 100


@pytest.mark.parametrize(
    ("api_key", "token", "expected"),
    [
        ("lsr_abc_def", None, "Bearer lsr_abc_def"),
        ("abc:def", None, "Basic YWJjOmRlZg=="),
        (None, "eyJhbGciOi.x.y", "Bearer eyJhbGciOi.x.y"),
        (None, None, None),
    ],
)
def test_credentials_become_the_authorization_value(
    api_key: str | None, token: str | None, expected: str | None
) -> None:
    assert authorization(api_key, token) == expected


def test_an_api_key_and_a_token_together_are_refused() -> None:
    with pytest.raises(ValueError, match="not both"):
        authorization("lsr_a_b", "jwt")


def test_a_graphql_error_keeps_its_code_and_extensions() -> None:
    errors = [
        {
            "message": "Schema is incompatible",
            "extensions": {
                "code": "INCOMPATIBLE_SCHEMA",
                "incompatibilities": [{"code": "REQUIRED_PROPERTY_ADDED"}],
            },
        }
    ]
    error = RegistryError.from_graphql(errors)

    assert error.code == "INCOMPATIBLE_SCHEMA"
    assert error.message == "Schema is incompatible"
    assert error.incompatibilities == [{"code": "REQUIRED_PROPERTY_ADDED"}]
    assert error.errors == errors
    assert not error.is_retryable
    assert RegistryError.from_graphql(
        [{"message": "x", "extensions": {"code": "SERVER_BUSY"}}]
    ).is_retryable
