"""The audit log: who asked for what, when, from where, and how it ended.

The log is tamper-evident. Each row carries ``hash = sha256(prev_hash + canonical(record))``
(``prev_hash`` as its 32 raw bytes; the first row's is 64 zeros), so changing, removing,
inserting or reordering rows breaks the chain at the first row concerned, unless every
later hash is recomputed. Recomputing is possible for anyone who can write to the
database, so the head of the chain is signed from time to time (a checkpoint, HMAC-SHA256
with a key the database does not hold): a rewrite of the rows before a checkpoint no
longer matches it. What no chain can show is a row appended at the end, after the latest
checkpoint, by someone who can compute hashes: it looks like any later record.
"""

from __future__ import annotations

import enum
import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

from registry.errors import BadUserInputError

if TYPE_CHECKING:
    from registry.audit_checkpoints import AuditCheckpoint

GENESIS_HASH = "0" * 64
OUTCOME_OK = "ok"
# Longest text kept in a field; longer values (a client-chosen request id, an over-long
# subject that a refusal names) are cut, so one request cannot fill the log.
MAX_TEXT = 1024
MAX_DETAIL_KEYS = 32
MAX_AUDIT_PAGE = 1000
# How far from its place a misplaced row's record is looked for when naming the damage.
REORDER_SEARCH = 10_000
_HEX_DIGITS = frozenset("0123456789abcdef")

DetailValue = str | int | bool | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditRecord:
    """One audited request. ``outcome`` is ``"ok"`` or the refusal's error code
    (``FORBIDDEN``, ``UNAUTHENTICATED``...); ``action`` an ``access.Action`` value or an
    operation name. ``sequence`` is given by the storage when the record is appended."""

    sequence: int = 0
    at: float
    principal: str
    action: str
    outcome: str
    subject: str | None = None
    version: int | None = None
    schema_id: int | None = None
    client: str = ""
    request_id: str = ""
    detail: dict[str, DetailValue] | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A stored record with its link to the previous row and its own hash."""

    record: AuditRecord
    prev_hash: str
    hash: str


def _clean_text(text: str) -> str:
    """Text every database stores as given: no NUL (PostgreSQL refuses it), no lone
    surrogate (not UTF-8), at most MAX_TEXT characters."""
    text = str(text).replace("\x00", "\\x00")
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _clean_value(value: object) -> DetailValue:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return _clean_text(value)
    raise ValueError(f"audit detail values are str, int, bool or None, not {type(value)}")


def sanitized(record: AuditRecord) -> AuditRecord:
    """``record`` as it is stored: texts cleaned and cut (see ``MAX_TEXT``), numbers of
    their declared types. The storage hashes and stores this form, so a record read back
    hashes the same. ValueError for a value no record can hold (a non-finite time, a
    detail value that is not a str, int, bool or None)."""
    at = float(record.at)
    if not math.isfinite(at):
        raise ValueError(f"an audit record's time must be finite, not {record.at!r}")
    detail = None
    if record.detail is not None:
        if len(record.detail) > MAX_DETAIL_KEYS:
            raise ValueError(f"audit detail has more than {MAX_DETAIL_KEYS} keys")
        detail = {_clean_text(k): _clean_value(v) for k, v in record.detail.items()}

    def text_or_none(value: str | None) -> str | None:
        return None if value is None else _clean_text(value)

    def int_or_none(value: int | None) -> int | None:
        return None if value is None else int(value)

    return AuditRecord(
        sequence=int(record.sequence),
        at=at,
        principal=_clean_text(record.principal),
        action=_clean_text(record.action),
        outcome=_clean_text(record.outcome),
        subject=text_or_none(record.subject),
        version=int_or_none(record.version),
        schema_id=int_or_none(record.schema_id),
        client=_clean_text(record.client),
        request_id=_clean_text(record.request_id),
        detail=detail,
    )


def canonical(record: AuditRecord) -> bytes:
    """Every field, ``sequence`` included, as compact JSON with sorted keys in UTF-8.
    Floats are written as their shortest round-trip form, so a time read back from the
    database encodes the same."""
    content = {field.name: getattr(record, field.name) for field in fields(record)}
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def chain_hash(prev_hash: str, record: AuditRecord) -> str:
    """sha256 over the previous row's hash (32 raw bytes) then the record's canonical form."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical(record)).hexdigest()


def is_hash(text: object) -> bool:
    """Whether ``text`` is a hash as the chain writes them: 64 lowercase hex digits."""
    return isinstance(text, str) and len(text) == 64 and _HEX_DIGITS.issuperset(text)


class UnreadableAuditRowError(ValueError):
    """A stored row whose values are not those of any record (a text where a number
    belongs, a detail that is not a JSON object): it was changed outside the registry."""

    def __init__(self, sequence: int, reason: str) -> None:
        super().__init__(f"audit row {sequence} is unreadable: {reason}")
        self.sequence = sequence
        self.reason = reason


class Damage(enum.Enum):
    MODIFIED = "modified"
    """A row's content no longer gives its hash: a field was changed."""
    DELETED = "deleted"
    """Sequence numbers are missing: rows were removed."""
    INSERTED = "inserted"
    """A row that does not follow the one before it: a duplicate or out-of-order
    sequence, a row whose link to its predecessor is broken, or a record moved down by
    rows inserted before it."""
    REORDERED = "reordered"
    """A row holds the record written at a later place."""
    UNREADABLE = "unreadable"
    """A row's stored values are not those of any record (a text in a number column)."""
    TRUNCATED = "truncated"
    """The log ends before the row a checkpoint signed: its last rows were removed."""
    REWRITTEN = "rewritten"
    """The row a checkpoint signed has another hash now: the rows up to it were
    changed and the hashes recomputed."""
    CHECKPOINT_FORGED = "checkpoint_forged"
    """A checkpoint whose signature does not verify with the key."""


@dataclass(frozen=True, slots=True)
class ChainDamage:
    sequence: int
    """The first row found damaged (for checkpoint damage: the row the checkpoint signed)."""
    kind: Damage
    message: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    rows: int
    head_sequence: int
    head_hash: str
    damage: ChainDamage | None = None
    checkpoint: AuditCheckpoint | None = None
    """The checkpoint the chain was compared with, if any."""
    is_signature_checked: bool = False
    """Whether the checkpoint's signature was checked (a key was given)."""

    @property
    def is_intact(self) -> bool:
        return self.damage is None


class ChainVerifier:
    """Checks rows one at a time, in sequence order, keeping only the last row's hash,
    so a log of any length is verified in constant memory. Stops at the first damage."""

    def __init__(self, *, remember: int | None = None) -> None:
        self.rows = 0
        self.head_sequence = 0
        self.head_hash = GENESIS_HASH
        self.damage: ChainDamage | None = None
        self._remember = remember
        self.remembered_hash: str | None = GENESIS_HASH if remember == 0 else None
        """The hash of row ``remember`` once the walk has passed it."""

    def add(self, entry: AuditEntry) -> ChainDamage | None:
        """Checks the next row; the damage found (the walk should stop), or None."""
        if self.damage is None:
            self.damage = self._check(entry)
            if self.damage is None:
                self.rows += 1
                self.head_sequence = entry.record.sequence
                self.head_hash = entry.hash
                if entry.record.sequence == self._remember:
                    self.remembered_hash = entry.hash
        return self.damage

    def unreadable(self, sequence: int, reason: str) -> ChainDamage:
        """Records that row ``sequence`` could not be read as a record."""
        if self.damage is None:
            self.damage = ChainDamage(sequence, Damage.UNREADABLE, f"unreadable row: {reason}")
        return self.damage

    def report(self) -> ChainReport:
        return ChainReport(self.rows, self.head_sequence, self.head_hash, self.damage)

    def _check(self, entry: AuditEntry) -> ChainDamage | None:
        sequence = entry.record.sequence
        expected = self.head_sequence + 1
        if sequence < expected:
            where = f"does not follow {self.head_sequence}" if self.rows else "comes before row 1"
            return ChainDamage(
                sequence,
                Damage.INSERTED,
                f"sequence {sequence} {where}: a duplicate or out-of-order row was inserted",
            )
        if sequence > expected:
            missing = f"row {expected}" if sequence == expected + 1 else f"rows {expected}"
            if sequence > expected + 1:
                missing += f" to {sequence - 1}"
            return ChainDamage(expected, Damage.DELETED, f"{missing} missing: deleted")
        if not (is_hash(entry.prev_hash) and is_hash(entry.hash)):
            return ChainDamage(sequence, Damage.MODIFIED, "its stored hashes are malformed")
        try:
            computed = chain_hash(entry.prev_hash, entry.record)
        except (TypeError, ValueError) as exc:
            return ChainDamage(sequence, Damage.UNREADABLE, f"unreadable row: {exc}")
        if computed != entry.hash:
            return _misplaced(entry) or ChainDamage(
                sequence,
                Damage.MODIFIED,
                "its content does not match its hash: a field was changed",
            )
        if entry.prev_hash != self.head_hash:
            return ChainDamage(
                sequence,
                Damage.INSERTED,
                f"it does not link to row {sequence - 1}: a row was inserted or replaced "
                "(its hash recomputed) here",
            )
        return None


def _misplaced(entry: AuditEntry) -> ChainDamage | None:
    """Damage naming where this row's record was written, when its hash matches the same
    record at another sequence close by (rows moved, or renumbered around a gap)."""
    sequence = entry.record.sequence
    low = max(1, sequence - REORDER_SEARCH)
    for written in range(low, sequence + REORDER_SEARCH + 1):
        if written == sequence:
            continue
        if chain_hash(entry.prev_hash, replace(entry.record, sequence=written)) != entry.hash:
            continue
        where = f"it holds the record written as row {written}"
        if written < sequence:
            # Every record before the first misplaced row is in place, so a record from
            # an earlier row can only have been pushed down by inserted rows.
            return ChainDamage(
                sequence,
                Damage.INSERTED,
                f"{where}: {sequence - written} row(s) were inserted before it",
            )
        return ChainDamage(
            sequence,
            Damage.REORDERED,
            f"{where}: rows were reordered, or deleted before it and renumbered",
        )
    return None


def verify_chain(rows: Iterable[AuditEntry]) -> ChainReport:
    """Whether ``rows`` (in sequence order) form one unbroken chain from the genesis
    hash: sequences 1, 2, 3... each row's hash matching its content and linking to the
    row before. The report names the first damaged row and the kind of damage."""
    verifier = ChainVerifier()
    for entry in rows:
        if verifier.add(entry) is not None:
            break
    return verifier.report()


def check_page_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_AUDIT_PAGE:
        raise BadUserInputError(f"An audit page holds 1 to {MAX_AUDIT_PAGE} records, not {limit}.")
    return limit
