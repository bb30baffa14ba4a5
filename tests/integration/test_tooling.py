"""The developer tooling behaves as the README says: `make run` installs only what
serving needs, and scripts/services.sh never changes folders outside the checkout."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.server import ROOT, free_port


def make_dry_run(target: str, venv: Path) -> str:
    completed = subprocess.run(
        ["make", "-n", "-B", target, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout


def test_make_run_installs_the_package_without_the_development_extras(tmp_path: Path) -> None:
    commands = make_dry_run("run", tmp_path / "venv")

    installs = [line for line in commands.splitlines() if "pip install" in line]
    assert any(line.rstrip().endswith("-e .") for line in installs), commands
    assert not any("[dev]" in line for line in installs), commands
    assert "llm-schema-registry serve" in commands


def test_make_test_installs_the_development_extras(tmp_path: Path) -> None:
    commands = make_dry_run("install", tmp_path / "venv")

    assert "-e '.[dev]'" in commands


@dataclass(frozen=True)
class Checkout:
    path: Path
    env: dict[str, str]

    def services(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["scripts/services.sh", command],
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )


@pytest.fixture
def closed_checkout(tmp_path: Path) -> Iterator[Checkout]:
    """A copy of the services script in a checkout below a folder only its owner may
    enter, as a clone in /root is, with ports of its own."""
    closed = tmp_path / "closed"
    path = closed / "checkout"
    (path / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "services.sh", path / "scripts" / "services.sh")
    closed.chmod(0o700)
    env = {
        **os.environ,
        "SERVICES_PG_PORT": str(free_port()),
        "SERVICES_REDIS_PORT": str(free_port()),
    }
    checkout = Checkout(path, env)
    try:
        yield checkout
    finally:
        checkout.services("stop")
        location = path / ".services" / "pg-location"
        if location.exists() and not location.read_text().startswith(str(path)):
            shutil.rmtree(Path(location.read_text().strip()).parent, ignore_errors=True)


def test_services_start_without_opening_folders_outside_the_checkout(
    closed_checkout: Checkout, tmp_path: Path
) -> None:
    outside = [closed_checkout.path.parent, tmp_path]
    modes_before = {path: stat.S_IMODE(path.stat().st_mode) for path in outside}

    started = closed_checkout.services("start")
    status = closed_checkout.services("status")

    assert started.returncode == 0, started.stderr
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"127.0.0.1:{closed_checkout.env['SERVICES_PG_PORT']}" in status.stdout
    modes_after = {path: stat.S_IMODE(path.stat().st_mode) for path in outside}
    assert modes_after == modes_before
    env_file = (closed_checkout.path / ".services" / "env").read_text()
    assert f":{closed_checkout.env['SERVICES_PG_PORT']}/" in env_file
    assert f":{closed_checkout.env['SERVICES_REDIS_PORT']}/" in env_file
