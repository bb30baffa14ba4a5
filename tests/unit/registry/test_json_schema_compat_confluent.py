"""Confluent's JSON Schema diff corpus under both policies (see ``confluent_cases``).

Every case is parsed by the JSON Schema handler and checked BACKWARD (the new schema reads
the old one's documents), as Confluent does. Our verdicts must be the table's, and a
verdict that differs from Confluent's must be explained: in the row's note and in
docs/json-schema-lenient.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.compatibility import Direction
from registry.formats import DEFAULT_DIALECT, ParseContext, parse_schema
from registry.formats.json_schema import JSON_SCHEMA
from registry.model import CompatibilityPolicy, SchemaFormat
from tests.unit.registry.confluent_cases import (
    DRAFT_07,
    DRAFT_2020_12,
    ConfluentCase,
    in_dialect,
)
from tests.unit.registry.confluent_cases_draft_07 import DRAFT_07_CASES
from tests.unit.registry.confluent_cases_draft_2020_12 import DRAFT_2020_12_CASES
from tests.unit.registry.confluent_cases_objects import OBJECT_CASES
from tests.unit.registry.confluent_cases_scalars import SCALAR_CASES

# The draft-07 file's cases name no dialect (Confluent reads them as draft-07); the
# 2020-12 file's name theirs. Cases in both files are listed once and read in both.
CONFLUENT_CASES = [
    *in_dialect(DRAFT_07, "draft-07", [*SCALAR_CASES, *OBJECT_CASES, *DRAFT_07_CASES]),
    *in_dialect(DRAFT_2020_12, "2020-12", [*SCALAR_CASES, *OBJECT_CASES, *DRAFT_2020_12_CASES]),
]
CORPUS_SIZE = 104 + 113  # cases in diff-schema-examples.json and its 2020-12 companion
DOC = Path(__file__).resolve().parents[3] / "docs" / "json-schema-lenient.md"


def _compatible(item: ConfluentCase, policy: CompatibilityPolicy) -> bool:
    old = JSON_SCHEMA.parse(json.dumps(item.old))
    new = JSON_SCHEMA.parse(json.dumps(item.new))
    return not JSON_SCHEMA.find_incompatibilities(old, new, Direction.BACKWARD, policy)


@pytest.mark.parametrize("item", CONFLUENT_CASES, ids=lambda item: item.description)
def test_strict_gives_the_tables_verdict(item: ConfluentCase) -> None:
    assert _compatible(item, CompatibilityPolicy.STRICT) is item.strict


@pytest.mark.parametrize("item", CONFLUENT_CASES, ids=lambda item: item.description)
def test_lenient_gives_the_tables_verdict(item: ConfluentCase) -> None:
    assert _compatible(item, CompatibilityPolicy.LENIENT) is item.lenient


def test_the_table_holds_every_case_of_the_corpus_once_per_file() -> None:
    assert len(CONFLUENT_CASES) == CORPUS_SIZE
    assert len({item.description for item in CONFLUENT_CASES}) == CORPUS_SIZE


def test_every_verdict_that_differs_from_confluents_is_explained() -> None:
    documented = DOC.read_text(encoding="utf-8")
    for item in CONFLUENT_CASES:
        if item.differs:
            assert item.note, item.description
            # The doc names each case once, whichever files it comes from.
            assert item.description.split(": ", 1)[1] in documented, item.description


DRAFT_07_FILE = [item for item in CONFLUENT_CASES if item.old.get("$schema") == DRAFT_07]


def _undeclared(document: dict[str, object]) -> str:
    return json.dumps({k: v for k, v in document.items() if k != "$schema"})


@pytest.mark.parametrize("item", DRAFT_07_FILE, ids=lambda item: item.description)
def test_the_draft_07_cases_as_confluent_sends_them_read_in_the_default_dialect(
    item: ConfluentCase,
) -> None:
    """Confluent's clients never send ``$schema``: without it, the registry's default
    dialect (draft-07) gives each case the verdicts it has when it declares draft-07."""
    context = ParseContext(dialect=DEFAULT_DIALECT)
    old = parse_schema(SchemaFormat.JSON, _undeclared(item.old), context=context)
    new = parse_schema(SchemaFormat.JSON, _undeclared(item.new), context=context)

    for policy, expected in (
        (CompatibilityPolicy.STRICT, item.strict),
        (CompatibilityPolicy.LENIENT, item.lenient),
    ):
        found = JSON_SCHEMA.find_incompatibilities(old, new, Direction.BACKWARD, policy)
        assert (not found) is expected, (policy, found)


def test_the_draft_07_file_is_all_there() -> None:
    assert len(DRAFT_07_FILE) == 104


_LENIENT_ACCEPTS = [item for item in CONFLUENT_CASES if item.lenient]


@pytest.mark.parametrize("item", _LENIENT_ACCEPTS, ids=lambda item: item.description)
def test_llm_accepts_every_case_lenient_accepts(item: ConfluentCase) -> None:
    assert _compatible(item, CompatibilityPolicy.LLM)
