"""Registry modes (READWRITE, READONLY, IMPORT), global and per subject."""

from __future__ import annotations

from dataclasses import dataclass

from registry.errors import OperationNotPermittedError
from registry.model import EventKind, RegistryMode
from registry.types import SubjectName
from registry.validation import validate_subject_name
from resolvers.context import Services
from resolvers.settings import load_config
from resolvers.tracing import use_case


@dataclass(frozen=True, slots=True)
class ModeView:
    """``configured`` is what is set at this scope (None: inherited); ``effective`` applies."""

    subject: SubjectName | None
    configured: RegistryMode | None
    effective: RegistryMode


async def get_mode(services: Services, subject: str | None = None) -> ModeView:
    name = None if subject is None else validate_subject_name(subject)
    scope, settings = await load_config(services.store, name)
    return ModeView(name, scope.mode, settings.mode)


@use_case("set_mode")
async def set_mode(
    services: Services, subject: str | None, mode: RegistryMode | None, force: bool = False
) -> ModeView:
    """Set (or with None remove) the mode of ``subject``, or the global one. Entering
    IMPORT where schemas already live is refused unless ``force``: ids given by the
    registry being migrated in could clash with them. Raises CONFIG_CHANGED, as a
    compatibility change does; its ``compatibility`` is left null (the level is
    unchanged)."""
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
        scope, settings = await load_config(tx, name)
        event = await tx.append_event(EventKind.CONFIG_CHANGED, name)
    await services.publisher.publish([event])
    return ModeView(name, scope.mode, settings.mode)
