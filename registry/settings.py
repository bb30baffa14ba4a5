"""Which setting applies to a subject: its own, else the global one, else the default."""

from __future__ import annotations

from dataclasses import dataclass

from registry.formats import DEFAULT_DIALECT
from registry.model import (
    DEFAULT_COMPATIBILITY,
    DEFAULT_COMPATIBILITY_POLICY,
    DEFAULT_MODE,
    DEFAULT_PROVIDER_ENFORCEMENT,
    CompatibilityLevel,
    CompatibilityPolicy,
    ProviderEnforcement,
    RegistryMode,
    ScopeConfig,
)
from registry.providers.model import Provider


@dataclass(frozen=True, slots=True)
class EffectiveConfig:
    compatibility: CompatibilityLevel
    policy: CompatibilityPolicy
    mode: RegistryMode
    # The dialect a schema that names none is read in (see ``ParseContext.dialect``).
    dialect: str = DEFAULT_DIALECT
    # The providers whose rules a registration is linted against, and what a breach does.
    providers: tuple[Provider, ...] = ()
    provider_enforcement: ProviderEnforcement = DEFAULT_PROVIDER_ENFORCEMENT

    @property
    def lints_providers(self) -> bool:
        """Whether a registration here is linted: some provider chosen, enforcement on."""
        return bool(self.providers) and self.provider_enforcement is not ProviderEnforcement.OFF


def effective_config(subject: ScopeConfig | None, global_: ScopeConfig) -> EffectiveConfig:
    """Each setting independently: the subject's own, else the global one, else the
    registry default (BACKWARD, STRICT, READWRITE, JSON Schema draft-07, no providers,
    enforcement OFF). A subject's empty list of providers is a setting of its own (none
    here, whatever is chosen globally); only an absent one inherits."""
    own = subject or ScopeConfig()
    providers = own.providers if own.providers is not None else global_.providers
    return EffectiveConfig(
        compatibility=own.compatibility or global_.compatibility or DEFAULT_COMPATIBILITY,
        policy=own.policy or global_.policy or DEFAULT_COMPATIBILITY_POLICY,
        mode=own.mode or global_.mode or DEFAULT_MODE,
        dialect=own.dialect or global_.dialect or DEFAULT_DIALECT,
        providers=providers or (),
        provider_enforcement=(
            own.provider_enforcement or global_.provider_enforcement or DEFAULT_PROVIDER_ENFORCEMENT
        ),
    )
