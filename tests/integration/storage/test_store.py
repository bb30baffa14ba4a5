"""DatabaseStore on SQLite and PostgreSQL: the outbox, transactions, and the reads."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
import sqlalchemy as sa

from registry.errors import StorageUnavailableError
from registry.model import (
    CompatibilityLevel,
    CompatibilityPolicy,
    EventKind,
    Page,
    RegistryMode,
    Schema,
    SchemaFormat,
    ScopeConfig,
)
from registry.ports import RegistryWriter
from registry.types import SchemaId, Sequence, SubjectName, Version
from resolvers.config import set_compatibility
from resolvers.schemas import register_schema
from resolvers.subjects import delete_schema_version, delete_subject
from storage.store import DatabaseStore
from storage.tables import configs
from tests.integration.helpers import StoreFactory, object_schema, sequences, titled

ORDERS = SubjectName("orders")


class BoomError(Exception):
    pass


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def _add_schema(store: DatabaseStore, text: str) -> Schema:
    async with store.write() as tx:
        return await tx.insert_schema(SchemaFormat.JSON, text, _fingerprint(text))


async def _register(store: DatabaseStore, subject: str, text: str) -> Version:
    """What register_schema persists, without its checks."""
    name = SubjectName(subject)
    async with store.write() as tx:
        schema = await tx.find_schema_by_fingerprint(_fingerprint(text))
        if schema is None:
            schema = await tx.insert_schema(SchemaFormat.JSON, text, _fingerprint(text))
        version = await tx.get_next_version(name)
        await tx.insert_version(name, version, schema.id)
        await tx.append_event(EventKind.REGISTERED, name, version=version, schema=schema)
    return version


# The outbox


async def test_appended_events_get_consecutive_sequences_starting_at_one(store):
    appended = []
    for number in range(1, 4):
        async with store.write() as tx:
            schema = await tx.insert_schema(SchemaFormat.JSON, titled(number), str(number))
            appended.append(await tx.append_event(EventKind.REGISTERED, ORDERS, schema=schema))
    async with store.write() as tx:
        appended.append(await tx.append_event(EventKind.CONFIG_CHANGED, None))

    assert sequences(appended) == [1, 2, 3, 4]
    assert await store.get_last_sequence() == 4


async def test_every_change_through_the_resolvers_writes_exactly_one_event(services):
    store = services.store
    await register_schema(services, "orders", titled(1))
    await register_schema(services, "orders", object_schema(title="revision 1", indent=2))
    await register_schema(services, "orders", titled(2))
    await register_schema(services, "invoices", titled(1))
    await set_compatibility(services, "orders", CompatibilityLevel.FULL)
    await delete_schema_version(services, "orders", 1)
    await delete_schema_version(services, "orders", 1, permanent=True)
    await delete_subject(services, "invoices")
    await delete_subject(services, "invoices", permanent=True)

    events = await store.list_events_after(Sequence(0), 100)

    assert [(e.sequence, e.kind, e.subject) for e in events] == [
        (1, EventKind.REGISTERED, "orders"),
        (2, EventKind.REGISTERED, "orders"),
        (3, EventKind.REGISTERED, "invoices"),
        (4, EventKind.CONFIG_CHANGED, "orders"),
        (5, EventKind.VERSION_DELETED, "orders"),
        (6, EventKind.VERSION_DELETED, "orders"),
        (7, EventKind.SUBJECT_DELETED, "invoices"),
        (8, EventKind.SUBJECT_DELETED, "invoices"),
    ]
    assert await store.get_last_sequence() == 8


async def test_events_read_back_in_sequence_order_from_after_the_given_one(store):
    for number in range(1, 6):
        await _register(store, f"subject-{number}", titled(number))

    assert sequences(await store.list_events_after(Sequence(0), 100)) == [1, 2, 3, 4, 5]
    assert sequences(await store.list_events_after(Sequence(2), 100)) == [3, 4, 5]
    assert sequences(await store.list_events_after(Sequence(1), 2)) == [2, 3]
    assert await store.list_events_after(Sequence(5), 100) == []


async def test_a_registered_event_read_back_equals_the_one_appended_with_its_schema_text(store):
    text = object_schema({"a": "string", "b": "integer"})
    async with store.write() as tx:
        schema = await tx.insert_schema(SchemaFormat.JSON, text, _fingerprint(text))
        await tx.insert_version(ORDERS, Version(1), schema.id)
        appended = await tx.append_event(
            EventKind.REGISTERED, ORDERS, version=Version(1), schema=schema
        )

    [stored] = await store.list_events_after(Sequence(0), 10)

    assert stored == appended
    assert stored.schema_text == text
    assert stored.schema_format is SchemaFormat.JSON
    assert stored.schema_id == schema.id
    assert stored.version == 1


async def test_only_registered_events_carry_schema_text_when_read_back(store):
    await _register(store, "orders", titled(1))
    schema = await store.get_schema(SchemaId(1))
    assert schema is not None
    async with store.write() as tx:
        await tx.soft_delete_versions(ORDERS, [Version(1)])
        await tx.append_event(EventKind.VERSION_DELETED, ORDERS, version=Version(1), schema=schema)
        await tx.set_compatibility(None, CompatibilityLevel.FULL)
        await tx.append_event(EventKind.CONFIG_CHANGED, None, compatibility=CompatibilityLevel.FULL)

    registered, deleted, config = await store.list_events_after(Sequence(0), 10)

    assert registered.schema_text == titled(1)
    assert (deleted.kind, deleted.schema_id, deleted.schema_text) == (
        EventKind.VERSION_DELETED,
        schema.id,
        None,
    )
    assert deleted.is_permanent is False
    assert (config.kind, config.subject, config.compatibility) == (
        EventKind.CONFIG_CHANGED,
        None,
        CompatibilityLevel.FULL,
    )


async def test_a_rolled_back_write_leaves_no_event_and_no_sequence_gap(store):
    await _register(store, "orders", titled(1))

    with pytest.raises(BoomError):
        async with store.write() as tx:
            schema = await tx.insert_schema(SchemaFormat.JSON, titled(2), _fingerprint(titled(2)))
            await tx.insert_version(ORDERS, Version(2), schema.id)
            event = await tx.append_event(
                EventKind.REGISTERED, ORDERS, version=Version(2), schema=schema
            )
            assert event.sequence == 2
            raise BoomError

    assert await store.get_last_sequence() == 1
    assert sequences(await store.list_events_after(Sequence(0), 10)) == [1]
    assert await store.get_version(ORDERS, Version(2), include_deleted=True) is None
    assert await _register(store, "orders", titled(3)) == 2
    assert sequences(await store.list_events_after(Sequence(0), 10)) == [1, 2]


async def test_a_rolled_back_write_leaves_no_schema_subject_or_config(store):
    with pytest.raises(BoomError):
        async with store.write() as tx:
            schema = await tx.insert_schema(SchemaFormat.JSON, titled(1), _fingerprint(titled(1)))
            await tx.insert_version(ORDERS, Version(1), schema.id)
            await tx.set_compatibility(ORDERS, CompatibilityLevel.NONE)
            raise BoomError

    assert await store.list_subjects(include_deleted=True) == []
    assert await store.get_compatibility(ORDERS) is None
    async with store.write() as tx:
        assert await tx.find_schema_by_fingerprint(_fingerprint(titled(1))) is None


async def test_uncommitted_writes_are_invisible_to_other_postgresql_connections(
    postgres_url, open_store
):
    store = await open_store(postgres_url)
    async with store.write() as tx:
        await _register_in(tx, "orders")
        assert await tx.get_last_sequence() == 1
        # databases binds one pool connection per task: read from another task.
        assert await asyncio.create_task(store.get_last_sequence()) == 0
        assert await asyncio.create_task(store.list_subjects()) == []
    assert await store.get_last_sequence() == 1
    assert await store.list_subjects() == [ORDERS]


async def _register_in(tx: RegistryWriter, subject: str) -> None:
    schema = await tx.insert_schema(SchemaFormat.JSON, titled(1), _fingerprint(titled(1)))
    await tx.insert_version(SubjectName(subject), Version(1), schema.id)
    await tx.append_event(EventKind.REGISTERED, SubjectName(subject), schema=schema)


async def test_a_postgresql_writer_waits_until_the_open_write_commits(
    postgres_url: str, open_store: StoreFactory
) -> None:
    first = await open_store(postgres_url)
    second = await open_store(postgres_url)
    second_entered = asyncio.Event()

    async def write_second() -> Sequence:
        async with second.write() as tx:
            second_entered.set()
            event = await tx.append_event(EventKind.CONFIG_CHANGED, None)
        return event.sequence

    async with first.write() as tx:
        await tx.append_event(EventKind.CONFIG_CHANGED, None)
        task = asyncio.create_task(write_second())
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(second_entered.wait(), 0.3)
    assert await asyncio.wait_for(task, 5) == 2


# Subjects, versions, schemas


async def test_next_version_counts_soft_deleted_versions(store):
    await _register(store, "orders", titled(1))
    await _register(store, "orders", titled(2))
    async with store.write() as tx:
        await tx.soft_delete_versions(ORDERS, [Version(2)])
        assert await tx.get_next_version(ORDERS) == 3
        assert [v.version for v in await tx.list_all_versions(ORDERS)] == [1, 2]

    assert [v.version for v in await store.list_live_versions(ORDERS)] == [1]
    latest = await store.get_latest_version(ORDERS)
    assert latest is not None
    assert latest.version == 1


async def test_soft_deleting_every_version_marks_the_subject_deleted_and_a_new_version_revives_it(
    store,
):
    await _register(store, "orders", titled(1))
    async with store.write() as tx:
        await tx.soft_delete_versions(ORDERS, [Version(1)])

    assert await store.get_subject(ORDERS) is None
    hidden = await store.get_subject(ORDERS, include_deleted=True)
    assert hidden is not None
    assert (hidden.is_deleted, hidden.versions) == (True, (1,))

    assert await _register(store, "orders", titled(2)) == 2
    revived = await store.get_subject(ORDERS)
    assert revived is not None
    assert (revived.is_deleted, revived.versions) == (False, (2,))


async def test_purging_every_version_removes_the_subject_and_its_config(store):
    await _register(store, "orders", titled(1))
    async with store.write() as tx:
        await tx.set_compatibility(ORDERS, CompatibilityLevel.FULL)
        await tx.soft_delete_versions(ORDERS, [Version(1)])
        await tx.purge_versions(ORDERS, [Version(1)])

    assert await store.get_subject(ORDERS, include_deleted=True) is None
    assert await store.list_subjects(include_deleted=True) == []
    assert await store.get_compatibility(ORDERS) is None


async def test_a_schema_is_readable_by_id_only_while_a_version_refers_to_it(store):
    orphan = await _add_schema(store, titled(1))
    assert await store.get_schema(orphan.id) is None

    await _register(store, "orders", titled(2))
    [version] = await store.list_live_versions(ORDERS)
    async with store.write() as tx:
        await tx.soft_delete_versions(ORDERS, [Version(1)])
    assert await store.get_schema(version.schema.id) == version.schema
    assert await store.list_schema_versions(version.schema.id) == []

    async with store.write() as tx:
        await tx.purge_versions(ORDERS, [Version(1)])
    assert await store.get_schema(version.schema.id) is None


async def test_schema_ids_are_not_reused_after_the_versions_using_them_are_purged(store):
    await _register(store, "orders", titled(1))
    await _register(store, "orders", titled(2))
    async with store.write() as tx:
        await tx.soft_delete_versions(ORDERS, [Version(1), Version(2)])
        await tx.purge_versions(ORDERS, [Version(1), Version(2)])

    fresh = await _add_schema(store, titled(3))

    assert fresh.id == 3


async def test_the_schema_versions_of_an_id_are_the_live_ones_in_every_subject(store):
    text = titled(1)
    await _register(store, "b-subject", text)
    await _register(store, "a-subject", titled(2))
    await _register(store, "a-subject", text)
    await _register(store, "c-subject", text)
    async with store.write() as tx:
        await tx.soft_delete_versions(SubjectName("c-subject"), [Version(1)])
    schema = await store.get_schema(SchemaId(1))
    assert schema is not None

    found = await store.list_schema_versions(schema.id)

    assert [(v.subject, v.version) for v in found] == [("a-subject", 2), ("b-subject", 1)]


async def test_subject_prefixes_match_percent_and_underscore_literally(store):
    for name in ("a%b", "axb", "a_c", "abc", "b"):
        await _register(store, name, titled(1))

    assert await store.list_subjects(prefix="a%") == ["a%b"]
    assert await store.list_subjects(prefix="a_") == ["a_c"]
    assert await store.list_subjects(prefix="a") == ["a%b", "a_c", "abc", "axb"]
    assert await store.list_subjects() == ["a%b", "a_c", "abc", "axb", "b"]


async def test_soft_deleted_subjects_are_listed_only_when_asked_for(store):
    await _register(store, "live", titled(1))
    await _register(store, "gone", titled(1))
    async with store.write() as tx:
        await tx.soft_delete_versions(SubjectName("gone"), [Version(1)])

    assert await store.list_subjects() == ["live"]
    assert await store.list_subjects(include_deleted=True) == ["gone", "live"]


async def test_deleted_only_lists_soft_deleted_subjects_and_wins_over_include_deleted(store):
    for name in ("a", "b", "c", "d"):
        await _register(store, name, titled(1))
    for name in ("b", "d"):
        async with store.write() as tx:
            await tx.soft_delete_versions(SubjectName(name), [Version(1)])

    assert await store.list_subjects(deleted_only=True) == ["b", "d"]
    assert await store.list_subjects(include_deleted=True, deleted_only=True) == ["b", "d"]
    assert await store.list_subjects(prefix="d", deleted_only=True) == ["d"]


@pytest.mark.parametrize(
    ("offset", "limit", "expected"),
    [
        (0, None, ["a", "b", "c", "d", "e"]),
        (1, 2, ["b", "c"]),
        (3, None, ["d", "e"]),
        (0, 1, ["a"]),
        (4, 10, ["e"]),
        (5, None, []),
        (2**31 - 1, 2**31 - 1, []),
    ],
)
async def test_a_page_of_subjects_is_cut_by_the_query(store, offset, limit, expected):
    for name in ("e", "c", "a", "d", "b"):
        await _register(store, name, titled(1))

    assert await store.list_subjects(page=Page(offset, limit)) == expected


async def test_a_page_counts_only_the_subjects_the_filter_keeps(store):
    for name in ("a", "b", "c", "d"):
        await _register(store, name, titled(1))
    async with store.write() as tx:
        await tx.soft_delete_versions(SubjectName("a"), [Version(1)])

    assert await store.list_subjects(page=Page(1, 1)) == ["c"]
    assert await store.list_subjects(include_deleted=True, page=Page(1, 1)) == ["b"]
    assert await store.list_subjects(deleted_only=True, page=Page(1)) == []


async def test_versions_are_listed_live_with_deleted_or_deleted_only_and_paged(store):
    for number in range(1, 6):
        await _register(store, "orders", titled(number))
    async with store.write() as tx:
        await tx.soft_delete_versions(ORDERS, [Version(2), Version(4)])

    assert await store.list_versions(ORDERS) == [1, 3, 5]
    assert await store.list_versions(ORDERS, include_deleted=True) == [1, 2, 3, 4, 5]
    assert await store.list_versions(ORDERS, deleted_only=True) == [2, 4]
    assert await store.list_versions(ORDERS, include_deleted=True, deleted_only=True) == [2, 4]
    assert await store.list_versions(ORDERS, page=Page(1, 1)) == [3]
    assert await store.list_versions(ORDERS, include_deleted=True, page=Page(3)) == [4, 5]
    assert await store.list_versions(ORDERS, deleted_only=True, page=Page(0, 1)) == [2]
    assert await store.list_versions(SubjectName("unknown")) == []


async def test_the_versions_of_an_id_include_soft_deleted_ones_when_asked_for(store):
    text = titled(1)
    await _register(store, "b-subject", text)
    await _register(store, "a-subject", text)
    async with store.write() as tx:
        await tx.soft_delete_versions(SubjectName("b-subject"), [Version(1)])
    schema = await store.get_schema(SchemaId(1))
    assert schema is not None

    live = await store.list_schema_versions(schema.id)
    every = await store.list_schema_versions(schema.id, include_deleted=True)

    assert [(v.subject, v.version, v.is_deleted) for v in live] == [("a-subject", 1, False)]
    assert [(v.subject, v.version, v.is_deleted) for v in every] == [
        ("a-subject", 1, False),
        ("b-subject", 1, True),
    ]


async def test_a_fingerprint_found_with_deleted_versions_is_the_latest_version_holding_it(store):
    await _register(store, "orders", titled(1))
    await _register(store, "orders", titled(2))
    async with store.write() as tx:
        await tx.soft_delete_versions(ORDERS, [Version(1)])
    fingerprint = _fingerprint(titled(1))

    deleted = await store.find_version_by_fingerprint(ORDERS, fingerprint, include_deleted=True)
    assert deleted is not None
    assert (deleted.version, deleted.is_deleted) == (1, True)

    await _register(store, "orders", titled(1))
    latest = await store.find_version_by_fingerprint(ORDERS, fingerprint, include_deleted=True)
    live = await store.find_version_by_fingerprint(ORDERS, fingerprint)
    assert latest is not None
    assert live is not None
    assert (latest.version, latest.is_deleted) == (3, False)
    assert live.version == 3


async def test_a_version_is_found_by_fingerprint_only_while_it_is_live(store):
    await _register(store, "orders", titled(1))
    found = await store.find_version_by_fingerprint(ORDERS, _fingerprint(titled(1)))
    assert found is not None
    assert found.version == 1

    async with store.write() as tx:
        await tx.soft_delete_versions(ORDERS, [Version(1)])

    assert await store.find_version_by_fingerprint(ORDERS, _fingerprint(titled(1))) is None


async def test_the_global_level_and_subject_levels_are_stored_separately(store):
    async with store.write() as tx:
        await tx.set_compatibility(None, CompatibilityLevel.FORWARD)
        await tx.set_compatibility(ORDERS, CompatibilityLevel.NONE)
        await tx.set_compatibility(ORDERS, CompatibilityLevel.FULL)

    assert await store.get_compatibility(None) is CompatibilityLevel.FORWARD
    assert await store.get_compatibility(ORDERS) is CompatibilityLevel.FULL
    assert await store.get_compatibility(SubjectName("other")) is None

    async with store.write() as tx:
        await tx.set_compatibility(ORDERS, None)

    assert await store.get_compatibility(ORDERS) is None
    assert await store.get_compatibility(None) is CompatibilityLevel.FORWARD


async def _config_rows(store: DatabaseStore) -> list[tuple[object, ...]]:
    query = sa.select(configs.c.subject, configs.c.compatibility, configs.c.policy, configs.c.mode)
    rows = await store._fetch_all(query.order_by(configs.c.subject))
    return [tuple(row.values()) for row in rows]


async def test_setting_one_scope_setting_keeps_the_others(store):
    async with store.write() as tx:
        await tx.set_compatibility(ORDERS, CompatibilityLevel.FULL)
        await tx.set_compatibility_policy(ORDERS, CompatibilityPolicy.LENIENT)
        await tx.set_mode(ORDERS, RegistryMode.READONLY)
    async with store.write() as tx:
        await tx.set_mode(ORDERS, RegistryMode.IMPORT)
        await tx.set_compatibility(ORDERS, CompatibilityLevel.NONE)

    assert await store.get_scope_config(ORDERS) == ScopeConfig(
        compatibility=CompatibilityLevel.NONE,
        policy=CompatibilityPolicy.LENIENT,
        mode=RegistryMode.IMPORT,
    )
    async with store.write() as tx:
        await tx.set_compatibility_policy(ORDERS, None)

    assert await store.get_scope_config(ORDERS) == ScopeConfig(
        compatibility=CompatibilityLevel.NONE, mode=RegistryMode.IMPORT
    )
    assert await store.get_compatibility(ORDERS) is CompatibilityLevel.NONE


@pytest.mark.parametrize("policy", list(CompatibilityPolicy), ids=lambda policy: policy.value)
async def test_every_policy_is_stored_and_read_back(store, policy):
    # The column is a plain string: no constraint or enum type to migrate for a new policy.
    async with store.write() as tx:
        await tx.set_compatibility_policy(ORDERS, policy)

    assert await store.get_scope_config(ORDERS) == ScopeConfig(policy=policy)
    assert await _config_rows(store) == [("orders", None, policy.value, None)]


async def test_a_scope_setting_alone_needs_no_compatibility_level(store):
    async with store.write() as tx:
        await tx.set_mode(ORDERS, RegistryMode.READONLY)
        await tx.set_compatibility_policy(None, CompatibilityPolicy.LENIENT)

    assert await store.get_scope_config(ORDERS) == ScopeConfig(mode=RegistryMode.READONLY)
    assert await store.get_scope_config(None) == ScopeConfig(policy=CompatibilityPolicy.LENIENT)
    assert await store.get_compatibility(ORDERS) is None


async def test_clearing_every_scope_setting_removes_the_row(store):
    async with store.write() as tx:
        await tx.set_compatibility(ORDERS, CompatibilityLevel.FULL)
        await tx.set_compatibility_policy(ORDERS, CompatibilityPolicy.LENIENT)
        await tx.set_mode(ORDERS, RegistryMode.READONLY)
    assert await _config_rows(store) == [("orders", "FULL", "LENIENT", "READONLY")]

    async with store.write() as tx:
        await tx.set_compatibility(ORDERS, None)
        await tx.set_mode(ORDERS, None)
    assert await _config_rows(store) == [("orders", None, "LENIENT", None)]
    async with store.write() as tx:
        await tx.set_compatibility_policy(ORDERS, None)

    assert await _config_rows(store) == []
    assert await store.get_scope_config(ORDERS) == ScopeConfig()


async def test_clearing_a_setting_of_a_scope_without_settings_writes_nothing(store):
    async with store.write() as tx:
        await tx.set_mode(ORDERS, None)
        await tx.set_compatibility_policy(None, None)

    assert await _config_rows(store) == []


async def test_global_scope_settings_are_independent_of_subject_ones(store):
    async with store.write() as tx:
        await tx.set_compatibility(None, CompatibilityLevel.FORWARD)
        await tx.set_mode(None, RegistryMode.READONLY)
        await tx.set_compatibility_policy(ORDERS, CompatibilityPolicy.LENIENT)
    async with store.write() as tx:
        await tx.set_mode(ORDERS, RegistryMode.IMPORT)
        await tx.set_compatibility_policy(None, CompatibilityPolicy.STRICT)

    assert await store.get_scope_config(None) == ScopeConfig(
        compatibility=CompatibilityLevel.FORWARD,
        policy=CompatibilityPolicy.STRICT,
        mode=RegistryMode.READONLY,
    )
    assert await store.get_scope_config(ORDERS) == ScopeConfig(
        policy=CompatibilityPolicy.LENIENT, mode=RegistryMode.IMPORT
    )
    async with store.write() as tx:
        await tx.set_compatibility(None, None)
        await tx.set_mode(None, None)
        await tx.set_compatibility_policy(None, None)

    assert await store.get_scope_config(None) == ScopeConfig()
    assert await store.get_scope_config(ORDERS) == ScopeConfig(
        policy=CompatibilityPolicy.LENIENT, mode=RegistryMode.IMPORT
    )
    assert await store.get_scope_config(SubjectName("other")) == ScopeConfig()


async def test_subject_names_of_255_multibyte_characters_are_stored_whole(store):
    name = "é" * 254 + "✓"
    await _register(store, name, titled(1))

    assert await store.list_subjects() == [name]
    subject = await store.get_subject(SubjectName(name))
    assert subject is not None
    assert subject.versions == (1,)


# Failures


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://nobody:secret@127.0.0.1:1/registry",
        "sqlite+aiosqlite:////nonexistent-directory/registry.db",
    ],
    ids=["postgresql", "sqlite"],
)
async def test_an_unreachable_database_raises_storage_unavailable_on_connect(url):
    store = DatabaseStore(url)

    with pytest.raises(StorageUnavailableError):
        await store.connect()


UNREACHABLE_POSTGRESQL = "postgresql+asyncpg://registry:registry@127.0.0.1:1/registry"


def _assert_no_driver_text(message: str) -> None:
    for detail in ("127.0.0.1", "Errno", "Connect call failed", "registry@", "asyncpg"):
        assert detail not in message, message


async def test_a_failed_connect_says_so_without_the_drivers_text():
    store = DatabaseStore(UNREACHABLE_POSTGRESQL)

    with pytest.raises(StorageUnavailableError) as raised:
        await store.connect()

    assert raised.value.message == "Cannot connect to the database."
    assert str(raised.value) == raised.value.message
    _assert_no_driver_text(str(raised.value))


async def test_a_query_on_an_unreachable_database_says_so_without_the_drivers_text():
    # An empty pool connects lazily, so connect succeeds and the first query fails.
    store = DatabaseStore(UNREACHABLE_POSTGRESQL, pool_min_size=0)
    await store.connect()
    try:
        with pytest.raises(StorageUnavailableError) as raised:
            await store.list_subjects()
        with pytest.raises(StorageUnavailableError) as raised_by_ping:
            await store.ping()
    finally:
        await store.disconnect()

    assert raised.value.message == "The database is unavailable; retry later."
    assert raised_by_ping.value.message == raised.value.message
    assert raised.value.code == "STORAGE_UNAVAILABLE"
    _assert_no_driver_text(str(raised.value))


# Versions kept between requests (storage/version_cache.py)


async def test_a_read_version_is_kept_and_a_write_on_this_store_drops_it(store):
    await _register(store, "kept", titled(1))
    first = await store.get_latest_version(SubjectName("kept"))
    assert first is not None and first.version == 1
    assert await store.get_version(SubjectName("kept"), Version(1)) == first
    misses = store.versions.misses

    assert await store.get_latest_version(SubjectName("kept")) == first
    assert store.versions.misses == misses  # answered without the database

    # A write through this store: the next read sees it, with no event applied.
    await _register(store, "kept", titled(2))
    latest = await store.get_latest_version(SubjectName("kept"))
    assert latest is not None and latest.version == 2
    async with store.write() as tx:
        await tx.soft_delete_versions(SubjectName("kept"), [Version(2)])
        await tx.append_event(EventKind.VERSION_DELETED, SubjectName("kept"), version=Version(2))
    after_delete = await store.get_latest_version(SubjectName("kept"))
    assert after_delete is not None and after_delete.version == 1
    assert await store.get_version(SubjectName("kept"), Version(2)) is None


async def test_a_write_on_another_store_is_seen_once_its_event_is_observed(
    database_url, open_store
):
    """Two replicas' stores on one database: b keeps its answer until a's event reaches
    it, then reads the new one."""
    a = await open_store(database_url)
    b = await open_store(database_url)
    await _register(a, "shared", titled(1))
    assert (await b.get_latest_version(SubjectName("shared"))).version == 1

    await _register(a, "shared", titled(2))
    assert (await b.get_latest_version(SubjectName("shared"))).version == 1
    event = (await a.list_events_after(Sequence(1), 10))[-1]
    assert (event.subject, event.version) == ("shared", 2)
    b.observe(event)
    assert (await b.get_latest_version(SubjectName("shared"))).version == 2


async def test_a_rolled_back_write_drops_nothing_it_should_keep(store):
    await _register(store, "rolled", titled(1))
    kept = await store.get_latest_version(SubjectName("rolled"))
    with pytest.raises(BoomError):
        async with store.write() as tx:
            await tx.append_event(EventKind.CONFIG_CHANGED, SubjectName("rolled"))
            raise BoomError
    assert await store.get_latest_version(SubjectName("rolled")) == kept
