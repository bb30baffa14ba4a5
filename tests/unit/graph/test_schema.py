"""The executable schema's request limits and caches, run in-process (no resolver does
I/O for ``__typename``)."""

from __future__ import annotations

import functools
import uuid
from typing import Any, cast

import strawberry
from graphql import get_introspection_query, parse, validate
from strawberry.extensions.validation_cache import _get_validate_cache

from graph.limits import QueryLimits, limits_rule
from graph.schema import build_schema

# graph/schema.py builds its ValidationCache with this maxsize; strawberry keeps one
# module-level LRU cache per maxsize.
VALIDATION_CACHE_SIZE = 1024


def _aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


async def _codes(schema: strawberry.Schema, query: str) -> list[str]:
    result = await schema.execute(query)
    return [(error.extensions or {}).get("code", "") for error in result.errors or []]


async def test_repeated_identical_queries_are_validated_once() -> None:
    schema = build_schema()
    query = f"query Probe{uuid.uuid4().hex} {{ __typename }}"
    cache = cast("functools._lru_cache_wrapper[Any]", _get_validate_cache(VALIDATION_CACHE_SIZE))
    before = cache.cache_info()

    for _ in range(3):
        result = await schema.execute(query)
        assert result.errors is None
        assert result.data == {"__typename": "Query"}

    after = cache.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 2)


async def test_thirty_aliases_are_allowed_and_thirty_one_are_refused() -> None:
    schema = build_schema()

    assert await _codes(schema, _aliases(30)) == []
    assert await _codes(schema, _aliases(31)) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_a_document_over_twenty_thousand_tokens_is_refused_by_the_parser() -> None:
    schema = build_schema()
    # Two braces and the fields: 20 000 tokens exactly, then one more. (So many fields
    # exceed graphql-core's own validation budget; only the parse step matters here.)
    at_limit = "{ " + " ".join(["__typename"] * 19_998) + " }"
    over_limit = "{ " + " ".join(["__typename"] * 19_999) + " }"

    assert "GRAPHQL_PARSE_FAILED" not in await _codes(schema, at_limit)
    assert await _codes(schema, over_limit) == ["GRAPHQL_PARSE_FAILED"]


def _fragment_bomb(levels: int) -> str:
    """F0 selects one field; each Fi spreads F(i-1) twice: 2**levels fields, a few
    hundred bytes of text."""
    fragments = ["fragment F0 on Query { __typename }"] + [
        f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)
    ]
    return f"{{ ...F{levels} }}\n" + "\n".join(fragments)


def _limit_codes(limits: QueryLimits, query: str) -> list[str]:
    """The limit rule's verdict alone (validation only: nothing is executed)."""
    schema = build_schema()._schema
    errors = validate(schema, parse(query), [limits_rule(limits)])
    return [(error.extensions or {}).get("code", "") for error in errors]


async def test_a_fragment_bomb_is_refused_as_too_complex_before_execution() -> None:
    schema = build_schema()

    query = _fragment_bomb(20)

    assert len(query.encode()) < 1_000
    assert await _codes(schema, query) == ["QUERY_TOO_COMPLEX"]


async def test_fragments_expanding_within_the_cost_limit_run() -> None:
    schema = build_schema(QueryLimits(max_cost=1_024))

    assert await _codes(schema, _fragment_bomb(10)) == []  # 1,024 fields
    assert await _codes(schema, _fragment_bomb(11)) == ["QUERY_TOO_COMPLEX"]


def test_list_fields_multiply_the_cost_of_what_they_select() -> None:
    # subjects is a list: its 3 fields count 10 times each, plus the field itself.
    query = "{ subjects { name deleted compatibility } }"

    assert _limit_codes(QueryLimits(max_cost=31), query) == []
    assert _limit_codes(QueryLimits(max_cost=30), query) == ["QUERY_TOO_COMPLEX"]


async def test_depth_and_aliases_count_through_fragments() -> None:
    schema = build_schema(QueryLimits(max_depth=2, max_aliases=2))
    deep = (
        "{ ...A } fragment A on Query { subjects { ...B } } fragment B on Subject { latest { id } }"
    )
    aliased = (
        "{ ...A ...A2 } fragment A on Query { a: __typename b: __typename }"
        " fragment A2 on Query { c: __typename }"
    )

    assert await _codes(schema, deep) == ["GRAPHQL_VALIDATION_FAILED"]
    assert await _codes(schema, aliased) == ["GRAPHQL_VALIDATION_FAILED"]
    assert await _codes(schema, "{ a: __typename b: __typename }") == []


async def test_fragment_cycles_are_reported_by_the_spec_rules_without_looping() -> None:
    schema = build_schema()
    query = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"

    assert await _codes(schema, query) == ["GRAPHQL_VALIDATION_FAILED"]


def test_the_standard_introspection_query_is_within_the_limits() -> None:
    assert _limit_codes(QueryLimits(), get_introspection_query(descriptions=True)) == []
