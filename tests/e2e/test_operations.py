"""What operators rely on: probes, metrics, GraphiQL, HTTP caching, graceful shutdown."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import (
    DELETE_SUBJECT,
    WAIT,
    GraphQLHttp,
    Subscription,
    assert_graceful_exit,
    new_server,
    object_schema,
    poll,
    sqlite_file_url,
    start_server,
    stop_server,
    unique_subject,
)
from tests.support.server import ServerProcess

# Without authentication every cached answer is shared by all callers.
SHARED_CACHE_HITS = 'registry_response_cache_hits_total{kind="shared"}'
SHUTDOWN_TIMEOUT = 3.0
V1 = object_schema({"name": "string"}, ["name"])


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        yield client


def schema_by_id_query(schema_id: int) -> str:
    return f"{{ schema(id: {schema_id}) {{ id schema format }} }}"


async def get_schema_by_id(
    http: httpx.AsyncClient, server: ServerProcess, schema_id: int, etag: str | None = None
) -> httpx.Response:
    headers = {"accept": "application/json"}
    if etag is not None:
        headers["if-none-match"] = etag
    return await http.get(
        server.graphql_url, params={"query": schema_by_id_query(schema_id)}, headers=headers
    )


async def test_healthz_answers_ok(module_server: ServerProcess, http: httpx.AsyncClient) -> None:
    response = await http.get(f"{module_server.url}/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_the_last_sequence_it_has_seen(gql_http: GraphQLHttp) -> None:
    before = await gql_http.readiness()
    await gql_http.register(unique_subject("ready"), V1)

    after = await poll(
        gql_http.readiness, lambda ready: ready["lastSequence"] > before["lastSequence"]
    )

    assert before["status"] == "ok"
    assert after["lastSequence"] == before["lastSequence"] + 1


async def test_readyz_answers_ok_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    server = await start_server(new_server(postgres_url, tmp_path / "server.log"))
    try:
        async with httpx.AsyncClient(timeout=WAIT) as client:
            response = await client.get(f"{server.url}/readyz")
    finally:
        await stop_server(server)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ok",
        "lastSequence": 0,
        "broadcast": "up",
        "eventPollInterval": 0.2,
    }


async def test_metrics_count_http_requests_and_graphql_operations_by_field(
    gql_http: GraphQLHttp, module_server: ServerProcess
) -> None:
    subject = unique_subject("metrics")
    await gql_http.register(subject, V1)
    await gql_http.error(
        'mutation($s: String!) { registerSchema(subject: $s, schema: "[") { id } }',
        {"s": subject},
    )

    text = (await gql_http.http.get(f"{module_server.url}/metrics")).text

    assert re.search(
        r'^registry_http_requests_total\{.*route="/graphql".*status="200".*\} [1-9]', text, re.M
    )
    assert re.search(
        r'^registry_graphql_operations_total\{.*field="registerSchema".*outcome="ok".*\} [1-9]',
        text,
        re.M,
    )
    assert re.search(
        r'^registry_graphql_operations_total\{.*field="registerSchema"'
        r'.*outcome="INVALID_SCHEMA".*\} [1-9]',
        text,
        re.M,
    )
    assert "registry_http_request_duration_seconds_bucket" in text


async def test_metric_labels_never_carry_subject_names_paths_or_unknown_fields(
    gql_http: GraphQLHttp, module_server: ServerProcess
) -> None:
    subject = unique_subject("secretsubject")
    await gql_http.register(subject, V1)
    await gql_http.data("query($n: String!) { subject(name: $n) { name } }", {"n": subject})
    await gql_http.execute("{ mySecretFieldName }")
    await gql_http.http.get(f"{module_server.url}/secret-path-{subject}")

    text = (await gql_http.http.get(f"{module_server.url}/metrics")).text

    assert "secretsubject" not in text
    assert "mySecretFieldName" not in text
    assert "secret-path" not in text
    assert re.search(r'route="other"', text)
    assert re.search(r'field="invalid",outcome="GRAPHQL_VALIDATION_FAILED"', text)


async def test_graphiql_is_served_to_browsers(
    module_server: ServerProcess, http: httpx.AsyncClient
) -> None:
    response = await http.get(module_server.graphql_url, headers={"accept": "text/html"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_a_schema_read_by_get_is_cacheable_and_revalidates_with_304(
    gql_http: GraphQLHttp, module_server: ServerProcess
) -> None:
    registered = await gql_http.register(unique_subject("etag"), object_schema({"etag": "string"}))
    http = gql_http.http

    first = await get_schema_by_id(http, module_server, registered["id"])
    second = await get_schema_by_id(http, module_server, registered["id"])
    etag = second.headers["etag"]
    revalidated = await get_schema_by_id(http, module_server, registered["id"], etag=etag)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.json()["data"]["schema"]["id"] == registered["id"]
    assert "immutable" in second.headers["cache-control"]
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated.headers["etag"] == etag


async def test_the_first_get_of_a_schema_already_carries_its_etag_and_cache_control(
    gql_http: GraphQLHttp, module_server: ServerProcess
) -> None:
    """The response cache's contract: responses of the fast path carry an ETag and GET
    ones are cacheable by HTTP caches, so a proxy in front can cache from the first."""
    registered = await gql_http.register(unique_subject("etag"), object_schema({"e1": "string"}))

    first = await get_schema_by_id(gql_http.http, module_server, registered["id"])
    second = await get_schema_by_id(gql_http.http, module_server, registered["id"])

    assert first.status_code == 200
    assert "etag" in first.headers
    assert "immutable" in first.headers.get("cache-control", "")
    assert first.headers["etag"] == second.headers["etag"]


async def test_a_stale_etag_gets_the_full_response(
    gql_http: GraphQLHttp, module_server: ServerProcess
) -> None:
    registered = await gql_http.register(unique_subject("etag"), object_schema({"e2": "string"}))
    await get_schema_by_id(gql_http.http, module_server, registered["id"])

    response = await get_schema_by_id(
        gql_http.http, module_server, registered["id"], etag='"not-the-etag"'
    )

    assert response.status_code == 200
    assert response.json()["data"]["schema"]["id"] == registered["id"]


async def test_a_repeated_post_read_is_served_from_the_cache(
    gql_http: GraphQLHttp, module_server: ServerProcess
) -> None:
    registered = await gql_http.register(unique_subject("post"), object_schema({"p": "string"}))
    query = schema_by_id_query(registered["id"])
    hits_before = await gql_http.metric(SHARED_CACHE_HITS)

    first = await gql_http.post(query)
    second = await gql_http.post(query)

    assert first.json() == second.json()
    assert "etag" in second.headers
    assert await gql_http.metric(SHARED_CACHE_HITS) == hits_before + 1


async def test_a_permanent_delete_invalidates_cached_schema_reads(
    gql_http: GraphQLHttp, module_server: ServerProcess
) -> None:
    subject = unique_subject("purge")
    registered = await gql_http.register(subject, object_schema({subject: "string"}))
    http = gql_http.http
    await get_schema_by_id(http, module_server, registered["id"])
    cached = await get_schema_by_id(http, module_server, registered["id"])
    assert "etag" in cached.headers

    await gql_http.data(DELETE_SUBJECT, {"subject": subject})
    after_soft = await get_schema_by_id(http, module_server, registered["id"])
    await gql_http.data(DELETE_SUBJECT, {"subject": subject, "permanent": True})
    # The cache is cleared when the deletion's event comes back through the hub, which
    # may be a moment after the mutation's response.
    after_permanent = await poll(
        lambda: get_schema_by_id(http, module_server, registered["id"]),
        lambda response: response.json()["data"]["schema"] is None,
        within=2,
    )
    revalidated = await get_schema_by_id(
        http, module_server, registered["id"], etag=cached.headers["etag"]
    )

    assert after_soft.json()["data"]["schema"]["id"] == registered["id"]
    assert after_permanent.status_code == 200
    assert after_permanent.json() == {"data": {"schema": None}}
    assert "immutable" not in after_permanent.headers.get("cache-control", "")
    assert revalidated.status_code == 200
    assert revalidated.json() == {"data": {"schema": None}}


async def test_a_permanent_delete_hides_the_schema_from_the_very_next_read_on_that_server(
    gql_http: GraphQLHttp, module_server: ServerProcess
) -> None:
    """The replica that deletes clears its own cache before the mutation answers: no
    wait, not even for the event to come back through the hub."""
    http = gql_http.http
    for attempt in range(10):
        subject = unique_subject("purge-now")
        registered = await gql_http.register(subject, object_schema({subject: "string"}))
        query = schema_by_id_query(registered["id"])
        for _ in range(2):
            assert "etag" in (await get_schema_by_id(http, module_server, registered["id"])).headers
            assert "etag" in (await gql_http.post(query)).headers
        await gql_http.data(DELETE_SUBJECT, {"subject": subject})

        await gql_http.data(DELETE_SUBJECT, {"subject": subject, "permanent": True})
        by_get = await get_schema_by_id(http, module_server, registered["id"])
        by_post = await gql_http.post(query)

        assert by_get.json() == {"data": {"schema": None}}, attempt
        assert by_post.json() == {"data": {"schema": None}}, attempt
        assert "immutable" not in by_get.headers.get("cache-control", "")


async def test_sigterm_with_an_open_subscription_shuts_down_within_the_timeout(
    tmp_path: Path,
) -> None:
    server = await start_server(
        new_server(
            sqlite_file_url(tmp_path),
            tmp_path / "server.log",
            REGISTRY_SHUTDOWN_TIMEOUT=str(SHUTDOWN_TIMEOUT),
        )
    )
    try:
        async with Subscription(server.ws_url, {"after": 0}) as changes:
            async with httpx.AsyncClient(timeout=WAIT) as client:
                gql_http = GraphQLHttp(client, server)
                await gql_http.register(unique_subject("shutdown"), V1)
                await gql_http.wait_for_subscribers(1)
            assert (await changes.next())["kind"] == "REGISTERED"

            started = time.monotonic()
            code = await stop_server(server)
            elapsed = time.monotonic() - started
            ended = await changes.wait_closed(seconds=2)
    finally:
        server.kill()

    assert_graceful_exit(code, tmp_path / "server.log")
    assert elapsed < SHUTDOWN_TIMEOUT + 3
    assert ended in ("end", "exception")


async def test_sigterm_makes_the_server_exit_with_status_zero(tmp_path: Path) -> None:
    """An orchestrator's stop is a normal end: the process must not report a failure."""
    server = await start_server(new_server(sqlite_file_url(tmp_path)))
    try:
        code = await stop_server(server)
    finally:
        server.kill()

    assert code == 0
