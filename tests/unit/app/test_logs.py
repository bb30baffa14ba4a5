"""The JSON line format, and the filters that name the request and keep what it carries
(query strings, headers, websocket frames) out of uvicorn's lines."""

from __future__ import annotations

import json
import logging
import re
import sys

from opentelemetry import context as otel_context

from app.logs import (
    FIELDS,
    JsonFormatter,
    RedactionFilter,
    RequestContextFilter,
    current_request_id,
)
from app.request_log import trace_context

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def record(
    message: str = "hello %s",
    args: tuple[object, ...] = ("world",),
    *,
    name: str = "app.test",
    level: int = logging.INFO,
    exc_info: logging._SysExcInfoType | None = None,
    **extra: object,
) -> logging.LogRecord:
    made = logging.LogRecord(name, level, __file__, 1, message, args, exc_info)
    for key, value in extra.items():
        setattr(made, key, value)
    return made


def formatted(made: logging.LogRecord) -> dict[str, object]:
    line = JsonFormatter().format(made)
    assert "\n" not in line
    parsed: dict[str, object] = json.loads(line)
    return parsed


def test_a_line_has_time_level_logger_and_message() -> None:
    line = formatted(record(level=logging.WARNING))

    assert set(line) == {"time", "level", "logger", "message"}
    assert TIME.match(str(line["time"])), line
    assert line["level"] == "WARNING"
    assert line["logger"] == "app.test"
    assert line["message"] == "hello world"


def test_the_time_is_utc_with_milliseconds() -> None:
    made = record()
    made.created = 1_796_292_902.123_9  # 2026-12-03T10:15:02.123Z
    made.msecs = 123.9

    assert formatted(made)["time"] == "2026-12-03T10:15:02.123Z"


def test_an_exception_is_one_string_field_on_the_same_line() -> None:
    try:
        raise ValueError("broken\non two lines")
    except ValueError:
        made = record("failed", (), level=logging.ERROR, exc_info=sys.exc_info())

    line = formatted(made)

    exception = str(line["exception"])
    assert exception.startswith("Traceback (most recent call last):")
    assert "ValueError: broken\non two lines" in exception
    assert line["message"] == "failed"


def test_request_and_trace_ids_are_written_when_known() -> None:
    line = formatted(record(request_id="abc", trace_id="t" * 32, span_id="s" * 16))

    assert (line["request_id"], line["trace_id"], line["span_id"]) == ("abc", "t" * 32, "s" * 16)


def test_structured_fields_are_added_but_never_replace_the_core_ones() -> None:
    made = record()
    setattr(made, FIELDS, {"status": 200, "path": "/graphql", "message": "forged"})

    line = formatted(made)

    assert (line["status"], line["path"]) == (200, "/graphql")
    assert line["message"] == "hello world"


def test_other_record_attributes_stay_out_of_the_line() -> None:
    line = formatted(record(authorization="Bearer lsr_secret"))

    assert "lsr_secret" not in json.dumps(line)


def test_a_message_with_newlines_and_any_characters_stays_one_ascii_line() -> None:
    made = record("%s", ("line one\nline two é \udcff",))

    text = JsonFormatter().format(made)

    assert text.isascii() and "\n" not in text
    assert json.loads(text)["message"] == "line one\nline two é \udcff"


def test_the_filter_names_the_request_being_handled() -> None:
    outside = record()
    RequestContextFilter().filter(outside)
    token = current_request_id.set("req-1")
    try:
        inside = record()
        RequestContextFilter().filter(inside)
    finally:
        current_request_id.reset(token)

    assert not hasattr(outside, "request_id") and not hasattr(outside, "trace_id")
    assert formatted(inside)["request_id"] == "req-1"


def test_the_filter_names_the_callers_trace_when_it_is_current() -> None:
    caller = trace_context([TRACEPARENT])
    assert caller is not None
    token = otel_context.attach(caller)
    try:
        made = record()
        RequestContextFilter().filter(made)
    finally:
        otel_context.detach(token)

    line = formatted(made)
    assert line["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert line["span_id"] == "00f067aa0ba902b7"


def test_uvicorn_access_lines_lose_the_query_string() -> None:
    access = record(
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/graphql?query=secret", "1.1", 200),
        name="uvicorn.access",
    )

    RedactionFilter().filter(access)

    assert access.getMessage() == '127.0.0.1:5000 - "GET /graphql HTTP/1.1" 200'


def test_uvicorn_websocket_lines_lose_the_query_string() -> None:
    accepted = record(
        '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5000", "/graphql?token=secret"),
        name="uvicorn.error",
    )
    refused = record(
        '%s - "WebSocket %s" %d',
        ("127.0.0.1:5000", "/graphql?token=secret", 403),
        name="uvicorn.error",
    )

    for made in (accepted, refused):
        RedactionFilter().filter(made)

    assert accepted.getMessage() == '127.0.0.1:5000 - "WebSocket /graphql" [accepted]'
    assert refused.getMessage() == '127.0.0.1:5000 - "WebSocket /graphql" 403'


def test_other_lines_are_left_as_they_are() -> None:
    other = record("%s asked for %s", ("someone", "/a?b=c"), name="uvicorn.error")

    RedactionFilter().filter(other)

    assert other.getMessage() == "someone asked for /a?b=c"


def test_the_websocket_librarys_wire_dump_is_dropped_at_debug() -> None:
    def debug(message: str, *args: object) -> logging.LogRecord:
        return record(message, args, name="uvicorn.error", level=logging.DEBUG)

    header = debug("< %s: %s", "authorization", "Bearer lsr_secret")
    response = debug("> %s: %s", "x-request-id", "abc")
    frame = debug("< %s", 'TEXT \'{"type": "connection_init"...\' [153 bytes]')
    state = debug("= connection is %s", "OPEN")

    kept = [made for made in (header, response, frame, state) if RedactionFilter().filter(made)]

    assert kept == [state]
