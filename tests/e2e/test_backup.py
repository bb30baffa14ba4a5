"""``llm-schema-registry export`` and ``import`` as real processes, on a registry filled
through a real server: a round trip SQLite -> PostgreSQL -> SQLite keeps every row of
every table, a server on the restored database carries on where the old one stopped, and
a target that holds data or a damaged file is refused without changing anything."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from storage.tables import metadata
from tests.e2e.conftest import Subscription, new_server, sqlite_file_url
from tests.support.server import ROOT, ServerProcess

AUDIT_KEY = "backup-checkpoint-key-" + "b" * 32
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
REGISTER = """
mutation($s: String!, $x: String!, $f: SchemaFormat, $r: [SchemaReferenceInput!]) {
  registerSchema(subject: $s, schema: $x, format: $f, references: $r) { id version }
}
"""
SET_COMPATIBILITY = """
mutation($s: String, $l: CompatibilityLevel, $p: CompatibilityPolicy, $d: String) {
  setCompatibility(subject: $s, level: $l, policy: $p, dialect: $d) { subject }
}
"""
SET_RULES = """
mutation($s: String, $p: [Provider!], $e: ProviderEnforcement) {
  setProviderRules(subject: $s, providers: $p, enforcement: $e) { subject }
}
"""
SET_MODE = "mutation($s: String, $m: RegistryMode) { setMode(subject: $s, mode: $m) { subject } }"
DELETE_VERSION = """
mutation($s: String!, $v: Int!, $p: Boolean!) {
  deleteSchemaVersion(subject: $s, version: $v, permanent: $p)
}
"""
DELETE_SUBJECT = "mutation($s: String!) { deleteSubject(subject: $s) }"
CHANGES = "subscription($after: Int) { schemaChanges(after: $after) { sequence kind subject } }"


@dataclass
class Run:
    code: int
    stdout: bytes
    stderr: str


def cli(url: str, *args: str, stdin: bytes | None = None, **env: str) -> Run:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")},
        "REGISTRY_DATABASE_URL": url,
        "REGISTRY_DATABASE_CONNECT_TIMEOUT": "2",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=environment,
        input=stdin,
        capture_output=True,
        timeout=300,
    )
    run = Run(done.returncode, done.stdout, done.stderr.decode())
    assert "Traceback" not in run.stderr, run.stderr
    return run


def graphql(server: ServerProcess, query: str, **variables: Any) -> dict[str, Any]:
    body = httpx.post(server.graphql_url, json={"query": query, "variables": variables}).json()
    assert not body.get("errors"), body
    data: dict[str, Any] = body["data"]
    return data


def register(
    server: ServerProcess, subject: str, text: object, fmt: str = "JSON", refs: Any = None
) -> dict[str, Any]:
    schema = text if isinstance(text, str) else json.dumps(text)
    data = graphql(server, REGISTER, s=subject, x=schema, f=fmt, r=refs)
    registered: dict[str, Any] = data["registerSchema"]
    return registered


def sqlite_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but Alembic's, in a stable order."""
    with sqlite3.connect(path) as db:
        names = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name != "alembic_version"
        ]
        return {name: sorted(db.execute(f'SELECT * FROM "{name}"'), key=repr) for name in names}


async def data_counts(url: str) -> dict[str, int]:
    """Rows per table, and the outbox's last sequence."""
    engine = create_async_engine(url, poolclass=sa.pool.NullPool)
    try:
        async with engine.connect() as connection:
            counts = {
                table.name: int(
                    await connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0
                )
                for table in metadata.sorted_tables
            }
            state = await connection.scalar(sa.text("SELECT last_sequence FROM registry_state"))
            counts["last_sequence"] = int(state or 0)
            return counts
    finally:
        await engine.dispose()


@dataclass
class Source:
    path: Path
    backup: Path
    # The outbox's last sequence before the last two registrations.
    before_last_two: int
    last_sequence: int


def _fill(server: ServerProcess) -> int:
    """A registry with every kind of row; returns the sequence before the last two
    registrations."""
    # JSON, Avro and Protobuf schemas, each referring to another.
    address = {"type": "object", "properties": {"zip": {"type": "string"}}}
    register(server, "address", address)
    order: dict[str, Any] = {"type": "object", "properties": {"to": {"$ref": "address.json"}}}
    register(
        server, "order", order, refs=[{"name": "address.json", "subject": "address", "version": 1}]
    )
    order_v2 = {**order, "description": "An order"}
    register(
        server,
        "order",
        order_v2,
        refs=[{"name": "address.json", "subject": "address", "version": 1}],
    )
    money = {"type": "record", "name": "Money", "fields": [{"name": "cents", "type": "long"}]}
    register(server, "money-avro", money, "AVRO")
    invoice = {"type": "record", "name": "Invoice", "fields": [{"name": "t", "type": "Money"}]}
    register(
        server,
        "invoice-avro",
        invoice,
        "AVRO",
        [{"name": "Money", "subject": "money-avro", "version": 1}],
    )
    register(
        server,
        "money-proto",
        'syntax = "proto3";\npackage fin;\nmessage Money { int64 cents = 1; }\n',
        "PROTOBUF",
    )
    register(
        server,
        "invoice-proto",
        'syntax = "proto3";\nimport "money.proto";\nmessage Invoice { fin.Money t = 1; }\n',
        "PROTOBUF",
        [{"name": "money.proto", "subject": "money-proto", "version": 1}],
    )
    # Soft-deleted and purged versions, a soft-deleted subject.
    for n in range(1, 4):
        register(server, "scratch", {"type": "object", "title": f"v{n}"})
    graphql(server, DELETE_VERSION, s="scratch", v=1, p=False)
    graphql(server, DELETE_VERSION, s="scratch", v=2, p=False)
    graphql(server, DELETE_VERSION, s="scratch", v=2, p=True)
    register(server, "gone", {"type": "string"})
    graphql(server, DELETE_SUBJECT, s="gone")
    # Every setting, globally and per subject; a mode.
    graphql(server, SET_COMPATIBILITY, s=None, l="FULL", p="LLM", d=DRAFT_2020_12)
    graphql(
        server,
        SET_COMPATIBILITY,
        s="order",
        l="NONE",
        p="STRICT",
        d="http://json-schema.org/draft-07/schema#",
    )
    graphql(server, SET_RULES, s=None, p=["ANTHROPIC"], e="WARN")
    graphql(server, SET_RULES, s="order", p=["OPENAI", "GEMINI"], e="ENFORCE")
    graphql(server, SET_RULES, s="address", p=[], e="OFF")
    graphql(server, SET_MODE, s="money-avro", m="READONLY")
    before = int(httpx.get(f"{server.url}/readyz").json()["lastSequence"])
    register(server, "last-a", {"type": "object", "title": "a"})
    register(server, "last-b", {"type": "object", "title": "b"})
    return before


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    """A SQLite registry filled through a real server and the keys command, with a signed
    audit checkpoint, and its export."""
    directory = tmp_path_factory.mktemp("source")
    url = sqlite_file_url(directory)
    assert cli(url, "migrate").code == 0
    for role, name in (("admin", "ops"), ("reader", "dashboards"), ("writer", "ci")):
        assert (
            cli(url, "keys", "create", "--role", role, "--name", name, "--subjects", "*").code == 0
        )
    listed = cli(url, "keys", "list", "--json").stdout.decode().splitlines()
    revoked = next(json.loads(line)["id"] for line in listed if '"ci"' in line)
    assert cli(url, "keys", "revoke", revoked).code == 0
    server = new_server(url, directory / "server.log").start()
    try:
        before = _fill(server)
        last = int(httpx.get(f"{server.url}/readyz").json()["lastSequence"])
    finally:
        server.stop()
    checkpoint = cli(url, "audit", "checkpoint", REGISTRY_AUDIT_CHECKPOINT_KEY=AUDIT_KEY)
    assert checkpoint.code == 0, checkpoint
    exported = cli(url, "export")
    assert exported.code == 0, exported.stderr
    backup = directory / "backup.jsonl"
    backup.write_bytes(exported.stdout)
    yield Source(directory / "registry.db", backup, before, last)


def test_the_source_holds_rows_in_every_table(source: Source) -> None:
    rows = sqlite_rows(source.path)
    assert sorted(rows) == sorted(table.name for table in metadata.sorted_tables)
    assert all(rows[name] for name in rows), {name: len(r) for name, r in rows.items()}
    header = json.loads(source.backup.read_bytes().splitlines()[0])
    assert header["format"] == "llm-schema-registry-backup"
    assert header["formatVersion"] == 1
    assert {t["name"]: t["rows"] for t in header["tables"]} == {n: len(r) for n, r in rows.items()}


def test_a_round_trip_through_postgresql_keeps_every_row_of_every_table(
    source: Source, postgres_url: str, tmp_path: Path
) -> None:
    imported = cli(postgres_url, "import", str(source.backup))
    assert imported.code == 0, imported.stderr
    exported = cli(postgres_url, "export")
    assert exported.code == 0, exported.stderr
    final = tmp_path / "final.db"
    again = cli(f"sqlite+aiosqlite:///{final}", "import", "-", stdin=exported.stdout)
    assert again.code == 0, again.stderr

    assert sqlite_rows(final) == sqlite_rows(source.path)
    # PostgreSQL gave back exactly the lines it was given.
    assert exported.stdout.splitlines()[1:] == source.backup.read_bytes().splitlines()[1:]


async def test_a_server_on_the_restored_database_carries_on(
    source: Source, postgres_url: str, tmp_path: Path
) -> None:
    assert cli(postgres_url, "import", str(source.backup)).code == 0
    verified = cli(postgres_url, "audit", "verify", REGISTRY_AUDIT_CHECKPOINT_KEY=AUDIT_KEY)
    assert verified.code == 0, verified.stdout
    assert b"signature verified" in verified.stdout

    with sqlite3.connect(source.path) as db:
        live = db.execute(
            "SELECT v.subject, v.version, v.schema_id FROM subject_versions v "
            "JOIN subjects s ON s.name = v.subject WHERE NOT v.deleted AND NOT s.deleted"
        ).fetchall()
        subjects = sorted(
            name for (name,) in db.execute("SELECT name FROM subjects WHERE NOT deleted")
        )
        largest_id = db.execute("SELECT max(id) FROM schemas").fetchone()[0]
    server = new_server(postgres_url, tmp_path / "server.log").start()
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            assert sorted((await http.get(f"{server.url}/subjects")).json()) == subjects
            for subject, version, schema_id in live:
                answer = (
                    await http.get(f"{server.url}/subjects/{subject}/versions/{version}")
                ).json()
                assert answer["id"] == schema_id, (subject, version, answer)
        async with Subscription(server.ws_url, {"after": source.before_last_two}) as changes:
            resumed = await changes.take(2)
            assert [(e["sequence"], e["subject"]) for e in resumed] == [
                (source.before_last_two + 1, "last-a"),
                (source.before_last_two + 2, "last-b"),
            ]
            new = register(server, "after-restore", {"type": "object", "title": "new"})
            assert new["id"] > largest_id
            event = await changes.next()
            assert event["sequence"] == source.last_sequence + 1
            assert event["subject"] == "after-restore"
    finally:
        server.stop()


async def test_a_target_that_holds_data_is_refused_and_left_as_it_was(
    source: Source, postgres_url: str
) -> None:
    assert cli(postgres_url, "migrate").code == 0
    assert cli(postgres_url, "keys", "create", "--role", "admin", "--name", "first").code == 0
    before = await data_counts(postgres_url)

    refused = cli(postgres_url, "import", str(source.backup))

    assert refused.code == 1
    assert "already holds data (1 api_keys rows, 1 audit_log rows)" in refused.stderr
    assert await data_counts(postgres_url) == before


def _damaged(lines: list[bytes], how: str) -> tuple[list[bytes], str]:
    """The backup's lines damaged one way, and what the refusal must say."""
    middle = len(lines) // 2
    if how == "cut-mid-line":
        return [
            *lines[:middle],
            lines[middle][: len(lines[middle]) // 2],
        ], f"line {middle + 1}: not JSON"
    if how == "last-lines-lost":
        return lines[:-3], "it is incomplete"
    if how == "wrong-type":
        index = next(i for i, line in enumerate(lines) if b'"table":"schemas"' in line)
        record = json.loads(lines[index])
        record["row"]["id"] = "seven"
        return [*lines[:index], json.dumps(record).encode(), *lines[index + 1 :]], (
            f"line {index + 1}: schemas.id is 'seven', not an integer"
        )
    if how == "duplicate-fingerprint":
        index = next(i for i, line in enumerate(lines) if b'"table":"schemas"' in line)
        record = json.loads(lines[index + 1])
        record["row"]["fingerprint"] = json.loads(lines[index])["row"]["fingerprint"]
        return [*lines[: index + 1], json.dumps(record).encode(), *lines[index + 2 :]], (
            f"line {index + 2}: the database refuses the schemas row"
        )
    assert how == "newer-format"
    header = json.loads(lines[0])
    header["formatVersion"] = 2
    return [json.dumps(header).encode(), *lines[1:]], "line 1: the file is format version 2"


@pytest.mark.parametrize(
    "how",
    ["cut-mid-line", "last-lines-lost", "wrong-type", "duplicate-fingerprint", "newer-format"],
)
async def test_a_damaged_file_is_refused_naming_the_line_and_imports_nothing(
    source: Source, postgres_url: str, tmp_path: Path, how: str
) -> None:
    lines, expected = _damaged(source.backup.read_bytes().splitlines(), how)
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_bytes(b"\n".join(lines) + b"\n")

    refused = cli(postgres_url, "import", str(damaged))

    assert refused.code == 1
    assert expected in refused.stderr, refused.stderr
    assert refused.stderr.count("\n") == refused.stderr.count("llm-schema-registry: ")
    if how != "newer-format":
        counts = await data_counts(postgres_url)
        assert set(counts.values()) == {0, 1}
        assert counts["registry_state"] == 1 and counts["last_sequence"] == 0


def _peak_rss_of_export(url: str) -> int:
    """The export process's peak resident memory in bytes (its own, from wait4)."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")},
        "REGISTRY_DATABASE_URL": url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "export"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0
    return usage.ru_maxrss * 1024  # kilobytes on Linux


def _versions(path: Path, count: int, text_size: int) -> int:
    """``count`` schemas and versions written directly (the API would take minutes);
    returns the bytes of schema text stored."""
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO subjects (name, deleted, created_at) VALUES ('bulk', 0, 1.0)")
        db.executemany(
            "INSERT INTO schemas (id, fingerprint, format, schema_text, created_at) "
            "VALUES (?, ?, 'JSON', ?, 1.0)",
            (
                (i, f"{i:064x}", f'{{"title": "{i:0{text_size - 14}d}"}}')
                for i in range(1, count + 1)
            ),
        )
        db.executemany(
            "INSERT INTO subject_versions (subject, version, schema_id, deleted, created_at) "
            "VALUES ('bulk', ?, ?, 0, 1.0)",
            ((i, i) for i in range(1, count + 1)),
        )
    return count * text_size


def test_export_streams_in_bounded_memory(tmp_path: Path) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    for directory in (small, large):
        directory.mkdir()
        assert cli(sqlite_file_url(directory), "migrate").code == 0
    _versions(small / "registry.db", 10, 4000)
    stored = _versions(large / "registry.db", 20_000, 4000)

    baseline = _peak_rss_of_export(sqlite_file_url(small))
    peak = _peak_rss_of_export(sqlite_file_url(large))

    # 80 MB of schema text went through; holding it would grow the process by more.
    assert stored == 80_000_000
    assert peak - baseline < stored // 4, (baseline, peak)
    exported = cli(sqlite_file_url(large), "export").stdout
    assert exported.count(b"\n") == 1 + 20_000 * 2 + 2
