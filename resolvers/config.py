"""Compatibility configuration, global and per subject."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from registry.formats import DEFAULT_DIALECT, dialect_setting
from registry.model import (
    DEFAULT_COMPATIBILITY_POLICY,
    DEFAULT_PROVIDER_ENFORCEMENT,
    CompatibilityLevel,
    CompatibilityPolicy,
    EventKind,
    ProviderEnforcement,
    ScopeConfig,
)
from registry.providers.model import Provider
from registry.settings import EffectiveConfig
from registry.types import SubjectName
from registry.validation import validate_subject_name
from resolvers.context import Services
from resolvers.settings import load_config
from resolvers.tracing import use_case


@dataclass(frozen=True, slots=True)
class ConfigView:
    """``configured`` is what is set at this scope (None: inherited); ``effective`` applies."""

    subject: SubjectName | None
    configured: CompatibilityLevel | None
    effective: CompatibilityLevel
    configured_policy: CompatibilityPolicy | None = None
    policy: CompatibilityPolicy = DEFAULT_COMPATIBILITY_POLICY
    configured_dialect: str | None = None
    dialect: str = DEFAULT_DIALECT
    configured_providers: tuple[Provider, ...] | None = None
    providers: tuple[Provider, ...] = ()
    configured_provider_enforcement: ProviderEnforcement | None = None
    provider_enforcement: ProviderEnforcement = DEFAULT_PROVIDER_ENFORCEMENT

    @classmethod
    def of(
        cls, subject: SubjectName | None, scope: ScopeConfig, settings: EffectiveConfig
    ) -> ConfigView:
        """What is set at the scope, and what applies there."""
        return cls(
            subject=subject,
            configured=scope.compatibility,
            effective=settings.compatibility,
            configured_policy=scope.policy,
            policy=settings.policy,
            configured_dialect=scope.dialect,
            dialect=settings.dialect,
            configured_providers=scope.providers,
            providers=settings.providers,
            configured_provider_enforcement=scope.provider_enforcement,
            provider_enforcement=settings.provider_enforcement,
        )


class Keep(enum.Enum):
    """Leave this setting as it is (an argument the caller did not give)."""

    KEEP = "KEEP"


async def get_config(services: Services, subject: str | None = None) -> ConfigView:
    name = None if subject is None else validate_subject_name(subject)
    scope, settings = await load_config(services.store, name)
    return ConfigView.of(name, scope, settings)


@use_case("set_compatibility")
async def set_compatibility(
    services: Services,
    subject: str | None,
    level: CompatibilityLevel | Keep | None,
    policy: CompatibilityPolicy | Keep | None = Keep.KEEP,
    dialect: str | Keep | None = Keep.KEEP,
) -> ConfigView:
    """Set the level, policy and default dialect of ``subject`` (global when None); None
    removes the override so the subject follows the global setting again (the global level
    falls back to BACKWARD, the global policy to STRICT, the global dialect to draft-07);
    ``Keep.KEEP`` leaves a setting as is."""
    name = None if subject is None else validate_subject_name(subject)
    new_dialect = dialect_setting(dialect) if isinstance(dialect, str) else dialect
    async with services.store.write() as tx:
        if not isinstance(new_dialect, Keep):
            await tx.set_dialect(name, new_dialect)
        if not isinstance(level, Keep):
            await tx.set_compatibility(name, level)
        if not isinstance(policy, Keep):
            await tx.set_compatibility_policy(name, policy)
        scope, settings = await load_config(tx, name)
        event = await tx.append_event(
            EventKind.CONFIG_CHANGED, name, compatibility=settings.compatibility
        )
    await services.publisher.publish([event])
    return ConfigView.of(name, scope, settings)


@use_case("set_provider_rules")
async def set_provider_rules(
    services: Services,
    subject: str | None,
    providers: Sequence[Provider] | Keep | None,
    enforcement: ProviderEnforcement | Keep | None,
) -> ConfigView:
    """Set the providers whose rules registrations under ``subject`` (global when None)
    are linted against, and what a breach does (``ProviderEnforcement``). None removes a
    setting so the subject follows the global one again (globally: no providers, OFF);
    an empty list is a setting of its own (no providers here); ``Keep.KEEP`` leaves a
    setting as is. A provider named twice counts once. CONFIG_CHANGED is raised when
    what is set at the scope changes."""
    name = None if subject is None else validate_subject_name(subject)
    chosen = tuple(dict.fromkeys(providers)) if isinstance(providers, Sequence) else providers
    async with services.store.write() as tx:
        before = await tx.get_scope_config(name)
        if not isinstance(chosen, Keep):
            await tx.set_providers(name, chosen)
        if not isinstance(enforcement, Keep):
            await tx.set_provider_enforcement(name, enforcement)
        scope, settings = await load_config(tx, name)
        event = None
        if scope != before:
            event = await tx.append_event(
                EventKind.CONFIG_CHANGED, name, compatibility=settings.compatibility
            )
    if event is not None:
        await services.publisher.publish([event])
    return ConfigView.of(name, scope, settings)
