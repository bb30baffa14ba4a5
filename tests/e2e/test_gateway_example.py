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
REGISTER = """
mutation($subject: String!, $schema: String!) {
  registerSchema(subject: $subject, schema: $schema) { version id }
}
"""


def weather_schema(extra: int) -> str:
    """Version 1 + extra: each adds an optional property to a closed object (BACKWARD)."""
    properties: dict[str, Any] = {"city": {"type": "string"}}
    properties.update({f"option{i}": {"type": "string"} for i in range(extra)})
    return json.dumps(
        {
            "type": "object",
            "properties": properties,
            "required": ["city"],
            "additionalProperties": False,
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
        register(http, registry, WEATHER, weather_schema(0))
        register(http, registry, "tools.search", weather_schema(0))
        gateway = Gateway(registry, tmp_path / "gateway.log")
        try:
            gateway.wait_live(http)
            tools = http.get(gateway.url + "/tools", params={"provider": "openai"}).json()
            assert [v["subject"] for v in tools["versions"]] == [WEATHER, "tools.search"]
            assert len(tools["tools"]) == 2
            anthropic = http.get(gateway.url + "/tools", params={"provider": "anthropic"}).json()
            assert "input_schema" in anthropic["tools"][0]

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
                assert status["registryRequests"] == before["registryRequests"], status

                # The new version is enforced: its new property is accepted now.
                option = f"option{extra - 1}"
                enforced = http.post(
                    gateway.url + "/chat",
                    json={
                        "message": "Oslo",
                        "tool": "get_weather",
                        "arguments": {"city": "Oslo", option: "x"},
                    },
                )
                assert enforced.status_code == 200, enforced.text
                assert enforced.json()["schema"]["version"] == version
        finally:
            gateway.stop()

    assert statistics.median(to_callback) < 0.1, to_callback
    assert statistics.median(to_tools) < 0.1, to_tools
