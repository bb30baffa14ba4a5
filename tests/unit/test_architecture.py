"""The dependency arrows of STYLE.md, checked on the source:

app/ -> graph/ -> resolvers/ -> registry/ <- storage/, subscriptions/

rest/ (Confluent's REST API) is a sibling of graph/: resolvers/ and registry/ only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = {
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
ALLOWED = {
    "registry": {"registry"},
    "resolvers": {"resolvers", "registry"},
    "graph": {"graph", "resolvers", "registry"},
    "storage": {"storage", "registry"},
    "subscriptions": {"subscriptions", "registry"},
    "app": {"app", "graph", "rest", "resolvers", "registry", "storage", "subscriptions"},
    "rest": {"rest", "resolvers", "registry"},
}
# The domain core is pure: no I/O, no clock, no environment, no event loop.
FORBIDDEN_IN_REGISTRY = {"asyncio", "os", "time", "datetime", "socket", "subprocess", "random"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_packages_to_its_right(package: str) -> None:
    violations = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules(package)
        for name in _imports(path) & OURS
        if name not in ALLOWED[package]
    ]
    assert _modules(package), f"no modules found in {package}/"
    assert violations == []


def test_the_domain_core_has_no_io_clock_or_environment() -> None:
    violations = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules("registry")
        for name in _imports(path) & FORBIDDEN_IN_REGISTRY
    ]
    assert violations == []


def test_the_domain_core_never_awaits() -> None:
    """Only ports.py may declare async methods (the Protocols the outer layers implement)."""
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _modules("registry")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Await | ast.AsyncFor | ast.AsyncWith)
        or (isinstance(node, ast.AsyncFunctionDef) and path.name != "ports.py")
    ]
    assert offenders == []


def test_the_domain_core_never_runs_a_regular_expression_in_a_backtracking_engine() -> None:
    """Schemas' patterns come from users: the domain matches them only through
    registry/formats/ecma_regex.py (RE2, linear time), never with Python's ``re``."""
    violations = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules("registry")
        for name in _imports(path) & {"re", "regex", "fnmatch"}
    ]
    assert violations == []


def _full_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("package", sorted(set(ALLOWED) - {"app"}))
def test_only_the_app_picks_the_tracing_implementation(package: str) -> None:
    """Below app/, spans are made through OpenTelemetry's API alone (a no-op until the app
    installs the SDK, as ``logging`` is without handlers); the SDK and the exporters are
    the app's choice. The domain core records no spans at all."""
    allowed = () if package == "registry" else ("opentelemetry.trace", "opentelemetry.context")
    violations = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules(package)
        for name in _full_imports(path)
        if name.split(".")[0] == "opentelemetry"
        and not any(name == a or name.startswith(f"{a}.") for a in allowed)
    ]
    assert violations == []
