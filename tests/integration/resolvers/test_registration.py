"""register_schema, lookup_schema and check_compatibility on SQLite and PostgreSQL, with
schemas parsed and checked inline and in a worker process."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import pytest

from registry.checks import CanonicalSchema, CheckRequest, SchemaSource
from registry.compatibility import Incompatibility
from registry.errors import (
    BadUserInputError,
    IncompatibleSchemaError,
    InvalidSchemaError,
    SchemaNotFoundError,
    SubjectNotFoundError,
    VersionNotFoundError,
)
from registry.model import CompatibilityLevel, EventKind, ProviderFinding
from registry.ports import SchemaChecker
from registry.providers import Provider
from registry.types import Sequence, SubjectName
from resolvers.config import set_compatibility
from resolvers.context import Services
from resolvers.schemas import (
    check_compatibility,
    check_compatibility_with_latest,
    get_schema,
    lookup_schema,
    register_schema,
)
from resolvers.subjects import delete_schema_version, delete_subject, find_subject, list_subjects
from tests.integration.helpers import (
    HubFactory,
    StoreFactory,
    object_schema,
    sequences,
    titled,
)

STRING_A = object_schema({"a": "string"})
REQUIRED_A = object_schema({"a": "string"}, required=["a"])
INTEGER_A = object_schema({"a": "integer"})


@pytest.fixture
def checker(any_checker: SchemaChecker) -> SchemaChecker:
    return any_checker


async def _nothing_stored_since(services: Services, sequence: int) -> None:
    assert await services.store.get_last_sequence() == sequence
    assert sequences(await services.store.list_events_after(Sequence(0), 1000)) == list(
        range(1, sequence + 1)
    )


# Versions and ids


async def test_registering_new_contents_gives_versions_one_two_three(services):
    results = [await register_schema(services, "orders", titled(n)) for n in range(1, 4)]

    assert [r.version.version for r in results] == [1, 2, 3]
    assert all(r.is_new_version for r in results)
    assert [r.version.schema.id for r in results] == [1, 2, 3]
    subject = await find_subject(services, "orders")
    assert subject is not None
    assert subject.versions == (1, 2, 3)


async def test_registering_identical_content_twice_returns_the_existing_version(services):
    first = await register_schema(
        services, "orders", object_schema({"a": "string", "b": "integer"})
    )
    same_content = json.dumps(
        {"properties": {"b": {"type": "integer"}, "a": {"type": "string"}}, "type": "object"},
        indent=4,
    )

    again = await register_schema(services, "orders", same_content)

    assert again.is_new_version is False
    assert again.version.version == first.version.version == 1
    assert again.version.schema.id == first.version.schema.id
    await _nothing_stored_since(services, 1)


async def test_the_stored_text_is_the_canonical_form(services):
    result = await register_schema(services, "orders", object_schema(indent=2))

    stored = await get_schema(services, result.version.schema.id)

    assert stored.text == '{"properties":{"a":{"type":"string"}},"type":"object"}'


async def test_the_same_content_under_two_subjects_shares_one_id(services):
    orders = await register_schema(services, "orders", STRING_A)
    invoices = await register_schema(services, "invoices", object_schema(sort_keys=True, indent=1))

    assert invoices.is_new_version is True
    assert invoices.version.version == 1
    assert invoices.version.schema.id == orders.version.schema.id
    assert await services.store.get_last_sequence() == 2


async def test_registering_writes_one_registered_event_with_the_schema(services):
    result = await register_schema(services, "orders", STRING_A)

    [event] = await services.store.list_events_after(Sequence(0), 10)

    assert (event.sequence, event.kind, event.subject, event.version) == (
        1,
        EventKind.REGISTERED,
        "orders",
        1,
    )
    assert event.schema_id == result.version.schema.id
    assert event.schema_text == result.version.schema.text


# Refusals leave no trace


async def test_an_incompatible_schema_is_refused_naming_the_version_it_breaks(services):
    await register_schema(services, "orders", STRING_A)
    await register_schema(services, "orders", titled(2))

    with pytest.raises(IncompatibleSchemaError) as refused:
        await register_schema(services, "orders", REQUIRED_A)

    assert refused.value.incompatibilities
    assert {i.version for i in refused.value.incompatibilities} == {2}
    assert refused.value.code == "INCOMPATIBLE_SCHEMA"
    assert refused.value.subject == "orders"
    assert refused.value.level is CompatibilityLevel.BACKWARD
    assert [(v.version, v.schema.text) for v in refused.value.checked] == [
        (2, json.dumps(json.loads(titled(2)), sort_keys=True, separators=(",", ":")))
    ]


async def test_a_refused_schema_leaves_no_schema_version_or_event(services):
    first = await register_schema(services, "orders", STRING_A)

    with pytest.raises(IncompatibleSchemaError):
        await register_schema(services, "orders", INTEGER_A)

    await _nothing_stored_since(services, 1)
    subject = await find_subject(services, "orders", include_deleted=True)
    assert subject is not None
    assert subject.versions == (1,)
    with pytest.raises(SchemaNotFoundError):
        await lookup_schema(services, "orders", INTEGER_A)
    # The refused schema took no id: the next new content gets the very next one.
    accepted = await register_schema(services, "orders", titled(2))
    assert accepted.version.schema.id == first.version.schema.id + 1
    assert accepted.version.version == 2
    assert await services.store.get_last_sequence() == 2


async def test_a_refused_schema_under_a_new_subject_creates_no_subject(services):
    await set_compatibility(services, "orders", CompatibilityLevel.FORWARD)
    await register_schema(services, "orders", REQUIRED_A)
    last = await services.store.get_last_sequence()

    with pytest.raises(IncompatibleSchemaError):
        await register_schema(services, "orders", INTEGER_A)

    await _nothing_stored_since(services, last)
    assert await list_subjects(services, include_deleted=True) == ["orders"]


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"type": 12}',
        "[1, 2]",
        '{"$ref": "#/definitions/missing"}',
        '{"type": "object", "minimum": NaN}',
    ],
    ids=["not-json", "bad-type-keyword", "array", "dangling-ref", "nan"],
)
async def test_an_invalid_schema_is_refused_and_stores_nothing(services, text):
    with pytest.raises(InvalidSchemaError):
        await register_schema(services, "orders", text)

    await _nothing_stored_since(services, 0)
    assert await list_subjects(services, include_deleted=True) == []


@pytest.mark.parametrize(
    "name",
    ["", "x" * 256, "bad\x00name", "line\nbreak", "del\x7f", "lone\ud800surrogate"],
    ids=["empty", "256-chars", "nul", "newline", "delete", "surrogate"],
)
async def test_a_bad_subject_name_is_refused_as_bad_user_input(services, name):
    with pytest.raises(BadUserInputError):
        await register_schema(services, name, STRING_A)

    await _nothing_stored_since(services, 0)


async def test_a_subject_name_of_255_characters_is_accepted(services):
    name = "s" * 255

    result = await register_schema(services, name, STRING_A)

    assert result.version.subject == name
    assert await list_subjects(services) == [name]


async def test_a_schema_over_the_size_limit_is_refused_as_bad_user_input(store, hub, checker):
    services = Services(store=store, publisher=hub, feed=hub, max_schema_bytes=64, checker=checker)
    small = '{"type":"string"}'
    large = object_schema({f"property_{n}": "string" for n in range(10)})
    assert len(large.encode()) > 64

    with pytest.raises(BadUserInputError):
        await register_schema(services, "orders", large)

    await _nothing_stored_since(services, 0)
    assert (await register_schema(services, "orders", small)).version.version == 1


# A check made before the write lock, on what was live then


class _Interleaving:
    """A checker that lets another writer commit while the first check runs, as a
    concurrent registration on another replica would."""

    def __init__(self, inner: SchemaChecker, meanwhile: Callable[[], Awaitable[object]]) -> None:
        self._inner = inner
        self._meanwhile: Callable[[], Awaitable[object]] | None = meanwhile

    async def canonicalize(self, source: SchemaSource) -> CanonicalSchema:
        return await self._inner.canonicalize(source)

    async def render(self, source: SchemaSource, form: str) -> str | None:
        return await self._inner.render(source, form)

    async def find_incompatibilities(self, request: CheckRequest) -> list[Incompatibility]:
        found = await self._inner.find_incompatibilities(request)
        if self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            await meanwhile()
        return found

    async def lint(
        self, source: SchemaSource, providers: tuple[Provider, ...]
    ) -> list[ProviderFinding]:
        return await self._inner.lint(source, providers)


async def test_a_version_registered_during_the_check_is_checked_against_too(services, checker):
    open_model = object_schema({"a": "string"})
    anything = json.dumps({"title": "accepts any document"})
    candidate = object_schema({"a": "string"}, title="candidate")
    await register_schema(services, "orders", open_model)
    racing = Services(
        store=services.store,
        publisher=services.publisher,
        feed=services.feed,
        checker=_Interleaving(checker, lambda: register_schema(services, "orders", anything)),
    )

    # Compatible with version 1, which it was first checked against; not with version 2,
    # which became the latest before the registration took the write lock.
    with pytest.raises(IncompatibleSchemaError) as refused:
        await register_schema(racing, "orders", candidate)

    assert {i.version for i in refused.value.incompatibilities} == {2}
    subject = await find_subject(services, "orders")
    assert subject is not None and subject.versions == (1, 2)


# Which versions a level checks


async def _two_incompatible_versions(services: Services) -> None:
    """orders v1 (a: string) and v2 (a: integer), registered with checks off."""
    await set_compatibility(services, "orders", CompatibilityLevel.NONE)
    await register_schema(services, "orders", STRING_A)
    await register_schema(services, "orders", INTEGER_A)


@pytest.mark.parametrize(
    "level",
    [
        CompatibilityLevel.BACKWARD_TRANSITIVE,
        CompatibilityLevel.FORWARD_TRANSITIVE,
        CompatibilityLevel.FULL_TRANSITIVE,
    ],
)
async def test_transitive_levels_check_every_live_version(services, level):
    await _two_incompatible_versions(services)
    await set_compatibility(services, "orders", level)
    last = await services.store.get_last_sequence()

    with pytest.raises(IncompatibleSchemaError) as refused:
        await register_schema(services, "orders", object_schema({"a": "integer"}, title="v3"))

    assert {i.version for i in refused.value.incompatibilities} == {1}
    await _nothing_stored_since(services, last)


@pytest.mark.parametrize(
    "level", [CompatibilityLevel.BACKWARD, CompatibilityLevel.FORWARD, CompatibilityLevel.FULL]
)
async def test_non_transitive_levels_check_only_the_latest_version(services, level):
    await _two_incompatible_versions(services)
    await set_compatibility(services, "orders", level)

    result = await register_schema(services, "orders", object_schema({"a": "integer"}, title="v3"))

    assert result.version.version == 3


async def test_soft_deleted_versions_are_left_out_of_compatibility_checks(services):
    await _two_incompatible_versions(services)
    await set_compatibility(services, "orders", CompatibilityLevel.FULL_TRANSITIVE)
    await delete_schema_version(services, "orders", 1)

    result = await register_schema(services, "orders", object_schema({"a": "integer"}, title="v3"))

    assert result.version.version == 3


async def test_a_soft_deleted_latest_version_is_not_the_one_checked(services):
    await _two_incompatible_versions(services)
    await set_compatibility(services, "orders", CompatibilityLevel.BACKWARD)
    await delete_schema_version(services, "orders", 2)

    with pytest.raises(IncompatibleSchemaError) as refused:
        await register_schema(services, "orders", object_schema({"a": "integer"}, title="v3"))

    assert {i.version for i in refused.value.incompatibilities} == {1}


async def test_level_none_accepts_any_change(services):
    await set_compatibility(services, "orders", CompatibilityLevel.NONE)
    await register_schema(services, "orders", STRING_A)

    result = await register_schema(services, "orders", INTEGER_A)

    assert result.version.version == 2


# Lookup


async def test_lookup_finds_the_version_by_canonical_content(services):
    await register_schema(services, "orders", titled(1))
    await register_schema(services, "orders", STRING_A)

    found = await lookup_schema(services, "orders", object_schema(sort_keys=True, indent=3))

    assert found.version == 2
    assert found.subject == "orders"


async def test_lookup_tells_an_unknown_subject_from_unknown_content(services):
    await register_schema(services, "orders", STRING_A)

    with pytest.raises(SubjectNotFoundError):
        await lookup_schema(services, "invoices", STRING_A)
    with pytest.raises(SchemaNotFoundError):
        await lookup_schema(services, "orders", titled(9))


async def test_lookup_does_not_find_a_soft_deleted_version(services):
    await register_schema(services, "orders", STRING_A)
    await register_schema(services, "orders", titled(2))
    await delete_schema_version(services, "orders", 1)

    with pytest.raises(SchemaNotFoundError):
        await lookup_schema(services, "orders", STRING_A)


async def test_lookup_with_deleted_finds_a_soft_deleted_version(services):
    await register_schema(services, "orders", STRING_A)
    await register_schema(services, "orders", titled(2))
    await delete_schema_version(services, "orders", 1)

    found = await lookup_schema(services, "orders", STRING_A, include_deleted=True)

    assert (found.version, found.is_deleted) == (1, True)


async def test_lookup_with_deleted_finds_a_version_of_a_soft_deleted_subject(services):
    await register_schema(services, "orders", STRING_A)
    await delete_subject(services, "orders")

    with pytest.raises(SubjectNotFoundError):
        await lookup_schema(services, "orders", STRING_A)
    found = await lookup_schema(services, "orders", STRING_A, include_deleted=True)
    assert (found.subject, found.version) == ("orders", 1)
    with pytest.raises(SchemaNotFoundError):
        await lookup_schema(services, "orders", titled(9), include_deleted=True)


# Dry runs


async def test_checking_compatibility_reports_problems_and_stores_nothing(services):
    await register_schema(services, "orders", STRING_A)

    refused = await check_compatibility(services, "orders", REQUIRED_A)
    accepted = await check_compatibility(services, "orders", titled(2))

    assert refused.is_compatible is False
    assert refused.level is CompatibilityLevel.BACKWARD
    assert {i.version for i in refused.incompatibilities} == {1}
    assert accepted.is_compatible is True
    await _nothing_stored_since(services, 1)
    subject = await find_subject(services, "orders")
    assert subject is not None
    assert subject.versions == (1,)


async def test_checking_against_one_version_ignores_the_others(services):
    await _two_incompatible_versions(services)
    await set_compatibility(services, "orders", CompatibilityLevel.BACKWARD_TRANSITIVE)

    against_first = await check_compatibility(services, "orders", STRING_A, version=1)
    against_second = await check_compatibility(services, "orders", STRING_A, version=2)

    assert against_first.is_compatible is True
    assert {i.version for i in against_second.incompatibilities} == {2}


async def test_checking_against_a_missing_version_or_subject_is_refused(services):
    await register_schema(services, "orders", STRING_A)

    with pytest.raises(VersionNotFoundError):
        await check_compatibility(services, "orders", STRING_A, version=5)
    with pytest.raises(SubjectNotFoundError):
        await check_compatibility(services, "invoices", STRING_A, version=1)


async def test_checking_against_the_latest_compares_with_the_latest_live_version_only(services):
    await register_schema(services, "orders", INTEGER_A)
    await set_compatibility(services, "orders", CompatibilityLevel.NONE)
    await register_schema(services, "orders", STRING_A)
    await set_compatibility(services, "orders", CompatibilityLevel.BACKWARD_TRANSITIVE)

    accepted = await check_compatibility_with_latest(services, "orders", STRING_A)
    refused = await check_compatibility_with_latest(services, "orders", REQUIRED_A)

    assert accepted.is_compatible is True
    assert [v.version for v in accepted.checked] == [2]
    assert {i.version for i in refused.incompatibilities} == {2}
    assert refused.level is CompatibilityLevel.BACKWARD_TRANSITIVE


async def test_checking_against_the_latest_of_a_subject_with_no_live_version_is_compatible(
    services,
):
    await register_schema(services, "orders", STRING_A)
    await delete_subject(services, "orders")

    for subject in ("orders", "unknown"):
        report = await check_compatibility_with_latest(services, subject, REQUIRED_A)
        assert (report.is_compatible, report.checked) == (True, ())
    with pytest.raises(InvalidSchemaError):
        await check_compatibility_with_latest(services, "unknown", "{")


async def test_checking_a_new_subject_is_compatible(services):
    report = await check_compatibility(services, "fresh", REQUIRED_A)

    assert report.is_compatible is True
    assert await list_subjects(services, include_deleted=True) == []


# Concurrent replicas (PostgreSQL serializes writers across processes with a row lock)


async def _replicas(
    postgres_url: str,
    open_store: StoreFactory,
    start_hub: HubFactory,
    count: int,
    checker: SchemaChecker,
) -> list[Services]:
    stores = [await open_store(postgres_url, pool_max_size=3) for _ in range(count)]
    hub = await start_hub(stores[0])
    return [Services(store=store, publisher=hub, feed=hub, checker=checker) for store in stores]


async def test_concurrent_registrations_to_one_subject_get_versions_one_to_twenty(
    postgres_url, open_store, start_hub, checker
):
    replicas = await _replicas(postgres_url, open_store, start_hub, 4, checker)

    results = await asyncio.wait_for(
        asyncio.gather(*(register_schema(replicas[n % 4], "orders", titled(n)) for n in range(20))),
        60,
    )

    assert sorted(r.version.version for r in results) == list(range(1, 21))
    assert sorted(r.version.schema.id for r in results) == list(range(1, 21))
    store = replicas[0].store
    subject = await store.get_subject(SubjectName("orders"))
    assert subject is not None
    assert subject.versions == tuple(range(1, 21))
    events = await store.list_events_after(Sequence(0), 1000)
    assert sequences(events) == list(range(1, 21))
    assert sorted(e.version or 0 for e in events) == list(range(1, 21))


async def test_concurrent_registrations_of_one_content_to_many_subjects_share_one_id(
    postgres_url, open_store, start_hub, checker
):
    replicas = await _replicas(postgres_url, open_store, start_hub, 4, checker)
    subjects = [f"subject-{n}" for n in range(10)]

    results = await asyncio.wait_for(
        asyncio.gather(
            *(register_schema(replicas[n % 4], name, STRING_A) for n, name in enumerate(subjects))
        ),
        60,
    )

    assert {r.version.schema.id for r in results} == {1}
    assert all(r.is_new_version and r.version.version == 1 for r in results)
    store = replicas[0].store
    assert sequences(await store.list_events_after(Sequence(0), 1000)) == list(range(1, 11))
    assert await store.list_subjects() == sorted(subjects)


async def test_concurrent_registrations_of_one_content_to_one_subject_make_one_version(
    postgres_url, open_store, start_hub, checker
):
    replicas = await _replicas(postgres_url, open_store, start_hub, 4, checker)

    results = await asyncio.wait_for(
        asyncio.gather(*(register_schema(replicas[n % 4], "orders", STRING_A) for n in range(8))),
        60,
    )

    assert {r.version.version for r in results} == {1}
    assert sum(r.is_new_version for r in results) == 1
    assert sequences(await replicas[0].store.list_events_after(Sequence(0), 1000)) == [1]
