"""Registry modes (READWRITE, READONLY, IMPORT), global and per subject."""

from __future__ import annotations

from dataclasses import dataclass

from registry.errors import OperationNotPermittedError
from registry.model import EventKind, RegistryMode
from registry.modes import effective_mode
from registry.ports import RegistryReader
from registry.types import SubjectName
from registry.validation import validate_subject_name
from resolvers.context import Services


@dataclass(frozen=True, slots=True)
class ModeView:
    """``configured`` is what is set at this scope (None: inherited); ``effective`` applies."""

    subject: SubjectName | None
    configured: RegistryMode | None
    effective: RegistryMode


async def subject_mode(reader: RegistryReader, subject: SubjectName | None) -> RegistryMode:
    """The mode in force for ``subject``: its own, else the global one, else READWRITE."""
    own = None if subject is None else await reader.get_scope_config(subject)
    return effective_mode(own, await reader.get_scope_config(None))


async def get_mode(services: Services, subject: str | None = None) -> ModeView:
    name = None if subject is None else validate_subject_name(subject)
    configured = (await services.store.get_scope_config(name)).mode
    return ModeView(name, configured, await subject_mode(services.store, name))


async def set_mode(
    services: Services, subject: str | None, mode: RegistryMode | None, force: bool = False
) -> ModeView:
    """Set (or with None remove) the mode of ``subject``, or the global one. Entering
    IMPORT where schemas already live is refused unless ``force``: ids given by the
    registry being migrated in could clash with them. Raises CONFIG_CHANGED, as a
    compatibility change does; its ``compatibility`` is left null (the level is unchanged,
    and importing the level resolver here would be circular)."""
    name = None if subject is None else validate_subject_name(subject)
    async with services.store.write() as tx:
        if mode is RegistryMode.IMPORT and not force:
            if name is None:
                occupied = bool(await tx.list_subjects())
            else:
                occupied = bool(await tx.list_live_versions(name))
            if occupied:
                where = "the registry" if name is None else f"subject '{name}'"
                raise OperationNotPermittedError(
                    f"Cannot enter IMPORT mode: {where} already holds schemas (force to override)."
                )
        await tx.set_mode(name, mode)
        configured = (await tx.get_scope_config(name)).mode
        effective = await subject_mode(tx, name)
        event = await tx.append_event(EventKind.CONFIG_CHANGED, name)
    await services.publisher.publish([event])
    return ModeView(name, configured, effective)
