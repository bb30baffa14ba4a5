"""What an operator meets first: the root page, the version, build and process metrics,
and one log format in which refused requests are visible with their code."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import (
    WAIT,
    GraphQLHttp,
    new_server,
    object_schema,
    poll,
    sqlite_file_url,
    start_server,
    stop_server,
    unique_subject,
)
from tests.support.server import ROOT, ServerProcess

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: "
)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        yield client


def cli_version() -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "app.cli", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.split()[-1]


def checkout_commit() -> str:
    completed = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return completed.stdout.strip()


async def test_the_root_points_to_every_api(
    module_server: ServerProcess, http: httpx.AsyncClient
) -> None:
    response = await http.get(f"{module_server.url}/")

    assert response.status_code == 200
    index = response.json()
    assert index["name"] == "llm-schema-registry"
    assert index["version"] == cli_version()
    assert index["graphql"] == "/graphql"
    assert index["openapi"] == "/openapi.json"
    assert index["rest"] == "/"
    for key in ("openapi", "health", "ready", "metrics"):
        linked = await http.get(f"{module_server.url}{index[key]}")
        assert linked.status_code == 200, (key, linked.text)
    ide = await http.get(f"{module_server.url}{index['graphiql']}", headers={"Accept": "text/html"})
    assert ide.status_code == 200
    assert "graphiql" in ide.text.lower()


async def test_metrics_carry_process_python_and_build_information(
    module_server: ServerProcess, http: httpx.AsyncClient
) -> None:
    text = (await http.get(f"{module_server.url}/metrics")).text

    for family in (
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
        "process_open_fds",
        "python_info",
        "python_gc_objects_collected_total",
    ):
        assert re.search(rf"^{family}(\{{.*\}})? \S+$", text, re.MULTILINE), family
    build = re.search(r"^registry_build_info\{(.*)\} 1\.0$", text, re.MULTILINE)
    assert build is not None, text
    labels = dict(re.findall(r'(\w+)="([^"]*)"', build.group(1)))
    assert labels == {"version": cli_version(), "commit": checkout_commit()}


async def test_the_build_commit_can_be_given_by_the_image(
    tmp_path: Path, http: httpx.AsyncClient
) -> None:
    server = new_server(sqlite_file_url(tmp_path), REGISTRY_BUILD_COMMIT="0123abcd")
    await start_server(server)
    try:
        text = (await http.get(f"{server.url}/metrics")).text
    finally:
        await stop_server(server)

    assert 'commit="0123abcd"' in text


async def test_access_application_and_refusal_lines_share_one_timestamped_format(
    tmp_path: Path, http: httpx.AsyncClient
) -> None:
    log_path = tmp_path / "server.log"
    server = new_server(sqlite_file_url(tmp_path), log_path)
    await start_server(server)
    subject = unique_subject("logged")
    try:
        gql = GraphQLHttp(http, server)
        await gql.register(subject, object_schema({"a": "string"}, ["a"]))
        refused = await gql.error(
            "mutation($s: String!, $v: String!) { registerSchema(subject: $s, schema: $v) { id } }",
            {"s": subject, "v": object_schema({"a": "string", "b": "string"}, ["a", "b"])},
        )
        assert refused["extensions"]["code"] == "INCOMPATIBLE_SCHEMA"
        rest = await http.post(
            f"{server.url}/subjects/{subject}/versions",
            json={"schemaType": "JSON", "schema": "{not json"},
        )
        assert rest.status_code == 422
        lines = await poll(
            lambda: _read_lines(log_path),
            lambda found: any("rest POST" in line for line in found),
        )
    finally:
        await stop_server(server)

    lines = read_lines(log_path)
    assert lines
    for line in lines:
        assert LOG_LINE.match(line), line
    assert any(
        line.split(" ", 1)[1].startswith("WARNING graph.errors: graphql mutation registerSchema")
        and "refused: INCOMPATIBLE_SCHEMA" in line
        for line in lines
    ), lines
    assert any(
        " WARNING rest.errors: rest POST " in line and "refused: 42201 (INVALID_SCHEMA)" in line
        for line in lines
    ), lines
    assert any(
        " INFO uvicorn.access: " in line and '"POST /graphql HTTP/1.1" 200' in line
        for line in lines
    ), lines
    assert not any("Traceback" in line for line in lines)


async def test_a_refused_read_is_logged_as_information_not_as_a_warning(
    module_server: ServerProcess, gql_http: GraphQLHttp
) -> None:
    assert module_server.log_path is not None
    subject = unique_subject("absent")
    error = await gql_http.error(
        'query($s: String!) { lookupSchema(subject: $s, schema: "{}") { id } }', {"s": subject}
    )
    code = error["extensions"]["code"]

    lines = await poll(
        lambda: _read_lines(module_server.log_path or Path()),
        lambda found: any(code in line and "lookupSchema" in line for line in found),
    )
    logged = [line for line in lines if code in line and "lookupSchema" in line]
    assert logged and all(" INFO graph.errors: graphql query lookupSchema" in x for x in logged)


def read_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(errors="replace").splitlines() if line.strip()]


async def _read_lines(path: Path) -> list[str]:
    return await asyncio.to_thread(read_lines, path)
