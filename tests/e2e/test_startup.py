"""Configuration mistakes and unreachable services: one clear line, a non-zero exit within
seconds, nothing opened left behind, never a traceback, never a password. An unreachable
broadcast is the exception: the replica starts degraded (one warning line) and serves."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.server import ROOT, ServerProcess, free_port

SECRET = "s3cr3t-pw"
# Every failing start must be over well within this, including the bounded retry below.
DEADLINE = 15.0


@dataclass
class Run:
    code: int
    output: str
    seconds: float


def run_cli(*args: str, cwd: Path, **env: str) -> Run:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")},
        "REGISTRY_DATABASE_URL": f"sqlite+aiosqlite:///{cwd / 'registry.db'}",
        "REGISTRY_PORT": str(free_port()),
        "REGISTRY_DATABASE_CONNECT_TIMEOUT": "1",
        **env,
    }
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Run(
        completed.returncode, completed.stdout + completed.stderr, time.monotonic() - started
    )


def assert_clear_failure(run: Run, *expected: str, code: int | None = None) -> None:
    assert run.code != 0, run.output
    if code is not None:
        assert run.code == code, run.output
    assert run.seconds < DEADLINE, f"took {run.seconds:.1f}s\n{run.output}"
    assert "Traceback" not in run.output, run.output
    assert SECRET not in run.output, run.output
    for text in expected:
        assert text in run.output, run.output


def refused_port() -> int:
    """A local port with nothing listening on it."""
    return free_port()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"REGISTRY_DATABASE_URL": "notaurl"},
            ["REGISTRY_DATABASE_URL='notaurl'", "expected sqlite+aiosqlite:///"],
        ),
        (
            {"REGISTRY_DATABASE_URL": f"mysql://app:{SECRET}@db/registry"},
            ["REGISTRY_DATABASE_URL='mysql://app:***@db/registry'", "unsupported database 'mysql'"],
        ),
        (
            {"REGISTRY_DATABASE_URL": "sqlite+aiosqlite:///:memory:"},
            ["REGISTRY_DATABASE_URL", "SQLite needs a file path"],
        ),
        (
            {"REGISTRY_BROADCAST_URL": f"kafka://user:{SECRET}@broker:9092"},
            ["REGISTRY_BROADCAST_URL='kafka://user:***@broker:9092'", "expected memory://"],
        ),
        ({"REGISTRY_PORT": "abc"}, ["REGISTRY_PORT='abc'", "valid integer"]),
        ({"REGISTRY_PORT": "70000"}, ["REGISTRY_PORT", "65535"]),
        ({"REGISTRY_LOG_LEVEL": "loud"}, ["REGISTRY_LOG_LEVEL='loud'", "'debug'"]),
    ],
    ids=["not-a-url", "mysql", "sqlite-memory", "kafka", "port-abc", "port-range", "log-level"],
)
@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_an_invalid_setting_is_one_line_naming_it(
    tmp_path: Path, command: str, env: dict[str, str], expected: list[str]
) -> None:
    run = run_cli(command, cwd=tmp_path, **env)

    assert_clear_failure(run, *expected, code=2)
    assert len(run.output.strip().splitlines()) == 1, run.output
    assert run.output.startswith("llm-schema-registry: error: invalid setting")
    assert not (tmp_path / "registry.db").exists()


@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_unreachable_postgres_is_retried_then_named_by_host_and_port(
    tmp_path: Path, command: str
) -> None:
    port = refused_port()
    url = f"postgresql+asyncpg://registry:{SECRET}@127.0.0.1:{port}/registry"

    run = run_cli(
        command, cwd=tmp_path, REGISTRY_DATABASE_URL=url, REGISTRY_DATABASE_CONNECT_TIMEOUT="2"
    )

    assert_clear_failure(run, f"PostgreSQL at 127.0.0.1:{port}", "connection refused", code=1)
    assert f"registry:***@127.0.0.1:{port}" in run.output
    # Bounded retry: more than one attempt, over about the configured time.
    attempts = int(run.output.split(" attempt(s)")[0].rsplit(" ", 1)[-1])
    assert attempts > 1, run.output
    assert run.seconds >= 1.5, run.seconds


def test_a_missing_postgres_database_is_named(tmp_path: Path, postgres_server_url: str) -> None:
    url = postgres_server_url.rsplit("/", 1)[0] + "/no_such_registry_database"

    run = run_cli("migrate", cwd=tmp_path, REGISTRY_DATABASE_URL=url)

    assert_clear_failure(run, "no_such_registry_database", "does not exist", code=1)


@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_an_unusable_sqlite_path_is_named(tmp_path: Path, command: str) -> None:
    not_a_directory = tmp_path / "plain-file"
    not_a_directory.write_text("x")
    missing = tmp_path / "missing" / "dir"
    not_a_database = tmp_path / "garbage.db"
    not_a_database.write_bytes(b"this is not an SQLite database, just some bytes" * 100)

    for path, reason in (
        (not_a_directory / "registry.db", "is not a directory"),
        (missing / "registry.db", f"the directory {missing} does not exist"),
        (not_a_database, "file is not a database"),
        (tmp_path, "not a regular file"),
    ):
        run = run_cli(command, cwd=tmp_path, REGISTRY_DATABASE_URL=f"sqlite+aiosqlite:///{path}")
        assert_clear_failure(run, f"cannot use the SQLite file {path}", reason, code=1)


def test_a_port_in_use_is_reported_before_any_file_is_created(tmp_path: Path) -> None:
    database = tmp_path / "registry.db"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        run = run_cli("serve", cwd=tmp_path, REGISTRY_PORT=str(port))

    assert_clear_failure(run, f"cannot listen on 127.0.0.1:{port}", "already in use", code=2)
    assert not database.exists()


def test_a_starting_replica_holds_its_port_but_refuses_connections_until_ready(
    tmp_path: Path,
) -> None:
    """While ``serve`` waits for its database, the port is taken, yet a connection is
    refused at once: a client or a load balancer turns to another replica instead of
    waiting in the listen queue."""
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")},
        "REGISTRY_DATABASE_URL": f"postgresql+asyncpg://registry@127.0.0.1:{refused_port()}/r",
        "REGISTRY_DATABASE_CONNECT_TIMEOUT": "10",
        "REGISTRY_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    break  # bound by the starting replica
            time.sleep(0.05)
        else:
            pytest.fail("the replica never bound its port")
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        still_starting = process.poll() is None
    finally:
        process.terminate()
        process.wait(30)

    assert still_starting


def test_a_port_given_on_the_command_line_is_checked_too(tmp_path: Path) -> None:
    run = run_cli("serve", "--port", "abc", cwd=tmp_path)

    assert_clear_failure(run, "'abc' is not a port number", code=2)


def test_an_unreachable_broadcast_is_one_warning_and_the_replica_serves_degraded(
    tmp_path: Path,
) -> None:
    port = refused_port()
    log = tmp_path / "server.log"
    server = ServerProcess(
        {
            "REGISTRY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}",
            "REGISTRY_BROADCAST_URL": f"redis://:{SECRET}@127.0.0.1:{port}",
        },
        log_path=log,
    )

    started = time.monotonic()
    server.start(timeout=DEADLINE)
    try:
        took = time.monotonic() - started
        ready = httpx.get(f"{server.url}/readyz", timeout=5).json()
    finally:
        code = server.stop()

    output = log.read_text()
    assert took < DEADLINE
    assert ready["status"] == "ok" and ready["broadcast"] == "degraded", ready
    warnings = [line for line in output.splitlines() if "broadcast unreachable" in line]
    assert len(warnings) == 1, output
    assert f"redis at 127.0.0.1:{port}" in warnings[0]
    assert "Traceback" not in output and SECRET not in output, output
    assert code == 0, output


def test_a_database_without_tables_names_the_migrate_command(tmp_path: Path) -> None:
    """Without migrations on start, ``serve`` waits REGISTRY_MIGRATION_WAIT seconds for
    another process to migrate, then says which migration is missing and how to apply it."""
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()

    run = run_cli(
        "serve",
        cwd=tmp_path,
        REGISTRY_DATABASE_URL=f"sqlite+aiosqlite:///{empty}",
        REGISTRY_MIGRATE_ON_START="false",
        REGISTRY_MIGRATION_WAIT="1",
    )

    assert_clear_failure(
        run,
        "the database is at migration none and this release needs",
        "run `llm-schema-registry migrate`",
        "REGISTRY_MIGRATION_WAIT",
        code=1,
    )
    assert run.seconds >= 1.0, run.output


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_replica_without_migrations_on_start_waits_for_the_migrate_command(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """The Kubernetes pattern (deploy/kubernetes): a Job runs ``migrate`` while the
    replicas start with REGISTRY_MIGRATE_ON_START=false; they wait, not ready, and serve
    once the database holds this release's migrations."""
    url = (
        f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
        if backend == "sqlite"
        else str(request.getfixturevalue("postgres_url"))
    )
    log = tmp_path / "server.log"
    server = ServerProcess(
        {
            "REGISTRY_DATABASE_URL": url,
            "REGISTRY_MIGRATE_ON_START": "false",
            "REGISTRY_MIGRATION_WAIT": "60",
            "REGISTRY_LOG_LEVEL": "info",
        },
        log_path=log,
    )
    with open(log, "ab") as sink:
        waiting = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve"],
            cwd=ROOT,
            env=server.env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while "waiting for the database to reach migration" not in log.read_text():
            assert waiting.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{server.url}/readyz", timeout=1)

        migrated = run_cli("migrate", cwd=tmp_path, REGISTRY_DATABASE_URL=url)
        assert migrated.code == 0, migrated.output

        ready = None
        while ready is None:
            assert waiting.poll() is None, log.read_text()
            assert time.monotonic() < deadline + 30, log.read_text()
            try:
                ready = httpx.get(f"{server.url}/readyz", timeout=1)
            except httpx.HTTPError:
                time.sleep(0.1)
        answer = httpx.post(
            server.graphql_url,
            json={"query": 'mutation { registerSchema(subject: "k8s", schema: "{}") { id } }'},
            timeout=10,
        ).json()
    finally:
        waiting.terminate()
        code = waiting.wait(30)

    assert ready.status_code == 200, ready.text
    assert answer == {"data": {"registerSchema": {"id": 1}}}, answer
    assert code == 0, log.read_text()
    assert "Traceback" not in log.read_text()


def test_a_failing_migration_names_the_database_and_the_reason(tmp_path: Path) -> None:
    # A table of the registry's name that the migrations did not create.
    clashing = tmp_path / "clash.db"
    with sqlite3.connect(clashing) as db:
        db.execute("CREATE TABLE schemas (unrelated TEXT)")

    for command in ("migrate", "serve"):
        run = run_cli(
            command, cwd=tmp_path, REGISTRY_DATABASE_URL=f"sqlite+aiosqlite:///{clashing}"
        )
        assert_clear_failure(
            run, f"migrating the database at {clashing} failed", "already exists", code=1
        )


def test_version_is_printed() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "app.cli", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    name, version = completed.stdout.split()
    assert name == "llm-schema-registry"
    assert version[0].isdigit()
