"""The client and the gateway example are users of the public API: they never import the
registry's own packages (nor the tests or benchmarks)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SERVER_AND_TOOLING = {
    "app",
    "graph",
    "rest",
    "resolvers",
    "registry",
    "storage",
    "subscriptions",
    "load",
    "tests",
}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("folder", ["client", "examples"])
def test_the_client_and_examples_import_no_server_package(folder: str) -> None:
    modules = sorted((ROOT / folder).rglob("*.py"))
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules
        for name in _imports(path) & SERVER_AND_TOOLING
    ]
    assert modules, f"no modules in {folder}/"
    assert offenders == []


def test_the_client_depends_only_on_httpx_and_websockets() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "client" / "pyproject.toml").read_text())["project"]
    names = {spec.split(">")[0].split("[")[0].strip() for spec in project["dependencies"]}
    assert names == {"httpx", "websockets"}
    third_party = {
        name
        for path in (ROOT / "client" / "src").rglob("*.py")
        for name in _imports(path)
        if name not in {"llm_schema_registry_client", "__future__"} and not _is_stdlib(name)
    }
    assert third_party == {"httpx", "websockets"}


def _is_stdlib(name: str) -> bool:
    import sys

    return name in sys.stdlib_module_names
