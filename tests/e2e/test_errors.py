"""Every documented error code, triggered through the real server, and nothing that leaks
internals or turns a client's mistake into a 5xx."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    DELETE_SUBJECT,
    DELETE_VERSION,
    REGISTER,
    WAIT,
    GraphQLHttp,
    new_server,
    object_schema,
    sqlite_file_url,
    unique_subject,
)
from tests.support.server import ServerProcess

MAX_SCHEMA_BYTES = 2048
V1 = object_schema({"name": "string"}, ["name"])
LEAKS = re.compile(r"Traceback|File \"|\.py\b|/work/|site-packages")

LOOKUP = """
query($subject: String!, $schema: String!) {
  lookupSchema(subject: $subject, schema: $schema) { version }
}
"""
VERSION = """
query($subject: String!, $number: Int!) {
  subject(name: $subject) { version(number: $number) { id } }
}
"""
SUBJECT_NAME = "query($subject: String!) { subject(name: $subject) { name } }"
CHECK_VERSION = """
query($subject: String!, $schema: String!, $version: Int) {
  checkCompatibility(subject: $subject, schema: $schema, version: $version) { isCompatible }
}
"""


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("errors")
    server = new_server(
        sqlite_file_url(directory),
        directory / "server.log",
        REGISTRY_MAX_SCHEMA_BYTES=str(MAX_SCHEMA_BYTES),
        # Room for the 20,000-token document below; body limits have their own tests.
        REGISTRY_MAX_REQUEST_BYTES=str(1024 * 1024),
    ).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def existing_subject(gql_http: GraphQLHttp) -> str:
    subject = unique_subject("errors")
    await gql_http.register(subject, V1)
    return subject


def assert_no_leak(text: str) -> None:
    assert not LEAKS.search(text), text


def assert_no_internal_error(body: dict[str, Any]) -> None:
    codes = [error.get("extensions", {}).get("code") for error in body.get("errors") or []]
    assert "INTERNAL_ERROR" not in codes, body


async def test_lookup_under_an_unknown_subject_is_subject_not_found(
    gql_http: GraphQLHttp,
) -> None:
    error = await gql_http.error(LOOKUP, {"subject": unique_subject("nobody"), "schema": V1})

    assert error["extensions"]["code"] == "SUBJECT_NOT_FOUND"
    assert error["path"] == ["lookupSchema"]


async def test_deleting_an_unknown_subject_is_subject_not_found(gql_http: GraphQLHttp) -> None:
    error = await gql_http.error(DELETE_SUBJECT, {"subject": unique_subject("nobody")})

    assert error["extensions"]["code"] == "SUBJECT_NOT_FOUND"


async def test_checking_against_a_version_of_an_unknown_subject_is_subject_not_found(
    gql_http: GraphQLHttp,
) -> None:
    error = await gql_http.error(
        CHECK_VERSION, {"subject": unique_subject("nobody"), "schema": V1, "version": 1}
    )

    assert error["extensions"]["code"] == "SUBJECT_NOT_FOUND"


async def test_a_missing_version_of_an_existing_subject_is_version_not_found(
    gql_http: GraphQLHttp, existing_subject: str
) -> None:
    body = await gql_http.execute(VERSION, {"subject": existing_subject, "number": 7})

    assert body["errors"][0]["extensions"]["code"] == "VERSION_NOT_FOUND"
    assert body["errors"][0]["path"] == ["subject", "version"]
    assert "7" in body["errors"][0]["message"]


async def test_deleting_a_missing_version_is_version_not_found(
    gql_http: GraphQLHttp, existing_subject: str
) -> None:
    error = await gql_http.error(DELETE_VERSION, {"subject": existing_subject, "version": 3})

    assert error["extensions"]["code"] == "VERSION_NOT_FOUND"


async def test_permanently_deleting_a_live_version_is_version_not_soft_deleted(
    gql_http: GraphQLHttp, existing_subject: str
) -> None:
    error = await gql_http.error(
        DELETE_VERSION, {"subject": existing_subject, "version": 1, "permanent": True}
    )

    assert error["extensions"]["code"] == "VERSION_NOT_SOFT_DELETED"


async def test_lookup_of_unregistered_content_under_an_existing_subject_is_schema_not_found(
    gql_http: GraphQLHttp, existing_subject: str
) -> None:
    other = object_schema({"somethingElse": "boolean"})

    error = await gql_http.error(LOOKUP, {"subject": existing_subject, "schema": other})

    assert error["extensions"]["code"] == "SCHEMA_NOT_FOUND"


@pytest.mark.parametrize(
    "text",
    ["this is not json", '{"type": 5}', '{"type": "object"', "[1, 2]", '{"$ref": "#/nowhere"}'],
    ids=["not-json", "type-is-a-number", "truncated", "array", "dangling-ref"],
)
async def test_malformed_schemas_are_invalid_schema(gql_http: GraphQLHttp, text: str) -> None:
    subject = unique_subject("invalid")

    body = await gql_http.execute(REGISTER, {"subject": subject, "schema": text})

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "INVALID_SCHEMA"
    assert_no_leak(str(body))
    assert (await gql_http.data(SUBJECT_NAME, {"subject": subject})) == {"subject": None}


async def test_an_incompatible_change_is_incompatible_schema(
    gql_http: GraphQLHttp, existing_subject: str
) -> None:
    retyped = object_schema({"name": "integer"}, ["name"])

    error = await gql_http.error(REGISTER, {"subject": existing_subject, "schema": retyped})

    assert error["extensions"]["code"] == "INCOMPATIBLE_SCHEMA"
    assert any("name" in message for message in error["extensions"]["messages"])


@pytest.mark.parametrize(
    "subject",
    ["", "x" * 256, "bad\u0001name", "tab\tname"],
    ids=["empty", "256-characters", "control-character", "tab"],
)
async def test_bad_subject_names_are_bad_user_input(gql_http: GraphQLHttp, subject: str) -> None:
    for query, variables in [
        (REGISTER, {"subject": subject, "schema": V1}),
        (LOOKUP, {"subject": subject, "schema": V1}),
        ("query($s: String!) { subject(name: $s) { name } }", {"s": subject}),
        ("query($s: String!) { config(subject: $s) { compatibility } }", {"s": subject}),
    ]:
        error = await gql_http.error(query, variables)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (query, error)


async def test_a_255_character_subject_name_is_accepted(gql_http: GraphQLHttp) -> None:
    subject = unique_subject("long").ljust(255, "x")

    registered = await gql_http.register(subject, V1)

    assert registered["subject"] == subject


async def test_a_schema_over_the_size_limit_is_bad_user_input(gql_http: GraphQLHttp) -> None:
    oversize = object_schema({f"field{i:04d}": "string" for i in range(200)})
    assert len(oversize.encode()) > MAX_SCHEMA_BYTES

    error = await gql_http.error(REGISTER, {"subject": unique_subject("big"), "schema": oversize})

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert str(MAX_SCHEMA_BYTES) in error["message"]


async def test_a_schema_just_under_the_size_limit_is_accepted(gql_http: GraphQLHttp) -> None:
    description = "d" * (MAX_SCHEMA_BYTES - 100)
    schema = '{"type": "object", "description": "' + description + '"}'
    assert len(schema.encode()) <= MAX_SCHEMA_BYTES

    registered = await gql_http.register(unique_subject("fits"), schema)

    assert registered["version"] == 1


async def test_a_variable_of_the_wrong_type_is_bad_user_input(gql_http: GraphQLHttp) -> None:
    body = await gql_http.execute(
        "query($id: Int!) { schema(id: $id) { id } }", {"id": "not a number"}
    )

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "data" not in body or body["data"] is None


async def test_a_missing_required_variable_is_bad_user_input(gql_http: GraphQLHttp) -> None:
    error = await gql_http.error("query($id: Int!) { schema(id: $id) { id } }", {})

    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_missing_required_argument_is_bad_user_input(gql_http: GraphQLHttp) -> None:
    error = await gql_http.error("{ schema { id } }")

    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_text_that_is_not_a_schema_of_the_format_is_invalid_schema(
    gql_http: GraphQLHttp,
) -> None:
    for format in ("AVRO", "PROTOBUF"):
        error = await gql_http.error(
            "mutation($s: String!, $f: SchemaFormat!) "
            '{ registerSchema(subject: $s, schema: "{}", format: $f) { id } }',
            {"s": unique_subject(format.lower()), "f": format},
        )

        assert error["extensions"]["code"] == "INVALID_SCHEMA", format
        assert error["message"], format


async def test_set_compatibility_without_a_level_is_not_an_internal_error(
    gql_http: GraphQLHttp, existing_subject: str
) -> None:
    """``level`` is a nullable argument, so GraphQL lets a client omit it."""
    await gql_http.set_compatibility(existing_subject, "FULL")

    body = await gql_http.execute(
        "mutation($s: String!) { setCompatibility(subject: $s) { configured } }",
        {"s": existing_subject},
    )

    assert_no_internal_error(body)


async def test_a_non_positive_version_is_bad_user_input(
    gql_http: GraphQLHttp, existing_subject: str
) -> None:
    error = await gql_http.error(VERSION, {"subject": existing_subject, "number": 0})

    assert error["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    "query",
    [
        "{ noSuchField }",
        "{ subjects { noSuchField } }",
        "mutation { setCompatibility(level: SOMETIMES) { compatibility } }",
        "query { schema(id: 1) { id } } query { schema(id: 2) { id } }",
    ],
    ids=["unknown-field", "unknown-subfield", "bad-enum", "anonymous-pair"],
)
async def test_invalid_documents_are_graphql_validation_failed(
    gql_http: GraphQLHttp, query: str
) -> None:
    body = await gql_http.execute(query)

    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", body
    assert "data" not in body or body["data"] is None


@pytest.mark.parametrize("query", ["query {", '{ subject(name: "x") { name }'])
async def test_unparseable_documents_are_graphql_parse_failed(
    gql_http: GraphQLHttp, query: str
) -> None:
    body = await gql_http.execute(query)

    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED", body


# Big but cheap to answer: the point is the size of the request, not the work.
_HUGE_QUERY = "{ " + " ".join(f"a{i}: __typename" for i in range(10_000)) + " }"
_HUGE_COMMENT = "{ __typename }\n#" + "x" * 4_000_000
_DEEP_QUERY = "{ " + "subjects { " * 5_000 + "name" + " }" * 5_000 + " }"
_MANY_ERRORS = "{ " + " ".join(f'a{i}: subject(name: "") {{ name }}' for i in range(300)) + " }"
_JSON = {"content-type": "application/json"}
GARBAGE = [
    pytest.param("POST", {"content": b"not json at all", "headers": _JSON}, id="non-json"),
    pytest.param("POST", {"content": b"", "headers": _JSON}, id="empty"),
    pytest.param("POST", {"content": b"\xff\xfe{\x00", "headers": _JSON}, id="invalid-utf8"),
    pytest.param("POST", {"content": b"[1, 2, 3]", "headers": _JSON}, id="json-array"),
    pytest.param("POST", {"content": b"42", "headers": _JSON}, id="json-number"),
    pytest.param("POST", {"content": b'{"query": 5}', "headers": _JSON}, id="query-not-string"),
    pytest.param(
        "POST",
        {"json": {"query": "{ subjects { name } }", "variables": [1]}},
        id="variables-not-object",
    ),
    pytest.param(
        "POST",
        {"json": {"query": "query A { subjects { name } }", "operationName": "B"}},
        id="unknown-operation-name",
    ),
    pytest.param(
        "POST",
        {"content": b"{ subjects { name } }", "headers": {"content-type": "text/plain"}},
        id="text-plain",
    ),
    pytest.param("POST", {"json": {"query": _HUGE_QUERY}}, id="huge-query"),
    pytest.param("POST", {"json": {"query": _HUGE_COMMENT}}, id="huge-comment"),
    pytest.param("POST", {"json": {"query": _DEEP_QUERY}}, id="deep-nesting"),
    pytest.param("POST", {"json": {"query": _MANY_ERRORS}}, id="many-errors"),
    pytest.param("GET", {"params": {}}, id="get-without-query"),
    pytest.param("GET", {"params": {"query": "{{{{", "variables": "nope"}}, id="get-garbage"),
    pytest.param(
        "GET",
        {"params": {"query": 'mutation { deleteSubject(subject: "x") }'}},
        id="get-mutation",
    ),
    pytest.param("PUT", {"content": b"{}", "headers": _JSON}, id="put"),
]


@pytest.fixture
async def raw_http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=WAIT * 3) as client:
        yield client


@pytest.mark.parametrize(("method", "request_options"), GARBAGE)
async def test_garbage_requests_get_a_client_error_never_a_server_error_or_a_trace(
    module_server: ServerProcess,
    raw_http: httpx.AsyncClient,
    method: str,
    request_options: dict[str, Any],
) -> None:
    response = await raw_http.request(method, module_server.graphql_url, **request_options)

    assert response.status_code < 500, (response.status_code, response.text[:500])
    assert_no_leak(response.text[:100_000])
    if "json" in response.headers.get("content-type", "") and response.content:
        body = response.json()
        if isinstance(body, dict):
            assert_no_internal_error(body)


async def test_error_responses_carry_codes_but_no_internals(gql_http: GraphQLHttp) -> None:
    requests: list[tuple[str, dict[str, Any]]] = [
        (REGISTER, {"subject": "", "schema": V1}),
        (REGISTER, {"subject": unique_subject("x"), "schema": "{"}),
        (LOOKUP, {"subject": unique_subject("x"), "schema": V1}),
        ("{ nope }", {}),
        ("query($id: Int!) { schema(id: $id) { id } }", {"id": []}),
    ]
    for query, variables in requests:
        response = await gql_http.post(query, variables)
        assert response.status_code < 500
        assert_no_leak(response.text)
        for error in response.json()["errors"]:
            assert set(error["extensions"]) >= {"code"}
            assert error["extensions"]["code"] != "INTERNAL_ERROR"


# ---- lone surrogates -------------------------------------------------------------------

SURROGATE_SCHEMAS = [
    pytest.param('{"description": "\\ud800"}', id="escaped-in-a-description"),
    pytest.param('{"description": "\ud800"}', id="raw-in-a-description"),
    pytest.param('{"properties": {"\\udfff": {"type": "string"}}}', id="in-a-property-name"),
    pytest.param('{"$ref": "#/\\ud800"}', id="in-a-reference"),
]


async def post_ascii(
    gql_http: GraphQLHttp, query: str, variables: dict[str, Any] | None = None, **extra: Any
) -> httpx.Response:
    """POST with every non-ASCII character escaped, so a lone surrogate can be sent."""
    payload = {"query": query, "variables": variables, **extra}
    return await gql_http.http.post(
        gql_http.server.graphql_url,
        content=json.dumps(payload).encode("ascii"),
        headers={"content-type": "application/json"},
    )


@pytest.mark.parametrize("query", [REGISTER, CHECK_VERSION], ids=["register", "check"])
@pytest.mark.parametrize("text", SURROGATE_SCHEMAS)
async def test_a_schema_with_a_lone_surrogate_is_invalid_schema_never_an_internal_error(
    gql_http: GraphQLHttp, existing_subject: str, query: str, text: str
) -> None:
    response = await post_ascii(gql_http, query, {"subject": existing_subject, "schema": text})

    assert response.status_code == 200, response.text[:500]
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_SCHEMA"]
    assert_no_leak(response.text)


@pytest.mark.parametrize(
    ("query", "variables", "extra"),
    [
        (
            "mutation($l: CompatibilityLevel) { setCompatibility(level: $l) { configured } }",
            {"l": "\ud800"},
            {},
        ),
        ("query($s: String!) { subject(name: $s) { name } }", {"s": "a\ud800"}, {}),
        ("query($id: Int!) { schema(id: $id) { id } }", {"id": "\ud800"}, {}),
        ("query A { __typename }", None, {"operationName": "\ud800"}),
        ("{ \ud800 }", None, {}),
    ],
    ids=["enum-variable", "subject-variable", "int-variable", "operation-name", "document"],
)
async def test_a_lone_surrogate_anywhere_in_a_request_never_gets_a_server_error(
    gql_http: GraphQLHttp,
    query: str,
    variables: dict[str, Any] | None,
    extra: dict[str, Any],
) -> None:
    response = await post_ascii(gql_http, query, variables, **extra)

    assert response.status_code < 500, response.text[:500]
    assert_no_leak(response.text)
    if response.headers.get("content-type", "").startswith("application/json"):
        assert_no_internal_error(response.json())


# ---- request limits and shapes --------------------------------------------------------


def _tracebacks_logged(server: ServerProcess) -> int:
    assert server.log_path is not None
    return server.log_path.read_text(errors="replace").count("Traceback")


@pytest.mark.parametrize(
    "request_options",
    [
        {"json": {"query": "subscription { schemaChanges { sequence } }"}},
        {
            "json": {
                "query": "subscription S($after: Int) { schemaChanges(after: $after) { kind } }",
                "variables": {"after": 0},
                "operationName": "S",
            }
        },
    ],
    ids=["anonymous", "named-with-variables"],
)
async def test_a_subscription_sent_as_a_plain_post_is_a_bad_request(
    module_server: ServerProcess, raw_http: httpx.AsyncClient, request_options: dict[str, Any]
) -> None:
    tracebacks = _tracebacks_logged(module_server)

    response = await raw_http.post(module_server.graphql_url, **request_options)

    assert response.status_code == 400, (response.status_code, response.text[:500])
    assert_no_leak(response.text)
    assert _tracebacks_logged(module_server) == tracebacks


async def test_more_than_30_aliases_are_graphql_validation_failed(gql_http: GraphQLHttp) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(31))

    body = await gql_http.execute("{ " + aliases + " }")

    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", body
    assert "alias" in body["errors"][0]["message"]
    assert body.get("data") is None


async def test_a_document_over_20000_tokens_is_graphql_parse_failed(
    gql_http: GraphQLHttp,
) -> None:
    query = "{ " + " ".join(["__typename"] * 20_000) + " }"

    body = await gql_http.execute(query)

    assert [e["extensions"]["code"] for e in body["errors"]] == ["GRAPHQL_PARSE_FAILED"], body
    assert "tokens" in body["errors"][0]["message"]


@pytest.mark.parametrize("content", [b"42", b"null", b'"x"', b"true", b"1.5"])
async def test_a_json_body_that_is_not_an_object_is_a_400(
    module_server: ServerProcess, raw_http: httpx.AsyncClient, content: bytes
) -> None:
    response = await raw_http.post(module_server.graphql_url, content=content, headers=_JSON)

    assert response.status_code == 400, (response.status_code, response.text[:500])
    assert_no_leak(response.text)


@pytest.mark.parametrize("prefix", ["\u0000", "p" * 256], ids=["nul", "256-characters"])
async def test_a_malformed_subjects_prefix_is_bad_user_input(
    gql_http: GraphQLHttp, prefix: str
) -> None:
    error = await gql_http.error(
        "query($p: String) { subjects(prefix: $p) { name } }", {"p": prefix}
    )

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["path"] == ["subjects"]
