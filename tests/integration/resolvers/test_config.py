"""Compatibility configuration, global and per subject, and its CONFIG_CHANGED events."""

from __future__ import annotations

import pytest

from registry.errors import BadUserInputError, IncompatibleSchemaError
from registry.model import CompatibilityLevel, EventKind
from registry.types import Sequence
from resolvers.config import get_config, set_compatibility
from resolvers.schemas import register_schema
from tests.integration.helpers import object_schema

STRING_A = object_schema({"a": "string"})
REQUIRED_A = object_schema({"a": "string"}, required=["a"])


async def test_the_global_level_defaults_to_backward(services):
    view = await get_config(services)

    assert view.subject is None
    assert view.configured is None
    assert view.effective is CompatibilityLevel.BACKWARD


async def test_a_subject_without_override_follows_the_default(services):
    view = await get_config(services, "orders")

    assert (view.subject, view.configured, view.effective) == (
        "orders",
        None,
        CompatibilityLevel.BACKWARD,
    )


async def test_setting_the_global_level_changes_what_every_subject_follows(services):
    returned = await set_compatibility(services, None, CompatibilityLevel.FULL)

    assert (returned.configured, returned.effective) == (
        CompatibilityLevel.FULL,
        CompatibilityLevel.FULL,
    )
    assert (await get_config(services)).configured is CompatibilityLevel.FULL
    subject = await get_config(services, "orders")
    assert (subject.configured, subject.effective) == (None, CompatibilityLevel.FULL)


async def test_a_subject_override_wins_over_the_global_level(services):
    await set_compatibility(services, None, CompatibilityLevel.FULL)

    await set_compatibility(services, "orders", CompatibilityLevel.NONE)

    orders = await get_config(services, "orders")
    assert (orders.configured, orders.effective) == (
        CompatibilityLevel.NONE,
        CompatibilityLevel.NONE,
    )
    assert (await get_config(services, "invoices")).effective is CompatibilityLevel.FULL
    assert (await get_config(services)).effective is CompatibilityLevel.FULL


async def test_removing_a_subject_override_falls_back_to_the_global_level(services):
    await set_compatibility(services, None, CompatibilityLevel.FORWARD)
    await set_compatibility(services, "orders", CompatibilityLevel.NONE)

    returned = await set_compatibility(services, "orders", None)

    assert (returned.configured, returned.effective) == (None, CompatibilityLevel.FORWARD)
    view = await get_config(services, "orders")
    assert (view.configured, view.effective) == (None, CompatibilityLevel.FORWARD)


async def test_removing_the_global_level_falls_back_to_backward(services):
    await set_compatibility(services, None, CompatibilityLevel.NONE)

    returned = await set_compatibility(services, None, None)

    assert returned.effective is CompatibilityLevel.BACKWARD
    assert (await get_config(services)).configured is None


async def test_registration_follows_the_subject_override(services):
    await register_schema(services, "orders", STRING_A)
    with pytest.raises(IncompatibleSchemaError):
        await register_schema(services, "orders", REQUIRED_A)

    await set_compatibility(services, "orders", CompatibilityLevel.NONE)
    accepted = await register_schema(services, "orders", REQUIRED_A)
    await set_compatibility(services, "orders", None)

    assert accepted.version.version == 2
    with pytest.raises(IncompatibleSchemaError):
        await register_schema(services, "orders", object_schema({"a": "integer"}))


async def test_every_config_change_writes_one_config_changed_event(services):
    await set_compatibility(services, None, CompatibilityLevel.FULL)
    await set_compatibility(services, "orders", CompatibilityLevel.NONE)
    await set_compatibility(services, "orders", None)

    events = await services.store.list_events_after(Sequence(0), 10)

    assert [(e.sequence, e.kind, e.subject, e.compatibility) for e in events] == [
        (1, EventKind.CONFIG_CHANGED, None, CompatibilityLevel.FULL),
        (2, EventKind.CONFIG_CHANGED, "orders", CompatibilityLevel.NONE),
        # The event carries the level that applies now, inherited from the global one.
        (3, EventKind.CONFIG_CHANGED, "orders", CompatibilityLevel.FULL),
    ]


@pytest.mark.parametrize("name", ["", "x" * 256, "tab\tname"], ids=["empty", "long", "tab"])
async def test_configuring_a_bad_subject_name_is_bad_user_input_and_stores_nothing(services, name):
    with pytest.raises(BadUserInputError):
        await set_compatibility(services, name, CompatibilityLevel.NONE)
    with pytest.raises(BadUserInputError):
        await get_config(services, name)

    assert await services.store.get_last_sequence() == 0
