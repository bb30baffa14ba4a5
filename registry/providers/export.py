"""Export: the exact object a gateway sends to a model provider for a registered JSON
Schema, or a refusal naming why the provider cannot take it.

The schema's registered references are inlined first (the bundle the compatibility engine
reads: each referenced schema under ``$defs``, every reference a local pointer). Then the
target's ``Form`` strips what the provider ignores and respells what it reads differently
(``export_documents``), and the result is linted with the target's profile: any BLOCKING
finding, or an ``EXPORT_*`` finding of the rewrite, refuses the export
(``ProviderLintFailedError``), so an export never changes what the schema accepts. The
findings' pointers point into the schema as it would have been exported.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from registry.errors import BadUserInputError, ProviderLintFailedError
from registry.formats.base import ParsedSchema
from registry.formats.json_schema_bundle import working_document
from registry.model import SchemaFormat
from registry.providers import lint, lint_tool_name, profile_of
from registry.providers.export_documents import ANNOTATIONS, Form, provider_document
from registry.providers.model import Check, LintFinding, Provider, Severity

MAX_NAME_CHARS = 256
MAX_DESCRIPTION_CHARS = 16 * 1024


class ExportTarget(enum.Enum):
    OPENAI_TOOL = "OPENAI_TOOL"  # Chat Completions tools[] entry, strict function calling
    OPENAI_RESPONSE_FORMAT = "OPENAI_RESPONSE_FORMAT"  # response_format, Structured Outputs
    ANTHROPIC_TOOL = "ANTHROPIC_TOOL"  # Messages API tools[] entry
    GEMINI_FUNCTION = "GEMINI_FUNCTION"  # tools[].functionDeclarations[] entry
    JSON_SCHEMA = "JSON_SCHEMA"  # the schema alone, references inlined


# OpenAI's strict mode lists default among keywords it may refuse; it only annotates.
_FORMS: dict[ExportTarget, Form] = {
    ExportTarget.OPENAI_TOOL: Form(ANNOTATIONS | {"default"}),
    ExportTarget.OPENAI_RESPONSE_FORMAT: Form(ANNOTATIONS | {"default"}),
    ExportTarget.ANTHROPIC_TOOL: Form(ANNOTATIONS),
    ExportTarget.GEMINI_FUNCTION: Form(ANNOTATIONS, inline_references=True, gemini=True),
}
_PROVIDERS: dict[ExportTarget, Provider] = {
    ExportTarget.OPENAI_TOOL: Provider.OPENAI,
    ExportTarget.OPENAI_RESPONSE_FORMAT: Provider.OPENAI,
    ExportTarget.ANTHROPIC_TOOL: Provider.ANTHROPIC,
    ExportTarget.GEMINI_FUNCTION: Provider.GEMINI,
}


@dataclass(frozen=True, slots=True)
class Export:
    target: ExportTarget
    name: str
    document: object  # the request object; shares data values with the schema: read only


def default_name(subject: str) -> str:
    """A subject's last dot-separated segment: "tools.get_weather" -> "get_weather"."""
    return subject.rsplit(".", 1)[-1]


def export_schema(
    schema: ParsedSchema,
    target: ExportTarget,
    subject: str,
    *,
    name: str | None = None,
    description: str | None = None,
) -> Export:
    """The request object of ``target`` for a JSON Schema parsed with its references:
    named ``name`` (default: the subject's last segment) and described by ``description``
    (default: the schema's top-level description; an empty one leaves it out).

    Refused with ``ProviderLintFailedError`` when the name breaks the provider's naming
    rules or the schema, as exported, breaks a BLOCKING rule of the target's profile;
    with ``BadUserInputError`` for a schema that is not JSON Schema."""
    if schema.format is not SchemaFormat.JSON:
        raise BadUserInputError(
            f"Only JSON Schemas are exported to model providers; this schema is "
            f"{schema.format.value}."
        )
    chosen = default_name(subject) if name is None else name
    if not 1 <= len(chosen) <= MAX_NAME_CHARS:
        raise BadUserInputError(f"An export name is 1 to {MAX_NAME_CHARS} characters long.")
    if description is not None and len(description) > MAX_DESCRIPTION_CHARS:
        raise BadUserInputError(
            f"An export description is at most {MAX_DESCRIPTION_CHARS} characters long."
        )
    bundle = working_document(schema)
    if description is None and isinstance(bundle, dict):
        found = bundle.get("description")
        description = found if isinstance(found, str) else None
    described = {"description": description} if description else {}
    if target is ExportTarget.JSON_SCHEMA:
        return Export(target, chosen, bundle)
    provider = _PROVIDERS[target]
    document, issues = provider_document(bundle, _FORMS[target])
    if any(issue.rule_id == "EXPORT_TOO_LARGE" for issue in issues):
        # Only part of the document was written: linting it would say nothing more.
        raise ProviderLintFailedError(
            f"The schema cannot be exported as {target.value}: {issues[-1].message}",
            [(provider, issue) for issue in issues],
        )
    strict = False
    if target is ExportTarget.ANTHROPIC_TOOL:
        # Strict tool use when the schema is in its subset, else plain tool use.
        strict = not _blocking(Provider.ANTHROPIC_STRICT, lint(document, Provider.ANTHROPIC_STRICT))
        if strict:
            provider = Provider.ANTHROPIC_STRICT
    found = [*lint_tool_name(chosen, provider), *issues, *lint(document, provider)]
    refused = _blocking(provider, found, function=target is ExportTarget.GEMINI_FUNCTION)
    if refused:
        raise ProviderLintFailedError(
            f"The schema cannot be exported as {target.value}: {len(refused)} blocking "
            f"finding(s), the first: {refused[0][1].message}",
            refused,
        )
    return Export(target, chosen, _envelope(target, chosen, described, document, strict))


def _blocking(
    provider: Provider, findings: list[LintFinding], *, function: bool = False
) -> list[tuple[Provider, LintFinding]]:
    """The findings that refuse an export. A Gemini function's parameters must be an
    object, which the profile (written for response schemas too) only warns about."""
    refused: list[tuple[Provider, LintFinding]] = []
    root_rules = (
        {rule.id for rule in profile_of(provider).rules_for(Check.ROOT_OBJECT)}
        if function
        else set()
    )
    for finding in findings:
        if finding.rule_id in root_rules:
            finding = replace(finding, severity=Severity.BLOCKING)
        if finding.severity is Severity.BLOCKING:
            refused.append((provider, finding))
    return refused


def _envelope(
    target: ExportTarget,
    name: str,
    described: dict[str, str],
    schema: object,
    strict: bool,
) -> dict[str, object]:
    if target is ExportTarget.OPENAI_TOOL:
        # Chat Completions' ChatCompletionFunctionToolParam; the Responses API takes the
        # same fields flat ({"type": "function", "name", ...}).
        function = {"name": name, **described, "parameters": schema, "strict": True}
        return {"type": "function", "function": function}
    if target is ExportTarget.OPENAI_RESPONSE_FORMAT:
        json_schema = {"name": name, **described, "schema": schema, "strict": True}
        return {"type": "json_schema", "json_schema": json_schema}
    if target is ExportTarget.ANTHROPIC_TOOL:
        tool: dict[str, object] = {"name": name, **described, "input_schema": schema}
        if strict:
            tool["strict"] = True
        return tool
    return {"name": name, **described, "parameters": schema}
