"""Which request ids and traceparent values are taken from a caller, and what the
middleware makes of them (run in-process: the ASGI messages are the transport)."""

from __future__ import annotations

import logging

import pytest
from opentelemetry import trace
from starlette.types import Message, Receive, Scope, Send

from app.logs import FIELDS, current_request_id
from app.request_log import RequestLog, accepted_request_id, trace_context

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
VALID = f"00-{TRACE_ID}-{PARENT_ID}-01"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("abc", "abc"),
        ("A.b_c-9", "A.b_c-9"),
        ("0" * 128, "0" * 128),
        ("4bf92f35-77b3-4da6-a3ce-929d0e0e4736", "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"),
        (None, None),
        ("", None),
        ("0" * 129, None),
        ("a b", None),
        ("a/b", None),
        ("a:b", None),
        ("a\nb", None),
        ("a\tb", None),
        ('"quoted"', None),
        ("é", None),
    ],
)
def test_a_request_id_is_taken_when_it_is_sane(given: str | None, expected: str | None) -> None:
    assert accepted_request_id(given) == expected


@pytest.mark.parametrize(
    ("fields", "trace_id"),
    [
        ([VALID], TRACE_ID),
        ([f"00-{TRACE_ID}-{PARENT_ID}-00"], TRACE_ID),  # not sampled: still the caller's
        ([f" {VALID} "], TRACE_ID),  # optional whitespace around a field value
        # A later version may append fields after a dash; its first four are read.
        ([f"01-{TRACE_ID}-{PARENT_ID}-01-more"], TRACE_ID),
        ([f"cc-{TRACE_ID}-{PARENT_ID}-01"], TRACE_ID),
        ([], None),
        ([""], None),
        ([VALID, VALID], None),  # two fields: ambiguous
        ([f"ff-{TRACE_ID}-{PARENT_ID}-01"], None),  # version ff is invalid
        ([f"00-{TRACE_ID}-{PARENT_ID}-01-more"], None),  # version 00 has exactly 4 fields
        ([f"00-{TRACE_ID.upper()}-{PARENT_ID}-01"], None),  # lowercase hex only
        ([f"00-{TRACE_ID}-{PARENT_ID.upper()}-01"], None),
        ([f"00-{'0' * 32}-{PARENT_ID}-01"], None),  # all-zero trace id
        ([f"00-{TRACE_ID}-{'0' * 16}-01"], None),  # all-zero parent id
        ([f"00-{TRACE_ID[:-1]}-{PARENT_ID}-01"], None),
        ([f"00-{TRACE_ID}-{PARENT_ID}0-01"], None),
        ([f"00-{TRACE_ID}-{PARENT_ID}"], None),  # no flags
        ([f"00-{TRACE_ID}-{PARENT_ID}-1"], None),
        ([f"0-{TRACE_ID}-{PARENT_ID}-01"], None),
        ([f"00-{TRACE_ID[:-1]}g-{PARENT_ID}-01"], None),
        ([f"00_{TRACE_ID}_{PARENT_ID}_01"], None),
        (["00-" + "1" * 600], None),
    ],
)
def test_a_traceparent_is_read_as_w3c_trace_context_defines_it(
    fields: list[str], trace_id: str | None
) -> None:
    context = trace_context(fields)

    if trace_id is None:
        assert context is None
        return
    assert context is not None
    span_context = trace.get_current_span(context).get_span_context()
    assert f"{span_context.trace_id:032x}" == trace_id
    assert f"{span_context.span_id:016x}" == PARENT_ID


class Seen:
    """What the application behind the middleware saw, and what it answered."""

    def __init__(self) -> None:
        self.request_id: str | None = None
        self.scope_request_id: str | None = None
        self.trace_id: int | None = None
        self.sent: list[Message] = []


def http_scope(*headers: tuple[bytes, bytes]) -> Scope:
    return {
        "type": "http",
        "method": "GET",
        "path": "/subjects",
        "query_string": b"token=secret",
        "headers": list(headers),
        "client": ("127.0.0.1", 5000),
        "http_version": "1.1",
    }


async def run_http(
    scope: Scope, *, access_log: bool = False, status: int = 200
) -> tuple[Seen, list[Message]]:
    seen = Seen()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.request_id = current_request_id.get()
        seen.scope_request_id = scope["request_id"]
        context = trace.get_current_span().get_span_context()
        seen.trace_id = context.trace_id if context.is_valid else None
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await RequestLog(app, access_log=access_log)(scope, receive, send)
    return seen, sent


def answered_request_id(sent: list[Message]) -> str:
    headers = dict(sent[0]["headers"])
    return bytes(headers[b"x-request-id"]).decode()


async def test_a_sane_request_id_is_used_everywhere_and_echoed() -> None:
    seen, sent = await run_http(http_scope((b"x-request-id", b"client-42")))

    assert seen.request_id == seen.scope_request_id == "client-42"
    assert answered_request_id(sent) == "client-42"
    assert current_request_id.get() is None  # reset once the request is done


async def test_a_malformed_request_id_is_replaced_by_a_new_one() -> None:
    seen, sent = await run_http(http_scope((b"x-request-id", b"bad id\xff")))

    assert seen.request_id is not None and seen.request_id != "bad id\xff"
    assert len(seen.request_id) == 16
    assert answered_request_id(sent) == seen.request_id


async def test_two_request_ids_are_replaced_by_a_new_one() -> None:
    seen, _ = await run_http(http_scope((b"x-request-id", b"one"), (b"x-request-id", b"two")))

    assert seen.request_id not in (None, "one", "two")


async def test_the_callers_trace_is_current_while_the_request_is_handled() -> None:
    seen, _ = await run_http(http_scope((b"traceparent", VALID.encode())))

    assert seen.trace_id == int(TRACE_ID, 16)
    assert not trace.get_current_span().get_span_context().is_valid


async def test_a_malformed_traceparent_is_ignored() -> None:
    seen, _ = await run_http(http_scope((b"traceparent", VALID.upper().encode())))

    assert seen.trace_id is None


async def test_the_access_line_has_fields_and_no_query_string(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="app.access"):
        await run_http(http_scope((b"x-request-id", b"r-1")), access_log=True, status=404)

    [line] = [r for r in caplog.records if r.name == "app.access"]
    fields = getattr(line, FIELDS)
    assert fields["method"] == "GET"
    assert fields["path"] == "/subjects"
    assert fields["status"] == 404
    assert fields["client"] == "127.0.0.1:5000"
    assert isinstance(fields["duration_ms"], float) and fields["duration_ms"] >= 0
    assert "secret" not in line.getMessage() and "secret" not in str(fields)


async def test_without_access_log_no_access_line_is_written(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="app.access"):
        await run_http(http_scope(), access_log=False)

    assert not [r for r in caplog.records if r.name == "app.access"]


async def test_a_websocket_gets_a_connect_and_a_disconnect_line_with_the_close_code(
    caplog: pytest.LogCaptureFixture,
) -> None:
    scope: Scope = {
        "type": "websocket",
        "path": "/graphql",
        "query_string": b"",
        "headers": [(b"x-request-id", b"ws-7")],
        "client": ("127.0.0.1", 5001),
    }
    incoming: list[Message] = [
        {"type": "websocket.connect"},
        {"type": "websocket.disconnect", "code": 4400},
    ]
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept", "subprotocol": "graphql-transport-ws"})
        await receive()

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    with caplog.at_level(logging.INFO, logger="app.access"):
        await RequestLog(app, access_log=True)(scope, receive, send)

    connect, disconnect = (getattr(r, FIELDS) for r in caplog.records if r.name == "app.access")
    assert (connect["websocket"], connect["subprotocol"]) == ("connect", "graphql-transport-ws")
    assert (disconnect["websocket"], disconnect["close_code"]) == ("disconnect", 4400)
    assert disconnect["path"] == "/graphql"
    assert dict(sent[0]["headers"])[b"x-request-id"] == b"ws-7"
