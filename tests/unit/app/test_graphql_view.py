"""The close reasons the GraphQL view sends on websockets."""

from __future__ import annotations

import pytest

from app.graphql_view import close_reason


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("Invalid credentials.", "Invalid credentials."),
        ("Unknown message type: \ud800", "Unknown message type: ?"),
        ("x" * 500, "x" * 123),
        ("é" * 100, "é" * 61),
    ],
    ids=["plain", "lone-surrogate", "too-long", "multibyte-cut-on-a-character"],
)
def test_a_close_reason_is_valid_utf8_of_at_most_123_bytes(reason: str, expected: str) -> None:
    sent = close_reason(reason)

    assert sent == expected
    assert len(sent.encode("utf-8")) <= 123
