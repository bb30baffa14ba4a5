"""Verdicts shared between the pairwise checks of one transitive check (``CheckMemo``)."""

from __future__ import annotations

from typing import Any

import pytest

from registry.formats.json_schema_compat import CheckMemo, find_breaking_changes, walker
from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.fingerprints import Fingerprints
from registry.formats.json_schema_compat.nodes import Side
from tests.unit.registry.test_json_schema_cases_objects import INTEGER, NUMBER, STRING, obj
from tests.unit.registry.test_json_schema_compat import CASES
from tests.unit.registry.test_json_schema_compat_recursion import visited_paths


def _facts(found: list[Any]) -> list[tuple[str, str, str, str]]:
    """The findings, in a stable order: replayed subtrees may come earlier in the list."""
    return sorted((f.code, f.old_path, f.new_path, f.message) for f in found)


@pytest.mark.parametrize("lenient", [False, True])
def test_one_memo_shared_by_every_row_of_the_table_changes_no_verdict(lenient: bool) -> None:
    memo = CheckMemo()
    for case in CASES:
        for writer, reader, writer_is_old in (
            (case.old, case.new, True),
            (case.new, case.old, False),
        ):
            alone = find_breaking_changes(
                writer, reader, writer_is_old=writer_is_old, lenient=lenient
            )
            shared = find_breaking_changes(
                writer, reader, writer_is_old=writer_is_old, lenient=lenient, memo=memo
            )
            assert _facts(shared) == _facts(alone), case.name
    assert memo.clean and memo.documents


def _two_versions_and_a_candidate(
    nested_old: dict[str, Any], nested_new: dict[str, Any]
) -> list[dict[str, Any]]:
    """Two versions that differ at the root but share ``nested_old`` under "n", and a
    candidate with ``nested_new`` there."""
    return [
        obj({"n": nested_old, "x": STRING}),
        obj({"n": nested_old, "y": STRING}),
        obj({"n": nested_new, "x": STRING, "y": STRING}),
    ]


@pytest.mark.parametrize(
    ("nested_old", "nested_new", "expected"),
    [
        (obj({"v": INTEGER, "w": STRING}), obj({"v": NUMBER, "w": STRING}), []),
        (
            obj({"v": NUMBER, "w": STRING}),
            obj({"v": INTEGER, "w": STRING}),
            [("TYPE_NARROWED", "#/properties/n/properties/v")],
        ),
    ],
    ids=["proved compatible", "with a finding"],
)
def test_a_subtree_walked_for_one_version_is_not_walked_for_the_next(
    monkeypatch: pytest.MonkeyPatch,
    nested_old: dict[str, Any],
    nested_new: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    first, second, candidate = _two_versions_and_a_candidate(nested_old, nested_new)
    memo = CheckMemo()
    seen = visited_paths(monkeypatch)
    found = find_breaking_changes(first, candidate, writer_is_old=True, lenient=True, memo=memo)
    assert [(f.code, f.old_path) for f in found] == expected
    assert "#/properties/n" in seen
    seen.clear()
    again = find_breaking_changes(second, candidate, writer_is_old=True, lenient=True, memo=memo)
    assert _facts(again) == _facts(found)
    assert seen == ["#"]  # the root differs; the nested pair's verdict was reused


def test_the_same_pair_elsewhere_is_walked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    narrowed_old, narrowed_new = obj({"v": NUMBER}), obj({"v": INTEGER})
    memo = CheckMemo()
    first = find_breaking_changes(
        obj({"n": narrowed_old}), obj({"n": narrowed_new}), writer_is_old=True, memo=memo
    )
    second = find_breaking_changes(
        obj({"m": narrowed_old}), obj({"m": narrowed_new}), writer_is_old=True, memo=memo
    )
    assert [f.old_path for f in first] == ["#/properties/n/properties/v"]
    assert [f.old_path for f in second] == ["#/properties/m/properties/v"]


def test_pairs_holding_references_are_never_memoized() -> None:
    document = {"$defs": {"d": STRING}, **obj({"a": {"$ref": "#/$defs/d"}, "b": STRING})}
    prints = Fingerprints()
    side = Side(document, prints)
    comparison = Comparison(writer_is_old=True, step=walker.visit, memo=CheckMemo())
    with_ref = side.node(document, "#")
    plain = side.node(STRING, "#/properties/b")
    assert comparison.memo_key(with_ref, with_ref) is None
    assert comparison.memo_key(plain, plain) is not None


def test_versions_differing_in_annotations_only_share_their_findings() -> None:
    old = obj({"a": {**STRING, "description": "one"}})
    reworded = obj({"a": {**STRING, "description": "two"}})
    new = obj({"a": {**STRING, "maxLength": 3}})
    memo = CheckMemo()
    first = find_breaking_changes(old, new, writer_is_old=True, memo=memo)
    second = find_breaking_changes(reworded, new, writer_is_old=True, memo=memo)
    assert [f.code for f in first] == ["MAX_LENGTH_DECREASED"]
    assert _facts(second) == _facts(first)
    assert len(memo.documents) == 1


def test_the_memo_is_bounded() -> None:
    memo = CheckMemo()
    memo.clean.update(
        (i.to_bytes(4, "big"), b"", "d", "d", None, None, True, frozenset()) for i in range(100_001)
    )
    memo.trim()
    assert memo.clean == set()
