"""Every GraphQL and curl example in the README runs as pasted, in order, against a fresh
server: a user who copies them gets what the README says."""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import (
    WAIT,
    Subscription,
    new_server,
    sqlite_file_url,
    start_server,
    stop_server,
)
from tests.support.server import ROOT

README = ROOT / "README.md"
DOCUMENTED_URL = "http://127.0.0.1:8000"

# An optional "<!-- expect: CODE -->" line before a block says the example is meant to be
# refused with that error code.
_BLOCK = re.compile(
    r"(?:^<!-- expect: (?P<expect>[A-Z_]+) -->\n)?^```(?P<lang>graphql|sh)\n(?P<body>.*?)^```",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class Example:
    lang: str
    body: str
    expect: str | None
    line: int

    def __str__(self) -> str:
        return f"README.md line {self.line}"


def examples() -> list[Example]:
    text = README.read_text()
    found = []
    for match in _BLOCK.finditer(text):
        lang, body = match["lang"], match["body"]
        if lang == "sh" and "curl " not in body:
            continue  # commands to run the server, not API examples
        found.append(Example(lang, body, match["expect"], text.count("\n", 0, match.start()) + 1))
    return found


def test_the_readme_has_graphql_and_curl_examples() -> None:
    found = examples()
    assert sum(e.lang == "graphql" for e in found) >= 6
    assert sum(e.lang == "sh" for e in found) >= 1
    assert any(e.body.lstrip().startswith("subscription") for e in found)
    assert any(e.expect for e in found)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        yield client


def run_curl(script: str, url: str) -> str:
    completed = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script.replace(DOCUMENTED_URL, url)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


async def test_every_example_runs_as_pasted(tmp_path: Path, http: httpx.AsyncClient) -> None:
    server = new_server(sqlite_file_url(tmp_path))
    await start_server(server)
    subscriptions: list[tuple[Example, Subscription]] = []
    try:
        async with AsyncExitStack() as opened:
            for example in examples():
                if example.lang == "sh":
                    output = await asyncio.to_thread(run_curl, example.body, server.url)
                    assert output.strip(), example
                    assert "error_code" not in output, (example, output)
                    continue
                if example.body.lstrip().startswith("subscription"):
                    subscription = Subscription(server.ws_url, {}, query=example.body)
                    await opened.enter_async_context(subscription)
                    subscriptions.append((example, subscription))
                    continue
                response = await http.post(server.graphql_url, json={"query": example.body})
                assert response.status_code == 200, (example, response.text)
                result = response.json()
                if example.expect:
                    codes = [e["extensions"]["code"] for e in result.get("errors", [])]
                    assert codes == [example.expect], (example, result)
                else:
                    assert not result.get("errors"), (example, result)
                    assert all(value is not None for value in result["data"].values()), example
            # Each subscription example sees the tour's registrations.
            for example, subscription in subscriptions:
                event = await subscription.next()
                assert event["subject"].startswith("tools."), (example, event)
                assert event["kind"] == "REGISTERED", (example, event)
    finally:
        await stop_server(server)
