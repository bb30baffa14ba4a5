"""Checkpoints of the audit log: the head of the chain signed with HMAC-SHA256.

A key the database does not hold signs the last row's sequence and hash. Whoever
rewrites the chain (every hash recomputed) cannot sign the new head, so the rewrite no
longer matches the latest checkpoint; rows removed from the end leave the checkpoint
pointing past the last row.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, replace

from registry.audit import ChainDamage, ChainReport, Damage, is_hash
from registry.errors import BadUserInputError


@dataclass(frozen=True, slots=True)
class AuditCheckpoint:
    """A signature over the head of the chain: the last row's sequence and hash
    (sequence 0 and the genesis hash for an empty log)."""

    sequence: int
    hash: str
    signature: str
    at: float = 0.0

    def token(self) -> str:
        """The checkpoint as one word, to keep outside the database."""
        return f"{self.sequence}:{self.hash}:{self.signature}"

    @classmethod
    def parse(cls, token: str) -> AuditCheckpoint:
        parts = token.strip().split(":")
        if len(parts) != 3 or not parts[0].isdigit() or not all(map(is_hash, parts[1:])):
            raise BadUserInputError(
                "A checkpoint is SEQUENCE:HASH:SIGNATURE, as `audit checkpoint` prints it."
            )
        return cls(sequence=int(parts[0]), hash=parts[1], signature=parts[2])


def _checkpoint_message(sequence: int, head_hash: str) -> bytes:
    return f"llm-schema-registry audit checkpoint v1\n{sequence}\n{head_hash}".encode()


def sign_checkpoint(key: bytes, sequence: int, head_hash: str, at: float = 0.0) -> AuditCheckpoint:
    """HMAC-SHA256 with ``key`` over the head's sequence and hash."""
    signature = hmac.new(key, _checkpoint_message(sequence, head_hash), hashlib.sha256)
    return AuditCheckpoint(sequence, head_hash, signature.hexdigest(), at)


def is_signed_with(checkpoint: AuditCheckpoint, key: bytes) -> bool:
    expected = sign_checkpoint(key, checkpoint.sequence, checkpoint.hash).signature
    # Bytes: compare_digest refuses str with non-ASCII characters, which a forged row may hold.
    return hmac.compare_digest(expected.encode(), checkpoint.signature.encode())


def check_checkpoint(
    report: ChainReport,
    checkpoint: AuditCheckpoint,
    signed_row_hash: str | None,
    keys: Mapping[str, bytes] | None = None,
) -> ChainReport:
    """``report`` (of an intact chain) compared with ``checkpoint``: the row it signed
    must still be there (``signed_row_hash``: that row's hash now, None when the log is
    shorter) with the same hash. With ``keys`` (name: key), the signature must verify
    with one of them first."""
    checked = replace(report, checkpoint=checkpoint, is_signature_checked=keys is not None)
    if report.damage is not None:
        return checked
    if keys is not None and not any(is_signed_with(checkpoint, key) for key in keys.values()):
        names = " or ".join(keys)
        return replace(
            checked,
            damage=ChainDamage(
                checkpoint.sequence,
                Damage.CHECKPOINT_FORGED,
                f"the checkpoint for row {checkpoint.sequence} does not verify with {names}: "
                "it was forged, or signed with another key",
            ),
        )
    if signed_row_hash is None or checkpoint.sequence > report.head_sequence:
        return replace(
            checked,
            damage=ChainDamage(
                checkpoint.sequence,
                Damage.TRUNCATED,
                f"the log ends at row {report.head_sequence} but a checkpoint signed row "
                f"{checkpoint.sequence}: its last rows were deleted",
            ),
        )
    if signed_row_hash != checkpoint.hash:
        return replace(
            checked,
            damage=ChainDamage(
                checkpoint.sequence,
                Damage.REWRITTEN,
                f"its hash is not the one the checkpoint signed: rows up to {checkpoint.sequence} "
                "were changed and the hashes recomputed",
            ),
        )
    return checked
