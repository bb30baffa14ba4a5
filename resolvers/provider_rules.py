"""Provider rules at registration: the lint a subject's settings ask for, and its verdict."""

from __future__ import annotations

from dataclasses import dataclass

from registry.checks import SchemaSource
from registry.model import ProviderEnforcement, ProviderFinding
from registry.providers.enforcement import refusal
from registry.providers.model import Provider
from registry.settings import EffectiveConfig
from resolvers.context import Services


@dataclass(frozen=True, slots=True)
class ProviderRules:
    """What a registration's lint depends on: the providers and the enforcement in force."""

    providers: tuple[Provider, ...]
    enforcement: ProviderEnforcement

    @classmethod
    def of(cls, settings: EffectiveConfig) -> ProviderRules:
        if not settings.lints_providers:
            return cls((), ProviderEnforcement.OFF)
        return cls(settings.providers, settings.provider_enforcement)


async def lint_candidate(
    services: Services, source: SchemaSource, rules: ProviderRules
) -> tuple[ProviderFinding, ...]:
    """The findings of each chosen provider on ``source`` (none when rules are OFF); the
    lint runs where the checker runs schema work (a worker process for a large schema)."""
    if rules.enforcement is ProviderEnforcement.OFF:
        return ()
    return tuple(await services.checker.lint(source, rules.providers))


def enforce(subject: str, rules: ProviderRules, findings: tuple[ProviderFinding, ...]) -> None:
    """Under ENFORCE, refuse with PROVIDER_LINT_FAILED when a finding is BLOCKING."""
    if rules.enforcement is ProviderEnforcement.ENFORCE:
        refused = refusal(subject, findings)
        if refused is not None:
            raise refused
