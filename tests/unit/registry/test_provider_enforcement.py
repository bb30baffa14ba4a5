"""Provider rules: how a subject inherits them, and what the registration lint finds and
refuses (registry.settings, registry.providers.enforcement)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from registry.checks import SchemaSource, SourceReference, lint_providers
from registry.errors import ProviderLintFailedError
from registry.formats import ParseContext, ResolvedReference, parse_schema
from registry.model import ProviderEnforcement, SchemaFormat, ScopeConfig
from registry.providers import LintFinding, Provider, Severity, lint
from registry.providers.enforcement import (
    FINDINGS_TRUNCATED,
    FORMAT_NOT_JSON_SCHEMA,
    MAX_FINDINGS_PER_PROVIDER,
    bounded,
    finding_records,
    findings_of_records,
    lint_for_providers,
    linted_document,
    refusal,
)
from registry.settings import effective_config
from tests.unit.registry.provider_schemas import SEARCH_OPTIONAL, WEATHER, closed

OPENAI, GEMINI, STRICT = Provider.OPENAI, Provider.GEMINI, Provider.ANTHROPIC_STRICT
OFF, WARN, ENFORCE = ProviderEnforcement.OFF, ProviderEnforcement.WARN, ProviderEnforcement.ENFORCE

# (subject's own, global, expected providers, expected enforcement)
INHERITANCE = [
    (None, ScopeConfig(), (), OFF),
    (ScopeConfig(), ScopeConfig(), (), OFF),
    (None, ScopeConfig(providers=(OPENAI,), provider_enforcement=WARN), (OPENAI,), WARN),
    (ScopeConfig(providers=(GEMINI,)), ScopeConfig(providers=(OPENAI,)), (GEMINI,), OFF),
    (
        ScopeConfig(provider_enforcement=ENFORCE),
        ScopeConfig(providers=(OPENAI, STRICT), provider_enforcement=WARN),
        (OPENAI, STRICT),
        ENFORCE,
    ),
    (
        ScopeConfig(providers=(GEMINI,)),
        ScopeConfig(providers=(OPENAI,), provider_enforcement=ENFORCE),
        (GEMINI,),
        ENFORCE,
    ),
    # An empty list at the subject is a setting: no providers here.
    (
        ScopeConfig(providers=()),
        ScopeConfig(providers=(OPENAI,), provider_enforcement=ENFORCE),
        (),
        ENFORCE,
    ),
    (ScopeConfig(provider_enforcement=OFF), ScopeConfig(provider_enforcement=ENFORCE), (), OFF),
]


@pytest.mark.parametrize(("own", "global_", "providers", "enforcement"), INHERITANCE)
def test_provider_rules_come_from_the_subject_else_the_global_scope_else_off(
    own: ScopeConfig | None,
    global_: ScopeConfig,
    providers: tuple[Provider, ...],
    enforcement: ProviderEnforcement,
) -> None:
    settings = effective_config(own, global_)

    assert settings.providers == providers
    assert settings.provider_enforcement is enforcement
    assert settings.lints_providers == (bool(providers) and enforcement is not OFF)


def test_provider_rules_leave_the_other_settings_inherited_as_before() -> None:
    settings = effective_config(
        ScopeConfig(providers=(OPENAI,)), ScopeConfig(provider_enforcement=WARN)
    )

    assert effective_config(None, ScopeConfig()).compatibility == settings.compatibility
    assert (settings.mode, settings.dialect) == (
        effective_config(None, ScopeConfig()).mode,
        effective_config(None, ScopeConfig()).dialect,
    )


def _parsed(document: Any, references: tuple[ResolvedReference, ...] = ()) -> Any:
    return parse_schema(
        SchemaFormat.JSON, json.dumps(document), context=ParseContext(references, None)
    )


def test_each_provider_lints_the_schema_and_tags_its_findings() -> None:
    found = lint_for_providers(_parsed(SEARCH_OPTIONAL), [OPENAI, GEMINI])

    assert [f for p, f in found if p is OPENAI] == lint(SEARCH_OPTIONAL, OPENAI)
    assert [f for p, f in found if p is GEMINI] == lint(SEARCH_OPTIONAL, GEMINI)
    assert "OPENAI_PROPERTY_NOT_REQUIRED" in {f.rule_id for p, f in found if p is OPENAI}
    # Provider order is kept: OpenAI's findings first.
    assert [p for p, _ in found] == sorted((p for p, _ in found), key=[OPENAI, GEMINI].index)


def test_a_referenced_schema_is_linted_inside_the_bundle_not_reported_as_external() -> None:
    address = _parsed(closed({"city": {"type": "string"}, "zip": {"type": "string"}}, ["city"]))
    document = closed({"home": {"$ref": "address.json"}})
    parsed = _parsed(document, (ResolvedReference("address.json", "addresses", 1, address),))

    bundled = linted_document(parsed)
    found = lint_for_providers(parsed, [OPENAI])

    assert isinstance(bundled, dict)
    assert "$schema" not in bundled
    assert "$schema" not in bundled["$defs"]["address.json"]
    assert [(f.rule_id, f.pointer) for _, f in found] == [
        ("OPENAI_PROPERTY_NOT_REQUIRED", "#/$defs/address.json/properties/zip")
    ]
    assert "OPENAI_EXTERNAL_REF" in {f.rule_id for f in lint(document, OPENAI)}


def test_a_schema_without_references_is_linted_as_written() -> None:
    document = {"$schema": "http://json-schema.org/draft-07/schema#", **WEATHER}
    parsed = _parsed(document)

    assert linted_document(parsed) == document
    assert [f for _, f in lint_for_providers(parsed, [GEMINI])] == lint(document, GEMINI)


@pytest.mark.parametrize(
    ("format", "text"),
    [
        (SchemaFormat.AVRO, '{"type": "record", "name": "R", "fields": []}'),
        (SchemaFormat.PROTOBUF, 'syntax = "proto3";\nmessage M { string a = 1; }\n'),
    ],
)
def test_avro_and_protobuf_get_one_blocking_format_finding_per_provider(
    format: SchemaFormat, text: str
) -> None:
    found = lint_providers(SchemaSource(format, text), (OPENAI, STRICT))

    assert [(p, f.rule_id, f.pointer, f.severity) for p, f in found] == [
        (OPENAI, FORMAT_NOT_JSON_SCHEMA, "#", Severity.BLOCKING),
        (STRICT, FORMAT_NOT_JSON_SCHEMA, "#", Severity.BLOCKING),
    ]
    assert format.value in found[0][1].message


def test_lint_providers_reads_a_source_with_its_references() -> None:
    address = SchemaSource(SchemaFormat.JSON, json.dumps(closed({"city": {"type": "string"}})))
    source = SchemaSource(
        SchemaFormat.JSON,
        json.dumps(closed({"home": {"$ref": "address.json"}})),
        (SourceReference("address.json", "addresses", 1, address),),
    )

    assert lint_providers(source, (OPENAI,)) == []
    assert {f.rule_id for _, f in lint_providers(source, (GEMINI,))} == {
        "GEMINI_UNSUPPORTED_KEYWORD"
    }


def _finding(n: int, severity: Severity) -> LintFinding:
    return LintFinding(f"RULE_{n}", f"#/properties/p{n}", f"finding {n}", severity)


def test_findings_past_the_bound_are_counted_in_one_finding_blocking_ones_kept_first() -> None:
    many = [
        _finding(n, Severity.WARNING if n % 3 else Severity.BLOCKING)
        for n in range(MAX_FINDINGS_PER_PROVIDER * 2)
    ]
    blocking = [f for f in many if f.severity is Severity.BLOCKING]

    kept = bounded(many)

    assert len(kept) == MAX_FINDINGS_PER_PROVIDER + 1
    assert kept[: len(blocking)] == blocking
    assert kept[-1].rule_id == FINDINGS_TRUNCATED
    assert kept[-1].severity is Severity.WARNING
    assert f"{len(many) - MAX_FINDINGS_PER_PROVIDER} more" in kept[-1].message
    assert bounded(many[:MAX_FINDINGS_PER_PROVIDER]) == many[:MAX_FINDINGS_PER_PROVIDER]


def test_the_truncation_finding_is_blocking_when_a_blocking_finding_is_left_out() -> None:
    many = [_finding(n, Severity.BLOCKING) for n in range(MAX_FINDINGS_PER_PROVIDER + 5)]

    kept = bounded(many)

    assert (kept[-1].rule_id, kept[-1].severity) == (FINDINGS_TRUNCATED, Severity.BLOCKING)
    assert "5 more" in kept[-1].message


def test_a_refusal_names_the_blocking_findings_and_carries_each_with_its_provider() -> None:
    found = [
        (OPENAI, _finding(1, Severity.BLOCKING)),
        (OPENAI, _finding(2, Severity.WARNING)),
        (GEMINI, _finding(3, Severity.BLOCKING)),
    ]

    refused = refusal("tools.search", found)

    assert isinstance(refused, ProviderLintFailedError)
    assert refused.code == "PROVIDER_LINT_FAILED"
    assert refused.findings == (found[0], found[2])
    assert "tools.search" in refused.message
    assert "OPENAI RULE_1 at #/properties/p1" in refused.message
    assert "GEMINI RULE_3 at #/properties/p3" in refused.message
    assert "RULE_2" not in refused.message
    assert refused.records()[1] == {"provider": "GEMINI", **found[2][1].as_record()}


def test_warnings_alone_never_refuse() -> None:
    assert refusal("s", [(OPENAI, _finding(1, Severity.WARNING))]) is None
    assert refusal("s", []) is None


def test_a_long_refusal_message_names_the_first_findings_and_counts_the_rest() -> None:
    found = [(OPENAI, _finding(n, Severity.BLOCKING)) for n in range(12)]

    refused = refusal("s", found)

    assert refused is not None
    assert "RULE_4 " in refused.message and "RULE_5 " not in refused.message
    assert "and 7 more" in refused.message
    assert len(refused.findings) == 12


def test_finding_records_round_trip() -> None:
    found = [(OPENAI, _finding(1, Severity.BLOCKING)), (GEMINI, _finding(2, Severity.WARNING))]

    records = finding_records(found)

    assert records[0]["provider"] == "OPENAI" and records[1]["severity"] == "WARNING"
    assert findings_of_records(json.loads(json.dumps(records))) == tuple(found)
    with pytest.raises(ValueError):
        findings_of_records([{**records[0], "provider": "NOBODY"}])
