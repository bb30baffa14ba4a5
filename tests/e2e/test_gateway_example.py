"""The gateway example (examples/gateway) running for real against a real registry: a new
version of a tool is served and enforced at once, with no restart, no poll and no registry
request for the tool list."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import new_server, sqlite_file_url
from tests.support.server import ROOT, ServerProcess, free_port

PREFIX = "tools."
WEATHER = "tools.get_weather"
SEARCH = "tools.search"
REGISTER = """
mutation($subject: String!, $schema: String!) {
  registerSchema(subject: $subject, schema: $schema) { version id }
}
"""
SET_LLM_POLICY = """
mutation($subject: String!) { setCompatibility(subject: $subject, policy: LLM) { policy } }
"""


def weather_schema(extra: int) -> str:
    """Version 1 + extra, in OpenAI's strict form (closed, every property required): each
    version adds an optional parameter, spelled nullable, which the LLM policy accepts."""
    properties: dict[str, Any] = {"city": {"type": "string"}}
    properties.update({f"option{i}": {"type": ["string", "null"]} for i in range(extra)})
    return json.dumps(
        {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }
    )


# An open object with an optional parameter: Gemini's Schema object and Anthropic's plain
# tool use take it, OpenAI's strict mode does not.
SEARCH_SCHEMA = json.dumps(
    {
        "type": "object",
        "properties": {"query": {"type": "string"}, "limit": {"type": "integer"}},
        "required": ["query"],
    }
)


class Gateway:
    def __init__(self, registry: ServerProcess, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log, "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "examples.gateway.app:create_app_from_env",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", "GATEWAY_REGISTRY_URL": registry.url},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_live(self, http: httpx.Client) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the gateway exited"
            try:
                if http.get(self.url + "/status").json()["live"]:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError("the gateway did not connect to the registry")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[ServerProcess]:
    server = new_server(sqlite_file_url(tmp_path), tmp_path / "registry.log").start()
    try:
        yield server
    finally:
        server.stop()


def register(http: httpx.Client, registry: ServerProcess, subject: str, schema: str) -> int:
    body = {"query": REGISTER, "variables": {"subject": subject, "schema": schema}}
    answer = http.post(registry.graphql_url, json=body).json()
    assert not answer.get("errors"), answer
    version: int = answer["data"]["registerSchema"]["version"]
    return version


def test_a_new_tool_version_is_served_and_enforced_at_once(
    registry: ServerProcess, tmp_path: Path
) -> None:
    with httpx.Client(timeout=10) as http:
        answer = http.post(
            registry.graphql_url, json={"query": SET_LLM_POLICY, "variables": {"subject": WEATHER}}
        ).json()
        assert answer["data"]["setCompatibility"]["policy"] == "LLM", answer
        register(http, registry, WEATHER, weather_schema(0))
        register(http, registry, SEARCH, SEARCH_SCHEMA)
        gateway = Gateway(registry, tmp_path / "gateway.log")
        try:
            gateway.wait_live(http)
            served = {
                provider: http.get(gateway.url + "/tools", params={"provider": provider}).json()
                for provider in ("openai", "anthropic", "gemini")
            }
            # Each provider is served the tools it takes; the others are reported.
            assert [v["subject"] for v in served["openai"]["versions"]] == [WEATHER]
            assert served["openai"]["tools"][0]["function"]["strict"] is True
            assert [(r["subject"], r["code"]) for r in served["openai"]["refused"]] == [
                (SEARCH, "PROVIDER_LINT_FAILED")
            ]
            anthropic = served["anthropic"]["tools"]
            assert [(t["name"], t.get("strict")) for t in anthropic] == [
                ("get_weather", True),  # in the strict subset
                ("search", None),  # plain tool use
            ]
            assert served["anthropic"]["refused"] == []
            assert [t["name"] for t in served["gemini"]["tools"]] == ["search"]
            assert served["gemini"]["tools"][0]["parameters"]["type"] == "OBJECT"
            refused = served["gemini"]["refused"]
            assert [(r["subject"], r["version"]) for r in refused] == [(WEATHER, 1)]
            assert refused[0]["findings"][0]["pointer"] == "#/additionalProperties"
            status = http.get(gateway.url + "/status").json()
            assert status["refused"] == {
                "OPENAI": served["openai"]["refused"],
                "ANTHROPIC": [],
                "GEMINI": refused,
            }

            ok = http.post(gateway.url + "/chat", json={"message": "Oslo", "tool": "get_weather"})
            assert ok.status_code == 200, ok.text
            assert ok.json()["toolCall"]["arguments"] == {"city": "Oslo"}
            bad = http.post(
                gateway.url + "/chat",
                json={"message": "x", "tool": "get_weather", "arguments": {"city": 3}},
            )
            assert bad.status_code == 502, bad.text
            assert bad.json()["errors"][0]["instancePath"] == "/city"

            to_callback: list[float] = []
            to_tools: list[float] = []
            for extra in range(1, 6):
                before = http.get(gateway.url + "/status").json()
                sent = time.time()
                version = register(http, registry, WEATHER, weather_schema(extra))
                while True:
                    answer = http.get(gateway.url + "/tools", params={"provider": "openai"})
                    versions = {v["subject"]: v["version"] for v in answer.json()["versions"]}
                    if versions[WEATHER] == version:
                        to_tools.append(time.time() - sent)
                        break
                    assert time.time() - sent < 10, "the gateway never served the new version"
                # /tools may show the version a moment before the hook has run.
                while True:
                    status = http.get(gateway.url + "/status").json()
                    found = [c for c in status["changes"] if c["version"] == version]
                    if found:
                        change = found[0]
                        break
                    assert time.time() - sent < 10, "the gateway's hook never ran"
                to_callback.append(change["receivedAt"] - sent)
                # Nothing asked the registry for the tool list between registration and use.
                assert status["registryRequests"] == before["registryRequests"], (
                    before["registryRequestsByOperation"],
                    status["registryRequestsByOperation"],
                )
                # Gemini's refusal followed the new version too.
                gemini = status["refused"]["GEMINI"]
                assert [(r["subject"], r["version"]) for r in gemini] == [(WEATHER, version)]

                # The new version is enforced: its new parameter is accepted now.
                arguments = {"city": "Oslo", **{f"option{i}": None for i in range(extra)}}
                arguments[f"option{extra - 1}"] = "x"
                enforced = http.post(
                    gateway.url + "/chat",
                    json={"message": "Oslo", "tool": "get_weather", "arguments": arguments},
                )
                assert enforced.status_code == 200, enforced.text
                assert enforced.json()["schema"]["version"] == version
        finally:
            gateway.stop()

    assert statistics.median(to_callback) < 0.1, to_callback
    assert statistics.median(to_tools) < 0.1, to_tools
