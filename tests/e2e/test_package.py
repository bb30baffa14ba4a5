"""The package as pip and the image deliver it, not as the checkout runs it.

The wheel is built from the files a Docker build of deploy/Dockerfile receives (the
checkout less its .dockerignore), installed with pip into a new virtualenv outside the
checkout, and its console script serves from a directory outside the checkout. A module
or data file the package leaves out (a migration, the OpenAPI document) fails here, as it
would in the image.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.docker_build import ROOT, copy_build_context
from tests.support.server import free_port

# Building and installing with its dependencies takes about 30 s here; the suite's
# per-test limit is sized for one server start.
pytestmark = pytest.mark.timeout(300)

SCRIPT = "llm-schema-registry"
MIGRATION_SCRIPTS = ("storage.migrations.env", "storage.migrations.versions.")
FIRST_PARTY = {path.parent.name for path in ROOT.glob("*/__init__.py")}
REGISTER = """
mutation Register($subject: String!, $schema: String!) {
  registerSchema(subject: $subject, schema: $schema) { id version }
}
"""
READ_BACK = """
query ReadBack($id: Int!, $subject: String!) {
  schema(id: $id) { id schema versions { subject version } }
  subject(name: $subject) { latest { version id schema } }
}
"""
WHERE_MODULES_COME_FROM = """
import importlib, json, sys, sysconfig
names = sys.argv[1:]
print(json.dumps({
    "purelib": sysconfig.get_path("purelib"),
    "files": {name: importlib.import_module(name).__file__ for name in names},
}))
"""


@dataclass(frozen=True)
class Installed:
    wheel: Path
    python: Path
    script: Path
    # A directory outside the checkout, to run from.
    outside: Path


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without Python path settings that could reach the checkout."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PYTHON") and key not in ("VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV")
    }
    env["PYTHONNOUSERSITE"] = "1"
    env.update(extra)
    return env


def run(command: Sequence[str | Path], cwd: Path, timeout: float = 240) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-3000:]}{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("package")
    assert not base.resolve().is_relative_to(ROOT)
    outside = base / "run"
    outside.mkdir()
    context = copy_build_context(base / "context")
    # As the image's first stage does; pip reuses its cache for the build backend.
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", base / "dist", context], base)
    (wheel,) = (base / "dist").glob("*.whl")
    venv = base / "venv"
    python = venv / "bin" / "python"
    # This suite's pip installs into the new environment (--python), which saves
    # bootstrapping a pip of its own there. A real install all the same: the wheel and its
    # dependencies from the package index, through pip's cache.
    run([sys.executable, "-m", "venv", "--without-pip", venv], base)
    run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", wheel], outside)
    return Installed(wheel, python, venv / "bin" / SCRIPT, outside)


def wheel_modules(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {
            name: archive.read(name)
            for name in archive.namelist()
            if name.endswith(".py") and ".dist-info/" not in name
        }


def top_level_packages(wheel: Path) -> set[str]:
    return {name.split("/")[0] for name in wheel_modules(wheel) if "/" in name}


def imported_top_levels(source: bytes, filename: str) -> Iterator[str]:
    """Absolute imports anywhere in a module, including those inside functions."""
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0]


def test_the_wheel_holds_every_package_its_modules_import(installed: Installed) -> None:
    packaged = top_level_packages(installed.wheel)
    assert "app" in packaged
    missing = sorted(
        f"{filename} imports {name}"
        for filename, source in wheel_modules(installed.wheel).items()
        for name in set(imported_top_levels(source, filename)) & FIRST_PARTY
        if name not in packaged
    )
    assert missing == []
    assert not packaged & {"tests", "load"}, "test and benchmark code stays out of the package"


def test_the_wheel_holds_every_file_of_its_packages(installed: Installed) -> None:
    tracked = run(["git", "ls-files", "--", *sorted(top_level_packages(installed.wheel))], ROOT)
    with zipfile.ZipFile(installed.wheel) as archive:
        packaged = set(archive.namelist())
    missing = sorted(set(tracked.split()) - packaged)
    assert missing == [], "add them to [tool.setuptools.package-data] in pyproject.toml"


def module_names(wheel: Path) -> list[str]:
    """Every module of the wheel but the migration scripts, which only Alembic can run
    (the server test below applies them)."""
    names = (
        name.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        for name in wheel_modules(wheel)
    )
    return sorted(name for name in names if not name.startswith(MIGRATION_SCRIPTS))


def test_every_module_imports_from_the_virtualenv(installed: Installed) -> None:
    """From outside the checkout, with only the dependencies pyproject.toml declares."""
    names = module_names(installed.wheel)
    assert {"app", "app.main", "app.cli", "rest.routes"} <= set(names)
    found = json.loads(
        run([installed.python, "-c", WHERE_MODULES_COME_FROM, *names], installed.outside)
    )
    purelib = Path(found["purelib"]).resolve()
    for name, file in found["files"].items():
        assert Path(file).resolve().is_relative_to(purelib), f"{name} imported from {file}"
        assert not Path(file).resolve().is_relative_to(ROOT), f"{name} imported from {file}"


def test_the_console_script_serves_graphql_and_rest(installed: Installed, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "server.log"
    env = clean_env(
        REGISTRY_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}",
        REGISTRY_BROADCAST_URL="memory://",
        REGISTRY_SHUTDOWN_TIMEOUT="5",
        REGISTRY_LOG_LEVEL="info",
    )
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(installed.script), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=installed.outside,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            with httpx.Client(base_url=url, timeout=10) as client:
                wait_until_ready(client, process, log_path)
                exercise(client)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                code = process.wait()
    output = log_path.read_text(errors="replace")
    assert code == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    # The migrations shipped in the wheel ran against the new database file.
    assert (tmp_path / "registry.db").is_file()


def wait_until_ready(client: httpx.Client, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited:\n{log.read_text(errors='replace')}"
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"not ready in 30 s:\n{log.read_text(errors='replace')}")


def graphql(client: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    data: dict[str, Any] = body["data"]
    return data


def exercise(client: httpx.Client) -> None:
    subject = "tools.get_weather"
    schema = json.dumps(
        {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        }
    )
    registered = graphql(client, REGISTER, {"subject": subject, "schema": schema})
    assert registered["registerSchema"] == {"id": 1, "version": 1}

    read = graphql(client, READ_BACK, {"id": 1, "subject": subject})
    stored = read["schema"]["schema"]
    assert json.loads(stored) == json.loads(schema)
    assert read["schema"] == {
        "id": 1,
        "schema": stored,
        "versions": [{"subject": subject, "version": 1}],
    }
    assert read["subject"] == {"latest": {"version": 1, "id": 1, "schema": stored}}

    rest = client.get("/schemas/ids/1")
    assert rest.status_code == 200, rest.text
    assert json.loads(rest.json()["schema"]) == json.loads(schema)
    # Served from rest/openapi.yaml, a data file of the package.
    openapi = client.get("/openapi.json")
    assert openapi.status_code == 200, openapi.text
    assert "/schemas/ids/{id}" in openapi.json()["paths"]
