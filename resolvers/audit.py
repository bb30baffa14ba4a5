"""Verifying the audit log, and signing its head."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from registry.audit import (
    AuditEntry,
    ChainDamage,
    ChainReport,
    ChainVerifier,
    Damage,
    UnreadableAuditRowError,
    check_page_limit,
)
from registry.audit_checkpoints import AuditCheckpoint, check_checkpoint, sign_checkpoint
from registry.errors import AuditLogDamagedError

if TYPE_CHECKING:
    # Types only: the ports module imports the schema checks, which `audit verify` never runs.
    from registry.ports import AuditLog
    from resolvers.context import Services


async def verify_audit_log(
    log: AuditLog,
    keys: Mapping[str, bytes] | None = None,
    checkpoint: AuditCheckpoint | None = None,
) -> ChainReport:
    """Walks the whole chain (in batches: memory stays bounded), then compares its head
    with ``checkpoint``, or with the latest stored checkpoint when none is given. With
    ``keys`` (name: key), the checkpoint's signature must verify with one of them."""
    unreadable_checkpoint: str | None = None
    if checkpoint is None:
        try:
            checkpoint = await log.get_latest_audit_checkpoint()
        except UnreadableAuditRowError as exc:
            unreadable_checkpoint = exc.reason
    verifier = ChainVerifier(remember=None if checkpoint is None else checkpoint.sequence)
    try:
        async for entry in log.iter_audit():
            if verifier.add(entry) is not None:
                break
    except UnreadableAuditRowError as exc:
        verifier.unreadable(exc.sequence, exc.reason)
    report = verifier.report()
    if report.damage is None and unreadable_checkpoint is not None:
        return replace(
            report,
            damage=ChainDamage(
                report.head_sequence,
                Damage.CHECKPOINT_FORGED,
                f"unreadable checkpoint: {unreadable_checkpoint}",
            ),
        )
    if checkpoint is None:
        return report
    return check_checkpoint(report, checkpoint, verifier.remembered_hash, keys)


async def checkpoint_audit_log(
    log: AuditLog, key: bytes, *, at: float, keys: Mapping[str, bytes]
) -> tuple[ChainReport, AuditCheckpoint | None]:
    """Verifies the log (the latest checkpoint with ``keys``), then signs its head with
    ``key`` and stores the checkpoint. A damaged log is not signed: the report says why,
    and no checkpoint is written."""
    report = await verify_audit_log(log, keys)
    if not report.is_intact:
        return report, None
    checkpoint = sign_checkpoint(key, report.head_sequence, report.head_hash, at)
    await log.add_audit_checkpoint(checkpoint)
    return report, checkpoint


async def list_audit_records(
    services: Services,
    *,
    principal: str | None = None,
    subject: str | None = None,
    since: float | None = None,
    until: float | None = None,
    after: int | None = None,
    first: int = 100,
) -> list[AuditEntry]:
    """A page of the audit log, oldest first, filtered; ``after`` is the last sequence
    of the previous page."""
    if services.audit_log is None:
        return []
    try:
        return await services.audit_log.list_audit(
            principal=principal,
            subject=subject,
            since=since,
            until=until,
            after_sequence=after,
            limit=check_page_limit(first),
        )
    except UnreadableAuditRowError as exc:
        raise AuditLogDamagedError(
            f"The audit log is damaged at row {exc.sequence}; run `llm-schema-registry audit "
            "verify`."
        ) from None
