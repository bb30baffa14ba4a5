"""Property-based proof against the documents themselves (hypothesis + hypothesis-jsonschema).

- Soundness, table and generated pairs: whenever the checker says a direction is
  compatible, documents generated from the writer schema all validate under the reader.
- Precision, generated pairs: whenever it reports a decidable code, hypothesis finds a
  writer document the reader rejects. (The table's rows hold their counterexamples: see
  ``test_proven_breaks_are_shown_by_an_example_document``.)

CI runs with a fixed seed (``derandomize``) and few examples. For a longer local run:
``COMPAT_PROPERTY_EXAMPLES=500 COMPAT_GENERATED_PAIRS=2000 pytest -p no:cacheprovider
tests/unit/registry/test_json_schema_compat_properties.py``.
"""

from __future__ import annotations

import os
import random
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, assume, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample
from hypothesis_jsonschema import from_schema

from registry.formats.json_schema_compat import find_breaking_changes
from tests.unit.registry.schema_pairs import (
    PATTERN_KEYS,
    Schema,
    generatable,
    mutate,
    random_schema,
    validator,
    with_extra_keys,
)
from tests.unit.registry.test_json_schema_cases_objects import Case
from tests.unit.registry.test_json_schema_compat import CASES, POOL, UNPROVEN

EXAMPLES = int(os.environ.get("COMPAT_PROPERTY_EXAMPLES", "4"))
GENERATED_PAIRS = int(os.environ.get("COMPAT_GENERATED_PAIRS", "150"))
SEARCH_EXAMPLES = 400  # documents tried per generated pair when looking for a counterexample

_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _compatible_directions(old: Schema, new: Schema) -> list[tuple[Schema, Schema]]:
    """(writer, reader) for each direction the checker calls compatible."""
    pairs = []
    if not find_breaking_changes(old, new, writer_is_old=True):
        pairs.append((old, new))
    if not find_breaking_changes(new, old, writer_is_old=False):
        pairs.append((new, old))
    return pairs


def _assert_reader_accepts(data: st.DataObject, writer: Schema, reader: Schema) -> None:
    strategy = from_schema(generatable(writer))
    if strategy.is_empty:
        return
    writer_validator, reader_validator = validator(writer), validator(reader)
    document = data.draw(strategy)
    # The generatable copy may allow more than the writer: only real writer documents count.
    assume(writer_validator.is_valid(document))
    assert reader_validator.is_valid(document), (document, writer, reader)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_documents_of_the_writer_validate_under_a_compatible_reader(case: Case) -> None:
    directions = _compatible_directions(case.old, case.new)
    if not directions:
        return

    @_SETTINGS
    @given(st.data())
    def check(data: st.DataObject) -> None:
        for writer, reader in directions:
            _assert_reader_accepts(data, writer, reader)

    check()


def _pair(rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    old = random_schema(rng)
    return old, mutate(rng, old)


@settings(_SETTINGS, max_examples=max(EXAMPLES * 40, 100))
@given(st.randoms(use_true_random=False), st.data())
def test_generated_pairs_compatible_by_the_checker_accept_every_writer_document(
    rng: random.Random, data: st.DataObject
) -> None:
    old, new = _pair(rng)
    for writer, reader in _compatible_directions(old, new):
        _assert_reader_accepts(data, writer, reader)


def _decidable_breaks(writer: Schema, reader: Schema, writer_is_old: bool) -> list[str]:
    found = find_breaking_changes(writer, reader, writer_is_old=writer_is_old)
    return sorted({item.code for item in found} - UNPROVEN)


# Boundary values a bounded hypothesis run may miss (its derandomized integers with a
# maximum of 3 never produced 3 in 400 tries): the shared pool and small numbers.
BOUNDARIES: tuple[object, ...] = (*POOL, *range(-3, 13), -0.5, 1.5, 3.5, [True, False, None])


def _counterexample(writer: Schema, reader: Schema) -> object:
    writer_validator, reader_validator = validator(writer), validator(reader)

    def shows_break(document: object) -> bool:
        return writer_validator.is_valid(document) and not reader_validator.is_valid(document)

    for document in BOUNDARIES:
        if shows_break(document):
            return document
    documents = from_schema(generatable(writer))
    full = from_schema(generatable(writer, every_property=True))
    if not full.is_empty:
        documents = documents | full
        targeted = _at_reported_places(writer, reader, full, writer_validator, shows_break)
        if targeted is not None:
            return targeted
    perturbed = st.tuples(documents, st.randoms(use_true_random=False)).map(
        lambda pair: with_extra_keys(*pair)
    )
    return find(
        documents | perturbed | perturbed,
        shows_break,
        settings=settings(
            max_examples=SEARCH_EXAMPLES,
            phases=[Phase.generate],  # any counterexample will do: no shrinking
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def _instance_path(pointer: str) -> list[str | int] | None:
    """Where in a document the subschema at ``pointer`` applies, when that is one place."""
    tokens = pointer.removeprefix("#").split("/")[1:]
    path: list[str | int] = []
    while tokens:
        keyword = tokens.pop(0)
        if keyword == "properties" and tokens:
            path.append(tokens.pop(0).replace("~1", "/").replace("~0", "~"))
        elif keyword == "patternProperties" and tokens:
            pattern = tokens.pop(0).replace("~1", "/").replace("~0", "~")
            keys = [key for key in PATTERN_KEYS if re.search(pattern, key)]
            if not keys:
                return None
            path.append(keys[0])  # an undeclared key the pattern applies to
        elif keyword == "additionalProperties":
            path.append("zz")  # a key no schema of the grammar declares or matches
        elif keyword == "items":
            path.append(0)
        else:
            return None
    return path


def _placed(document: object, path: list[str | int], value: object) -> object:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(document) if isinstance(document, list) else []
        inner = _placed(items[0] if items else None, rest, value)
        return [inner, *items[1:]]
    members = dict(document) if isinstance(document, dict) else {}
    members[head] = _placed(members.get(head), rest, value)
    return members


def _at_reported_places(
    writer: Schema, reader: Schema, full: Any, writer_validator: Any, shows_break: Any
) -> object:
    """A writer document with a boundary value put where a finding points: bounded random
    search rarely lands on the one value that separates two bounds."""
    found = find_breaking_changes(writer, reader, writer_is_old=True)
    paths = [_instance_path(item.old_path) for item in found]
    paths += [_instance_path(item.new_path) for item in found]
    try:
        base = find(full, writer_validator.is_valid, settings=_QUICK_SEARCH)
    except NoSuchExample:
        return None
    for path in paths:
        if path is None:
            continue
        for value in BOUNDARIES:
            candidate = _placed(base, path, value)
            if shows_break(candidate):
                return candidate
    return None


_QUICK_SEARCH = settings(
    max_examples=50,
    phases=[Phase.generate],
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("seed", range(GENERATED_PAIRS))
def test_generated_pairs_reported_broken_have_a_counterexample(seed: int) -> None:
    old, new = _pair(random.Random(seed))
    for writer, reader, writer_is_old in ((old, new, True), (new, old, False)):
        codes = _decidable_breaks(writer, reader, writer_is_old)
        if not codes:
            continue
        try:
            _counterexample(writer, reader)
        except NoSuchExample:
            pytest.fail(f"no document shows {codes}: writer {writer}, reader {reader}")
