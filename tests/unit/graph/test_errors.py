"""format_error: the code each kind of request error gets, and masking of the unexpected."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLError, build_schema, graphql_sync
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError

from graph.errors import format_error
from registry.errors import InvalidSchemaError

BAD_USER_INPUT = "BAD_USER_INPUT"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"

# Just enough schema for graphql-core to produce its real messages.
SDL = build_schema(
    """
    enum Level { BACKWARD FULL }
    type Query {
      schema(id: Int!): Int
      subjects(prefix: String, includeDeleted: Boolean): Int
      config(level: Level): Int
    }
    """
)


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("Variable '$a' is never used.", VALIDATION_FAILED),
        ("Variable '$a' is never used in operation 'Q'.", VALIDATION_FAILED),
        ("Variable '$a' is not defined.", VALIDATION_FAILED),
        ("Variable '$id' of type 'Int' used in position expecting type 'Int!'.", VALIDATION_FAILED),
        (
            "Variable '$id' has invalid value: Int cannot represent non-integer value: 'x'",
            BAD_USER_INPUT,
        ),
        (
            "Variable '$id' got invalid value 'x'; Int cannot represent non-integer value: 'x'",
            BAD_USER_INPUT,
        ),
        (
            "Argument 'Query.schema(id:)' of type 'Int!' is required, but it was not provided.",
            BAD_USER_INPUT,
        ),
        ('Int cannot represent non-integer value: "x"', BAD_USER_INPUT),
        ("Cannot query field 'nope' on type 'Query'.", VALIDATION_FAILED),
        ("31 aliases found. Allowed: 30", VALIDATION_FAILED),
        ("Syntax Error: Unexpected <EOF>.", PARSE_FAILED),
    ],
)
def test_a_constructed_request_error_gets_the_code_of_its_kind(message: str, code: str) -> None:
    formatted = format_error(GraphQLError(message))

    assert formatted.extensions == {"code": code}
    assert formatted.message == message


@pytest.mark.parametrize(
    ("source", "variables", "code"),
    [
        ("query ($a: Int) { schema(id: 1) }", {}, VALIDATION_FAILED),
        ("query Q($a: Int) { schema(id: 1) }", {}, VALIDATION_FAILED),
        ("query ($id: Int!) { schema(id: $id) }", {"id": "x"}, BAD_USER_INPUT),
        ("query ($id: Int!) { schema(id: $id) }", {"id": 1.5}, BAD_USER_INPUT),
        ("query ($id: Int!) { schema(id: $id) }", {}, BAD_USER_INPUT),
        ("query ($p: String) { subjects(prefix: $p) }", {"p": 5}, BAD_USER_INPUT),
        ("query ($d: Boolean) { subjects(includeDeleted: $d) }", {"d": "x"}, BAD_USER_INPUT),
        ("query ($l: Level) { config(level: $l) }", {"l": "SOMETIMES"}, BAD_USER_INPUT),
        ("{ schema }", None, BAD_USER_INPUT),
        ('{ schema(id: "x") }', None, BAD_USER_INPUT),
        ("{ config(level: SOMETIMES) }", None, VALIDATION_FAILED),
        ("{ nope }", None, VALIDATION_FAILED),
        ("query ($id: Int) { schema(id: $id) }", {}, VALIDATION_FAILED),
        ("{ schema(id: 1", None, PARSE_FAILED),
    ],
    ids=[
        "unused-variable",
        "unused-variable-in-named-operation",
        "string-for-int",
        "float-for-int",
        "missing-required-variable",
        "int-for-string",
        "string-for-boolean",
        "unknown-enum-value-in-variable",
        "missing-required-argument",
        "string-literal-for-int",
        "unknown-enum-literal",
        "unknown-field",
        "nullable-variable-for-required-argument",
        "unterminated",
    ],
)
def test_graphql_core_request_errors_get_the_code_of_their_kind(
    source: str, variables: dict[str, Any] | None, code: str
) -> None:
    result = graphql_sync(SDL, source, variable_values=variables)
    assert result.errors, result

    formatted = format_error(result.errors[0])

    assert formatted.extensions == {"code": code}, formatted.message
    assert formatted.message == result.errors[0].message


def test_a_domain_error_keeps_its_message_and_code() -> None:
    error = GraphQLError(
        "wrapped", path=["registerSchema"], original_error=InvalidSchemaError("Not JSON.")
    )

    formatted = format_error(error)

    assert formatted.message == "Not JSON."
    assert formatted.extensions == {"code": "INVALID_SCHEMA"}
    assert formatted.path == ["registerSchema"]


def test_an_unexpected_error_is_masked_with_a_trace_id() -> None:
    error = GraphQLError(
        "boom", path=["schema"], original_error=RuntimeError("password=hunter2 at db:5432")
    )

    formatted = format_error(error)

    assert formatted.extensions is not None
    assert formatted.extensions["code"] == "INTERNAL_ERROR"
    trace_id = formatted.extensions["traceId"]
    assert formatted.message == f"Internal server error (trace id {trace_id})."
    assert "hunter2" not in formatted.message
    assert formatted.original_error is None


@pytest.mark.parametrize(
    ("original", "message"),
    [
        (MissingQueryError(), "No GraphQL query found in the request"),
        (CannotGetOperationTypeError(None), "Can't get GraphQL operation type"),
        (CannotGetOperationTypeError("Nope"), 'Unknown operation named "Nope".'),
    ],
    ids=["no-query", "no-operation", "unknown-operation-name"],
)
def test_a_request_with_nothing_to_run_is_a_bad_request_not_an_internal_error(
    original: Exception, message: str
) -> None:
    # What a websocket subscribe gets; over HTTP strawberry answers these 400 itself.
    formatted = format_error(GraphQLError(str(original), original_error=original))

    assert formatted.extensions == {"code": "BAD_REQUEST"}
    assert formatted.message == message
