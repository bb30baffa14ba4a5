"""Listing subjects and versions: prefixes, soft-deleted entries and pages, on SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest

from registry.errors import BadUserInputError, SubjectNotFoundError
from resolvers.context import Services
from resolvers.schemas import register_schema
from resolvers.subjects import delete_schema_version, delete_subject, list_subjects, list_versions
from tests.integration.helpers import titled


@pytest.mark.parametrize(
    "prefix",
    ["\x00", "orders\x00", "a\x1fb", "\ud800", "p" * 256],
    ids=["nul", "trailing-nul", "unit-separator", "lone-surrogate", "256-characters"],
)
async def test_a_malformed_prefix_is_bad_user_input(services, prefix):
    await register_schema(services, "orders", titled(1))

    with pytest.raises(BadUserInputError) as raised:
        await list_subjects(services, prefix)

    assert raised.value.code == "BAD_USER_INPUT"


async def test_an_empty_prefix_lists_every_subject_and_a_255_character_one_is_allowed(
    services,
):
    longest = "p" * 255
    await register_schema(services, "orders", titled(1))
    await register_schema(services, longest, titled(1))

    assert await list_subjects(services, "") == ["orders", longest]
    assert await list_subjects(services, longest) == [longest]
    assert await list_subjects(services, "p" * 254) == [longest]


async def _three_versions_then_delete_the_second(services: Services) -> None:
    for number in (1, 2, 3):
        await register_schema(services, "orders", titled(number))
    await delete_schema_version(services, "orders", 2)


async def test_versions_are_listed_live_with_deleted_or_deleted_only_and_paged(services):
    await _three_versions_then_delete_the_second(services)

    assert await list_versions(services, "orders") == [1, 3]
    assert await list_versions(services, "orders", include_deleted=True) == [1, 2, 3]
    assert await list_versions(services, "orders", deleted_only=True) == [2]
    assert await list_versions(services, "orders", offset=1, limit=1) == [3]
    assert await list_versions(services, "orders", include_deleted=True, offset=1) == [2, 3]
    assert await list_versions(services, "orders", offset=2) == []


async def test_listing_the_versions_of_a_soft_deleted_subject_needs_deleted(services):
    await register_schema(services, "orders", titled(1))
    await register_schema(services, "invoices", titled(1))
    await delete_subject(services, "orders")

    with pytest.raises(SubjectNotFoundError):
        await list_versions(services, "orders")
    with pytest.raises(SubjectNotFoundError):
        await list_versions(services, "unknown", include_deleted=True)
    assert await list_versions(services, "orders", include_deleted=True) == [1]
    assert await list_versions(services, "orders", deleted_only=True) == [1]
    assert await list_versions(services, "invoices", deleted_only=True) == []


async def test_subjects_are_listed_deleted_only_and_paged(services):
    for name in ("a", "b", "c"):
        await register_schema(services, name, titled(1))
    await delete_subject(services, "b")

    assert await list_subjects(services, deleted_only=True) == ["b"]
    assert await list_subjects(services, include_deleted=True, offset=1, limit=1) == ["b"]
    assert await list_subjects(services, offset=1) == ["c"]


@pytest.mark.parametrize(
    ("offset", "limit"),
    [(-1, None), (0, 0), (0, -1), (2**31, None), (0, 2**31)],
    ids=["negative-offset", "zero-limit", "negative-limit", "huge-offset", "huge-limit"],
)
async def test_a_page_out_of_range_is_bad_user_input(services, offset, limit):
    with pytest.raises(BadUserInputError):
        await list_subjects(services, offset=offset, limit=limit)
    with pytest.raises(BadUserInputError):
        await list_versions(services, "orders", offset=offset, limit=limit)
