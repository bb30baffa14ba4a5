"""What holds for every payload before a format reads it: nesting, size, JSON itself."""

from __future__ import annotations

import json

import pytest

from registry.errors import BadUserInputError
from registry.payloads import MAX_PAYLOAD_DEPTH, payload_size, pointer


def nested(depth: int) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = [value]
    return value


def test_the_size_is_that_of_compact_utf8_json() -> None:
    payload = {"city": "Zürich", "days": [1, 2]}

    size = payload_size(payload, 1000)

    assert size == len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    assert size == 31  # 30 characters, ü two bytes


def test_a_payload_over_the_limit_is_refused_with_both_sizes() -> None:
    with pytest.raises(BadUserInputError, match="Payload is 12 bytes; the limit is 11 bytes"):
        payload_size("x" * 10, 11)
    assert payload_size("x" * 10, 12) == 12


def test_nesting_up_to_the_limit_is_accepted_and_past_it_refused() -> None:
    assert payload_size(nested(MAX_PAYLOAD_DEPTH), 10_000) > 0
    with pytest.raises(BadUserInputError, match="nested more than"):
        payload_size(nested(MAX_PAYLOAD_DEPTH + 1), 10_000)
    # Far deeper than the interpreter recurses: still a clear refusal.
    with pytest.raises(BadUserInputError, match="nested more than"):
        payload_size(nested(200_000), 10**9)


@pytest.mark.parametrize("payload", [float("nan"), {"a": float("inf")}, "\ud800", {1j: 1}])
def test_what_is_not_json_is_refused_clearly(payload: object) -> None:
    with pytest.raises(BadUserInputError, match="not a JSON value"):
        payload_size(payload, 1000)


def test_pointers_escape_tilde_and_slash() -> None:
    assert pointer(()) == ""
    assert pointer(("a/b", 0, "~x")) == "/a~1b/0/~0x"
