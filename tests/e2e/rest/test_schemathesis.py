"""Property-based fuzzing of the REST API against its published OpenAPI document: no 5xx,
and every response (status, content type, body) as the document says.

As in tests/e2e/test_schemathesis.py, each operation's schemathesis strategy drives a
plain Hypothesis test (the pytest plugin fails under this pytest version), with a fixed
seed and a bounded number of examples.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.case import Case
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.server import ServerProcess

MAX_EXAMPLES = 25
Operation = APIOperation[Any, Any, Any, Any]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Parametrizing needs the names before any server runs; the first test keeps this list in
# step with the published document.
OPERATIONS = [
    "GET /schemas/types",
    "GET /schemas/ids/{id}",
    "GET /schemas/ids/{id}/schema",
    "GET /schemas/ids/{id}/subjects",
    "GET /schemas/ids/{id}/versions",
    "GET /subjects",
    "POST /subjects/{subject}",
    "DELETE /subjects/{subject}",
    "GET /subjects/{subject}/versions",
    "POST /subjects/{subject}/versions",
    "GET /subjects/{subject}/versions/{version}",
    "DELETE /subjects/{subject}/versions/{version}",
    "GET /subjects/{subject}/versions/{version}/schema",
    "GET /subjects/{subject}/versions/{version}/referencedby",
    "POST /compatibility/subjects/{subject}/versions/{version}",
    "POST /compatibility/subjects/{subject}/versions",
    "GET /config",
    "PUT /config",
    "DELETE /config",
    "GET /config/{subject}",
    "PUT /config/{subject}",
    "DELETE /config/{subject}",
    "GET /mode",
    "PUT /mode",
    "GET /mode/{subject}",
    "PUT /mode/{subject}",
    "DELETE /mode/{subject}",
]


@pytest.fixture(scope="module")
def http_session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="module")
def operations(module_server: ServerProcess) -> dict[str, Operation]:
    api = schemathesis.openapi.from_url(f"{module_server.url}/openapi.json")
    found: dict[str, Operation] = {}
    for result in api.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        found[operation.label] = operation
    return found


def test_every_operation_of_the_document_is_fuzzed(operations: dict[str, Operation]) -> None:
    assert sorted(operations) == sorted(OPERATIONS)


def test_successful_responses_conform_to_the_document_too(
    operations: dict[str, Operation],
    http_session: requests.Session,
    module_server: ServerProcess,
) -> None:
    """Random input rarely makes a valid schema, so the success shapes are checked here
    with a real registration and the reads that follow it."""
    text = '{"type":"object","properties":{"city":{"type":"string"}}}'
    subject = {"subject": "conformance-value"}
    version = {**subject, "version": "latest"}
    body: dict[str, Any] = {"schemaType": "JSON", "schema": text}
    media_type = "application/vnd.schemaregistry.v1+json"
    # Runs before the fuzzing, which may leave the registry read-only.
    registration = operations["POST /subjects/{subject}/versions"].Case(
        path_parameters=subject, body=body, media_type=media_type
    )
    registered = registration.call(base_url=module_server.url, session=http_session, timeout=10)
    registration.validate_response(registered, checks=CHECKS)
    schema_id = {"id": registered.json()["id"]}
    calls: list[tuple[str, dict[str, Any], Any]] = [
        ("POST /subjects/{subject}", subject, body),
        ("GET /subjects/{subject}/versions", subject, None),
        ("GET /subjects/{subject}/versions/{version}", version, None),
        ("GET /subjects/{subject}/versions/{version}/schema", version, None),
        ("POST /compatibility/subjects/{subject}/versions/{version}", version, body),
        ("GET /schemas/ids/{id}", schema_id, None),
        ("GET /schemas/ids/{id}/versions", schema_id, None),
        ("GET /config", {}, None),
        ("GET /mode", {}, None),
    ]
    statuses = []
    for label, path_parameters, payload in calls:
        case = operations[label].Case(
            path_parameters=path_parameters,
            **({"body": payload, "media_type": media_type} if payload is not None else {}),
        )
        response = case.call(base_url=module_server.url, session=http_session, timeout=10)
        case.validate_response(response, checks=CHECKS)
        statuses.append(response.status_code)
    assert statuses == [200] * len(calls)


@pytest.mark.parametrize("label", OPERATIONS)
def test_generated_requests_get_no_server_error_and_conforming_responses(
    operations: dict[str, Operation],
    http_session: requests.Session,
    module_server: ServerProcess,
    label: str,
) -> None:
    operation = operations[label]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Case[Operation]) -> None:
        response = case.call(base_url=module_server.url, session=http_session, timeout=10)
        case.validate_response(response, checks=CHECKS)

    check()
