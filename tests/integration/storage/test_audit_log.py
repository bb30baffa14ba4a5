"""The audit log on SQLite and PostgreSQL: appending in and out of write transactions,
pages and filters, the walk over every row, checkpoints, and concurrent replicas."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from registry.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditRecord,
    UnreadableAuditRowError,
    chain_hash,
    verify_chain,
)
from registry.audit_checkpoints import AuditCheckpoint
from registry.errors import BadUserInputError
from registry.model import EventKind
from registry.types import SubjectName
from storage import audit as storage_audit
from storage.store import DatabaseStore
from tests.integration.helpers import StoreFactory

T0 = 1_800_000_000.0


class BoomError(Exception):
    pass


def record(number: int = 1, **fields: object) -> AuditRecord:
    values: dict[str, object] = {
        "at": T0 + number,
        "principal": "key-a",
        "action": "register",
        "outcome": "ok",
        "subject": "orders",
        "version": number,
        "client": "127.0.0.1",
        "request_id": f"req-{number}",
        **fields,
    }
    return AuditRecord(**values)  # type: ignore[arg-type]


async def all_entries(store: DatabaseStore) -> list[AuditEntry]:
    return [entry async for entry in store.iter_audit()]


async def test_records_appended_alone_get_consecutive_sequences_and_one_chain(store):
    appended = [await store.append_audit(record(n)) for n in range(1, 4)]

    assert [r.sequence for r in appended] == [1, 2, 3]
    entries = await all_entries(store)
    assert [e.record for e in entries] == appended
    assert entries[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert all(e.hash == chain_hash(e.prev_hash, e.record) for e in entries)
    assert verify_chain(entries).is_intact


async def test_a_record_reads_back_exactly_as_stored(store):
    stored = await store.append_audit(
        record(
            1,
            at=T0 + 0.123456789,
            subject=None,
            version=None,
            schema_id=2**31 - 1,
            outcome="FORBIDDEN",
            principal="clé-ü",
            request_id="x" * 5000,
            detail={"reason": "scope", "count": 3, "admin": False, "none": None, "nul": "a\x00"},
        )
    )

    [entry] = await store.list_audit()

    assert entry.record == stored
    assert stored.detail == {
        "reason": "scope",
        "count": 3,
        "admin": False,
        "none": None,
        "nul": "a\\x00",
    }
    assert len(stored.request_id) < 5000
    assert entry.hash == chain_hash(GENESIS_HASH, entry.record)


async def test_records_appended_in_a_write_transaction_commit_with_it(store):
    async with store.write() as tx:
        await tx.append_event(EventKind.CONFIG_CHANGED, SubjectName("orders"))
        first = await tx.append_audit(record(1, action="configure"))
        second = await tx.append_audit(record(2, action="configure"))

    assert (first.sequence, second.sequence) == (1, 2)
    entries = await all_entries(store)
    assert [e.record for e in entries] == [first, second]
    assert entries[1].prev_hash == entries[0].hash
    assert await store.get_last_sequence() == 1


async def test_no_audit_row_survives_a_rolled_back_transaction(store):
    await store.append_audit(record(1))

    with pytest.raises(BoomError):
        async with store.write() as tx:
            await tx.append_event(EventKind.CONFIG_CHANGED, None)
            await tx.append_audit(record(2))
            raise BoomError

    assert [e.record.sequence for e in await all_entries(store)] == [1]
    assert await store.get_last_sequence() == 0
    # The chain goes on from the last committed row.
    after = await store.append_audit(record(3))
    assert after.sequence == 2
    assert verify_chain(await all_entries(store)).is_intact


async def test_pages_follow_the_sequence_after_the_last_one_seen(store):
    for n in range(1, 8):
        await store.append_audit(record(n))

    pages: list[list[int]] = []
    after = None
    while True:
        page = await store.list_audit(after_sequence=after, limit=3)
        if not page:
            break
        pages.append([e.record.sequence for e in page])
        after = page[-1].record.sequence

    assert pages == [[1, 2, 3], [4, 5, 6], [7]]


async def test_filters_by_principal_subject_and_time_combine(store):
    await store.append_audit(record(1, principal="key-a", subject="orders"))
    await store.append_audit(record(2, principal="key-b", subject="orders"))
    await store.append_audit(record(3, principal="key-a", subject="payments"))
    await store.append_audit(record(4, principal="key-a", subject=None))
    await store.append_audit(record(5, principal="key-a", subject="orders"))

    async def sequences(**filters: object) -> list[int]:
        return [e.record.sequence for e in await store.list_audit(**filters)]

    assert await sequences(principal="key-a") == [1, 3, 4, 5]
    assert await sequences(subject="orders") == [1, 2, 5]
    assert await sequences(principal="key-a", subject="orders") == [1, 5]
    # since <= at < until
    assert await sequences(since=T0 + 2, until=T0 + 5) == [2, 3, 4]
    assert await sequences(principal="key-a", since=T0 + 2, after_sequence=3) == [4, 5]
    assert await sequences(principal="nobody") == []


@pytest.mark.parametrize("limit", [0, 1001])
async def test_a_page_limit_out_of_range_is_bad_input(store, limit):
    with pytest.raises(BadUserInputError):
        await store.list_audit(limit=limit)


async def test_the_walk_reads_every_row_in_order_across_batches(store, monkeypatch):
    monkeypatch.setattr(storage_audit, "WALK_BATCH", 3)
    async with store.write() as tx:
        for n in range(1, 11):
            await tx.append_audit(record(n))

    entries = await all_entries(store)

    assert [e.record.sequence for e in entries] == list(range(1, 11))
    assert [e.record.sequence async for e in store.iter_audit(after_sequence=7)] == [8, 9, 10]
    assert verify_chain(entries).is_intact


async def test_a_row_whose_detail_is_not_a_json_object_is_unreadable(store):
    for n in range(1, 4):
        await store.append_audit(record(n, detail={"n": n}))
    async with store.write() as tx:
        await tx._connection.execute(
            sa.text("UPDATE audit_log SET detail = '[1' WHERE sequence = 2")
        )

    with pytest.raises(UnreadableAuditRowError) as caught:
        await all_entries(store)

    assert caught.value.sequence == 2
    assert "detail is not JSON" in caught.value.reason


async def test_a_sqlite_row_holding_text_in_a_number_column_is_unreadable(
    sqlite_url: str, open_store: StoreFactory
) -> None:
    # SQLite keeps whatever it is given; PostgreSQL's column types refuse this.
    store = await open_store(sqlite_url)
    await store.append_audit(record(1))
    async with store.write() as tx:
        await tx._connection.execute(sa.text("UPDATE audit_log SET at = 'noon'"))

    with pytest.raises(UnreadableAuditRowError, match="at is str, not a number"):
        await all_entries(store)


async def test_the_latest_checkpoint_is_the_one_added_last(store):
    assert await store.get_latest_audit_checkpoint() is None
    first = AuditCheckpoint(1, "a" * 64, "b" * 64, T0)
    second = AuditCheckpoint(1, "c" * 64, "d" * 64, T0 - 10)

    await store.add_audit_checkpoint(first)
    await store.add_audit_checkpoint(second)

    assert await store.get_latest_audit_checkpoint() == second


async def test_many_concurrent_appends_on_one_store_keep_one_chain(store):
    async def appending(worker: int) -> None:
        for n in range(10):
            if n % 2:
                await store.append_audit(record(n, principal=f"w{worker}"))
            else:
                async with store.write() as tx:
                    await tx.append_event(EventKind.CONFIG_CHANGED, None)
                    await tx.append_audit(record(n, principal=f"w{worker}"))

    await asyncio.gather(*(appending(worker) for worker in range(5)))

    entries = await all_entries(store)
    assert [e.record.sequence for e in entries] == list(range(1, 51))
    assert verify_chain(entries).is_intact


async def test_two_replicas_appending_at_once_on_postgresql_keep_one_linear_chain(
    postgres_url: str, open_store: StoreFactory
) -> None:
    replicas = [await open_store(postgres_url, pool_max_size=5) for _ in range(2)]

    async def appending(store: DatabaseStore, worker: int) -> None:
        for n in range(15):
            if n % 3:
                await store.append_audit(record(n, principal=f"replica-{worker}"))
            else:
                async with store.write() as tx:
                    await tx.append_event(EventKind.CONFIG_CHANGED, None)
                    await tx.append_audit(record(n, principal=f"replica-{worker}"))

    await asyncio.gather(*(appending(replicas[worker % 2], worker) for worker in range(8)))

    entries = await all_entries(replicas[0])
    assert [e.record.sequence for e in entries] == list(range(1, 121))
    assert verify_chain(entries).is_intact
    assert {e.record.principal for e in entries} == {f"replica-{w}" for w in range(8)}
