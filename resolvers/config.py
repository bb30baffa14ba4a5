"""Compatibility configuration, global and per subject."""

from __future__ import annotations

from dataclasses import dataclass

from registry.model import CompatibilityLevel, EventKind
from registry.types import SubjectName
from registry.validation import validate_subject_name
from resolvers.context import Services
from resolvers.schemas import effective_compatibility


@dataclass(frozen=True, slots=True)
class ConfigView:
    """``configured`` is what is set at this scope (None: inherited); ``effective`` applies."""

    subject: SubjectName | None
    configured: CompatibilityLevel | None
    effective: CompatibilityLevel


async def get_config(services: Services, subject: str | None = None) -> ConfigView:
    name = None if subject is None else validate_subject_name(subject)
    configured = await services.store.get_compatibility(name)
    effective = await effective_compatibility(services.store, name)
    return ConfigView(subject=name, configured=configured, effective=effective)


async def set_compatibility(
    services: Services, subject: str | None, level: CompatibilityLevel | None
) -> ConfigView:
    """Set the level of ``subject`` (global when None); ``level`` None removes the override
    so the subject follows the global level again (the global level falls back to
    BACKWARD)."""
    name = None if subject is None else validate_subject_name(subject)
    async with services.store.write() as tx:
        await tx.set_compatibility(name, level)
        effective = await effective_compatibility(tx, name)
        event = await tx.append_event(EventKind.CONFIG_CHANGED, name, compatibility=effective)
    await services.publisher.publish([event])
    return ConfigView(subject=name, configured=level, effective=effective)
