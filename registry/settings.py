"""Which setting applies to a subject: its own, else the global one, else the default."""

from __future__ import annotations

from dataclasses import dataclass

from registry.formats import DEFAULT_DIALECT
from registry.model import (
    DEFAULT_COMPATIBILITY,
    DEFAULT_COMPATIBILITY_POLICY,
    DEFAULT_MODE,
    CompatibilityLevel,
    CompatibilityPolicy,
    RegistryMode,
    ScopeConfig,
)


@dataclass(frozen=True, slots=True)
class EffectiveConfig:
    compatibility: CompatibilityLevel
    policy: CompatibilityPolicy
    mode: RegistryMode
    # The dialect a schema that names none is read in (see ``ParseContext.dialect``).
    dialect: str = DEFAULT_DIALECT


def effective_config(subject: ScopeConfig | None, global_: ScopeConfig) -> EffectiveConfig:
    """Each setting independently: the subject's own, else the global one, else the
    registry default (BACKWARD, STRICT, READWRITE, JSON Schema draft-07)."""
    own = subject or ScopeConfig()
    return EffectiveConfig(
        compatibility=own.compatibility or global_.compatibility or DEFAULT_COMPATIBILITY,
        policy=own.policy or global_.policy or DEFAULT_COMPATIBILITY_POLICY,
        mode=own.mode or global_.mode or DEFAULT_MODE,
        dialect=own.dialect or global_.dialect or DEFAULT_DIALECT,
    )
