"""Provider rules on real storage (SQLite and PostgreSQL), with the lint inline and in a
worker process: the setting and its inheritance, and registrations under OFF, WARN and
ENFORCE."""

from __future__ import annotations

import json
from typing import Any

import pytest

from registry.access import Principal, Role, SubjectScopes
from registry.checks import CanonicalSchema, CheckRequest, SchemaSource
from registry.compatibility import Incompatibility
from registry.errors import IncompatibleSchemaError, ProviderLintFailedError
from registry.model import (
    CompatibilityLevel,
    EventKind,
    ProviderEnforcement,
    ProviderFinding,
    SchemaFormat,
    SchemaReference,
)
from registry.ports import SchemaChecker
from registry.providers import Provider
from registry.types import Sequence, SubjectName, Version
from resolvers.config import Keep, get_config, set_compatibility, set_provider_rules
from resolvers.context import Services
from resolvers.schemas import register_schema

OPENAI, GEMINI, STRICT = Provider.OPENAI, Provider.GEMINI, Provider.ANTHROPIC_STRICT
OFF, WARN, ENFORCE = ProviderEnforcement.OFF, ProviderEnforcement.WARN, ProviderEnforcement.ENFORCE
KEEP = Keep.KEEP


def _closed(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


# Every provider takes it (OpenAI's strict subset included).
GOOD = json.dumps(_closed({"query": {"type": "string"}}))
# OpenAI refuses an optional property (BLOCKING); Anthropic strict does not mind.
OPTIONAL = json.dumps(
    _closed({"query": {"type": "string"}, "limit": {"type": "integer"}}, ["query"])
)
# OpenAI only warns about a format outside its list.
WARNED = json.dumps(_closed({"query": {"type": "string", "format": "uri"}}))
AVRO = '{"type": "record", "name": "Query", "fields": [{"name": "q", "type": "string"}]}'


@pytest.fixture
def checker(any_checker: SchemaChecker) -> SchemaChecker:
    return any_checker


def _rules(found: tuple[ProviderFinding, ...]) -> list[tuple[str, str, str]]:
    return [(p.value, f.rule_id, f.severity.value) for p, f in found]


async def test_rules_are_set_per_subject_and_globally_and_inherited(services):
    global_ = await set_provider_rules(services, None, [OPENAI], WARN)
    subject = await set_provider_rules(services, "tools.search", [GEMINI, GEMINI], KEEP)

    assert (global_.providers, global_.provider_enforcement) == ((OPENAI,), WARN)
    assert (subject.configured_providers, subject.configured_provider_enforcement) == (
        (GEMINI,),
        None,
    )
    assert (subject.providers, subject.provider_enforcement) == ((GEMINI,), WARN)
    other = await get_config(services, "tools.other")
    assert (other.configured_providers, other.providers, other.provider_enforcement) == (
        None,
        (OPENAI,),
        WARN,
    )

    emptied = await set_provider_rules(services, "tools.search", [], ENFORCE)
    assert (emptied.configured_providers, emptied.providers) == ((), ())
    removed = await set_provider_rules(services, "tools.search", None, None)
    assert (removed.configured_providers, removed.configured_provider_enforcement) == (None, None)
    assert (removed.providers, removed.provider_enforcement) == ((OPENAI,), WARN)
    cleared = await set_provider_rules(services, None, None, None)
    assert (cleared.providers, cleared.provider_enforcement) == ((), OFF)


async def test_each_change_raises_one_config_changed_event_and_a_no_op_none(services):
    start = await services.store.get_last_sequence()

    await set_provider_rules(services, "tools.search", [OPENAI], ENFORCE)
    await set_provider_rules(services, "tools.search", [OPENAI], KEEP)  # nothing changes
    await set_provider_rules(services, "tools.search", KEEP, KEEP)
    await set_provider_rules(services, None, [STRICT], KEEP)

    events = await services.store.list_events_after(Sequence(start), 10)
    assert [(e.kind, e.subject, e.compatibility) for e in events] == [
        (EventKind.CONFIG_CHANGED, "tools.search", CompatibilityLevel.BACKWARD),
        (EventKind.CONFIG_CHANGED, None, CompatibilityLevel.BACKWARD),
    ]


async def test_provider_rules_leave_the_compatibility_settings_alone(services):
    await set_compatibility(services, "tools.search", CompatibilityLevel.FULL)

    view = await set_provider_rules(services, "tools.search", [OPENAI], ENFORCE)
    await set_compatibility(services, "tools.search", None)

    assert view.configured is CompatibilityLevel.FULL
    after = await get_config(services, "tools.search")
    assert (after.configured, after.configured_providers) == (None, (OPENAI,))


async def test_enforce_refuses_a_blocking_finding_and_stores_nothing(services):
    first = await register_schema(services, "tools.other", WARNED)
    await set_provider_rules(services, "tools.search", [OPENAI, STRICT], ENFORCE)
    before = await services.store.get_last_sequence()

    with pytest.raises(ProviderLintFailedError) as refused:
        await register_schema(services, "tools.search", OPTIONAL)

    assert refused.value.code == "PROVIDER_LINT_FAILED"
    assert [(p, f.rule_id, f.pointer) for p, f in refused.value.findings] == [
        (OPENAI, "OPENAI_PROPERTY_NOT_REQUIRED", "#/properties/limit")
    ]
    assert "OPENAI_PROPERTY_NOT_REQUIRED" in refused.value.message
    assert await services.store.get_subject(SubjectName("tools.search")) is None
    assert await services.store.get_last_sequence() == before
    # No id was taken: the next new schema gets the one after the last stored.
    taken = await register_schema(services, "tools.search", GOOD)
    assert (taken.version.version, taken.version.schema.id) == (1, first.version.schema.id + 1)


async def test_enforce_stores_a_schema_with_warnings_only_and_returns_them(services):
    await set_provider_rules(services, "tools.search", [OPENAI], ENFORCE)

    result = await register_schema(services, "tools.search", WARNED)

    assert result.is_new_version
    assert _rules(result.lint_findings) == [("OPENAI", "OPENAI_UNSUPPORTED_FORMAT", "WARNING")]


async def test_warn_stores_and_the_event_in_the_outbox_carries_the_findings(services):
    await set_provider_rules(services, None, [OPENAI, GEMINI], WARN)
    start = await services.store.get_last_sequence()

    result = await register_schema(services, "tools.search", OPTIONAL)

    assert result.is_new_version and result.version.version == 1
    found = _rules(result.lint_findings)
    assert ("OPENAI", "OPENAI_PROPERTY_NOT_REQUIRED", "BLOCKING") in found
    assert ("GEMINI", "GEMINI_UNSUPPORTED_KEYWORD", "BLOCKING") in found
    [event] = await services.store.list_events_after(Sequence(start), 10)
    assert event.kind is EventKind.REGISTERED
    assert event.lint_findings == result.lint_findings


async def test_off_or_no_provider_lints_nothing(services):
    await set_provider_rules(services, None, [OPENAI], OFF)
    await set_provider_rules(services, "tools.none", [], ENFORCE)

    off = await register_schema(services, "tools.search", OPTIONAL)
    none = await register_schema(services, "tools.none", OPTIONAL)

    assert off.is_new_version and off.lint_findings == ()
    assert none.is_new_version and none.lint_findings == ()


async def test_a_subject_setting_overrides_the_global_one(services):
    await set_provider_rules(services, None, [OPENAI], ENFORCE)
    await set_provider_rules(services, "tools.lenient", KEEP, WARN)

    with pytest.raises(ProviderLintFailedError):
        await register_schema(services, "tools.strict", OPTIONAL)
    stored = await register_schema(services, "tools.lenient", OPTIONAL)

    assert stored.is_new_version
    assert ("OPENAI", "OPENAI_PROPERTY_NOT_REQUIRED", "BLOCKING") in _rules(stored.lint_findings)


async def test_compatibility_is_judged_before_provider_rules(services):
    await set_compatibility(services, "tools.search", CompatibilityLevel.BACKWARD)
    await register_schema(services, "tools.search", GOOD)
    await set_provider_rules(services, "tools.search", [OPENAI], ENFORCE)
    # Requires a new property: not backward compatible, and an optional one OpenAI refuses.
    breaking = json.dumps(
        _closed(
            {"query": {"type": "string"}, "page": {"type": "integer"}, "x": {"type": "string"}},
            ["query", "page"],
        )
    )

    with pytest.raises(IncompatibleSchemaError):
        await register_schema(services, "tools.search", breaking)


async def test_content_already_registered_returns_its_version_without_a_refusal(services):
    stored = await register_schema(services, "tools.search", OPTIONAL)
    await set_provider_rules(services, "tools.search", [OPENAI], ENFORCE)

    again = await register_schema(services, "tools.search", OPTIONAL)

    assert (again.is_new_version, again.version.version) == (False, stored.version.version)
    assert again.lint_findings == ()


async def test_avro_is_refused_under_enforce_and_stored_with_its_finding_under_warn(services):
    await set_provider_rules(services, "events.enforced", [OPENAI, GEMINI], ENFORCE)
    await set_provider_rules(services, "events.warned", [OPENAI], WARN)

    with pytest.raises(ProviderLintFailedError) as refused:
        await register_schema(services, "events.enforced", AVRO, SchemaFormat.AVRO)
    stored = await register_schema(services, "events.warned", AVRO, SchemaFormat.AVRO)

    assert _rules(refused.value.findings) == [
        ("OPENAI", "FORMAT_NOT_JSON_SCHEMA", "BLOCKING"),
        ("GEMINI", "FORMAT_NOT_JSON_SCHEMA", "BLOCKING"),
    ]
    assert stored.is_new_version
    assert _rules(stored.lint_findings) == [("OPENAI", "FORMAT_NOT_JSON_SCHEMA", "BLOCKING")]


async def test_a_referenced_schema_is_linted_with_the_one_referring_to_it(services):
    address = _closed({"city": {"type": "string"}, "zip": {"type": "string"}}, ["city"])
    await register_schema(services, "shared.address", json.dumps(address))
    await set_provider_rules(services, "tools.ship", [OPENAI], ENFORCE)
    reference = (SchemaReference("address.json", SubjectName("shared.address"), Version(1)),)
    shipping = json.dumps(_closed({"to": {"$ref": "address.json"}}))

    with pytest.raises(ProviderLintFailedError) as refused:
        await register_schema(services, "tools.ship", shipping, references=reference)

    # The optional "zip" of the referenced schema (bundled under draft-07's definitions,
    # the registry's default dialect), not an "external $ref".
    assert [(f.rule_id, f.pointer) for _, f in refused.value.findings] == [
        ("OPENAI_PROPERTY_NOT_REQUIRED", "#/definitions/address.json/properties/zip")
    ]


class _RulesChangeDuringLint:
    """A checker that lets another writer change the provider rules while the first lint
    runs, as a configuration change on another replica would."""

    def __init__(self, inner: SchemaChecker, services: Services) -> None:
        self._inner = inner
        self._services = services
        self.lints = 0

    async def canonicalize(self, source: SchemaSource) -> CanonicalSchema:
        return await self._inner.canonicalize(source)

    async def render(self, source: SchemaSource, form: str) -> str | None:
        return await self._inner.render(source, form)

    async def find_incompatibilities(self, request: CheckRequest) -> list[Incompatibility]:
        return await self._inner.find_incompatibilities(request)

    async def lint(
        self, source: SchemaSource, providers: tuple[Provider, ...]
    ) -> list[ProviderFinding]:
        self.lints += 1
        found = await self._inner.lint(source, providers)
        if self.lints == 1:
            await set_provider_rules(self._services, "tools.search", KEEP, ENFORCE)
        return found


async def test_rules_changed_during_the_lint_are_applied_in_the_write(services, checker):
    await set_provider_rules(services, "tools.search", [OPENAI], WARN)
    racing_checker = _RulesChangeDuringLint(checker, services)
    racing = Services(
        store=services.store,
        publisher=services.publisher,
        feed=services.feed,
        checker=racing_checker,
    )

    with pytest.raises(ProviderLintFailedError):
        await register_schema(racing, "tools.search", OPTIONAL)

    assert racing_checker.lints == 2
    assert await services.store.get_subject(SubjectName("tools.search")) is None


async def test_a_rules_change_is_audited_with_its_operation(services, store):
    principal = Principal("k1", Role.ADMIN, SubjectScopes.parse(["*"]))
    audited = Services(
        store=services.store,
        publisher=services.publisher,
        feed=services.feed,
        audit_log=store,
    ).for_principal(principal)
    acting = audited.acting("configure", "setProviderRules")

    await set_provider_rules(acting, "tools.search", [OPENAI], ENFORCE)

    [record] = [e.record for e in await store.list_audit() if e.record.subject == "tools.search"]
    assert (record.principal, record.action, record.outcome) == ("k1", "configure", "ok")
    assert record.detail is not None
    assert (record.detail["operation"], record.detail["event"]) == (
        "setProviderRules",
        "CONFIG_CHANGED",
    )
