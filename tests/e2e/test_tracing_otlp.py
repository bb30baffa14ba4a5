"""REGISTRY_OTEL_EXPORTER=otlp on a real server: spans reach an OTLP/HTTP receiver named
by the standard OTEL_EXPORTER_OTLP_* variables, and exporter settings that cannot work
stop the start with one line."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.e2e.conftest import server_env, sqlite_file_url
from tests.e2e.test_startup import assert_clear_failure, run_cli
from tests.support.server import ServerProcess

CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{CALLER_TRACE}-b7ad6b7169203331-01"
# Seconds to wait for the batch processor's next export (OTEL_BSP_SCHEDULE_DELAY below).
WAIT = 20.0


class Receiver:
    """An OTLP/HTTP trace receiver on a free loopback port: what it was sent, decoded."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        self.content_types: list[str] = []
        self.paths: list[str] = []
        self.headers: list[str | None] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                with receiver.arrived:
                    receiver.paths.append(self.path)
                    receiver.content_types.append(self.headers.get("content-type", ""))
                    receiver.headers.append(self.headers.get("x-tenant"))
                    receiver.requests.append(request)
                    receiver.arrived.notify_all()
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def span_names(self, trace_id: str | None = None) -> list[str]:
        return [
            span.name
            for request in self.requests
            for resource_spans in request.resource_spans
            for scope_spans in resource_spans.scope_spans
            for span in scope_spans.spans
            if trace_id is None or span.trace_id.hex() == trace_id
        ]

    def service_names(self) -> set[str]:
        return {
            attribute.value.string_value
            for request in self.requests
            for resource_spans in request.resource_spans
            for attribute in resource_spans.resource.attributes
            if attribute.key == "service.name"
        }

    def wait_for(self, name: str, trace_id: str) -> None:
        deadline = time.monotonic() + WAIT
        with self.arrived:
            while name not in self.span_names(trace_id):
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"no {name} span arrived: {self.span_names()}"
                self.arrived.wait(remaining)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    yield started
    started.close()


def test_spans_reach_the_otlp_endpoint_the_standard_variables_name(
    receiver: Receiver, tmp_path: Path
) -> None:
    env = server_env(
        sqlite_file_url(tmp_path),
        REGISTRY_MIGRATE_ON_START="true",
        REGISTRY_OTEL_EXPORTER="otlp",
        REGISTRY_OTEL_SERVICE_NAME="registry-under-test",
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url,
        OTEL_EXPORTER_OTLP_HEADERS="x-tenant=registry",
        OTEL_BSP_SCHEDULE_DELAY="100",
    )
    server = ServerProcess(env, log_path=tmp_path / "server.log").start()
    try:
        answer = httpx.get(
            f"{server.url}/subjects", headers={"traceparent": TRACEPARENT}, timeout=10
        )
        assert answer.status_code == 200, answer.text
        receiver.wait_for("GET /subjects", CALLER_TRACE)
    finally:
        server.stop()

    assert set(receiver.paths) == {"/v1/traces"}
    assert set(receiver.content_types) == {"application/x-protobuf"}
    assert set(receiver.headers) == {"registry"}
    assert receiver.service_names() == {"registry-under-test"}
    # The replica's warm-up requests at startup are not traced.
    assert receiver.span_names().count("GET /subjects") == 1


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
            "invalid setting OTEL_EXPORTER_OTLP_PROTOCOL='http/json'",
        ),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"},
            "invalid setting OTEL_EXPORTER_OTLP_ENDPOINT",
        ),
        (
            {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TIMEOUT": "soon"},
            "invalid OTLP exporter settings (OTEL_EXPORTER_OTLP_*, protocol grpc)",
        ),
    ],
)
def test_otlp_settings_that_cannot_work_stop_the_start_with_one_line(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    run = run_cli(
        "serve",
        cwd=tmp_path,
        REGISTRY_OTEL_EXPORTER="otlp",
        REGISTRY_MIGRATE_ON_START="true",
        **env,
    )

    assert_clear_failure(run, expected, code=2)
    assert len([line for line in run.output.splitlines() if "error" in line]) == 1, run.output
    # Told before the database is touched.
    assert "Running upgrade" not in run.output, run.output
