"""The authorization matrix's vocabulary: the transports a request goes over, the outcomes
a cell may expect, the clients that ask a real server, and how an answer is held against
an outcome (or against another answer, modulo the names in it).

The table itself, one row per operation, is in tests/e2e/test_authorization_matrix.py.
"""

from __future__ import annotations

import asyncio
import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

SUBPROTOCOL = "graphql-transport-ws"
WAIT = 10.0
# How long an accepted subscription is watched: what it may see is replayed from the
# outbox at once (``after: 0``), so nothing by then means nothing at all.
QUIET_SECONDS = 2.0


class Transport(enum.Enum):
    REST = "rest"
    REST_HEAD = "rest-head"
    """A GET route asked with HEAD: the same status, no body."""
    GRAPHQL_POST = "graphql-post"
    GRAPHQL_GET = "graphql-get"
    GRAPHQL_WS = "graphql-ws"
    """graphql-transport-ws; credentials in connection_init."""


class Shape(enum.Enum):
    """What a success looks like."""

    CONTENT = "content"
    """A non-empty answer (REST body; the GraphQL field's value; a subscription's event)."""
    EMPTY = "empty"
    """An empty list."""
    NULL = "null"
    """GraphQL: the field answers null, without an error."""
    QUIET = "quiet"
    """A subscription accepted, and nothing sent."""


@dataclass(frozen=True)
class Outcome:
    label: str
    shape: Shape | None = None
    """Set for a success; None for an error."""
    status: int | None = None
    """REST: the HTTP status of the error."""
    error_code: int | None = None
    """REST: Confluent's error_code."""
    code: str | None = None
    """GraphQL: ``errors[0].extensions.code``."""
    message: str | None = None
    """The exact message, where it is part of the contract (over HTTP)."""
    graphql_status: int = 200
    """GraphQL over HTTP: the status of the error (a request refused before execution)."""
    close_code: int | None = None
    """Websocket: refused at connection_init with this close code."""
    close_reason: str | None = None

    def __str__(self) -> str:
        return self.label

    @property
    def is_success(self) -> bool:
        return self.shape is not None


@dataclass(frozen=True)
class Split:
    """Outcomes that differ between the principal's own tenant's subject and another's."""

    own: Outcome
    other: Outcome


OK = Outcome("ok", Shape.CONTENT)
EMPTY = Outcome("empty", Shape.EMPTY)
NULL = Outcome("null", Shape.NULL)
QUIET = Outcome("quiet", Shape.QUIET)
NO_CREDENTIALS = Outcome(
    "no credentials",
    status=401,
    error_code=40101,
    code="UNAUTHENTICATED",
    message="Authentication required.",
    close_code=4401,
)
BAD_CREDENTIALS = Outcome(
    "bad credentials",
    status=401,
    error_code=40101,
    code="UNAUTHENTICATED",
    message="Invalid credentials.",
    graphql_status=401,
    close_code=4401,
    close_reason="Invalid credentials.",
)
FORBIDDEN = Outcome("forbidden", status=403, error_code=40301, code="FORBIDDEN")
WRONG_METHOD = Outcome("wrong method", code="BAD_REQUEST", graphql_status=400)
"""A mutation over GET, a subscription over POST or GET: refused before execution."""


def rest_error(status: int, error_code: int) -> Outcome:
    return Outcome(f"{status}/{error_code}", status=status, error_code=error_code)


def graphql_error(code: str) -> Outcome:
    return Outcome(code, code=code)


@dataclass(frozen=True)
class Answer:
    """What came back: an HTTP response, or a socket's first message after subscribing."""

    status: int | None = None
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    close_code: int | None = None
    close_reason: str = ""
    quiet: bool = False

    def __str__(self) -> str:
        if self.close_code is not None:
            return f"closed {self.close_code} {self.close_reason!r}"
        if self.quiet:
            return "nothing sent"
        text = json.dumps(self.body)
        return f"{self.status} {text[:300]}"


# ---- asking ------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    transport: Transport
    authorization: str | None
    method: str = "GET"
    path: str = ""
    params: Mapping[str, str] | None = None
    body: Any = None
    document: str = ""
    variables: Mapping[str, Any] = field(default_factory=dict)


def _json_or_none(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


async def ask(http: httpx.AsyncClient, base_url: str, request: Request) -> Answer:
    headers = {} if request.authorization is None else {"Authorization": request.authorization}
    match request.transport:
        case Transport.REST | Transport.REST_HEAD:
            method = "HEAD" if request.transport is Transport.REST_HEAD else request.method
            response = await http.request(
                method, base_url + request.path, params=request.params, json=request.body,
                headers=headers,
            )  # fmt: skip
        case Transport.GRAPHQL_POST:
            payload = {"query": request.document, "variables": dict(request.variables)}
            response = await http.post(f"{base_url}/graphql", json=payload, headers=headers)
        case Transport.GRAPHQL_GET:
            params = {"query": request.document, "variables": json.dumps(request.variables)}
            headers["Accept"] = "application/json"
            response = await http.get(f"{base_url}/graphql", params=params, headers=headers)
        case Transport.GRAPHQL_WS:
            ws_url = "ws" + base_url.removeprefix("http") + "/graphql"
            return await ask_socket(ws_url, request)
    return Answer(response.status_code, _json_or_none(response), dict(response.headers))


async def ask_socket(ws_url: str, request: Request) -> Answer:
    """Connects, sends connection_init (with the credentials), subscribes, and returns the
    first answer: a close, a ``next`` or ``error`` payload, or nothing (quiet)."""
    payload = {} if request.authorization is None else {"Authorization": request.authorization}
    is_subscription = request.document.lstrip().startswith("subscription")
    async with connect(ws_url, subprotocols=[SUBPROTOCOL], open_timeout=WAIT) as socket:  # type: ignore[list-item]
        try:
            await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
            ack = json.loads(await asyncio.wait_for(socket.recv(), WAIT))
            assert ack["type"] == "connection_ack", ack
            operation = {"query": request.document, "variables": dict(request.variables)}
            await socket.send(json.dumps({"type": "subscribe", "id": "1", "payload": operation}))
            seconds = QUIET_SECONDS if is_subscription else WAIT
            async with asyncio.timeout(seconds):
                while True:
                    message = json.loads(await socket.recv())
                    if message["type"] == "next":
                        if is_subscription and _is_global(message["payload"]):
                            continue
                        return Answer(body=message["payload"])
                    if message["type"] == "error":
                        return Answer(body={"data": None, "errors": message["payload"]})
                    assert message["type"] in ("ping", "pong"), message
        except ConnectionClosed as closed:
            received = closed.rcvd
            return Answer(
                close_code=None if received is None else received.code,
                close_reason="" if received is None else received.reason,
            )
        except TimeoutError:
            return Answer(quiet=True)


def _is_global(payload: Any) -> bool:
    """A change to global settings: every subscriber gets it, whatever its filter and
    scopes (it names no subject), so it says nothing about who sees which subject."""
    data = payload.get("data") if isinstance(payload, dict) else None
    events = list(data.values()) if isinstance(data, dict) else []
    return len(events) == 1 and isinstance(events[0], dict) and events[0].get("subject") is None


# ---- holding an answer against an outcome --------------------------------------------


def problems(outcome: Outcome, transport: Transport, answer: Answer, field: str) -> list[str]:
    """How ``answer`` differs from ``outcome``; empty when it matches exactly."""
    match transport:
        case Transport.REST:
            return _rest_problems(outcome, answer)
        case Transport.REST_HEAD:
            expected = 200 if outcome.is_success else outcome.status
            found = [] if answer.status == expected else [f"status {answer.status} != {expected}"]
            return found + ([] if answer.body is None else ["HEAD answered with a body"])
        case Transport.GRAPHQL_WS:
            if outcome.close_code is not None:
                found = [] if answer.close_code == outcome.close_code else ["close code"]
                if outcome.close_reason is not None and answer.close_reason != outcome.close_reason:
                    found.append("close reason")
                return found
            if outcome.shape is Shape.QUIET:
                return [] if answer.quiet else ["the subscription sent something"]
            if answer.close_code is not None or answer.quiet:
                return ["no answer to the operation"]
            return _result_problems(outcome, answer.body, field)
        case _:
            if answer.status != outcome.graphql_status:
                return [f"status {answer.status} != {outcome.graphql_status}"]
            if outcome.graphql_status != 200:
                return _request_error_problems(outcome, answer.body)
            return _result_problems(outcome, answer.body, field)


def _rest_problems(outcome: Outcome, answer: Answer) -> list[str]:
    body = answer.body
    if outcome.shape is Shape.CONTENT:
        return [] if answer.status == 200 and body not in (None, [], {}, "") else ["no content"]
    if outcome.shape is Shape.EMPTY:
        return [] if answer.status == 200 and body == [] else ["not an empty list"]
    found = [] if answer.status == outcome.status else [f"status != {outcome.status}"]
    if not isinstance(body, dict) or body.get("error_code") != outcome.error_code:
        found.append(f"error_code != {outcome.error_code}")
    elif outcome.message is not None and body.get("message") != outcome.message:
        found.append(f"message != {outcome.message!r}")
    if outcome.status == 401 and "www-authenticate" not in answer.headers:
        found.append("401 without WWW-Authenticate")
    return found


def _request_error_problems(outcome: Outcome, body: Any) -> list[str]:
    """A GraphQL request refused before execution: ``errors`` only, no ``data``."""
    if not isinstance(body, dict) or "data" in body or not body.get("errors"):
        return ["not a request error"]
    error = body["errors"][0]
    found = [] if error.get("extensions", {}).get("code") == outcome.code else ["code"]
    if outcome.message is not None and error.get("message") != outcome.message:
        found.append(f"message != {outcome.message!r}")
    return found


def _result_problems(outcome: Outcome, body: Any, field: str) -> list[str]:
    if not isinstance(body, dict) or "data" not in body:
        return ["not a GraphQL result"]
    data = body["data"]
    value = data.get(field) if isinstance(data, dict) else None
    errors = body.get("errors") or []
    if outcome.is_success:
        if errors:
            return [f"errors: {errors[0].get('extensions')}"]
        if not isinstance(data, dict) or field not in data:
            return [f"no {field!r} in data"]
        if outcome.shape is Shape.NULL:
            return [] if value is None else ["not null"]
        if outcome.shape is Shape.EMPTY:
            return [] if value == [] else ["not an empty list"]
        return [] if value not in (None, []) else ["no content"]
    if not errors:
        return [f"no error (expected {outcome.code})"]
    found = [] if errors[0].get("extensions", {}).get("code") == outcome.code else ["code"]
    if value is not None:
        found.append("a value next to the error")
    if outcome.message is not None and errors[0].get("message") != outcome.message:
        found.append(f"message != {outcome.message!r}")
    return found


# ---- two answers, modulo names -------------------------------------------------------


def without_names(answer: Answer, names: Mapping[str, str]) -> tuple[Any, ...]:
    """The answer with each concrete name (a subject, an id) replaced by its placeholder:
    in messages wherever it stands as a word, elsewhere where a whole string is the name."""
    patterns = [
        (re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])"), placeholder)
        for name, placeholder in names.items()
    ]

    def scrub(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: scrub(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, str):
            if key in ("message", "reason"):
                for pattern, placeholder in patterns:
                    value = pattern.sub(placeholder, value)
                return value
            return names.get(value, value)
        return value

    return (
        answer.status,
        scrub(answer.body),
        answer.close_code,
        scrub(answer.close_reason, "reason"),
        answer.quiet,
    )
