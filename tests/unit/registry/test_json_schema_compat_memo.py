"""Verdicts shared between the pairwise checks of one transitive check (``CheckMemo``)."""

from __future__ import annotations

from typing import Any

import pytest

from registry.formats.json_schema_compat import CheckMemo, find_breaking_changes, walker
from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.fingerprints import Fingerprints
from registry.formats.json_schema_compat.nodes import Node, Side
from tests.unit.registry.test_json_schema_cases_objects import INTEGER, NUMBER, STRING, obj
from tests.unit.registry.test_json_schema_compat import CASES


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


def _visited_paths(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = walker.visit

    def counting(writer: Node, reader: Node, ctx: Comparison) -> None:
        seen.append(writer.path)
        real(writer, reader, ctx)

    monkeypatch.setattr(walker, "visit", counting)
    return seen


def test_a_subtree_proved_compatible_is_not_walked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    nested_old = obj({"v": INTEGER, "w": STRING})
    nested_new = obj({"v": NUMBER, "w": STRING})
    first = obj({"n": nested_old, "x": STRING})
    second = obj({"n": nested_old, "y": STRING})
    candidate = obj({"n": nested_new, "x": STRING, "y": STRING})
    memo = CheckMemo()
    seen = _visited_paths(monkeypatch)
    assert (
        find_breaking_changes(first, candidate, writer_is_old=True, lenient=True, memo=memo) == []
    )
    assert "#/properties/n" in seen
    seen.clear()
    assert (
        find_breaking_changes(second, candidate, writer_is_old=True, lenient=True, memo=memo) == []
    )
    assert seen == ["#"]  # the root differs; the nested pair was proved by the first check


def test_findings_of_a_subtree_are_replayed_where_the_same_pair_sits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nested_old = obj({"v": NUMBER, "w": STRING})
    nested_new = obj({"v": INTEGER, "w": STRING})
    first = obj({"n": nested_old, "x": STRING})
    second = obj({"n": nested_old, "y": STRING})
    candidate = obj({"n": nested_new, "x": STRING, "y": STRING})
    memo = CheckMemo()
    seen = _visited_paths(monkeypatch)
    found = find_breaking_changes(first, candidate, writer_is_old=True, lenient=True, memo=memo)
    assert [(f.code, f.old_path) for f in found] == [
        ("TYPE_NARROWED", "#/properties/n/properties/v")
    ]
    assert "#/properties/n/properties/v" in seen
    seen.clear()
    again = find_breaking_changes(second, candidate, writer_is_old=True, lenient=True, memo=memo)
    assert _facts(again) == _facts(found)
    assert seen == ["#"]  # the nested pair's finding was replayed, not walked again


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
