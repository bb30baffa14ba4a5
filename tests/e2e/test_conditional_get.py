"""Conditional GET on a real server: every API read over GET carries an ETag, a matching
If-None-Match is answered 304 without a body, and a change answers 200 with a new tag."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.e2e.conftest import unique_subject
from tests.support.server import ServerProcess

REGISTER = "mutation($s: String!, $t: String!) { registerSchema(subject: $s, schema: $t) { id } }"
LATEST = "query($s: String!) { subject(name: $s) { latest { id version } } }"


def schema(field: str, description: str = "") -> str:
    document = {"type": "object", "properties": {field: {"type": "string"}}}
    return json.dumps({**document, "description": description} if description else document)


def register(server: ServerProcess, subject: str, text: str) -> None:
    answer = httpx.post(
        server.graphql_url, json={"query": REGISTER, "variables": {"s": subject, "t": text}}
    ).json()
    assert "errors" not in answer, answer


def graphql_get(server: ServerProcess, subject: str, **headers: str) -> httpx.Response:
    return httpx.get(
        server.graphql_url,
        params={"query": LATEST, "variables": json.dumps({"s": subject})},
        headers={"accept": "application/json", **headers},
    )


def test_a_graphql_get_is_tagged_and_revalidated(module_server: ServerProcess) -> None:
    subject = unique_subject("etag")
    register(module_server, subject, schema("a"))

    first = graphql_get(module_server, subject)
    tag = first.headers["etag"]
    again = graphql_get(module_server, subject, **{"if-none-match": tag})
    weak = graphql_get(module_server, subject, **{"if-none-match": f'"x", W/{tag}'})
    register(module_server, subject, schema("a", "a second version"))
    changed = graphql_get(module_server, subject, **{"if-none-match": tag})

    assert first.status_code == 200 and first.json()["data"]["subject"]["latest"]["version"] == 1
    assert first.headers["cache-control"] == "no-cache"
    assert "Authorization" in first.headers["vary"]
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)
    assert weak.status_code == 304
    assert changed.status_code == 200
    assert changed.json()["data"]["subject"]["latest"]["version"] == 2
    assert changed.headers["etag"] != tag


@pytest.mark.parametrize(
    "path",
    [
        "/subjects/{s}/versions/latest",
        "/subjects/{s}/versions",
        "/subjects",
        "/schemas/ids/{id}",
        "/config",
    ],
)
def test_rest_reads_are_tagged_and_revalidated(module_server: ServerProcess, path: str) -> None:
    subject = unique_subject("etag-rest")
    register(module_server, subject, schema("a"))
    schema_id = httpx.get(f"{module_server.url}/subjects/{subject}/versions/1").json()["id"]
    url = module_server.url + path.format(s=subject, id=schema_id)

    first = httpx.get(url)
    again = httpx.get(url, headers={"if-none-match": first.headers["etag"]})
    other = httpx.get(url, headers={"if-none-match": '"not-it"'})

    assert first.status_code == 200, first.text
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == first.headers["etag"]
    assert other.status_code == 200 and other.content == first.content


def test_writes_errors_and_probes_are_not_tagged(module_server: ServerProcess) -> None:
    subject = unique_subject("etag-none")
    posted = httpx.post(
        module_server.graphql_url,
        json={"query": REGISTER, "variables": {"s": subject, "t": schema("a")}},
    )
    missing = httpx.get(f"{module_server.url}/subjects/{unique_subject('nope')}/versions/latest")
    probes = [httpx.get(module_server.url + p) for p in ("/healthz", "/readyz", "/metrics")]

    assert "etag" not in posted.headers
    assert missing.status_code == 404 and "etag" not in missing.headers
    assert all("etag" not in p.headers for p in probes)


def test_the_immutable_schema_by_id_answer_keeps_its_own_caching(
    module_server: ServerProcess,
) -> None:
    subject = unique_subject("etag-id")
    register(module_server, subject, schema("a"))
    query = "query($i: Int!) { schema(id: $i) { id schema } }"
    schema_id = httpx.get(f"{module_server.url}/subjects/{subject}/versions/1").json()["id"]
    params = {"query": query, "variables": json.dumps({"i": schema_id})}

    answers = [httpx.get(module_server.graphql_url, params=params) for _ in range(2)]
    revalidated = httpx.get(
        module_server.graphql_url,
        params=params,
        headers={"if-none-match": answers[1].headers["etag"]},
    )

    assert "immutable" in answers[1].headers["cache-control"]
    assert answers[0].headers["etag"] == answers[1].headers["etag"]
    assert revalidated.status_code == 304
