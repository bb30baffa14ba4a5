"""Every call of the client against a real server, with the blocking and asyncio clients."""

from __future__ import annotations

import json
from typing import Any

import pytest

from llm_schema_registry_client import (
    ExportTarget,
    Reference,
    RegistryError,
    SchemaExport,
)
from tests.e2e.client.conftest import (
    open_tool_schema,
    set_policy,
    strict_tool_schema,
    tool_schema,
)
from tests.e2e.conftest import GraphQLHttp, unique_subject


async def test_register_then_read_by_id_latest_and_version(client: Any) -> None:
    subject = unique_subject("calls")
    first = await client.register(subject, tool_schema("city"))
    second = await client.register(subject, tool_schema("city", "unit"))
    again = await client.register(subject, tool_schema("city", "unit"))

    assert (first.version, second.version) == (1, 2)
    assert first.is_new_version and second.is_new_version
    assert (again.version, again.id, again.is_new_version) == (2, second.id, False)
    assert second.change == "MINOR"
    assert (await client.get_schema(first.id)).schema == first.schema
    latest = await client.latest(subject)
    assert (latest.version, latest.id, latest.schema) == (2, second.id, second.schema)
    assert (await client.version(subject, 1)).id == first.id


async def test_references_are_sent_and_read_back(client: Any) -> None:
    base = unique_subject("ref-base")
    user = unique_subject("ref-user")
    address = json.dumps({"type": "object", "properties": {"street": {"type": "string"}}})
    await client.register(base, address)
    schema = json.dumps({"type": "object", "properties": {"home": {"$ref": "address.json"}}})

    registered = await client.register(
        user, schema, references=[Reference("address.json", base, 1)]
    )

    assert registered.references == (Reference("address.json", base, 1),)
    assert (await client.get_schema(registered.id)).references == registered.references
    assert (await client.latest(user)).references == registered.references


async def test_other_formats_register_with_their_format(client: Any) -> None:
    subject = unique_subject("avro")
    record = json.dumps(
        {"type": "record", "name": "Point", "fields": [{"name": "x", "type": "int"}]}
    )
    registered = await client.register(subject, record, format="AVRO")

    assert registered.format == "AVRO"
    assert (await client.get_schema(registered.id)).format == "AVRO"


async def test_check_says_why_a_candidate_is_incompatible(client: Any) -> None:
    subject = unique_subject("check")
    await client.register(subject, tool_schema("city", "unit"))

    compatible = await client.check(subject, tool_schema("city", "unit", "country"))
    refused = await client.check(subject, tool_schema("city", "unit", required=("city", "unit")))

    assert compatible.is_compatible and compatible.incompatibilities == ()
    assert not refused.is_compatible
    assert refused.level == "BACKWARD" and refused.policy == "STRICT"
    codes = {item.code for item in refused.incompatibilities}
    assert codes == {"REQUIRED_PROPERTY_ADDED"}
    assert refused.incompatibilities[0].new_path == "#/properties/unit"


async def test_an_incompatible_registration_raises_with_its_code_and_records(client: Any) -> None:
    subject = unique_subject("refused")
    await client.register(subject, tool_schema("city", "unit"))

    with pytest.raises(RegistryError) as raised:
        await client.register(subject, tool_schema("city", "unit", required=("city", "unit")))

    assert raised.value.code == "INCOMPATIBLE_SCHEMA"
    assert [r["code"] for r in raised.value.incompatibilities] == ["REQUIRED_PROPERTY_ADDED"]
    assert raised.value.errors[0]["extensions"]["code"] == "INCOMPATIBLE_SCHEMA"


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda c: c.latest(unique_subject("missing")), "SUBJECT_NOT_FOUND"),
        (lambda c: c.version(unique_subject("missing"), 1), "SUBJECT_NOT_FOUND"),
        (lambda c: c.get_schema(987654), "SCHEMA_NOT_FOUND"),
        (lambda c: c.register(unique_subject("bad"), "{not json"), "INVALID_SCHEMA"),
        (lambda c: c.lint("[1", "OPENAI"), "INVALID_SCHEMA"),
        (lambda c: c.validate(unique_subject("missing"), {}), "SUBJECT_NOT_FOUND"),
    ],
)
async def test_refusals_raise_registry_error_with_the_stable_code(
    client: Any, call: Any, code: str
) -> None:
    with pytest.raises(RegistryError) as raised:
        await call(client)
    assert raised.value.code == code


async def test_a_missing_version_of_an_existing_subject_is_version_not_found(client: Any) -> None:
    subject = unique_subject("versions")
    await client.register(subject, tool_schema("city"))

    with pytest.raises(RegistryError) as raised:
        await client.version(subject, 7)

    assert raised.value.code == "VERSION_NOT_FOUND"


async def test_lint_names_the_provider_rules_broken(client: Any) -> None:
    open_object = json.dumps({"type": "object", "properties": {"city": {"type": "string"}}})

    findings = await client.lint(open_object, "openai", tool_name="get weather!")
    clean = await client.lint(tool_schema("city"), "ANTHROPIC", tool_name="get_weather")

    assert findings, "an open object with an optional property breaks OpenAI's strict rules"
    assert {f.severity for f in findings} <= {"BLOCKING", "WARNING"}
    assert any(f.pointer == "" for f in findings)  # the tool name's finding
    assert clean == []


async def test_validate_one_and_many_payloads(client: Any) -> None:
    subject = unique_subject("validate")
    await client.register(subject, tool_schema("city"))
    await client.register(subject, tool_schema("city", "unit"))

    good = await client.validate(subject, {"city": "Oslo", "unit": "C"})
    old = await client.validate(subject, {"city": "Oslo", "unit": "C"}, version=1)
    many = await client.validate_many(subject, [{"city": "Oslo"}, {"city": 3}, {}])

    assert (good.valid, good.version, good.errors) == (True, 2, ())
    assert not old.valid and old.version == 1
    assert [v.valid for v in many] == [True, False, False]
    assert many[1].errors[0].instance_path == "/city"
    assert many[1].errors[0].keyword == "type"
    assert many[2].errors[0].keyword == "required"


def openai_tool(name: str, parameters: Any, **described: str) -> dict[str, Any]:
    function = {"name": name, **described, "parameters": parameters, "strict": True}
    return {"type": "function", "function": function}


def anthropic_tool(name: str, input_schema: Any, **described: str) -> dict[str, Any]:
    return {"name": name, **described, "input_schema": input_schema}


def anthropic_strict_tool(name: str, input_schema: Any, **described: str) -> dict[str, Any]:
    return {**anthropic_tool(name, input_schema, **described), "strict": True}


def gemini_function(name: str, parameters: Any, **described: str) -> dict[str, Any]:
    return {"name": name, **described, "parameters": parameters}


STRICT_V1 = strict_tool_schema("city")
STRICT_V2 = strict_tool_schema("city", "unit", nullable=("unit",))
OPEN_V1 = open_tool_schema("city")
OPEN_V2 = open_tool_schema("city", "unit", nullable=("unit",))
# Gemini's Schema object: upper-case type names, a nullable type as nullable: true.
GEMINI_V1 = {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}, "required": ["city"]}
GEMINI_V2 = {
    "type": "OBJECT",
    "properties": {"city": {"type": "STRING"}, "unit": {"type": "STRING", "nullable": True}},
    "required": ["city"],
}


@pytest.mark.parametrize(
    ("target", "policy", "schemas", "envelope", "parameters"),
    [
        (
            ExportTarget.OPENAI_TOOL,
            "LLM",
            (STRICT_V1, STRICT_V2),
            openai_tool,
            (json.loads(STRICT_V1), json.loads(STRICT_V2)),
        ),
        (
            ExportTarget.ANTHROPIC_TOOL,
            "LLM",
            (STRICT_V1, STRICT_V2),
            anthropic_strict_tool,
            (json.loads(STRICT_V1), json.loads(STRICT_V2)),
        ),
        (
            ExportTarget.ANTHROPIC_TOOL,
            "LENIENT",
            (OPEN_V1, OPEN_V2),
            anthropic_tool,
            (json.loads(OPEN_V1), json.loads(OPEN_V2)),
        ),
        (
            ExportTarget.GEMINI_FUNCTION,
            "LENIENT",
            (OPEN_V1, OPEN_V2),
            gemini_function,
            (GEMINI_V1, GEMINI_V2),
        ),
    ],
    ids=["openai", "anthropic-strict", "anthropic", "gemini"],
)
async def test_export_renders_a_version_as_the_provider_takes_it(
    client: Any,
    gql_http: GraphQLHttp,
    target: ExportTarget,
    policy: str,
    schemas: tuple[str, str],
    envelope: Any,
    parameters: tuple[Any, Any],
) -> None:
    subject = unique_subject("export.get_weather")
    await set_policy(gql_http, subject, policy)
    first = await client.register(subject, schemas[0])
    second = await client.register(subject, schemas[1])

    latest = await client.export(subject, target, description="Weather for a city")
    pinned = await client.export(subject, target.value, version=1, name="weather_v1")

    assert isinstance(latest, SchemaExport)
    name = subject.rsplit(".", 1)[-1]  # by default the subject's last segment
    assert (latest.subject, latest.version, latest.schema_id) == (subject, 2, second.id)
    assert (latest.target, latest.name) == (target.value, name)
    assert latest.document == envelope(name, parameters[1], description="Weather for a city")
    assert (pinned.version, pinned.schema_id, pinned.name) == (1, first.id, "weather_v1")
    assert pinned.document == envelope("weather_v1", parameters[0])


async def test_export_as_json_schema_is_the_schema_itself(client: Any) -> None:
    subject = unique_subject("export.plain")
    registered = await client.register(subject, STRICT_V1)

    exported = await client.export(subject, ExportTarget.JSON_SCHEMA)

    assert (exported.version, exported.schema_id) == (1, registered.id)
    # The registry reads a schema naming no dialect as draft-07 (its default); the export
    # says so, so the document means the same wherever it goes.
    draft_07 = {"$schema": "http://json-schema.org/draft-07/schema"}
    assert exported.document == {**draft_07, **json.loads(STRICT_V1)}


@pytest.mark.parametrize(
    ("target", "schema", "rule", "pointer"),
    [
        (ExportTarget.OPENAI_TOOL, OPEN_V1, "OPENAI_ADDITIONAL_PROPERTIES_REQUIRED", "#"),
        (
            ExportTarget.OPENAI_TOOL,
            tool_schema("city", "unit"),
            "OPENAI_PROPERTY_NOT_REQUIRED",
            "#/properties/unit",
        ),
        (
            ExportTarget.GEMINI_FUNCTION,
            STRICT_V1,
            "GEMINI_UNSUPPORTED_KEYWORD",
            "#/additionalProperties",
        ),
    ],
)
async def test_export_refuses_what_the_provider_cannot_take_with_the_findings(
    client: Any, target: ExportTarget, schema: str, rule: str, pointer: str
) -> None:
    subject = unique_subject("export.refused")
    await client.register(subject, schema)

    with pytest.raises(RegistryError) as raised:
        await client.export(subject, target)

    assert raised.value.code == "PROVIDER_LINT_FAILED"
    findings = [(f["provider"], f["ruleId"], f["pointer"]) for f in raised.value.findings]
    assert findings == [(target.value.split("_")[0], rule, pointer)]
