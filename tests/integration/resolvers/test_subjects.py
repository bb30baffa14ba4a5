"""Listing subjects: the prefix follows the subject-name rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from registry.errors import BadUserInputError
from resolvers.schemas import register_schema
from resolvers.subjects import list_subjects
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
