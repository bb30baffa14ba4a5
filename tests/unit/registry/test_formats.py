"""parse_schema's memo: shared by the submitted and the canonical text, bounded both in
entries and in characters."""

from __future__ import annotations

import json
from collections import OrderedDict

import pytest

import registry.formats as formats
from registry.formats import parse_schema
from registry.model import SchemaFormat

JSON = SchemaFormat.JSON


@pytest.fixture(autouse=True)
def empty_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from an empty memo; the process-wide one is restored afterwards."""
    monkeypatch.setattr(formats, "_parsed", OrderedDict())
    monkeypatch.setattr(formats, "_parsed_chars", 0)


def _spaced(document: dict[str, object]) -> str:
    """Not canonical (spaces after separators): parsing it memoizes two texts."""
    return json.dumps(document)


def _memo_chars() -> int:
    return sum(len(key[1]) for key in formats._parsed)


def test_parsing_the_canonical_text_after_a_reformatted_one_is_a_memo_hit() -> None:
    spaced = parse_schema(JSON, '{ "type" : "string",  "title" : "memo" }')

    assert parse_schema(JSON, spaced.canonical) is spaced
    assert parse_schema(JSON, '{ "type" : "string",  "title" : "memo" }') is spaced


def test_the_memo_keeps_at_most_its_entry_limit_and_drops_the_oldest_first() -> None:
    first = parse_schema(JSON, _spaced({"title": "schema 0"}))
    for number in range(1, formats._PARSED_LIMIT + 50):
        latest = parse_schema(JSON, _spaced({"title": f"schema {number}"}))
        assert len(formats._parsed) <= formats._PARSED_LIMIT

    assert parse_schema(JSON, latest.canonical) is latest
    assert parse_schema(JSON, first.canonical) is not first
    assert formats._parsed_chars == _memo_chars()


def test_the_memo_keeps_at_most_its_character_budget_however_few_the_schemas() -> None:
    # 1 MiB descriptions, each memoized under two texts: the 8 MiB budget is passed by
    # the fifth schema, long before the entry limit.
    size = 1024 * 1024
    parsed = [
        parse_schema(JSON, _spaced({"description": f"{number:02d}" + "d" * size}))
        for number in range(10)
    ]

    assert sum(len(schema.canonical) for schema in parsed) > formats._PARSED_CHARS_LIMIT
    assert 0 < formats._parsed_chars <= formats._PARSED_CHARS_LIMIT
    assert formats._parsed_chars == _memo_chars()
    assert len(formats._parsed) < 2 * len(parsed)
    assert parse_schema(JSON, parsed[-1].canonical) is parsed[-1]
    assert parse_schema(JSON, parsed[0].canonical) is not parsed[0]


def test_a_schema_larger_than_the_whole_budget_is_parsed_but_not_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(formats, "_PARSED_CHARS_LIMIT", 100)

    large = parse_schema(JSON, _spaced({"description": "d" * 200}))

    assert large.document == {"description": "d" * 200}
    assert formats._parsed_chars <= 100
    assert formats._parsed_chars == _memo_chars()
    assert parse_schema(JSON, large.canonical) is not large
