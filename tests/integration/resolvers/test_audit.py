"""Verifying and signing the audit log on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.audit import AuditRecord, Damage
from registry.audit_checkpoints import AuditCheckpoint, is_signed_with
from resolvers.audit import checkpoint_audit_log, verify_audit_log
from storage.store import DatabaseStore

KEY = b"current-key-" + b"k" * 32
PREVIOUS = b"previous-key-" + b"p" * 32
T0 = 1_800_000_000.0


async def fill(store: DatabaseStore, count: int) -> None:
    for n in range(1, count + 1):
        await store.append_audit(
            AuditRecord(at=T0 + n, principal="key-a", action="register", outcome="ok")
        )


async def execute(store: DatabaseStore, statement: str) -> None:
    async with store.write() as tx:
        await tx._connection.execute(sa.text(statement))


async def test_an_intact_log_without_a_checkpoint_reports_its_size_and_head(store):
    await fill(store, 3)
    [*_, last] = await store.list_audit()

    report = await verify_audit_log(store)

    assert report.is_intact
    assert (report.rows, report.head_sequence, report.head_hash) == (3, 3, last.hash)
    assert report.checkpoint is None


async def test_a_checkpoint_signs_the_head_and_later_rows_still_verify(store):
    await fill(store, 3)

    report, checkpoint = await checkpoint_audit_log(store, KEY, at=T0, keys={"K": KEY})
    await fill(store, 2)
    later = await verify_audit_log(store, {"K": KEY})

    assert report.is_intact and checkpoint is not None
    assert (checkpoint.sequence, checkpoint.hash) == (3, report.head_hash)
    assert is_signed_with(checkpoint, KEY)
    assert await store.get_latest_audit_checkpoint() == checkpoint
    assert later.is_intact and later.rows == 5
    assert later.checkpoint == checkpoint and later.is_signature_checked


async def test_a_damaged_log_is_not_signed(store):
    await fill(store, 3)
    await execute(store, "UPDATE audit_log SET principal = 'someone' WHERE sequence = 2")

    report, checkpoint = await checkpoint_audit_log(store, KEY, at=T0, keys={"K": KEY})

    assert checkpoint is None
    assert report.damage is not None and report.damage.sequence == 2
    assert await store.get_latest_audit_checkpoint() is None


async def test_a_checkpoint_of_the_previous_key_verifies_during_a_rotation(store):
    await fill(store, 2)
    await checkpoint_audit_log(store, PREVIOUS, at=T0, keys={"K": PREVIOUS})

    refused, _ = await checkpoint_audit_log(store, KEY, at=T0, keys={"K": KEY})
    rotated, checkpoint = await checkpoint_audit_log(
        store, KEY, at=T0, keys={"K": KEY, "PREVIOUS": PREVIOUS}
    )

    assert refused.damage is not None and refused.damage.kind is Damage.CHECKPOINT_FORGED
    assert rotated.is_intact and checkpoint is not None and is_signed_with(checkpoint, KEY)
    assert (await verify_audit_log(store, {"K": KEY})).is_intact


async def test_a_checkpoint_kept_outside_finds_a_truncation_hidden_by_deleting_checkpoints(store):
    await fill(store, 4)
    _, kept = await checkpoint_audit_log(store, KEY, at=T0, keys={"K": KEY})
    assert kept is not None
    await execute(store, "DELETE FROM audit_log WHERE sequence = 4")
    await execute(store, "DELETE FROM audit_checkpoints")

    stored = await verify_audit_log(store, {"K": KEY})
    outside = await verify_audit_log(store, {"K": KEY}, AuditCheckpoint.parse(kept.token()))

    assert stored.is_intact and stored.checkpoint is None
    assert outside.damage is not None
    assert (outside.damage.sequence, outside.damage.kind) == (4, Damage.TRUNCATED)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_checkpoints SET signature = 'zz'",
        "UPDATE audit_checkpoints SET hash = 'not hex at all'",
    ],
)
async def test_a_mangled_checkpoint_is_damage_not_a_crash(store, statement):
    await fill(store, 2)
    await checkpoint_audit_log(store, KEY, at=T0, keys={"K": KEY})
    await execute(store, statement)

    report = await verify_audit_log(store, {"K": KEY})

    assert report.damage is not None
    assert report.damage.kind is Damage.CHECKPOINT_FORGED
