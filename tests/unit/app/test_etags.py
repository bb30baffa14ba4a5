"""If-None-Match as RFC 9110 13.1.2 compares it for GET: weak comparison, lists, ``*``."""

from __future__ import annotations

import pytest

from app.etags import entity_tag, matches

TAG = entity_tag(b'{"data":{}}')


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (TAG, True),
        (b"W/" + TAG, True),
        (b'"other", ' + TAG, True),
        (b'"other" ,W/' + TAG + b' , "third"', True),
        (b"*", True),
        (b'"other"', False),
        (TAG[:-2] + b'"', False),
        (b"", False),
        (b",", False),
        (TAG.strip(b'"'), False),
    ],
)
def test_if_none_match(header: bytes, expected: bool) -> None:
    assert matches(header, TAG) is expected


def test_a_tag_is_the_content() -> None:
    assert entity_tag(b"a") == entity_tag(b"a")
    assert entity_tag(b"a") != entity_tag(b"b")
    assert entity_tag(b"a").startswith(b'"') and entity_tag(b"a").endswith(b'"')
