"""The spans the registry records, kept in memory: one trace per request, joined to the
caller's through ``traceparent`` (a header, or a websocket's ``connection_init``), with
spans for the use case, the write transaction, the compatibility check and the publish;
no span named after a subject or holding a schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import SecretStr
from starlette.testclient import TestClient

from app.main import create_app
from app.settings import Settings

# One per process: the tracer provider is process-wide, and every app of these tests
# sends its spans here (configure_tracing adds an exporter once).
EXPORTER = InMemorySpanExporter()

SUBJECT = "orders.tool-call-value"
SCHEMA_V1 = json.dumps({"type": "object", "properties": {"orderId": {"type": "string"}}})
SCHEMA_V2 = json.dumps(
    {
        "type": "object",
        "description": "An order",
        "properties": {"orderId": {"type": "string"}},
    }
)
REGISTER = (
    "mutation Register($subject: String!, $schema: String!) "
    "{ registerSchema(subject: $subject, schema: $schema) { version } }"
)
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"


def settings_for(tmp_path: Path) -> Settings:
    return Settings(
        database_url=SecretStr(f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"),
        broadcast_url=SecretStr("memory://"),
        migrate_on_start=True,
        startup_timeout=10.0,
    )


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(settings_for(tmp_path), span_exporter=EXPORTER)
    with TestClient(app) as test_client:
        forget_spans()
        yield test_client
    forget_spans()


def forget_spans() -> None:
    """Drop the spans recorded so far (those still queued for export too)."""
    finished_spans()
    EXPORTER.clear()


def finished_spans() -> list[ReadableSpan]:
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    assert provider.force_flush()
    return list(EXPORTER.get_finished_spans())


def named(spans: list[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]


def the(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    found = named(spans, name)
    assert len(found) == 1, [span.name for span in spans]
    return found[0]


def ancestors(span: ReadableSpan, spans: list[ReadableSpan]) -> list[str]:
    """Names of the span's parents, nearest first (within the spans recorded here)."""
    by_id = {s.context.span_id: s for s in spans if s.context is not None}
    names: list[str] = []
    parent = span.parent
    while parent is not None and parent.span_id in by_id:
        found = by_id[parent.span_id]
        names.append(found.name)
        parent = found.parent
    return names


def register(client: TestClient, schema: str, headers: dict[str, str] | None = None) -> Any:
    answer = client.post(
        "/graphql",
        json={"query": REGISTER, "variables": {"subject": SUBJECT, "schema": schema}},
        headers=headers or {},
    )
    assert answer.status_code == 200, answer.text
    assert "errors" not in answer.json(), answer.text
    return answer.json()["data"]["registerSchema"]


def test_a_registration_is_one_trace_of_its_operation_use_case_write_check_and_publish(
    client: TestClient,
) -> None:
    register(client, SCHEMA_V1)
    forget_spans()

    assert register(client, SCHEMA_V2) == {"version": 2}

    spans = finished_spans()
    server = the(spans, "POST /graphql")
    operation = the(spans, "GraphQL mutation: Register")
    use_case = the(spans, "registry.register")
    # The subject's level, then the change's classification (FULL, for the changelog).
    checks = named(spans, "registry.compatibility_check")
    publish = the(spans, "registry.publish")
    writes = named(spans, "registry.db.write")
    assert writes, [span.name for span in spans]
    assert {span.context.trace_id for span in spans if span.context} == {server.context.trace_id}
    assert server.parent is None
    assert ancestors(operation, spans) == ["POST /graphql"]
    assert ancestors(use_case, spans)[-2:] == ["GraphQL mutation: Register", "POST /graphql"]
    assert all("registry.register" in ancestors(check, spans) for check in checks)
    assert "registry.register" in ancestors(publish, spans)
    assert all("registry.register" in ancestors(write, spans) for write in writes)
    assert use_case.attributes is not None
    assert use_case.attributes["registry.subject"] == SUBJECT
    levels = sorted(
        str((check.attributes or {})["registry.compatibility.level"]) for check in checks
    )
    assert levels == ["BACKWARD", "FULL"]
    assert all((check.attributes or {})["registry.compared_versions"] == 1 for check in checks)
    assert publish.attributes is not None
    assert publish.attributes["registry.events"] == 1
    assert operation.attributes is not None
    assert operation.attributes["graphql.operation.type"] == "mutation"
    assert (server.kind, operation.kind) == (SpanKind.SERVER, SpanKind.INTERNAL)
    assert server.attributes is not None
    assert server.attributes["http.response.status_code"] == 200


def test_a_request_with_traceparent_continues_the_callers_trace(client: TestClient) -> None:
    register(client, SCHEMA_V1, headers={"traceparent": TRACEPARENT})

    spans = finished_spans()
    server = the(spans, "POST /graphql")
    assert server.parent is not None
    assert format(server.parent.span_id, "016x") == CALLER_SPAN
    assert server.parent.is_remote
    assert {format(s.context.trace_id, "032x") for s in spans if s.context} == {CALLER_TRACE}


def test_a_malformed_traceparent_starts_a_trace_of_its_own(client: TestClient) -> None:
    register(client, SCHEMA_V1, headers={"traceparent": f"00-{CALLER_TRACE}-{'0' * 16}-01"})

    server = the(finished_spans(), "POST /graphql")
    assert server.parent is None
    assert format(server.context.trace_id, "032x") != CALLER_TRACE


def test_a_rest_request_gets_a_span_named_by_its_route_template(client: TestClient) -> None:
    answer = client.post(
        f"/subjects/{SUBJECT}/versions",
        json={"schema": SCHEMA_V1, "schemaType": "JSON"},
        headers={"traceparent": TRACEPARENT},
    )
    assert answer.status_code == 200, answer.text
    assert client.get(f"/subjects/{SUBJECT}/versions/latest").status_code == 200

    spans = finished_spans()
    post = the(spans, "POST /subjects/{subject}/versions")
    get = the(spans, "GET /subjects/{subject}/versions/{version}")
    assert post.attributes is not None
    assert post.attributes["http.route"] == "/subjects/{subject}/versions"
    assert post.attributes["http.response.status_code"] == 200
    assert format(post.context.trace_id, "032x") == CALLER_TRACE
    assert ancestors(the(spans, "registry.register"), spans) == [
        "POST /subjects/{subject}/versions"
    ]
    assert get.context is not None and get.context.trace_id != post.context.trace_id


def test_probes_and_metrics_scrapes_record_no_span(client: TestClient) -> None:
    for path in ("/healthz", "/readyz", "/metrics"):
        assert client.get(path).status_code == 200

    assert finished_spans() == []


def test_the_warm_up_at_startup_records_no_span(tmp_path: Path) -> None:
    forget_spans()
    with TestClient(create_app(settings_for(tmp_path), span_exporter=EXPORTER)):
        spans = finished_spans()

    assert spans == []


def test_a_subscription_with_traceparent_in_connection_init_is_parented(
    client: TestClient,
) -> None:
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        socket.send_json({"type": "connection_init", "payload": {"traceparent": TRACEPARENT}})
        assert socket.receive_json()["type"] == "connection_ack"
        socket.send_json(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {
                    "query": "subscription Watch($s: String) "
                    "{ schemaChanges(subject: $s) { subject version } }",
                    "variables": {"s": SUBJECT},
                },
            }
        )
        register(client, SCHEMA_V1)
        event = socket.receive_json()
        assert event["type"] == "next", event
        assert event["payload"]["data"]["schemaChanges"]["subject"] == SUBJECT
        socket.send_json({"id": "1", "type": "complete"})

    spans = finished_spans()
    subscribed = [s for s in spans if s.name.startswith("GraphQL") and "Watch" in s.name]
    watched = [
        s
        for s in spans
        if s.context is not None and format(s.context.trace_id, "032x") == CALLER_TRACE
    ]
    assert subscribed, [s.name for s in spans]
    assert watched, [s.name for s in spans]
    operation = the(spans, "GraphQL subscription: Watch")
    assert operation.parent is not None
    assert format(operation.parent.span_id, "016x") == CALLER_SPAN
    assert operation.kind is SpanKind.SERVER
    # The registration over HTTP is a trace of its own.
    assert format(the(spans, "registry.register").context.trace_id, "032x") != CALLER_TRACE


def test_no_span_name_or_attribute_holds_a_subject_in_its_name_or_a_schema(
    client: TestClient,
) -> None:
    register(client, SCHEMA_V1)
    subject, schema = json.dumps(SUBJECT), json.dumps(SCHEMA_V2)
    inline = f"mutation {{ registerSchema(subject: {subject}, schema: {schema}) {{ version }} }}"
    answer = client.post("/graphql", json={"query": inline})
    assert answer.json() == {"data": {"registerSchema": {"version": 2}}}, answer.text
    checked = client.post(
        f"/compatibility/subjects/{SUBJECT}/versions/latest",
        json={"schema": SCHEMA_V2, "schemaType": "JSON"},
    )
    assert checked.json() == {"is_compatible": True}, checked.text

    spans = finished_spans()
    assert len(spans) > 10
    for span in spans:
        assert SUBJECT not in span.name
        assert "orderId" not in span.name
        for value in (span.attributes or {}).values():
            assert "orderId" not in str(value), (span.name, value)


def test_an_operation_that_does_not_parse_is_one_failed_span_named_graphql(
    client: TestClient,
) -> None:
    answer = client.post("/graphql", json={"query": "{ schema(id: 1"})
    assert answer.json()["errors"], answer.text

    spans = finished_spans()
    operation = the(spans, "GraphQL")
    assert operation.status.status_code is StatusCode.ERROR
    assert operation.attributes is not None
    assert operation.attributes["registry.error_code"] == "GRAPHQL_PARSE_FAILED"
    assert ancestors(operation, spans) == ["POST /graphql"]


def test_a_compatibility_dry_run_is_the_check_use_case(client: TestClient) -> None:
    register(client, SCHEMA_V1)
    forget_spans()

    answer = client.post(
        f"/compatibility/subjects/{SUBJECT}/versions/latest",
        json={"schema": SCHEMA_V2, "schemaType": "JSON"},
    )
    assert answer.json() == {"is_compatible": True}, answer.text

    spans = finished_spans()
    assert ancestors(the(spans, "registry.compatibility_check"), spans) == [
        "registry.check",
        "POST /compatibility/subjects/{subject}/versions/{version}",
    ]
    assert named(spans, "registry.db.write") == []
    assert named(spans, "registry.publish") == []
