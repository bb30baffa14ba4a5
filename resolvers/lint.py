"""Provider lint: which documented rules of a model provider a JSON Schema breaks."""

from __future__ import annotations

import json

from registry.checks import SchemaSource
from registry.errors import BadUserInputError
from registry.model import SchemaFormat, SchemaVersion
from registry.providers import LintFinding, Provider, lint, lint_tool_name
from registry.validation import validate_schema_size
from resolvers.context import Services
from resolvers.settings import effective_settings
from resolvers.tracing import use_case


@use_case("lint")
async def lint_schema(
    services: Services, text: str, provider: Provider, tool_name: str | None = None
) -> list[LintFinding]:
    """The findings of ``provider``'s profile on a JSON Schema (checked to be valid
    first, read in the global default dialect), and on ``tool_name`` when given."""
    validate_schema_size(text, services.max_schema_bytes)
    dialect = (await effective_settings(services.store, None)).dialect
    await services.checker.canonicalize(SchemaSource(SchemaFormat.JSON, text, (), dialect))
    found = lint(json.loads(text), provider)
    if tool_name is not None:
        found = [*lint_tool_name(tool_name, provider), *found]
    return found


def lint_version(version: SchemaVersion, provider: Provider) -> list[LintFinding]:
    """The findings on a registered version's schema; only JSON Schemas have them."""
    if version.schema.format is not SchemaFormat.JSON:
        raise BadUserInputError(
            f"Provider lint applies to JSON Schemas; version {version.version} of "
            f"'{version.subject}' is {version.schema.format.value}."
        )
    return lint(json.loads(version.schema.text), provider)
