"""Provider rules at registration: a candidate schema linted against each provider chosen
for its subject, and what ENFORCE refuses (``model.ProviderEnforcement``).

The document linted is the one a provider would be sent: the schema as written, or, when
it refers to other registered schemas, the bundle of it and them (every referenced schema
under ``$defs``, references rewritten as local pointers, as payload validation and the
compatibility engine read it). The draft markers the bundle adds are the registry's, not
the author's, so they are left out of what is linted.

Provider rules are JSON Schema rules: an Avro or Protobuf schema is no schema any provider
takes, so it gets one BLOCKING ``FORMAT_NOT_JSON_SCHEMA`` finding per chosen provider.

Findings are bounded: at most ``MAX_FINDINGS_PER_PROVIDER`` per provider are kept, blocking
ones first, and one ``FINDINGS_TRUNCATED`` finding says how many more there were (blocking
when a blocking one was left out). A 1 MB schema can break a rule at each of its 20,000
linted nodes: listing them all would make an answer, and an event every subscriber
receives, several megabytes long.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from registry.errors import ProviderLintFailedError
from registry.formats.base import ParsedSchema
from registry.formats.json_schema_bundle import working_document
from registry.formats.json_schema_references import references_of
from registry.model import ProviderFinding, SchemaFormat
from registry.providers import PROFILES
from registry.providers.lint import lint_document
from registry.providers.model import LintFinding, Provider, Severity

FORMAT_NOT_JSON_SCHEMA = "FORMAT_NOT_JSON_SCHEMA"
FINDINGS_TRUNCATED = "FINDINGS_TRUNCATED"
MAX_FINDINGS_PER_PROVIDER = 100
# Findings named in a refusal's message (all of them are in its records).
MAX_FINDINGS_IN_MESSAGE = 5


def lint_for_providers(
    parsed: ParsedSchema, providers: Sequence[Provider]
) -> list[ProviderFinding]:
    """Every finding of each provider in ``providers`` (in that order) on ``parsed``, each
    tagged with its provider, at most ``MAX_FINDINGS_PER_PROVIDER`` (and a truncation
    finding) per provider."""
    if parsed.format is not SchemaFormat.JSON:
        finding = LintFinding(
            FORMAT_NOT_JSON_SCHEMA,
            "#",
            f"The schema is {parsed.format.value}, not a JSON Schema: provider rules apply "
            "to JSON Schemas, and no model provider takes this format.",
            Severity.BLOCKING,
        )
        return [(provider, finding) for provider in providers]
    document = linted_document(parsed)
    found: list[ProviderFinding] = []
    for provider in providers:
        kept = bounded(lint_document(document, PROFILES[provider]))
        found.extend((provider, finding) for finding in kept)
    return found


def linted_document(parsed: ParsedSchema) -> object:
    """The document a provider would be sent for ``parsed`` (see the module)."""
    if not references_of(parsed):
        return parsed.document
    bundle = working_document(parsed)
    original = parsed.document
    if not isinstance(bundle, dict) or not isinstance(original, dict):
        return bundle
    linted = dict(bundle)
    if "$schema" not in original:
        linted.pop("$schema", None)
    for keyword in ("$defs", "definitions"):
        members = linted.get(keyword)
        own = original.get(keyword)
        if isinstance(members, dict) and members is not own:
            written = own if isinstance(own, dict) else {}
            linted[keyword] = {
                name: _without_schema_keyword(value) if name not in written else value
                for name, value in members.items()
            }
    return linted


def _without_schema_keyword(value: object) -> object:
    if isinstance(value, dict) and "$schema" in value:
        return {key: item for key, item in value.items() if key != "$schema"}
    return value


def bounded(findings: Sequence[LintFinding]) -> list[LintFinding]:
    """At most ``MAX_FINDINGS_PER_PROVIDER`` of one provider's ``findings``, blocking
    ones first (each group in its order), and a ``FINDINGS_TRUNCATED`` finding for the
    rest."""
    if len(findings) <= MAX_FINDINGS_PER_PROVIDER:
        return list(findings)
    blocking = [f for f in findings if f.severity is Severity.BLOCKING]
    ordered = blocking + [f for f in findings if f.severity is not Severity.BLOCKING]
    kept, left = ordered[:MAX_FINDINGS_PER_PROVIDER], ordered[MAX_FINDINGS_PER_PROVIDER:]
    left_blocking = sum(1 for f in left if f.severity is Severity.BLOCKING)
    kept.append(
        LintFinding(
            FINDINGS_TRUNCATED,
            "#",
            f"{len(left)} more findings are not listed ({left_blocking} of them blocking).",
            Severity.BLOCKING if left_blocking else Severity.WARNING,
        )
    )
    return kept


def blocking_findings(findings: Iterable[ProviderFinding]) -> list[ProviderFinding]:
    return [(p, f) for p, f in findings if f.severity is Severity.BLOCKING]


def refusal(subject: str, findings: Sequence[ProviderFinding]) -> ProviderLintFailedError | None:
    """The error that refuses a registration under ENFORCE, naming the blocking findings;
    None when there is none (WARNING findings never refuse)."""
    blocking = blocking_findings(findings)
    if not blocking:
        return None
    named = "; ".join(
        f"{provider.value} {finding.rule_id} at {finding.pointer}"
        for provider, finding in blocking[:MAX_FINDINGS_IN_MESSAGE]
    )
    more = len(blocking) - MAX_FINDINGS_IN_MESSAGE
    if more > 0:
        named += f"; and {more} more"
    providers = sorted({provider.value for provider, _ in blocking})
    return ProviderLintFailedError(
        f"Schema refused: subject '{subject}' enforces the rules of {', '.join(providers)}, "
        f"and it has {len(blocking)} blocking finding{'s' if len(blocking) != 1 else ''}: "
        f"{named}.",
        blocking,
    )


def finding_records(findings: Iterable[ProviderFinding]) -> list[dict[str, str]]:
    """Findings as plain records (provider, ruleId, pointer, message, severity), the
    form ``ProviderLintFailedError`` shows them in."""
    return [{"provider": provider.value, **finding.as_record()} for provider, finding in findings]


def findings_of_records(records: Iterable[Mapping[str, str]]) -> tuple[ProviderFinding, ...]:
    """Inverse of ``finding_records``; ``ValueError``/``KeyError`` on anything else."""
    return tuple(
        (
            Provider(record["provider"]),
            LintFinding(
                record["ruleId"],
                record["pointer"],
                record["message"],
                Severity(record["severity"]),
            ),
        )
        for record in records
    )
