"""The compatibility policy, per subject and global: resolved, applied, announced."""

from __future__ import annotations

import pytest

from registry.errors import IncompatibleSchemaError
from registry.model import CompatibilityLevel, CompatibilityPolicy, EventKind
from registry.ports import SchemaChecker
from registry.types import Sequence
from resolvers.config import Keep, get_config, set_compatibility
from resolvers.schemas import check_compatibility, register_schema
from tests.integration.helpers import object_schema

STRING_A = object_schema({"a": "string"})
PLUS_B = object_schema({"a": "string", "b": "integer"})


@pytest.fixture
def checker(any_checker: SchemaChecker) -> SchemaChecker:
    return any_checker


async def test_the_policy_defaults_to_strict(services):
    view = await get_config(services, "orders")

    assert (view.configured_policy, view.policy) == (None, CompatibilityPolicy.STRICT)


async def test_strict_refuses_and_lenient_accepts_an_optional_property_on_an_open_model(
    services,
):
    await register_schema(services, "orders", STRING_A)
    with pytest.raises(IncompatibleSchemaError) as refused:
        await register_schema(services, "orders", PLUS_B)
    assert [i.code for i in refused.value.incompatibilities] == ["PROPERTY_ADDED_TO_OPEN_MODEL"]

    await set_compatibility(services, "orders", Keep.KEEP, CompatibilityPolicy.LENIENT)
    report = await check_compatibility(services, "orders", PLUS_B)
    result = await register_schema(services, "orders", PLUS_B)

    assert (report.policy, report.is_compatible) == (CompatibilityPolicy.LENIENT, True)
    assert result.version.version == 2


async def test_a_subject_follows_the_global_policy_until_it_sets_its_own(services):
    await set_compatibility(services, None, Keep.KEEP, CompatibilityPolicy.LENIENT)
    inherited = await get_config(services, "orders")
    own = await set_compatibility(services, "orders", Keep.KEEP, CompatibilityPolicy.STRICT)

    assert (inherited.configured_policy, inherited.policy) == (
        None,
        CompatibilityPolicy.LENIENT,
    )
    assert (own.configured_policy, own.policy) == (
        CompatibilityPolicy.STRICT,
        CompatibilityPolicy.STRICT,
    )


async def test_setting_the_policy_keeps_the_level_and_setting_the_level_keeps_the_policy(
    services,
):
    await set_compatibility(services, "orders", CompatibilityLevel.FULL)
    with_policy = await set_compatibility(
        services, "orders", Keep.KEEP, CompatibilityPolicy.LENIENT
    )
    with_level = await set_compatibility(services, "orders", CompatibilityLevel.NONE)
    removed = await set_compatibility(services, "orders", Keep.KEEP, None)

    assert (with_policy.configured, with_policy.configured_policy) == (
        CompatibilityLevel.FULL,
        CompatibilityPolicy.LENIENT,
    )
    assert (with_level.configured, with_level.configured_policy) == (
        CompatibilityLevel.NONE,
        CompatibilityPolicy.LENIENT,
    )
    assert (removed.configured_policy, removed.policy) == (None, CompatibilityPolicy.STRICT)


async def test_a_policy_change_publishes_config_changed(services):
    await set_compatibility(services, "orders", Keep.KEEP, CompatibilityPolicy.LENIENT)

    events = await services.store.list_events_after(Sequence(0), 10)

    assert [(e.kind, e.subject) for e in events] == [(EventKind.CONFIG_CHANGED, "orders")]
