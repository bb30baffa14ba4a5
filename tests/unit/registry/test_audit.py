"""registry.audit: the canonical form, the hash chain and its verification."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest

from registry.audit import (
    GENESIS_HASH,
    MAX_AUDIT_PAGE,
    MAX_DETAIL_KEYS,
    MAX_TEXT,
    AuditEntry,
    ChainVerifier,
    Damage,
    canonical,
    chain_hash,
    check_page_limit,
    sanitized,
    verify_chain,
)
from registry.errors import BadUserInputError
from tests.unit.registry.audit_chains import chain, record, rehashed, renumbered

# The canonical form


def test_the_canonical_form_is_compact_sorted_json_of_every_field_in_utf8():
    text = canonical(record(3, subject="commandes-é"))

    decoded = json.loads(text.decode("utf-8"))
    assert list(decoded) == sorted(decoded)
    assert set(decoded) == {
        "sequence",
        "at",
        "principal",
        "action",
        "outcome",
        "subject",
        "version",
        "schema_id",
        "client",
        "request_id",
        "detail",
    }
    assert decoded["sequence"] == 3
    assert b" " not in text and b"\n" not in text
    assert "commandes-é".encode() in text


def test_the_canonical_form_does_not_depend_on_the_order_of_detail_keys():
    one = record(1, detail={"a": 1, "b": "x"})
    other = record(1, detail={"b": "x", "a": 1})

    assert canonical(one) == canonical(other)


def test_the_chain_hash_is_sha256_of_the_previous_hash_bytes_then_the_canonical_form():
    first = record(1)
    expected = hashlib.sha256(bytes(32) + canonical(first)).hexdigest()

    assert chain_hash(GENESIS_HASH, first) == expected
    second = record(2)
    assert chain_hash(expected, second) == (
        hashlib.sha256(bytes.fromhex(expected) + canonical(second)).hexdigest()
    )


@pytest.mark.parametrize(
    "change",
    [
        {"sequence": 2},
        {"at": 1_700_000_000.5},
        {"principal": "key-2"},
        {"action": "delete"},
        {"outcome": "FORBIDDEN"},
        {"subject": None},
        {"version": None},
        {"schema_id": 8},
        {"client": "10.0.0.2"},
        {"request_id": "req-x"},
        {"detail": None},
        {"detail": {"format": "JSON", "new": False}},
    ],
    ids=lambda change: next(iter(change)),
)
def test_changing_any_field_changes_the_hash(change):
    original = record(1)

    assert chain_hash(GENESIS_HASH, replace(original, **change)) != chain_hash(
        GENESIS_HASH, original
    )


# What is stored


def test_a_stored_record_has_no_nul_and_no_lone_surrogate_and_is_cut_to_the_limit():
    stored = sanitized(
        record(
            1,
            principal="a\x00b",
            subject="\ud800x",
            request_id="r" * (MAX_TEXT + 500),
            detail={"note": "n\x00" * 2, "count": 3, "flag": False, "none": None},
        )
    )

    assert stored.principal == "a\\x00b"
    assert stored.subject == "\\ud800x"
    assert len(stored.request_id) == MAX_TEXT and stored.request_id.endswith("…")
    assert stored.detail == {"note": "n\\x00n\\x00", "count": 3, "flag": False, "none": None}
    # Everything about it encodes: it can be hashed and stored.
    assert canonical(stored).decode("utf-8")


def test_a_time_given_as_an_integer_is_stored_as_a_float_so_it_hashes_the_same_when_read():
    stored = sanitized(record(1, at=1_700_000_000))

    assert isinstance(stored.at, float)
    assert canonical(stored) == canonical(replace(stored, at=1_700_000_000.0))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"at": float("nan")}, "finite"),
        ({"at": float("inf")}, "finite"),
        ({"detail": {"nested": {"a": 1}}}, "str, int, bool or None"),
        ({"detail": {"ratio": 0.5}}, "str, int, bool or None"),
        ({"detail": {f"k{n}": n for n in range(MAX_DETAIL_KEYS + 1)}}, "keys"),
    ],
    ids=["nan", "infinity", "nested-detail", "float-detail", "too-many-keys"],
)
def test_a_value_no_record_can_hold_is_refused(change, expected):
    with pytest.raises(ValueError, match=expected):
        sanitized(record(1, **change))


# Verification


def test_a_genuine_chain_is_intact_and_its_head_is_the_last_row():
    rows = chain(5)

    report = verify_chain(rows)

    assert report.is_intact
    assert (report.rows, report.head_sequence, report.head_hash) == (5, 5, rows[-1].hash)


def test_an_empty_log_is_intact_with_the_genesis_hash_as_its_head():
    report = verify_chain([])

    assert report.is_intact
    assert (report.rows, report.head_sequence, report.head_hash) == (0, 0, GENESIS_HASH)


def test_a_changed_field_is_found_at_its_row_as_modified_content():
    rows = chain(5)
    rows[2] = replace(rows[2], record=replace(rows[2].record, outcome="FORBIDDEN"))

    report = verify_chain(rows)

    assert report.damage is not None
    assert (report.damage.sequence, report.damage.kind) == (3, Damage.MODIFIED)
    assert "does not match its hash" in report.damage.message
    assert (report.rows, report.head_sequence) == (2, 2)


def test_a_deleted_row_in_the_middle_is_named_by_its_missing_sequence():
    rows = chain(5)
    del rows[2]

    report = verify_chain(rows)

    assert report.damage is not None
    assert (report.damage.sequence, report.damage.kind) == (3, Damage.DELETED)
    assert report.damage.message == "row 3 missing: deleted"


def test_several_deleted_rows_are_named_as_a_range():
    rows = chain(6)
    del rows[1:4]

    report = verify_chain(rows)

    assert report.damage is not None
    assert report.damage.kind is Damage.DELETED
    assert report.damage.message == "rows 2 to 4 missing: deleted"


def test_a_deleted_first_row_is_found():
    report = verify_chain(chain(3)[1:])

    assert report.damage is not None
    assert (report.damage.sequence, report.damage.kind) == (1, Damage.DELETED)


def test_deleting_the_last_rows_leaves_a_shorter_chain_that_verifies_alone():
    # Only a checkpoint shows this (see the checkpoint tests below).
    report = verify_chain(chain(5)[:3])

    assert report.is_intact and report.head_sequence == 3


def test_a_duplicate_sequence_is_an_inserted_row():
    rows = chain(3)
    rows.insert(2, rows[1])

    report = verify_chain(rows)

    assert report.damage is not None
    assert (report.damage.sequence, report.damage.kind) == (2, Damage.INSERTED)
    assert "does not follow 2" in report.damage.message


def test_a_forged_row_with_a_made_up_hash_is_modified_content():
    rows = chain(3)
    forged = record(4, principal="intruder")
    rows.append(AuditEntry(forged, rows[-1].hash, "ab" * 32))

    report = verify_chain(rows)

    assert report.damage is not None
    assert (report.damage.sequence, report.damage.kind) == (4, Damage.MODIFIED)


def test_a_forged_row_hashed_on_another_predecessor_breaks_the_link():
    rows = chain(3)
    forged = record(4, principal="intruder")
    rows.append(AuditEntry(forged, rows[0].hash, chain_hash(rows[0].hash, forged)))

    report = verify_chain(rows)

    assert report.damage is not None
    assert (report.damage.sequence, report.damage.kind) == (4, Damage.INSERTED)
    assert "does not link to row 3" in report.damage.message


def test_a_row_rewritten_with_its_own_hash_recomputed_breaks_the_link_of_the_next():
    rows = chain(4)
    changed = replace(rows[1].record, outcome="FORBIDDEN")
    rows[1] = AuditEntry(changed, rows[1].prev_hash, chain_hash(rows[1].prev_hash, changed))

    report = verify_chain(rows)

    assert report.damage is not None
    assert (report.damage.sequence, report.damage.kind) == (3, Damage.INSERTED)


def test_a_well_forged_row_inserted_in_the_middle_is_found_at_the_row_it_pushed_down():
    rows = chain(5)
    forged = record(3, principal="intruder")
    inserted = AuditEntry(forged, rows[1].hash, chain_hash(rows[1].hash, forged))
    rows = [*rows[:2], inserted, *(renumbered(row, row.record.sequence + 1) for row in rows[2:])]

    report = verify_chain(rows)

    assert report.damage is not None
    assert (report.damage.sequence, report.damage.kind) == (4, Damage.INSERTED)
    assert "written as row 3: 1 row(s) were inserted before it" in report.damage.message


def test_two_swapped_rows_are_found_as_reordered_at_the_first():
    rows = chain(5)
    rows[1], rows[3] = renumbered(rows[3], 2), renumbered(rows[1], 4)

    report = verify_chain(rows)

    assert report.damage is not None
    assert (report.damage.sequence, report.damage.kind) == (2, Damage.REORDERED)
    assert "written as row 4" in report.damage.message


def test_a_row_numbered_before_the_first_is_an_inserted_row():
    rows = chain(3)
    rows.insert(0, renumbered(rows[0], 0))

    report = verify_chain(rows)

    assert report.damage is not None
    assert (report.damage.sequence, report.damage.kind) == (0, Damage.INSERTED)
    assert "sequence 0 comes before row 1" in report.damage.message


def test_malformed_stored_hashes_are_modified_content():
    rows = chain(2)
    rows[1] = replace(rows[1], prev_hash="not a hash")

    report = verify_chain(rows)

    assert report.damage is not None
    assert (report.damage.sequence, report.damage.kind) == (2, Damage.MODIFIED)


def test_a_chain_recomputed_from_the_start_after_a_change_verifies_alone():
    rows = chain(4)
    rows[1] = replace(rows[1], record=replace(rows[1].record, principal="intruder"))

    assert verify_chain(rows).damage is not None
    assert verify_chain(rehashed(rows)).is_intact


def test_verification_stops_at_the_first_damage():
    rows = chain(6)
    rows[1] = replace(rows[1], record=replace(rows[1].record, principal="x"))
    del rows[4]
    verifier = ChainVerifier()

    first = [verifier.add(row) for row in rows]

    assert first[0] is None
    assert all(damage is not None and damage.sequence == 2 for damage in first[1:])
    assert verifier.report().rows == 1


def test_an_unreadable_row_is_reported_as_such():
    verifier = ChainVerifier()
    for row in chain(2):
        verifier.add(row)

    damage = verifier.unreadable(3, "at is str, not a number")

    assert (damage.sequence, damage.kind) == (3, Damage.UNREADABLE)
    assert verifier.report().damage == damage


@pytest.mark.parametrize("limit", [0, -1, MAX_AUDIT_PAGE + 1])
def test_an_audit_page_limit_out_of_range_is_bad_input(limit):
    with pytest.raises(BadUserInputError, match=f"1 to {MAX_AUDIT_PAGE}"):
        check_page_limit(limit)
