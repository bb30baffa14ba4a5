"""One log format for the registry's own lines and uvicorn's (server and access lines):
text for a terminal, or one JSON object per line for a log store.

Every line emitted while a request is handled can name it: the request id (taken from
``X-Request-ID`` or made up, ``app/request_log.py``) and the trace and span ids of the
current OpenTelemetry span, or of the caller's ``traceparent``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Literal

from opentelemetry import trace

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

LogFormat = Literal["text", "json"]

# The id of the request being handled; set by app/request_log.py for the request's task
# (and so for every task it starts, which copy the context).
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)

# A record's structured fields (an access line's method, path, status...), given as
# ``extra={FIELDS: {...}}``: only these reach a JSON line, never the record's other
# attributes, so nothing is logged by accident.
FIELDS = "log_fields"


def _timestamp(record: logging.LogRecord) -> str:
    """ISO 8601 in UTC with milliseconds: 2026-12-03T10:15:02.123Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + (
        f".{int(record.msecs):03d}Z"
    )


class _Formatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _timestamp(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time``, ``level``, ``logger``, ``message``; then
    ``request_id``, ``trace_id`` and ``span_id`` when known, a record's structured fields,
    and ``exception`` (the whole traceback as one string) when there is one.

    Non-ASCII characters are escaped, so a line is always ASCII whatever a message holds
    (a lone surrogate from a mis-decoded path included) and always parses."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("request_id", "trace_id", "span_id"):
            value = getattr(record, name, None)
            if value:
                line[name] = value
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, Mapping):
            for key, value in fields.items():
                line.setdefault(str(key), value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=True, default=str, separators=(",", ":"))


class RequestContextFilter(logging.Filter):
    """Names the request and the trace on every record: the request id from the context
    variable, the trace and span ids from the current span (a local one when tracing
    records, else the caller's from ``traceparent``, which app/request_log.py makes
    current)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = current_request_id.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        context = trace.get_current_span().get_span_context()
        if context.is_valid and not hasattr(record, "trace_id"):
            record.trace_id = f"{context.trace_id:032x}"
            record.span_id = f"{context.span_id:016x}"
        return True


class RedactionFilter(logging.Filter):
    """Keeps what a request carries out of uvicorn's lines. Its access and websocket
    lines quote a path with its query string, which can carry a whole GraphQL query (a
    schema in it) or a token a client put there: only the path is kept. At DEBUG, the
    websocket library it drives dumps the upgrade request's headers (``Authorization``)
    and an excerpt of every frame (a ``connection_init`` token, a schema) to
    ``uvicorn.error``, each line starting ``< `` or ``> ``: those are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access":
            index = 2  # client, method, path, HTTP version, status
        elif record.name == "uvicorn.error":
            message = str(record.msg)
            if record.levelno <= logging.DEBUG and message.startswith(("< ", "> ")):
                return False
            if not message.startswith('%s - "WebSocket %s"'):
                return True
            index = 1  # client, path[, status]
        else:
            return True
        args = record.args
        if isinstance(args, tuple) and len(args) > index:
            quoted = args[index]
            if isinstance(quoted, str):
                record.args = (*args[:index], quoted.partition("?")[0], *args[index + 1 :])
        return True


def configure_logging(level: str, log_format: LogFormat = "text") -> None:
    """Everything goes through the root logger's one handler on stderr; uvicorn is told
    not to install its own (``log_config=None``), so its lines share the format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactionFilter())
    if log_format == "json":
        handler.addFilter(RequestContextFilter())
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(_Formatter(FORMAT))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # At DEBUG, `databases` logs every query with its arguments: schema bodies, key hashes.
    logging.getLogger("databases").setLevel(max(logging.INFO, root.level))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
