"""Provider lint through GraphQL: a submitted schema and a registered version, each finding
with its rule id, pointer, message and severity."""

from __future__ import annotations

import json

from tests.e2e.conftest import GraphQLHttp, unique_subject

# A strict-mode tool: closed, every property required, the optional one as a nullable union.
STRICT_TOOL = json.dumps(
    {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": ["string", "null"], "enum": ["C", "F", None]},
        },
        "required": ["city", "unit"],
        "additionalProperties": False,
    }
)
# Open, with an optional property: fine for Anthropic's tool use, not for OpenAI strict.
LOOSE_TOOL = json.dumps(
    {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}}
)
LINT = """
query($x: String!, $p: Provider!, $n: String) {
  lintSchema(schema: $x, provider: $p, toolName: $n) { ruleId pointer message severity }
}
"""


async def test_a_strict_tool_passes_openai_and_a_loose_one_is_told_why(
    gql_http: GraphQLHttp,
) -> None:
    clean = await gql_http.data(LINT, {"x": STRICT_TOOL, "p": "OPENAI", "n": "get_weather"})
    loose = await gql_http.data(LINT, {"x": LOOSE_TOOL, "p": "OPENAI", "n": "get weather!"})

    assert clean["lintSchema"] == []
    findings = loose["lintSchema"]
    blocking = {f["ruleId"] for f in findings if f["severity"] == "BLOCKING"}
    assert any("ADDITIONAL_PROPERTIES" in rule for rule in blocking), findings
    assert any(f["pointer"] == "" for f in findings), findings  # the tool name
    assert all(f["message"] for f in findings)
    anthropic = await gql_http.data(LINT, {"x": LOOSE_TOOL, "p": "ANTHROPIC", "n": None})
    assert [f for f in anthropic["lintSchema"] if f["severity"] == "BLOCKING"] == []


async def test_a_registered_version_is_linted_and_other_input_is_refused_clearly(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tools")
    await gql_http.register(subject, LOOSE_TOOL)

    shown = await gql_http.data(
        "query($s: String!) { subject(name: $s) { latest { lint(provider: OPENAI) { ruleId } } } }",
        {"s": subject},
    )
    invalid = await gql_http.error(LINT, {"x": '{"type": 12}', "p": "GEMINI", "n": None})

    assert shown["subject"]["latest"]["lint"], shown
    assert invalid["extensions"]["code"] == "INVALID_SCHEMA"
