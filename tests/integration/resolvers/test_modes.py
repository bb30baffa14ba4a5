"""Registry modes, global and per subject, and their CONFIG_CHANGED events."""

from __future__ import annotations

import pytest

from registry.errors import OperationNotPermittedError
from registry.model import EventKind, RegistryMode
from registry.types import Sequence
from resolvers.imports import import_schema
from resolvers.modes import get_mode, set_mode
from resolvers.schemas import register_schema
from tests.integration.helpers import titled


async def test_a_subject_mode_overrides_the_global_one_until_removed(services):
    await set_mode(services, None, RegistryMode.READONLY)
    inherited = await get_mode(services, "orders")
    own = await set_mode(services, "orders", RegistryMode.READWRITE)
    removed = await set_mode(services, "orders", None)

    assert (inherited.configured, inherited.effective) == (None, RegistryMode.READONLY)
    assert (own.configured, own.effective) == (RegistryMode.READWRITE, RegistryMode.READWRITE)
    assert (removed.configured, removed.effective) == (None, RegistryMode.READONLY)


async def test_a_mode_change_publishes_config_changed(services):
    await set_mode(services, "orders", RegistryMode.READONLY)
    await set_mode(services, None, RegistryMode.READWRITE)
    await set_mode(services, "orders", None)

    events = await services.store.list_events_after(Sequence(0), 10)

    assert [(e.kind, e.subject, e.compatibility) for e in events] == [
        (EventKind.CONFIG_CHANGED, "orders", None),
        (EventKind.CONFIG_CHANGED, None, None),
        (EventKind.CONFIG_CHANGED, "orders", None),
    ]


async def test_import_mode_refuses_a_registration_without_an_id_and_stores_nothing(services):
    await set_mode(services, "orders", RegistryMode.IMPORT)
    last = await services.store.get_last_sequence()

    with pytest.raises(OperationNotPermittedError) as refused:
        await register_schema(services, "orders", titled(1))
    with pytest.raises(OperationNotPermittedError):
        await import_schema(services, "orders", titled(1), version=1)
    imported = await import_schema(services, "orders", titled(1), schema_id=7)

    assert "not in read-write mode" in refused.value.message
    assert (imported.version.version, imported.version.schema.id) == (1, 7)
    assert await services.store.get_last_sequence() == last + 1
