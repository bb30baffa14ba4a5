"""``llm-schema-registry audit verify`` and ``audit checkpoint`` run as real processes on a
log tampered with by direct SQL, on SQLite and on PostgreSQL.

Exit status: 0 intact, 1 damaged (the first damaged row named), 2 configuration, 3 the
log could not be read.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from registry.audit import AuditEntry, AuditRecord, chain_hash
from registry.audit_checkpoints import sign_checkpoint
from storage.migrate import upgrade_async
from storage.store import DatabaseStore
from tests.support.server import ROOT, free_port

ROWS = 6
KEY = "audit-checkpoint-key-" + "k" * 32
OTHER_KEY = "another-checkpoint-key-" + "o" * 32
T0 = 1_800_000_000.0


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


async def audit(url: str, *args: str, **env: str) -> Run:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")},
        "REGISTRY_DATABASE_URL": url,
        "REGISTRY_DATABASE_CONNECT_TIMEOUT": "1",
        **env,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "audit",
        *args,
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    run = Run(process.returncode, stdout.decode(), stderr.decode())
    assert "Traceback" not in run.output, run.output
    return run


async def execute(url: str, *statements: str, **params: object) -> None:
    engine = create_async_engine(url, poolclass=sa.pool.NullPool)
    try:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(sa.text(statement), params)
    finally:
        await engine.dispose()


async def entries(url: str) -> list[AuditEntry]:
    store = DatabaseStore(url)
    await store.connect()
    try:
        return [entry async for entry in store.iter_audit()]
    finally:
        await store.disconnect()


def audited(sequence: int) -> AuditRecord:
    return AuditRecord(
        sequence=sequence,
        at=T0 + sequence,
        principal="key-a" if sequence % 2 else "key-b",
        action="register",
        outcome="FORBIDDEN" if sequence == 3 else "ok",
        subject="orders",
        version=sequence,
        client="10.0.0.7",
        request_id=f"req-{sequence}",
        detail={"format": "JSON"},
    )


@pytest.fixture
async def log_url(database_url: str) -> str:
    """A migrated database (SQLite, then PostgreSQL) whose audit log has ROWS rows."""
    await upgrade_async(database_url)
    store = DatabaseStore(database_url)
    await store.connect()
    try:
        for sequence in range(1, ROWS + 1):
            await store.append_audit(audited(sequence))
    finally:
        await store.disconnect()
    return database_url


async def insert_row(url: str, record: AuditRecord, prev_hash: str, hash_: str) -> None:
    await execute(
        url,
        "INSERT INTO audit_log (sequence, at, principal, action, subject, version, schema_id, "
        "outcome, client, request_id, detail, prev_hash, hash) VALUES (:sequence, :at, "
        ":principal, :action, :subject, :version, NULL, :outcome, :client, :request_id, "
        "NULL, :prev_hash, :hash)",
        sequence=record.sequence,
        at=record.at,
        principal=record.principal,
        action=record.action,
        subject=record.subject,
        version=record.version,
        outcome=record.outcome,
        client=record.client,
        request_id=record.request_id,
        prev_hash=prev_hash,
        hash=hash_,
    )


async def rewrite_chain(url: str) -> None:
    """Recompute every link and hash from the first row on, as a forger would."""
    prev = "0" * 64
    for entry in await entries(url):
        hash_ = chain_hash(prev, entry.record)
        await execute(
            url,
            "UPDATE audit_log SET prev_hash = :prev, hash = :hash WHERE sequence = :sequence",
            prev=prev,
            hash=hash_,
            sequence=entry.record.sequence,
        )
        prev = hash_


async def change_a_field(url: str) -> None:
    await execute(url, "UPDATE audit_log SET outcome = 'ok' WHERE sequence = 3")


async def delete_a_middle_row(url: str) -> None:
    await execute(url, "DELETE FROM audit_log WHERE sequence = 3")


async def forge_a_row_at_the_end(url: str) -> None:
    # Hashed correctly, but on row 5: it does not link to the real last row.
    rows = await entries(url)
    forged = AuditRecord(
        sequence=ROWS + 1, at=T0 + 99, principal="intruder", action="register", outcome="ok"
    )
    await insert_row(url, forged, rows[4].hash, chain_hash(rows[4].hash, forged))


async def forge_a_row_in_the_middle(url: str) -> None:
    # Later rows renumbered to make room (in two steps: the key is unique), and the
    # forged row hashed on its real predecessor.
    rows = await entries(url)
    await execute(
        url,
        "UPDATE audit_log SET sequence = sequence + 1000 WHERE sequence >= 3",
        "UPDATE audit_log SET sequence = sequence - 999 WHERE sequence >= 1000",
    )
    forged = AuditRecord(
        sequence=3, at=T0 + 2.5, principal="intruder", action="delete", outcome="ok"
    )
    await insert_row(url, forged, rows[1].hash, chain_hash(rows[1].hash, forged))


async def swap_two_rows(url: str) -> None:
    await execute(
        url,
        "UPDATE audit_log SET sequence = -1 WHERE sequence = 2",
        "UPDATE audit_log SET sequence = 2 WHERE sequence = 5",
        "UPDATE audit_log SET sequence = 5 WHERE sequence = -1",
    )


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (change_a_field, "at row 3 (modified): its content does not match its hash"),
        (delete_a_middle_row, "at row 3 (deleted): row 3 missing"),
        (forge_a_row_at_the_end, "at row 7 (inserted): it does not link to row 6"),
        (
            forge_a_row_in_the_middle,
            "at row 4 (inserted): it holds the record written as row 3: "
            "1 row(s) were inserted before it",
        ),
        (swap_two_rows, "at row 2 (reordered): it holds the record written as row 5"),
    ],
    ids=["changed-field", "deleted-row", "forged-row-at-end", "forged-row-in-middle", "swap"],
)
async def test_verify_finds_tampering_and_names_the_first_damaged_row(
    log_url: str, tamper: Callable[[str], Awaitable[None]], named: str
) -> None:
    intact = await audit(log_url, "verify")
    await tamper(log_url)

    damaged = await audit(log_url, "verify")

    assert intact.code == 0, intact.output
    assert damaged.code == 1, damaged.output
    assert damaged.stdout.startswith(f"audit log damaged {named}"), damaged.output
    assert damaged.stderr == ""


async def test_an_intact_log_is_reported_with_its_size_and_head(log_url: str) -> None:
    head = (await entries(log_url))[-1].hash

    run = await audit(log_url, "verify")

    assert run.code == 0, run.output
    lines = run.stdout.splitlines()
    assert lines[0] == f"audit log intact: {ROWS} rows, head {head}"
    assert lines[1].startswith("no checkpoint: a rewrite of the whole log")


async def test_deleting_the_last_row_is_found_only_with_a_checkpoint(log_url: str) -> None:
    # Without a checkpoint the shorter chain is a valid chain: nothing can tell.
    await execute(log_url, f"DELETE FROM audit_log WHERE sequence = {ROWS}")
    unnoticed = await audit(log_url, "verify")
    signed = await audit(log_url, "checkpoint", REGISTRY_AUDIT_CHECKPOINT_KEY=KEY)
    await execute(log_url, f"DELETE FROM audit_log WHERE sequence = {ROWS - 1}")

    with_key = await audit(log_url, "verify", REGISTRY_AUDIT_CHECKPOINT_KEY=KEY)
    without_key = await audit(log_url, "verify")

    assert unnoticed.code == 0, unnoticed.output
    assert unnoticed.stdout.startswith(f"audit log intact: {ROWS - 1} rows")
    assert signed.code == 0, signed.output
    for run in (with_key, without_key):
        assert run.code == 1, run.output
        assert run.stdout.startswith(
            f"audit log damaged at row {ROWS - 1} (truncated): the log ends at row {ROWS - 2} "
            f"but a checkpoint signed row {ROWS - 1}"
        ), run.output


async def test_a_rewritten_chain_is_found_only_by_the_checkpoint(log_url: str) -> None:
    signed = await audit(log_url, "checkpoint", REGISTRY_AUDIT_CHECKPOINT_KEY=KEY)
    token = signed.stdout.splitlines()[-1]
    await execute(log_url, "UPDATE audit_log SET principal = 'intruder' WHERE sequence = 2")
    await rewrite_chain(log_url)

    found = await audit(log_url, "verify", REGISTRY_AUDIT_CHECKPOINT_KEY=KEY)
    # Removing the stored checkpoints leaves a chain that verifies alone...
    await execute(log_url, "DELETE FROM audit_checkpoints")
    alone = await audit(log_url, "verify")
    # ...but not against the copy of the checkpoint kept outside the database.
    outside = await audit(
        log_url, "verify", "--checkpoint", token, REGISTRY_AUDIT_CHECKPOINT_KEY=KEY
    )

    assert signed.code == 0, signed.output
    assert (
        signed.stdout.splitlines()[0]
        == f"audit log intact: {ROWS} rows, head {token.split(':')[1]}"
    )
    assert found.code == 1, found.output
    assert found.stdout.startswith(f"audit log damaged at row {ROWS} (rewritten)"), found.output
    assert alone.code == 0, alone.output
    assert outside.code == 1, outside.output
    assert outside.stdout.startswith(f"audit log damaged at row {ROWS} (rewritten)")


async def test_a_checkpoint_forged_for_a_rewritten_chain_fails_its_signature(
    log_url: str,
) -> None:
    await execute(log_url, "UPDATE audit_log SET outcome = 'ok' WHERE sequence = 3")
    await rewrite_chain(log_url)
    # The forger signs the new head with a key of their own.
    forged = sign_checkpoint(OTHER_KEY.encode(), ROWS, (await entries(log_url))[-1].hash)
    await execute(
        log_url,
        "INSERT INTO audit_checkpoints (sequence, hash, signature, at) "
        "VALUES (:sequence, :hash, :signature, 0)",
        sequence=forged.sequence,
        hash=forged.hash,
        signature=forged.signature,
    )

    checked = await audit(log_url, "verify", REGISTRY_AUDIT_CHECKPOINT_KEY=KEY)
    unchecked = await audit(log_url, "verify")

    assert checked.code == 1, checked.output
    assert checked.stdout.startswith(
        f"audit log damaged at row {ROWS} (checkpoint_forged): the checkpoint for row {ROWS} "
        "does not verify with REGISTRY_AUDIT_CHECKPOINT_KEY"
    ), checked.output
    # Without the key, the checkpoint can only be compared: verify with the key.
    assert unchecked.code == 0, unchecked.output
    assert "signature not checked" in unchecked.stdout


async def test_a_damaged_log_is_not_signed(log_url: str) -> None:
    await change_a_field(log_url)

    run = await audit(log_url, "checkpoint", REGISTRY_AUDIT_CHECKPOINT_KEY=KEY)

    assert run.code == 1, run.output
    assert run.stdout.splitlines() == [
        "audit log damaged at row 3 (modified): its content does not match its hash: "
        "a field was changed",
        "no checkpoint written: the log must be intact to be signed",
    ]
    assert await checkpoint_count(log_url) == 0


async def test_a_key_rotation_signs_with_the_new_key_after_checking_with_the_previous(
    log_url: str, tmp_path: Path
) -> None:
    new_key_file = tmp_path / "audit.key"
    new_key_file.write_text(OTHER_KEY + "\n")
    new_key = {"REGISTRY_AUDIT_CHECKPOINT_KEY_FILE": str(new_key_file)}
    first = await audit(log_url, "checkpoint", REGISTRY_AUDIT_CHECKPOINT_KEY=KEY)

    refused = await audit(log_url, "checkpoint", **new_key)
    rotated = await audit(
        log_url, "checkpoint", REGISTRY_AUDIT_CHECKPOINT_PREVIOUS_KEY=KEY, **new_key
    )
    verified = await audit(log_url, "verify", **new_key)

    assert first.code == 0, first.output
    assert refused.code == 1, refused.output
    assert "(checkpoint_forged)" in refused.stdout
    assert "REGISTRY_AUDIT_CHECKPOINT_KEY_FILE" in refused.stdout
    assert rotated.code == 0, rotated.output
    assert rotated.stdout.splitlines()[-2] == (
        f"checkpoint written for row {ROWS}; keep a copy outside the database:"
    )
    assert verified.code == 0, verified.output
    assert verified.stdout.splitlines()[1].endswith("matches; signature verified")
    assert await checkpoint_count(log_url) == 2


async def checkpoint_count(url: str) -> int:
    engine = create_async_engine(url, poolclass=sa.pool.NullPool)
    try:
        async with engine.connect() as connection:
            return int(
                (
                    await connection.execute(sa.text("SELECT count(*) FROM audit_checkpoints"))
                ).scalar_one()
            )
    finally:
        await engine.dispose()


# What stops the commands before an answer: one line, no traceback, no secret.


def assert_one_error_line(run: Run, code: int, *expected: str) -> None:
    assert run.code == code, run.output
    assert run.stdout == "", run.output
    assert len(run.stderr.strip().splitlines()) == 1, run.output
    assert run.stderr.startswith("llm-schema-registry: error: "), run.output
    for text in expected:
        assert text in run.stderr, run.output


async def test_a_database_without_the_audit_tables_names_the_migrate_command(
    database_url: str,
) -> None:
    if database_url.startswith("sqlite"):
        sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")).close()

    run = await audit(database_url, "verify")

    assert_one_error_line(run, 3, "reading the audit log at", "run `llm-schema-registry migrate`")


async def test_a_missing_sqlite_file_is_named_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"

    run = await audit(f"sqlite+aiosqlite:///{path}", "verify")

    assert_one_error_line(run, 3, f"cannot use the SQLite file {path}", "does not exist")
    assert not path.exists()


async def test_an_unreachable_postgresql_is_named_without_its_password(tmp_path: Path) -> None:
    port = free_port()

    run = await audit(f"postgresql+asyncpg://registry:s3cr3t@127.0.0.1:{port}/registry", "verify")

    assert_one_error_line(run, 3, f"PostgreSQL at 127.0.0.1:{port}", "registry:***@")
    assert "s3cr3t" not in run.output


async def test_a_checkpoint_without_a_key_is_a_configuration_error(sqlite_url: str) -> None:
    run = await audit(sqlite_url, "checkpoint")

    assert_one_error_line(run, 2, "a checkpoint needs a key", "REGISTRY_AUDIT_CHECKPOINT_KEY")


@pytest.mark.parametrize("command", ["verify", "checkpoint"])
async def test_a_short_key_is_refused_without_being_shown(sqlite_url: str, command: str) -> None:
    run = await audit(sqlite_url, command, REGISTRY_AUDIT_CHECKPOINT_KEY="tooshort-secret")

    assert_one_error_line(
        run, 2, "invalid setting REGISTRY_AUDIT_CHECKPOINT_KEY:", "at least 32 characters"
    )
    assert "tooshort-secret" not in run.output


async def test_an_unreadable_key_file_is_named(sqlite_url: str, tmp_path: Path) -> None:
    missing = tmp_path / "no.key"

    run = await audit(sqlite_url, "checkpoint", REGISTRY_AUDIT_CHECKPOINT_KEY_FILE=str(missing))

    assert_one_error_line(
        run, 2, f"REGISTRY_AUDIT_CHECKPOINT_KEY_FILE='{missing}'", "cannot read the key file"
    )


async def test_a_malformed_checkpoint_argument_is_a_configuration_error(sqlite_url: str) -> None:
    run = await audit(sqlite_url, "verify", "--checkpoint", "12:abc")

    assert_one_error_line(run, 2, "invalid --checkpoint", "SEQUENCE:HASH:SIGNATURE")
