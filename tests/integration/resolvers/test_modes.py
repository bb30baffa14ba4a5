"""Registry modes, global and per subject, and their CONFIG_CHANGED events."""

from __future__ import annotations

from registry.model import EventKind, RegistryMode
from registry.types import Sequence
from resolvers.modes import get_mode, set_mode


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
