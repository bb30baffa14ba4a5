"""Provider profiles: which JSON Schemas each model provider accepts for tool parameters
and structured outputs, as tables of rules with their sources, and a lint against them.

``lint(document, provider)`` walks the whole schema (properties, items, anyOf, $defs, local
references, recursion) with bounded work and returns a ``LintFinding`` per broken rule:
its stable id, a JSON pointer, a plain sentence and whether the provider refuses the
schema (BLOCKING) or only may not honour it (WARNING). An empty list means no known rule
of that provider is broken. ``lint_tool_name`` does the same for a tool or function name.
"""

from __future__ import annotations

from registry.providers.anthropic import ANTHROPIC, ANTHROPIC_STRICT
from registry.providers.gemini import GEMINI
from registry.providers.lint import lint_document, lint_name
from registry.providers.model import (
    Check,
    Confirmation,
    LintFinding,
    Provider,
    ProviderProfile,
    Rule,
    Severity,
    Source,
)
from registry.providers.openai import OPENAI

PROFILES: dict[Provider, ProviderProfile] = {
    profile.provider: profile for profile in (OPENAI, ANTHROPIC, ANTHROPIC_STRICT, GEMINI)
}


def profile_of(provider: Provider) -> ProviderProfile:
    return PROFILES[provider]


def lint(document: object, provider: Provider) -> list[LintFinding]:
    """The rules of ``provider`` that the JSON Schema ``document`` (parsed JSON) breaks."""
    return lint_document(document, PROFILES[provider])


def lint_tool_name(name: str, provider: Provider) -> list[LintFinding]:
    """The naming rules of ``provider`` a tool or function name breaks (pointer "")."""
    return lint_name(name, PROFILES[provider])


__all__ = [
    "PROFILES",
    "Check",
    "Confirmation",
    "LintFinding",
    "Provider",
    "ProviderProfile",
    "Rule",
    "Severity",
    "Source",
    "lint",
    "lint_tool_name",
    "profile_of",
]
