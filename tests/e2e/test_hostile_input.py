"""Hostile input from authenticated callers, on a server with REGISTRY_AUTH=true.

schemathesis generates requests from /openapi.json and from the GraphQL schema with an
administrator's key; Hypothesis generates hostile ones (tests/support/hostile.py) with a
writer's key scoped to ``team-a.*``, and hostile credentials and websocket messages. No
answer is a 5xx, no GraphQL error is INTERNAL_ERROR or without a code, no socket is
dropped without a close frame (or closed 1011), the server logs no traceback, and it is
still running after each test. Last, the database is checked for consistency.

The run is bounded (a fixed seed, ``TEST_HOSTILE_EXAMPLES`` examples per generator, 30 by
default). A longer run: ``TEST_HOSTILE_EXAMPLES=500 pytest tests/e2e/test_hostile_input.py``
(``TEST_HOSTILE_SEED`` picks other examples than the default ones).
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from graph.schema import build_schema
from rest.routes import rest_routes
from tests.e2e.conftest import new_server, sqlite_file_url
from tests.support import hostile
from tests.support.keys import Key, cli, create_key
from tests.support.raw_http import RawResponse, send
from tests.support.server import ServerProcess

EXAMPLES = int(os.environ.get("TEST_HOSTILE_EXAMPLES", "30"))
SEED = int(os.environ.get("TEST_HOSTILE_SEED", "0"))
Operation = APIOperation[Any, Any, Any, Any]
REST_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Close codes a socket may end with: normal, going away, unacceptable or invalid data,
# policy, too big; graphql-transport-ws' bad message, unauthenticated, forbidden, no
# connection_init in time, an operation id already in use, a second connection_init.
SOCKET_CLOSE_CODES = frozenset(
    {1000, 1001, 1003, 1007, 1008, 1009, 4400, 4401, 4403, 4408, 4409, 4429}
)
WAIT = 30.0


def hypothesis_run(function: Callable[..., None]) -> Callable[..., None]:
    """A bounded, repeatable Hypothesis run: the same examples every time (per seed)."""
    bounded = settings(
        max_examples=EXAMPLES,
        derandomize=SEED == 0,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )(function)
    return bounded if SEED == 0 else seed(SEED)(bounded)


@dataclass
class Hostile:
    server: ServerProcess
    database: Path
    log: Path
    admin: Key
    writer: Key

    def raw(self, method: str, target: bytes, body: bytes = b"", **headers: bytes) -> RawResponse:
        """As the writer, unless an Authorization header is given."""
        sent = {"Authorization": self.writer.bearer.encode(), **headers}
        pairs = [(name.replace("_", "-").encode(), value) for name, value in sent.items()]
        return send(self.server.port, method, target, headers=pairs, body=body, timeout=WAIT)


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    directory = tmp_path_factory.mktemp("hostile")
    url = sqlite_file_url(directory)
    migrated = cli(url, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    log = directory / "server.log"
    # No rate limit: every generated request reaches the handlers behind it.
    server = new_server(
        url, log, REGISTRY_AUTH="true", REGISTRY_RATE_LIMIT="0", REGISTRY_AUTH_FAILURE_BURST="0"
    )
    try:
        with ThreadPoolExecutor() as pool:
            started = pool.submit(server.start)
            admin = pool.submit(create_key, url, "admin", "*", name="fuzz-admin")
            writer = pool.submit(create_key, url, "writer", "team-a.*", name="fuzz-writer")
            hostile_target = Hostile(
                server, directory / "registry.db", log, admin.result(), writer.result()
            )
            started.result()
        yield hostile_target
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def server_survives(target: Hostile) -> Iterator[None]:
    """After each test: the process runs, answers, and logged no traceback meanwhile."""
    logged_before = target.log.stat().st_size
    yield
    assert target.server.is_running(), "the server process died"
    assert httpx.get(f"{target.server.url}/healthz", timeout=WAIT).status_code == 200
    with target.log.open("rb") as log:
        log.seek(logged_before)
        logged = log.read().decode("utf-8", "replace")
    assert "Traceback" not in logged, logged[logged.index("Traceback") - 2000 :][:6000]


def assert_not_a_server_failure(response: RawResponse, sent: object) -> None:
    assert response.status < 500, (response.status, response.body[:500], repr(sent)[:500])
    if response.is_json and response.body:
        assert_no_internal_error(response.json(), sent)


def assert_no_internal_error(body: Any, sent: object) -> None:
    errors = body.get("errors") if isinstance(body, dict) else None
    codes = [(error.get("extensions") or {}).get("code") for error in errors or []]
    assert "INTERNAL_ERROR" not in codes, (errors, repr(sent)[:500])
    assert all(codes), (errors, repr(sent)[:500])


# ---- generated hostile requests, as a writer scoped to team-a.* ------------------------

SUBJECT_ROUTES = [
    ("GET", "/subjects/{}/versions"),
    ("POST", "/subjects/{}/versions"),
    ("POST", "/subjects/{}"),
    ("DELETE", "/subjects/{}"),
    ("GET", "/subjects/{}/versions/latest"),
    ("DELETE", "/subjects/{}/versions/1"),
    ("GET", "/subjects/{}/versions/1/schema"),
    ("POST", "/compatibility/subjects/{}/versions"),
    ("POST", "/compatibility/subjects/{}/versions/latest"),
    ("GET", "/config/{}"),
    ("PUT", "/config/{}"),
    ("DELETE", "/config/{}"),
    ("GET", "/mode/{}"),
    ("PUT", "/mode/{}"),
    ("DELETE", "/mode/{}"),
]
BODY_ROUTES = [
    ("POST", "/subjects/team-a.body/versions"),
    ("POST", "/subjects/team-a.body"),
    ("POST", "/compatibility/subjects/team-a.body/versions"),
    ("PUT", "/config/team-a.body"),
    ("PUT", "/mode/team-a.body-mode"),
    ("PUT", "/config"),
    ("PUT", "/mode"),
]


def test_hostile_subject_names_in_rest_paths_get_no_server_error(target: Hostile) -> None:
    @hypothesis_run
    @given(
        route=st.sampled_from(SUBJECT_ROUTES),
        segment=hostile.subject_segment,
        query=st.sampled_from(["", "?permanent=true", "?deleted=%00", "?subjectPrefix=%ZZ"]),
    )
    def check(route: tuple[str, str], segment: str, query: str) -> None:
        method, template = route
        path = (template.format(segment) + query).encode()
        body = b'{"schemaType": "JSON", "schema": "{}"}' if method != "GET" else b""
        response = target.raw(method, path, body, Content_Type=b"application/json")
        assert_not_a_server_failure(response, path)

    check()


def test_hostile_request_bodies_get_no_server_error(target: Hostile) -> None:
    @hypothesis_run
    @given(
        route=st.sampled_from(BODY_ROUTES),
        body=hostile.request_body,
        content_type=hostile.content_type,
    )
    def check(route: tuple[str, str], body: bytes, content_type: bytes) -> None:
        method, path = route
        response = target.raw(method, path.encode(), body, Content_Type=content_type)
        assert_not_a_server_failure(response, body[:300])

    check()


def test_hostile_graphql_documents_get_no_server_error_nor_an_internal_error(
    target: Hostile,
) -> None:
    @hypothesis_run
    @given(body=hostile.graphql_body, by_get=st.booleans())
    def check(body: bytes, by_get: bool) -> None:
        if by_get:
            # The document alone, in the query string (bytes as they are when the body is
            # not JSON); long ones are cut, as the HTTP server would refuse the line.
            try:
                payload = json.loads(body)
            except (ValueError, RecursionError):
                payload = None
            query = payload.get("query") if isinstance(payload, dict) else None
            raw = query.encode("utf-8", "surrogatepass") if isinstance(query, str) else body
            target_line = b"/graphql?query=" + quote_from_bytes(raw[:60_000]).encode()
            response = target.raw("GET", target_line, Accept=b"application/json")
        else:
            response = target.raw("POST", b"/graphql", body, Content_Type=b"application/json")
        assert_not_a_server_failure(response, body[:300])

    check()


def test_hostile_credentials_are_refused_and_never_a_server_error(target: Hostile) -> None:
    @hypothesis_run
    @given(
        authorization=hostile.credentials,
        path=st.sampled_from([b"/subjects", b"/graphql?query=%7B__typename%7D", b"/config"]),
    )
    def check(authorization: bytes, path: bytes) -> None:
        response = target.raw("GET", path, Authorization=authorization, Accept=b"application/json")
        # 401 for credentials that do not hold; 400 or 431 for a header the HTTP server
        # will not read at all.
        assert response.status in (400, 401, 431), (response.status, authorization[:200])
        assert_not_a_server_failure(response, authorization[:200])

    check()


async def _socket_session(
    ws_url: str, init: Any, frames: list[Any], until: str = "pong"
) -> tuple[int | None, list[dict[str, Any]]]:
    """Sends connection_init and the frames, then a ping; returns the close code (None
    while the socket stays open and answers) and what came back, up to a message of the
    type ``until``."""
    received: list[dict[str, Any]] = []
    try:
        async with connect(ws_url, subprotocols=["graphql-transport-ws"], max_size=None) as socket:  # type: ignore[list-item]
            await socket.send(hostile.json_text({"type": "connection_init", "payload": init}))
            for frame in frames:
                await socket.send(frame)
            await socket.send('{"type": "ping"}')
            async with asyncio.timeout(WAIT):
                while True:
                    message = json.loads(await socket.recv())
                    received.append(message)
                    if message.get("type") == until:
                        return None, received
    except ConnectionClosed as closed:
        code = closed.rcvd.code if closed.rcvd is not None else 1006
        return code, received


def test_hostile_websocket_messages_get_an_answer_or_a_close_code(target: Hostile) -> None:
    writer = {"Authorization": target.writer.bearer}

    @hypothesis_run
    @given(
        init=st.one_of(st.just(writer), st.just(writer), hostile.connection_init_payload),
        frames=st.lists(hostile.socket_frame, max_size=3),
    )
    def check(init: Any, frames: list[Any]) -> None:
        code, received = asyncio.run(_socket_session(target.server.ws_url, init, frames))
        assert code is None or code in SOCKET_CLOSE_CODES, (code, repr(frames)[:500])
        for message in received:
            if message.get("type") in ("next", "error"):
                payload = message.get("payload")
                body = payload if isinstance(payload, dict) else {"errors": payload}
                assert_no_internal_error(body, frames)

    check()


# ---- known cases, each once failing (500, INTERNAL_ERROR, a dropped socket) -------------

DEEP = "[" * 50_000 + "]" * 50_000


@pytest.mark.parametrize(
    ("authorization", "status"),
    [(b"Basic \xe9\xe9", 401), (b"Bearer lsr_\xe9_\xe9", 401), (b"Bearer " + b"a" * 30_000, 401)],
    ids=["basic-latin1", "bearer-latin1", "bearer-30k"],
)
def test_known_hostile_credentials_are_refused_as_invalid(
    target: Hostile, authorization: bytes, status: int
) -> None:
    response = target.raw("GET", b"/subjects", Authorization=authorization)
    assert (response.status, response.json()["error_code"]) == (status, 40101)


def test_json_nested_too_deeply_is_a_bad_graphql_request(target: Hostile) -> None:
    body = ('{"query": "{ __typename }", "variables": {"x": ' + DEEP + "}}").encode()
    response = target.raw("POST", b"/graphql", body, Content_Type=b"application/json")
    assert response.status == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    ("init", "frame", "close_code"),
    [
        ({"Authorization": "Bearer lsr_0123456789abcdef_\ud800"}, None, 4401),
        ({"token": "\udfff"}, None, 4401),
        (None, '{"type": "\\ud800"}', 4400),
        (None, json.dumps({"type": "x" * 500}), 4400),
        (None, DEEP, 4400),
    ],
    ids=["surrogate-secret", "surrogate-token", "surrogate-type", "long-type", "deep-json"],
)
def test_known_hostile_socket_messages_get_their_close_code(
    target: Hostile, init: dict[str, str] | None, frame: str | None, close_code: int
) -> None:
    payload = init if init is not None else {"Authorization": target.writer.bearer}
    frames = [] if frame is None else [frame]
    code, _ = asyncio.run(_socket_session(target.server.ws_url, payload, frames))
    assert code == close_code


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        ({"query": ""}, "No GraphQL query found in the request"),
        ({"query": "fragment F on Query { __typename }"}, "Can't get GraphQL operation type"),
        ({"query": "{ __typename }", "operationName": "Nope"}, 'Unknown operation named "Nope".'),
    ],
    ids=["empty-query", "fragments-only", "unknown-operation-name"],
)
def test_a_socket_operation_with_nothing_to_run_is_a_bad_request(
    target: Hostile, operation: dict[str, str], message: str
) -> None:
    subscribe = json.dumps({"type": "subscribe", "id": "1", "payload": operation})
    init = {"Authorization": target.writer.bearer}
    session = _socket_session(target.server.ws_url, init, [subscribe], until="error")
    code, received = asyncio.run(session)
    assert code is None
    assert received[-1]["payload"] == [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]


# ---- schemathesis, as an administrator ---------------------------------------------------


def rest_operation_labels() -> list[str]:
    """As the published document names them (``{id}`` where the route says ``{id:int}``)."""
    return [
        f"{method} {getattr(route, 'path', '').replace('{id:int}', '{id}')}"
        for route in rest_routes()
        if getattr(route, "path", "") != "/openapi.json"
        for method in sorted(getattr(route, "methods", None) or ())
        if method != "HEAD"
    ]


def graphql_root_fields() -> list[str]:
    schema = build_schema()._schema
    roots = [schema.query_type, schema.mutation_type]
    return [f"{root.name}.{name}" for root in roots if root for name in root.fields]


REST_OPERATIONS = rest_operation_labels()
GRAPHQL_FIELDS = graphql_root_fields()


@pytest.fixture(scope="module")
def admin_session(target: Hostile) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Authorization"] = target.admin.bearer
        yield session


def _operations(schema: Any) -> dict[str, Operation]:
    found: dict[str, Operation] = {}
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        found[result.ok().label] = result.ok()
    return found


@pytest.fixture(scope="module")
def rest_operations(target: Hostile) -> dict[str, Operation]:
    return _operations(schemathesis.openapi.from_url(f"{target.server.url}/openapi.json"))


@pytest.fixture(scope="module")
def graphql_operations(target: Hostile) -> dict[str, Operation]:
    headers = {"Authorization": target.admin.bearer}
    return _operations(schemathesis.graphql.from_url(target.server.graphql_url, headers=headers))


def test_schemathesis_sees_every_route_and_root_field(
    rest_operations: dict[str, Operation], graphql_operations: dict[str, Operation]
) -> None:
    assert sorted(rest_operations) == sorted(REST_OPERATIONS)
    assert sorted(graphql_operations) == sorted(GRAPHQL_FIELDS)


@pytest.mark.parametrize("label", REST_OPERATIONS)
def test_generated_rest_requests_as_an_administrator_get_no_server_error(
    target: Hostile,
    rest_operations: dict[str, Operation],
    admin_session: requests.Session,
    label: str,
) -> None:
    statuses: list[int] = []

    @hypothesis_run
    @given(case=rest_operations[label].as_strategy())
    def check(case: Case[Operation]) -> None:
        response = case.call(base_url=target.server.url, session=admin_session, timeout=WAIT)
        statuses.append(response.status_code)
        case.validate_response(response, checks=REST_CHECKS)

    check()
    assert 401 not in statuses and 403 not in statuses, "the administrator was refused"


@pytest.mark.parametrize("label", GRAPHQL_FIELDS)
def test_generated_graphql_operations_as_an_administrator_get_no_server_error(
    target: Hostile,
    graphql_operations: dict[str, Operation],
    admin_session: requests.Session,
    label: str,
) -> None:
    @hypothesis_run
    @given(case=graphql_operations[label].as_strategy())
    def check(case: Case[Operation]) -> None:
        response: Response = case.call(session=admin_session, timeout=WAIT)
        assert response.status_code < 500, (case.body, response.status_code, response.text[:500])
        body = response.json()
        assert_no_internal_error(body, case.body)
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
        assert not {"UNAUTHENTICATED", "FORBIDDEN"} & set(codes), "the administrator was refused"

    check()


# ---- afterwards: the database is consistent --------------------------------------------


def consistency_problems(database: Path, actors: set[str]) -> list[str]:
    """Every version's schema id resolves, version numbers are unique per subject, event
    sequences run 1..last_sequence without a gap, and (where there is an audit log) it
    names the keys that changed things."""
    problems: list[str] = []
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:

        def rows(sql: str) -> list[tuple[Any, ...]]:
            return db.execute(sql).fetchall()

        dangling = rows(
            "SELECT v.subject, v.version, v.schema_id FROM subject_versions v "
            "LEFT JOIN schemas s ON s.id = v.schema_id WHERE s.id IS NULL"
        )
        if dangling:
            problems.append(f"versions whose schema does not exist: {dangling[:5]}")
        duplicates = rows(
            "SELECT subject, version, COUNT(*) FROM subject_versions "
            "GROUP BY subject, version HAVING COUNT(*) > 1"
        )
        if duplicates:
            problems.append(f"duplicate version numbers: {duplicates[:5]}")
        [(count, first, last)] = rows("SELECT COUNT(*), MIN(sequence), MAX(sequence) FROM events")
        [(last_sequence,)] = rows("SELECT last_sequence FROM registry_state")
        if count != last_sequence or (count and (first, last) != (1, last_sequence)):
            problems.append(
                f"events {first}..{last} ({count} rows) against last_sequence {last_sequence}"
            )
        problems += audit_problems(db, actors)
    return problems


def audit_problems(db: sqlite3.Connection, actors: set[str]) -> list[str]:
    """Each key in ``actors`` (each made a change) is named in the audit log."""
    seen = {row[0] for row in db.execute("SELECT DISTINCT principal FROM audit_log")}
    missing = sorted(actors - seen)
    return [f"the audit log does not name keys that made changes: {missing}"] if missing else []


def test_afterwards_the_database_is_consistent(target: Hostile) -> None:
    # Something was written, so the checks below are not vacuous.
    done = httpx.post(
        f"{target.server.url}/subjects/team-a.after-the-run/versions",
        json={"schemaType": "JSON", "schema": '{"type": "object"}'},
        headers=target.admin.headers(),
        timeout=WAIT,
    )
    # 422: the administrator's fuzzing may have left the registry read-only.
    assert done.status_code in (200, 422), done.text
    actors = {target.admin.id} if done.status_code == 200 else set()
    assert consistency_problems(target.database, actors) == []
    # And the audit chain the run wrote holds.
    verified = cli(sqlite_file_url(target.database.parent), "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stdout
