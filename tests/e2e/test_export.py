"""exportSchema over HTTP: each target's request object for a registered version, the
latest or a given one, with registered references inlined, and refusals with their codes
and findings."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.conftest import GraphQLHttp, unique_subject

WEATHER: dict[str, Any] = {
    "type": "object",
    "description": "Current weather for a city",
    "properties": {
        "city": {"type": "string", "examples": ["Oslo"]},
        "unit": {"type": ["string", "null"], "enum": ["C", "F", None]},
    },
    "required": ["city", "unit"],
    "additionalProperties": False,
}
# Version 2 of the same subject: a new required property.
WEATHER_V2: dict[str, Any] = {
    **WEATHER,
    "properties": {**WEATHER["properties"], "days": {"type": "integer"}},
    "required": ["city", "unit", "days"],
}
OPEN_WEATHER: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": ["integer", "null"]}},
    "required": ["city"],
}
ADDRESS = {
    "type": "object",
    "properties": {"street": {"type": "string"}},
    "required": ["street"],
    "additionalProperties": False,
}
SHIPMENT = {
    "type": "object",
    "properties": {"to": {"$ref": "address.json"}},
    "required": ["to"],
    "additionalProperties": False,
}
EXPORT = """
query($s: String!, $t: ExportTarget!, $v: Int, $n: String, $d: String) {
  exportSchema(subject: $s, target: $t, version: $v, name: $n, description: $d) {
    subject version schemaId target name document
  }
}
"""
REGISTER = """
mutation($s: String!, $x: String!, $f: SchemaFormat, $refs: [SchemaReferenceInput!]) {
  registerSchema(subject: $s, schema: $x, format: $f, references: $refs) { id version }
}
"""


async def _register(
    gql_http: GraphQLHttp, subject: str, schema: object, **extra: Any
) -> dict[str, Any]:
    text = schema if isinstance(schema, str) else json.dumps(schema)
    data = await gql_http.data(REGISTER, {"s": subject, "x": text, **extra})
    registered: dict[str, Any] = data["registerSchema"]
    return registered


async def _export(gql_http: GraphQLHttp, subject: str, target: str, **args: Any) -> Any:
    data = await gql_http.data(EXPORT, {"s": subject, "t": target, **args})
    return data["exportSchema"]


async def test_each_target_exports_the_latest_version_in_its_provider_s_shape(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tools") + ".get_weather"
    first = await _register(gql_http, subject, WEATHER)
    await gql_http.set_compatibility(subject, "NONE")
    second = await _register(gql_http, subject, WEATHER_V2)
    stripped = {
        **WEATHER_V2,
        "properties": {**WEATHER_V2["properties"], "city": {"type": "string"}},
    }

    openai = await _export(gql_http, subject, "OPENAI_TOOL")
    response_format = await _export(gql_http, subject, "OPENAI_RESPONSE_FORMAT", n="report")
    anthropic = await _export(gql_http, subject, "ANTHROPIC_TOOL", d="Weather now")
    standalone = await _export(gql_http, subject, "JSON_SCHEMA")
    older = await _export(gql_http, subject, "OPENAI_TOOL", v=1)

    assert openai["version"] == 2 and openai["schemaId"] == second["id"]
    assert openai["target"] == "OPENAI_TOOL" and openai["name"] == "get_weather"
    assert openai["document"] == {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city",
            "parameters": stripped,
            "strict": True,
        },
    }
    assert response_format["name"] == "report"
    assert response_format["document"]["json_schema"]["schema"] == stripped
    assert anthropic["document"] == {
        "name": "get_weather",
        "description": "Weather now",
        "input_schema": stripped,
        "strict": True,
    }
    # Standalone, it names the draft it was registered in (the registry's default here).
    assert {k: v for k, v in standalone["document"].items() if k != "$schema"} == WEATHER_V2
    assert standalone["document"]["$schema"].startswith("http")
    assert older["version"] == 1 and older["schemaId"] == first["id"]
    assert "days" not in older["document"]["function"]["parameters"]["properties"]


async def test_gemini_gets_the_schema_object_with_nullable_types(gql_http: GraphQLHttp) -> None:
    subject = unique_subject("tools") + ".forecast"
    await _register(gql_http, subject, OPEN_WEATHER)

    gemini = await _export(gql_http, subject, "GEMINI_FUNCTION")

    assert gemini["document"] == {
        "name": "forecast",
        "parameters": {
            "type": "OBJECT",
            "properties": {
                "city": {"type": "STRING"},
                "days": {"type": "INTEGER", "nullable": True},
            },
            "required": ["city"],
        },
    }


async def test_registered_references_are_inlined(gql_http: GraphQLHttp) -> None:
    address = unique_subject("types") + ".address"
    subject = unique_subject("tools") + ".ship"
    await _register(gql_http, address, ADDRESS)
    refs = [{"name": "address.json", "subject": address, "version": 1}]
    await _register(gql_http, subject, SHIPMENT, refs=refs)

    tool = await _export(gql_http, subject, "OPENAI_TOOL")
    standalone = await _export(gql_http, subject, "JSON_SCHEMA")

    parameters = tool["document"]["function"]["parameters"]
    # Under $defs, or definitions for a schema read in a draft before 2019-09.
    keyword = "definitions" if "definitions" in parameters else "$defs"
    assert parameters["properties"]["to"] == {"$ref": f"#/{keyword}/address.json"}
    assert parameters[keyword] == {"address.json": ADDRESS}
    assert "$schema" not in json.dumps(parameters)
    bundled = standalone["document"][keyword]["address.json"]
    assert bundled["properties"] == ADDRESS["properties"]


async def test_a_schema_the_provider_cannot_take_is_refused_with_its_findings(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tools") + ".forecast"
    await _register(gql_http, subject, OPEN_WEATHER)

    refused = await gql_http.error(EXPORT, {"s": subject, "t": "OPENAI_TOOL"})
    named = await gql_http.error(EXPORT, {"s": subject, "t": "ANTHROPIC_TOOL", "n": "get weather!"})

    assert refused["extensions"]["code"] == "PROVIDER_LINT_FAILED"
    findings = refused["extensions"]["findings"]
    assert {f["provider"] for f in findings} == {"OPENAI"}
    assert {f["severity"] for f in findings} == {"BLOCKING"}
    rules = {f["ruleId"] for f in findings}
    assert {"OPENAI_ADDITIONAL_PROPERTIES_REQUIRED", "OPENAI_PROPERTY_NOT_REQUIRED"} <= rules
    assert any(f["pointer"] == "#/properties/days" for f in findings), findings
    assert named["extensions"]["code"] == "PROVIDER_LINT_FAILED"
    assert any(f["pointer"] == "" for f in named["extensions"]["findings"])


async def test_unknown_subjects_versions_and_other_formats_have_their_codes(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tools") + ".forecast"
    avro = unique_subject("events")
    await _register(gql_http, subject, OPEN_WEATHER)
    record = {"type": "record", "name": "Ping", "fields": [{"name": "at", "type": "long"}]}
    await _register(gql_http, avro, record, f="AVRO")

    missing = await gql_http.error(EXPORT, {"s": unique_subject("nobody"), "t": "JSON_SCHEMA"})
    no_version = await gql_http.error(EXPORT, {"s": subject, "t": "JSON_SCHEMA", "v": 9})
    not_json = await gql_http.error(EXPORT, {"s": avro, "t": "OPENAI_TOOL"})
    via_version = await gql_http.data(
        "query($s: String!) { subject(name: $s) { latest { "
        'export(target: ANTHROPIC_TOOL, name: "plan") { name document } } } }',
        {"s": subject},
    )

    assert missing["extensions"]["code"] == "SUBJECT_NOT_FOUND"
    assert no_version["extensions"]["code"] == "VERSION_NOT_FOUND"
    assert not_json["extensions"]["code"] == "BAD_USER_INPUT"
    assert "AVRO" in not_json["message"]
    exported = via_version["subject"]["latest"]["export"]
    assert exported["name"] == "plan"
    assert exported["document"] == {"name": "plan", "input_schema": OPEN_WEATHER}
