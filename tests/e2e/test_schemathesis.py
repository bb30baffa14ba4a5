"""Property-based fuzzing of /graphql with schemathesis: whatever a client sends that the
schema admits, the server answers without a 5xx and without an INTERNAL_ERROR.

schemathesis loads the schema from the running server by introspection and generates
one strategy per root field. Its pytest plugin (``schemathesis.pytest.from_fixture``)
fails under this pytest version ("'Function' object has no attribute '_nodeid'"), so
each operation's strategy drives a plain Hypothesis test here, with a fixed seed and a
bounded number of examples.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import graphql
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.result import Ok
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.graphql import nodes
from schemathesis.schemas import APIOperation

from tests.support.server import ServerProcess

MAX_EXAMPLES = 50
Operation = APIOperation[Any, Any, Any, Any]


def json_literals() -> st.SearchStrategy[graphql.ValueNode]:
    """Any JSON value as a GraphQL literal, for the JSON scalar (payloads)."""
    names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
    leaves: st.SearchStrategy[graphql.ValueNode] = st.one_of(
        st.just(nodes.Null),
        st.booleans().map(nodes.Boolean),
        st.integers().map(nodes.Int),
        st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
        st.text(max_size=20).map(nodes.String),
    )

    def containers(
        children: st.SearchStrategy[graphql.ValueNode],
    ) -> st.SearchStrategy[graphql.ValueNode]:
        field = st.builds(
            lambda name, value: graphql.ObjectFieldNode(
                name=graphql.NameNode(value=name), value=value
            ),
            names,
            children,
        )
        return st.one_of(
            st.lists(children, max_size=4).map(nodes.List),
            st.lists(field, max_size=4, unique_by=lambda f: f.name.value).map(nodes.Object),
        )

    return st.recursive(leaves, containers, max_leaves=12)


schemathesis.graphql.scalar("JSON", json_literals())


# Parametrizing needs the names before any server runs; the first test keeps this list
# in step with what the server actually exposes.
ROOT_FIELDS = [
    "Query.subjects",
    "Query.subject",
    "Query.schema",
    "Query.lookupSchema",
    "Query.checkCompatibility",
    "Query.lintSchema",
    "Query.exportSchema",
    "Query.validatePayload",
    "Query.validatePayloads",
    "Query.config",
    "Query.apiKeys",
    "Query.auditLog",
    "Mutation.registerSchema",
    "Mutation.setCompatibility",
    "Mutation.setMode",
    "Mutation.setProviderRules",
    "Mutation.deleteSubject",
    "Mutation.deleteSchemaVersion",
    "Mutation.createApiKey",
    "Mutation.revokeApiKey",
]


@pytest.fixture(scope="module")
def http_session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="module")
def operations(module_server: ServerProcess) -> dict[str, Operation]:
    api = schemathesis.graphql.from_url(module_server.graphql_url)
    found: dict[str, Operation] = {}
    for result in api.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        found[operation.label] = operation
    return found


def assert_no_server_failure(case: Case[Operation], response: Response) -> None:
    assert response.status_code < 500, (case.body, response.status_code, response.text[:500])
    body: Any = response.json()
    errors = body.get("errors") if isinstance(body, dict) else None
    codes = [(error.get("extensions") or {}).get("code") for error in errors or []]
    assert "INTERNAL_ERROR" not in codes, (case.body, errors)
    assert all(codes), (case.body, errors)


def test_every_query_and_mutation_field_is_fuzzed(operations: dict[str, Operation]) -> None:
    assert sorted(operations) == sorted(ROOT_FIELDS)


@pytest.mark.parametrize("label", ROOT_FIELDS)
def test_generated_operations_never_get_a_server_error_or_an_internal_error(
    operations: dict[str, Operation], http_session: requests.Session, label: str
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
        response = case.call(session=http_session, timeout=10)
        assert_no_server_failure(case, response)

    check()
