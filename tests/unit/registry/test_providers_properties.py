"""The lint walks any JSON value without crashing, reports only its profile's rules, and
stops at a fixed amount of work on huge or deeply nested documents."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from registry.providers import PROFILES, Provider, lint, lint_tool_name
from registry.providers.walk import MAX_NESTING, MAX_NODES, Walk, walk

KEYWORDS = [
    "type", "properties", "required", "additionalProperties", "items", "anyOf", "allOf",
    "oneOf", "not", "$ref", "$defs", "enum", "const", "format", "pattern", "minItems",
    "minimum", "if", "then", "else", "patternProperties", "prefixItems",
]  # fmt: skip
SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
REFS = st.sampled_from(
    ["#", "#/$defs/a", "#/properties/x", "#/$defs/missing", "x.json", "#/items/0"]
)
TYPES = st.sampled_from(["object", "array", "string", "integer", "null", "OBJECT"])


def _schemas() -> st.SearchStrategy[Any]:
    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        names = st.sampled_from(["a", "x", "~/", "b c"])
        return st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(names, children, max_size=3),
            st.fixed_dictionaries(
                {},
                optional={
                    "type": TYPES | st.lists(TYPES, max_size=2),
                    "properties": st.dictionaries(names, children, max_size=3),
                    "$defs": st.dictionaries(st.just("a"), children, max_size=1),
                    "items": children,
                    "anyOf": st.lists(children, max_size=2),
                    "allOf": st.lists(children, max_size=2),
                    "$ref": REFS,
                    "required": st.lists(names, max_size=3) | SCALARS,
                    "additionalProperties": st.booleans() | children,
                    "enum": st.lists(SCALARS | st.lists(SCALARS, max_size=1), max_size=3),
                    "pattern": st.text(alphabet="()?=!<\\b1[]^$x", max_size=6),
                    "minItems": st.integers(-1, 3) | SCALARS,
                    "format": st.sampled_from(["date", "uri", "enum"]) | SCALARS,
                    "not": children,
                },
            ),
        )

    return st.recursive(
        SCALARS | st.dictionaries(st.sampled_from(KEYWORDS), SCALARS), extend, max_leaves=25
    )


@settings(max_examples=300, deadline=None)
@given(_schemas(), st.sampled_from(list(Provider)))
def test_lint_never_crashes_and_reports_only_rules_of_its_profile(
    schema: Any, provider: Provider
) -> None:
    findings = lint(schema, provider)
    known = {rule.id for rule in PROFILES[provider].rules}
    assert {f.rule_id for f in findings} <= known
    assert all(f.pointer.startswith("#") and f.message for f in findings)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.sampled_from(list(Provider)))
def test_any_tool_name_gets_an_answer(name: str, provider: Provider) -> None:
    findings = lint_tool_name(name, provider)
    assert all(f.pointer == "" and f.rule_id.startswith(provider.value) for f in findings)


def _deep(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {
            "type": "object",
            "properties": {"c": schema},
            "required": ["c"],
            "additionalProperties": False,
        }
    return schema


def test_a_deeply_nested_schema_stops_at_the_nesting_bound_without_recursion() -> None:
    schema = _deep(5000)
    state = Walk()
    nodes = list(walk(schema, state))
    assert state.truncated
    assert max(node.nesting for node in nodes) == MAX_NESTING
    ids = {f.rule_id for f in lint(schema, Provider.OPENAI)}
    assert ids == {"OPENAI_TOO_DEEP", "OPENAI_SCHEMA_TOO_LARGE_TO_LINT"}


def test_a_very_wide_schema_stops_at_the_node_budget() -> None:
    wide = {
        "type": "object",
        "properties": {f"p{i}": {"type": "string"} for i in range(MAX_NODES * 2)},
    }
    state = Walk()
    assert sum(1 for _ in walk(wide, state)) == MAX_NODES
    assert state.truncated
    ids = {f.rule_id for f in lint(wide, Provider.GEMINI)}
    assert "GEMINI_SCHEMA_TOO_LARGE_TO_LINT" in ids


def test_a_small_schema_is_walked_whole() -> None:
    state = Walk()
    pointers = [node.pointer for node in walk(_deep(3), state) if isinstance(node.schema, dict)]
    assert not state.truncated
    assert pointers == [
        "#",
        "#/properties/c",
        "#/properties/c/properties/c",
        "#/properties/c/properties/c/properties/c",
    ]
