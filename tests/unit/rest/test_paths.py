"""Path segments decoded once and strictly, and routes matched on the raw path."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.responses import Response
from starlette.routing import Match

from rest.paths import INVALID_SEGMENT, RawPathRoute, decode_segment


async def _endpoint(request: Any) -> Response:
    return Response()


def _scope(raw_path: bytes, path: str, method: str = "GET") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "raw_path": raw_path}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"orders-value", "orders-value"),
        (b"confluent%2Fmeta.proto", "confluent/meta.proto"),
        (b"a%252Fb", "a%2Fb"),
        (b"caf%C3%A9", "café"),
        (b"caf%c3%a9", "café"),
        (b"100%25", "100%"),
        (b"a+b", "a+b"),
    ],
)
def test_a_segment_is_percent_decoded_once_as_utf8(raw: bytes, expected: str) -> None:
    assert decode_segment(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [b"a%C0%AF", b"a%FF%FE", b"%ED%A0%80", b"%E2%82", b"a%ZZ", b"a%", b"a%4"],
    ids=["overlong-slash", "not-utf8", "surrogate", "truncated", "not-hex", "bare", "short"],
)
def test_invalid_percent_encoding_or_utf8_is_no_segment(raw: bytes) -> None:
    assert decode_segment(raw) is None


def test_an_encoded_slash_stays_inside_the_subject() -> None:
    route = RawPathRoute("/subjects/{subject}/versions", _endpoint, methods=["GET"])

    match, child = route.matches(_scope(b"/subjects/a%2Fb/versions", "/subjects/a/b/versions"))

    assert match is Match.FULL
    assert child["path_params"] == {"subject": "a/b"}


def test_a_bare_slash_is_a_separator() -> None:
    route = RawPathRoute("/subjects/{subject}/versions", _endpoint, methods=["GET"])

    match, _ = route.matches(_scope(b"/subjects/a/b/versions", "/subjects/a/b/versions"))

    assert match is Match.NONE


def test_an_undecodable_subject_still_matches_so_it_can_be_refused() -> None:
    route = RawPathRoute("/subjects/{subject}/versions", _endpoint, methods=["GET"])

    match, child = route.matches(_scope(b"/subjects/%FF/versions", "/subjects/\ufffd/versions"))
    partial, _ = route.matches(
        _scope(b"/subjects/%FF/versions", "/subjects/\ufffd/versions", method="PUT")
    )

    assert (match, partial) == (Match.FULL, Match.PARTIAL)
    assert child[INVALID_SEGMENT] == "subject"


def test_an_integer_parameter_needs_digits() -> None:
    route = RawPathRoute("/schemas/ids/{id:int}", _endpoint, methods=["GET"])

    found, child = route.matches(_scope(b"/schemas/ids/%34%32", "/schemas/ids/42"))
    missing, _ = route.matches(_scope(b"/schemas/ids/4x", "/schemas/ids/4x"))

    assert (found, child["path_params"]) == (Match.FULL, {"id": 42})
    assert missing is Match.NONE


def test_a_scope_whose_path_is_not_its_raw_path_is_routed_on_the_path() -> None:
    """Starlette probes a redirect by changing the path and leaving raw_path as it was."""
    route = RawPathRoute("/subjects", _endpoint, methods=["GET"])

    match, _ = route.matches(_scope(b"/subjects/", "/subjects"))

    assert match is Match.FULL
