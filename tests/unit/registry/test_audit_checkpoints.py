"""registry.audit_checkpoints: signing the chain's head, and comparing a chain with it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from registry.audit import GENESIS_HASH, AuditEntry, ChainVerifier, Damage
from registry.audit_checkpoints import (
    AuditCheckpoint,
    check_checkpoint,
    is_signed_with,
    sign_checkpoint,
)
from registry.errors import BadUserInputError
from tests.unit.registry.audit_chains import chain, rehashed

KEY = b"k" * 32
OTHER_KEY = b"o" * 32


def walked(rows: list[AuditEntry], checkpoint: AuditCheckpoint) -> tuple[ChainVerifier, str | None]:
    verifier = ChainVerifier(remember=checkpoint.sequence)
    for row in rows:
        verifier.add(row)
    return verifier, verifier.remembered_hash


def test_a_checkpoint_signs_the_head_and_verifies_only_with_its_key():
    head = chain(3)[-1]
    checkpoint = sign_checkpoint(KEY, 3, head.hash, at=5.0)

    assert (checkpoint.sequence, checkpoint.hash, checkpoint.at) == (3, head.hash, 5.0)
    assert is_signed_with(checkpoint, KEY)
    assert not is_signed_with(checkpoint, OTHER_KEY)
    assert not is_signed_with(replace(checkpoint, sequence=2), KEY)
    assert not is_signed_with(replace(checkpoint, signature="é" * 64), KEY)


def test_an_intact_chain_matches_its_checkpoint():
    rows = chain(5)
    checkpoint = sign_checkpoint(KEY, 3, rows[2].hash)
    verifier, signed_row_hash = walked(rows, checkpoint)

    report = check_checkpoint(verifier.report(), checkpoint, signed_row_hash, {"key": KEY})

    assert report.is_intact
    assert report.checkpoint == checkpoint and report.is_signature_checked


def test_a_checkpoint_of_the_empty_log_matches_the_empty_log():
    checkpoint = sign_checkpoint(KEY, 0, GENESIS_HASH)
    verifier, signed_row_hash = walked([], checkpoint)

    assert check_checkpoint(verifier.report(), checkpoint, signed_row_hash, {"k": KEY}).is_intact


def test_deleting_the_last_rows_is_found_by_the_checkpoint():
    rows = chain(5)
    checkpoint = sign_checkpoint(KEY, 5, rows[-1].hash)
    verifier, signed_row_hash = walked(rows[:4], checkpoint)

    report = check_checkpoint(verifier.report(), checkpoint, signed_row_hash, {"k": KEY})

    assert report.damage is not None
    assert (report.damage.sequence, report.damage.kind) == (5, Damage.TRUNCATED)
    assert "ends at row 4 but a checkpoint signed row 5" in report.damage.message


def test_a_chain_recomputed_after_a_change_is_found_by_the_checkpoint():
    rows = chain(5)
    checkpoint = sign_checkpoint(KEY, 4, rows[3].hash)
    rows[1] = replace(rows[1], record=replace(rows[1].record, principal="intruder"))
    verifier, signed_row_hash = walked(rehashed(rows), checkpoint)

    report = check_checkpoint(verifier.report(), checkpoint, signed_row_hash, {"k": KEY})

    assert report.damage is not None
    assert (report.damage.sequence, report.damage.kind) == (4, Damage.REWRITTEN)


def test_a_checkpoint_forged_for_a_rewritten_chain_is_found_by_its_signature():
    rows = chain(3)
    rows[0] = replace(rows[0], record=replace(rows[0].record, principal="intruder"))
    rows = rehashed(rows)
    forged = sign_checkpoint(OTHER_KEY, 3, rows[-1].hash)
    verifier, signed_row_hash = walked(rows, forged)

    report = check_checkpoint(verifier.report(), forged, signed_row_hash, {"THE_KEY": KEY})

    assert report.damage is not None
    assert report.damage.kind is Damage.CHECKPOINT_FORGED
    assert "does not verify with THE_KEY" in report.damage.message
    # Without a key the same checkpoint is only compared, and matches.
    assert check_checkpoint(verifier.report(), forged, signed_row_hash).is_intact


def test_a_checkpoint_signed_with_the_previous_key_verifies_during_a_rotation():
    rows = chain(2)
    checkpoint = sign_checkpoint(OTHER_KEY, 2, rows[-1].hash)
    verifier, signed_row_hash = walked(rows, checkpoint)

    report = check_checkpoint(
        verifier.report(), checkpoint, signed_row_hash, {"new": KEY, "previous": OTHER_KEY}
    )

    assert report.is_intact


def test_a_checkpoint_token_reads_back_as_the_same_checkpoint():
    checkpoint = sign_checkpoint(KEY, 12, chain(1)[0].hash)

    parsed = AuditCheckpoint.parse(checkpoint.token())

    assert (parsed.sequence, parsed.hash, parsed.signature) == (
        checkpoint.sequence,
        checkpoint.hash,
        checkpoint.signature,
    )


@pytest.mark.parametrize(
    "token", ["", "12", "12:abc:def", f"x:{'a' * 64}:{'b' * 64}", f"-1:{'a' * 64}:{'b' * 64}"]
)
def test_a_malformed_checkpoint_token_is_bad_input(token):
    with pytest.raises(BadUserInputError, match="SEQUENCE:HASH:SIGNATURE"):
        AuditCheckpoint.parse(token)
