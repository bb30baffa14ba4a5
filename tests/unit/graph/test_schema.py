"""The executable schema's request limits and caches, run in-process (no resolver does
I/O for ``__typename``)."""

from __future__ import annotations

import functools
import uuid
from typing import Any, cast

import strawberry
from strawberry.extensions.validation_cache import _get_validate_cache

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
