"""Pattern changes through the JSON Schema format handler: verdicts, codes and examples."""

from __future__ import annotations

import json

from registry.compatibility import Direction
from registry.formats.base import ParsedSchema
from registry.formats.json_schema import JSON_SCHEMA
from registry.formats.json_schema_compat import find_breaking_changes
from registry.formats.json_schema_compat.regex_inclusion import QUESTION_WORK, Allowance


def parse(document: object) -> ParsedSchema:
    return JSON_SCHEMA.parse(json.dumps(document))


def _codes(old: object, new: object, direction: Direction) -> list[str]:
    found = JSON_SCHEMA.find_incompatibilities(parse(old), parse(new), direction)
    return [item.code for item in found]


def test_a_widened_pattern_is_backward_compatible_and_forward_incompatible() -> None:
    old = {"type": "string", "pattern": "^[a-z]+$"}
    new = {"type": "string", "pattern": "^[a-z0-9]+$"}
    assert _codes(old, new, Direction.BACKWARD) == []
    forward = JSON_SCHEMA.find_incompatibilities(parse(old), parse(new), Direction.FORWARD)
    assert [item.code for item in forward] == ["PATTERN_CHANGED"]
    assert '"0"' in forward[0].message


def test_property_name_patterns_are_decided_both_ways() -> None:
    old = {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}}
    new = {"type": "object", "propertyNames": {"pattern": "^[a-z][a-z0-9]*$"}}
    assert _codes(old, new, Direction.BACKWARD) == []
    assert _codes(old, new, Direction.FORWARD) == ["PROPERTY_NAMES_NARROWED"]


def test_pattern_properties_that_share_no_name_need_no_proof() -> None:
    old = {
        "type": "object",
        "additionalProperties": False,
        "patternProperties": {"^s_": {"type": "string"}},
    }
    new = {
        "type": "object",
        "additionalProperties": False,
        "patternProperties": {"^s_": {"type": "string"}, "^n_": {"type": "integer"}},
    }
    assert _codes(old, new, Direction.BACKWARD) == []
    assert _codes(old, new, Direction.FORWARD) == ["PROPERTY_REMOVED_FROM_CLOSED_MODEL"]


def test_a_hostile_pattern_ends_not_proved_never_compatible() -> None:
    old = {"type": "string", "pattern": "^(a|b)*a(a|b){14}$"}
    new = {"type": "string", "pattern": "^(a|b)*b(a|b){14}$"}
    for direction in (Direction.BACKWARD, Direction.FORWARD):
        assert _codes(old, new, direction) == ["UNDECIDABLE_PATTERN_CHANGE"]


def test_one_check_stops_deciding_patterns_once_its_allowance_is_spent() -> None:
    # Many properties whose patterns each need their own question, each beyond the work
    # one question may take: the first ones run out of work, the rest are not started.
    count = 40
    old = {
        "type": "object",
        "properties": {
            f"p{i}": {"type": "string", "pattern": f"^(a|b)*a(a|b){{{12 + i % 3}}}{'c' * i}$"}
            for i in range(count)
        },
    }
    new = {
        "type": "object",
        "properties": {
            f"p{i}": {"type": "string", "pattern": f"^(a|b)*[ab](a|b){{{12 + i % 3}}}{'c' * i}$"}
            for i in range(count)
        },
    }
    found = find_breaking_changes(old, new, writer_is_old=True)
    assert len(found) == count
    assert all(item.code == "UNDECIDABLE_PATTERN_CHANGE" for item in found)
    spent = sum("allowed for the patterns of one check is spent" in f.message for f in found)
    limited = sum("takes more work than one question may take" in f.message for f in found)
    assert spent + limited == count
    assert 0 < limited <= Allowance().left // QUESTION_WORK + 1
