"""Soft and permanent deletion of subjects and versions, as in Confluent Schema Registry."""

from __future__ import annotations

import pytest

from registry.errors import (
    BadUserInputError,
    SchemaNotFoundError,
    SubjectNotFoundError,
    SubjectNotSoftDeletedError,
    VersionNotFoundError,
    VersionNotSoftDeletedError,
)
from registry.model import CompatibilityLevel, EventKind
from registry.types import Sequence
from resolvers.config import get_config, set_compatibility
from resolvers.schemas import find_schema, get_schema, register_schema
from resolvers.subjects import (
    delete_schema_version,
    delete_subject,
    find_subject,
    get_latest_version,
    get_subject,
    get_version,
    list_subjects,
)
from tests.integration.helpers import object_schema, titled

STRING_A = object_schema({"a": "string"})


# Subjects


async def test_soft_deleting_a_subject_hides_it_unless_deleted_ones_are_asked_for(services):
    await register_schema(services, "orders", titled(1))
    await register_schema(services, "orders", titled(2))
    await register_schema(services, "invoices", titled(1))

    affected = await delete_subject(services, "orders")

    assert affected == [1, 2]
    assert await list_subjects(services) == ["invoices"]
    assert await list_subjects(services, include_deleted=True) == ["invoices", "orders"]
    assert await find_subject(services, "orders") is None
    hidden = await find_subject(services, "orders", include_deleted=True)
    assert hidden is not None
    assert hidden.is_deleted is True
    with pytest.raises(SubjectNotFoundError):
        await get_subject(services, "orders")
    with pytest.raises(SubjectNotFoundError):
        await get_latest_version(services, "orders")


async def test_a_soft_deleted_subjects_schema_is_still_resolvable_by_id(services):
    registered = await register_schema(services, "orders", STRING_A)

    await delete_subject(services, "orders")

    assert await get_schema(services, registered.version.schema.id) == registered.version.schema
    version = await get_version(services, "orders", 1, include_deleted=True)
    assert version.is_deleted is True
    with pytest.raises(VersionNotFoundError):
        await get_version(services, "orders", 1)


async def test_permanently_deleting_a_live_subject_is_refused(services):
    await register_schema(services, "orders", STRING_A)

    with pytest.raises(SubjectNotSoftDeletedError):
        await delete_subject(services, "orders", permanent=True)

    assert await list_subjects(services) == ["orders"]
    assert await services.store.get_last_sequence() == 1


async def test_a_subject_deleted_softly_then_permanently_is_gone_with_its_unshared_schema(
    services,
):
    registered = await register_schema(services, "orders", STRING_A)
    await set_compatibility(services, "orders", CompatibilityLevel.NONE)

    await delete_subject(services, "orders")
    affected = await delete_subject(services, "orders", permanent=True)

    assert affected == [1]
    assert await list_subjects(services, include_deleted=True) == []
    assert await find_subject(services, "orders", include_deleted=True) is None
    assert await find_schema(services, registered.version.schema.id) is None
    with pytest.raises(SchemaNotFoundError):
        await get_schema(services, registered.version.schema.id)
    assert (await get_config(services, "orders")).configured is None


async def test_a_permanently_deleted_subjects_schema_resolves_while_another_subject_uses_it(
    services,
):
    registered = await register_schema(services, "orders", STRING_A)
    await register_schema(services, "invoices", STRING_A)

    await delete_subject(services, "orders")
    await delete_subject(services, "orders", permanent=True)

    assert await get_schema(services, registered.version.schema.id) == registered.version.schema


async def test_deleting_a_subject_twice_or_an_unknown_one_is_refused(services):
    await register_schema(services, "orders", STRING_A)
    await delete_subject(services, "orders")

    with pytest.raises(SubjectNotFoundError):
        await delete_subject(services, "orders")
    with pytest.raises(SubjectNotFoundError):
        await delete_subject(services, "unknown")
    with pytest.raises(SubjectNotFoundError):
        await delete_subject(services, "unknown", permanent=True)
    assert await services.store.get_last_sequence() == 2


async def test_deleting_a_subject_with_a_bad_name_is_bad_user_input(services):
    with pytest.raises(BadUserInputError):
        await delete_subject(services, "")


async def test_deleting_a_subject_writes_one_event_per_step(services):
    await register_schema(services, "orders", STRING_A)

    await delete_subject(services, "orders")
    await delete_subject(services, "orders", permanent=True)

    _, soft, hard = await services.store.list_events_after(Sequence(0), 10)
    assert (soft.sequence, soft.kind, soft.subject, soft.is_permanent) == (
        2,
        EventKind.SUBJECT_DELETED,
        "orders",
        False,
    )
    assert (hard.sequence, hard.kind, hard.subject, hard.is_permanent) == (
        3,
        EventKind.SUBJECT_DELETED,
        "orders",
        True,
    )


async def test_registering_after_a_soft_delete_continues_the_version_numbers(services):
    await register_schema(services, "orders", titled(1))
    await register_schema(services, "orders", titled(2))
    await delete_subject(services, "orders")

    result = await register_schema(services, "orders", titled(1))

    assert result.is_new_version is True
    assert result.version.version == 3
    assert result.version.schema.id == 1
    subject = await get_subject(services, "orders")
    assert (subject.is_deleted, subject.versions) == (False, (3,))
    assert await list_subjects(services) == ["orders"]


async def test_registering_after_a_permanent_delete_starts_again_at_version_one_with_new_ids(
    services,
):
    await register_schema(services, "orders", titled(1))
    await register_schema(services, "orders", titled(2))
    await delete_subject(services, "orders")
    await delete_subject(services, "orders", permanent=True)

    fresh = await register_schema(services, "orders", titled(3))
    same_as_before = await register_schema(services, "orders", titled(1))

    assert fresh.version.version == 1
    assert fresh.version.schema.id == 3
    # The content keeps its id: ids name contents and are never handed to another one.
    assert same_as_before.version.schema.id == 1
    assert same_as_before.version.version == 2


# Versions


async def test_soft_deleting_a_version_hides_it_but_keeps_its_schema_resolvable(services):
    first = await register_schema(services, "orders", STRING_A)
    await register_schema(services, "orders", titled(2))

    assert await delete_schema_version(services, "orders", 1) == 1

    subject = await get_subject(services, "orders")
    assert subject.versions == (2,)
    with pytest.raises(VersionNotFoundError):
        await get_version(services, "orders", 1)
    assert (await get_version(services, "orders", 1, include_deleted=True)).is_deleted
    assert await get_schema(services, first.version.schema.id) == first.version.schema


async def test_permanently_deleting_a_live_version_is_refused(services):
    await register_schema(services, "orders", STRING_A)

    with pytest.raises(VersionNotSoftDeletedError):
        await delete_schema_version(services, "orders", 1, permanent=True)

    assert (await get_version(services, "orders", 1)).version == 1
    assert await services.store.get_last_sequence() == 1


async def test_a_version_deleted_softly_then_permanently_is_gone(services):
    first = await register_schema(services, "orders", STRING_A)
    await register_schema(services, "orders", titled(2))

    await delete_schema_version(services, "orders", 1)
    await delete_schema_version(services, "orders", 1, permanent=True)

    with pytest.raises(VersionNotFoundError):
        await get_version(services, "orders", 1, include_deleted=True)
    assert await find_schema(services, first.version.schema.id) is None
    assert (await get_subject(services, "orders")).versions == (2,)


async def test_a_permanently_deleted_versions_schema_resolves_while_another_version_uses_it(
    services,
):
    first = await register_schema(services, "orders", STRING_A)
    await register_schema(services, "invoices", STRING_A)

    await delete_schema_version(services, "orders", 1)
    await delete_schema_version(services, "orders", 1, permanent=True)

    assert await get_schema(services, first.version.schema.id) == first.version.schema


async def test_soft_deleting_the_last_live_version_soft_deletes_the_subject(services):
    await register_schema(services, "orders", STRING_A)

    await delete_schema_version(services, "orders", 1)

    assert await list_subjects(services) == []
    assert await list_subjects(services, include_deleted=True) == ["orders"]


async def test_permanently_deleting_the_only_version_removes_the_subject(services):
    await register_schema(services, "orders", STRING_A)

    await delete_schema_version(services, "orders", 1)
    await delete_schema_version(services, "orders", 1, permanent=True)

    assert await list_subjects(services, include_deleted=True) == []


async def test_deleting_a_missing_or_already_deleted_version_is_refused(services):
    await register_schema(services, "orders", STRING_A)
    await register_schema(services, "orders", titled(2))
    await delete_schema_version(services, "orders", 1)
    last = await services.store.get_last_sequence()

    with pytest.raises(VersionNotFoundError):
        await delete_schema_version(services, "orders", 1)
    with pytest.raises(VersionNotFoundError):
        await delete_schema_version(services, "orders", 7)
    with pytest.raises(SubjectNotFoundError):
        await delete_schema_version(services, "unknown", 1)
    with pytest.raises(BadUserInputError):
        await delete_schema_version(services, "orders", 0)
    assert await services.store.get_last_sequence() == last


async def test_deleting_a_version_writes_an_event_naming_the_version_and_schema(services):
    first = await register_schema(services, "orders", STRING_A)
    await register_schema(services, "orders", titled(2))

    await delete_schema_version(services, "orders", 1)
    await delete_schema_version(services, "orders", 1, permanent=True)

    soft, hard = await services.store.list_events_after(Sequence(2), 10)
    for event, permanent in ((soft, False), (hard, True)):
        assert event.kind is EventKind.VERSION_DELETED
        assert (event.subject, event.version) == ("orders", 1)
        assert event.schema_id == first.version.schema.id
        assert event.is_permanent is permanent


async def test_registering_after_deleting_the_latest_version_skips_its_number(services):
    await register_schema(services, "orders", titled(1))
    await register_schema(services, "orders", titled(2))
    await delete_schema_version(services, "orders", 2)

    result = await register_schema(services, "orders", titled(3))

    assert result.version.version == 3
    assert (await get_subject(services, "orders")).versions == (1, 3)


async def test_schema_ids_are_never_reused_after_permanent_deletes(services):
    for n in range(1, 4):
        await register_schema(services, "orders", titled(n))
    await delete_subject(services, "orders")
    await delete_subject(services, "orders", permanent=True)

    results = [await register_schema(services, "invoices", titled(n)) for n in range(4, 7)]

    assert [r.version.schema.id for r in results] == [4, 5, 6]
