"""Recursive, deeply nested and combinator-heavy schemas: the checker always ends."""

from __future__ import annotations

from typing import Any

import pytest

from registry.formats.json_schema_compat import find_breaking_changes, walker
from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.fingerprints import Fingerprints
from registry.formats.json_schema_compat.nodes import UNVALIDATED, Node, Side
from tests.unit.registry.test_json_schema_cases_objects import obj, typed


def _codes(old: object, new: object) -> tuple[list[str], list[str]]:
    backward = find_breaking_changes(old, new, writer_is_old=True)
    forward = find_breaking_changes(new, old, writer_is_old=False)
    return [i.code for i in backward], [i.code for i in forward]


def _nested(depth: int, leaf: dict[str, Any]) -> dict[str, Any]:
    schema = leaf
    for _ in range(depth):
        schema = obj({"child": schema}, required=["child"])
    return schema


def test_a_self_referencing_tree_is_compared_without_looping() -> None:
    def tree(value: dict[str, Any]) -> dict[str, Any]:
        node = obj({"value": value, "children": typed("array", items={"$ref": "#/$defs/node"})})
        return {"$defs": {"node": node}, "$ref": "#/$defs/node"}

    old, new = tree(typed("string")), tree(typed(["string", "null"]))
    assert find_breaking_changes(old, new, writer_is_old=True) == []
    found = find_breaking_changes(new, old, writer_is_old=False)
    assert [(i.code, i.old_path, i.new_path) for i in found] == [
        ("TYPE_NARROWED", "#/$defs/node/properties/value", "#/$defs/node/properties/value")
    ]


def test_mutually_recursive_definitions_terminate() -> None:
    def pair(leaf: dict[str, Any]) -> dict[str, Any]:
        return {
            "$defs": {
                "ping": obj({"pong": {"$ref": "#/$defs/pong"}, "n": leaf}),
                "pong": obj({"ping": {"$ref": "#/$defs/ping"}}),
            },
            "$ref": "#/$defs/ping",
        }

    assert _codes(pair(typed("integer")), pair(typed("number"))) == ([], ["TYPE_NARROWED"])


def test_a_cycle_of_bare_references_terminates() -> None:
    loop = {"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}
    assert _codes(loop, {**loop, "title": "still a loop"}) == ([], [])
    assert _codes(loop, {**loop, "$defs": {"a": {"$ref": "#/$defs/a"}}}) == ([], [])


def test_a_recursive_schema_with_nullable_anyof_links_is_proved_compatible() -> None:
    def linked(value: dict[str, Any]) -> dict[str, Any]:
        link = {"anyOf": [{"$ref": "#/$defs/node"}, typed("null")]}
        return {"$defs": {"node": obj({"v": value, "next": link})}, "$ref": "#/$defs/node"}

    assert _codes(linked(typed("string", maxLength=3)), linked(typed("string"))) == (
        [],
        ["MAX_LENGTH_DECREASED"],
    )


@pytest.mark.parametrize("depth", [500, 2000])
def test_deep_nesting_does_not_overflow_the_stack(depth: int) -> None:
    old = _nested(depth, typed("string"))
    new = _nested(depth, typed("string", maxLength=3))
    found = find_breaking_changes(old, new, writer_is_old=True)
    assert [i.code for i in found] == ["MAX_LENGTH_DECREASED"]
    assert found[0].new_path == "#" + "/properties/child" * depth
    assert find_breaking_changes(new, old, writer_is_old=False) == []


def visited_paths(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The writer paths of the pairs the walker visits from now on, in order."""
    seen: list[str] = []
    original = walker.visit

    def counting(writer: Node, reader: Node, ctx: Comparison) -> None:
        seen.append(writer.path)
        original(writer, reader, ctx)

    monkeypatch.setattr(walker, "visit", counting)
    return seen


def test_unchanged_subtrees_are_not_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    visits = visited_paths(monkeypatch)
    old = _nested(2000, typed("string"))
    new = {**_nested(2000, typed("string")), "minProperties": 0}
    assert find_breaking_changes(old, new, writer_is_old=True) == []
    assert visits == ["#"]  # The unchanged property is compared by digest, never visited.


def test_annotation_only_changes_are_decided_without_a_walk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    visits: list[str] = []
    monkeypatch.setattr(walker, "visit", lambda writer, reader, ctx: visits.append(reader.path))
    old = _nested(50, typed("string", description="a"))
    new = {**_nested(50, typed("string", description="b", **{"$comment": "c"})), "title": "t"}
    assert find_breaking_changes(old, new, writer_is_old=True) == []
    assert visits == []


def test_changed_examples_are_walked_and_compatible() -> None:
    # A $ref may point into examples, so they are part of the shape; still annotations.
    old = _nested(5, typed("string", examples=["a"]))
    new = _nested(5, typed("string", examples=["b", {"type": "integer"}]))
    assert find_breaking_changes(old, new, writer_is_old=True) == []
    assert find_breaking_changes(new, old, writer_is_old=False) == []


def test_a_property_named_like_an_annotation_is_still_compared() -> None:
    old = obj({"description": typed("string"), "title": typed("string")})
    new = obj({"description": typed("integer"), "title": typed("string")})
    backward, forward = _codes(old, new)
    assert backward == ["TYPE_CHANGED"]
    assert forward == ["TYPE_CHANGED"]


def test_enum_values_that_look_like_annotations_are_compared() -> None:
    old = {"const": {"description": "a"}}
    new = {"const": {"description": "b"}}
    assert _codes(old, new) == (["CONST_CHANGED"], ["CONST_CHANGED"])


def test_deeply_nested_changed_combinators_end_with_a_verdict() -> None:
    old: dict[str, Any] = typed("string")
    new: dict[str, Any] = typed("string", maxLength=3)
    for _ in range(40):
        old = {"anyOf": [old, typed("null"), typed("integer", minimum=len(str(old)))]}
        new = {"anyOf": [new, typed("null"), typed("integer", minimum=len(str(new)))]}
    backward, _ = _codes(old, new)
    assert backward
    assert set(backward) <= {"COMBINED_SCHEMA_CHANGED", "UNDECIDABLE_CHANGE"}


class PanicException(BaseException):
    """Stands for pyo3's PanicException, which derives from BaseException."""


def test_a_rust_panic_during_validation_counts_as_not_validated() -> None:
    class Panicking:
        def evolve(self, schema: object) -> Panicking:
            return self

        def iter_errors(self, value: object) -> list[object]:
            raise PanicException("__eq__ failed! RecursionError")

    side = Side(typed("string"), Fingerprints())
    side._validator = Panicking()
    error = side.rejection(typed("string"), "x")
    assert error is not None and error.validator == UNVALIDATED


def test_other_base_exceptions_are_not_swallowed() -> None:
    class Interrupted:
        def evolve(self, schema: object) -> Interrupted:
            return self

        def iter_errors(self, value: object) -> list[object]:
            raise KeyboardInterrupt

    side = Side(typed("string"), Fingerprints())
    side._validator = Interrupted()
    with pytest.raises(KeyboardInterrupt):
        side.rejection(typed("string"), "x")
