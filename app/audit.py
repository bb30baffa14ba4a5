"""``llm-schema-registry audit verify`` and ``llm-schema-registry audit checkpoint``.

Exit status: 0 the log is intact (and the checkpoint written), 1 it is damaged (the
first damaged row is named), 2 a configuration mistake, 3 the log could not be read.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg

from app.settings import Settings
from app.startup import EXIT_CONFIGURATION, StartupError, check_database
from app.urls import DatabaseTarget, mask_url
from registry.audit import ChainReport
from registry.audit_checkpoints import AuditCheckpoint
from registry.errors import BadUserInputError, StorageUnavailableError
from resolvers.audit import checkpoint_audit_log, verify_audit_log
from storage.store import DatabaseStore

EXIT_DAMAGED = 1
EXIT_UNREADABLE = 3

Print = Callable[[str], None]


def run_audit(settings: Settings, command: str, checkpoint: str | None, echo: Print) -> int:
    """Runs ``audit <command>``; ``StartupError`` for what stops it before an answer."""
    keys = _keys(settings)
    expected = None
    if checkpoint is not None:
        try:
            expected = AuditCheckpoint.parse(checkpoint)
        except BadUserInputError as exc:
            raise StartupError(f"invalid --checkpoint: {exc.message}", EXIT_CONFIGURATION) from None
    if command == "checkpoint" and not settings.has_audit_signing_key:
        raise StartupError(
            "a checkpoint needs a key: set REGISTRY_AUDIT_CHECKPOINT_KEY or "
            "REGISTRY_AUDIT_CHECKPOINT_KEY_FILE",
            EXIT_CONFIGURATION,
        )
    url = settings.database_url.get_secret_value()
    _check_exists(url)
    try:
        check_database(settings)
    except StartupError as exc:
        raise StartupError(exc.message, EXIT_UNREADABLE) from None
    # The report is the output: no lines about connecting, and none from the store about
    # an unavailable database, which would repeat the one error line.
    logging.getLogger("databases").setLevel(logging.WARNING)
    logging.getLogger("storage.store").setLevel(logging.CRITICAL)
    return asyncio.run(_run(url, command, keys, expected, echo))


def _keys(settings: Settings) -> dict[str, bytes] | None:
    try:
        keys = settings.audit_checkpoint_keys()
    except ValueError as exc:
        raise StartupError(f"audit checkpoint key: {exc}", EXIT_CONFIGURATION) from None
    return keys or None


def _check_exists(url: str) -> None:
    """A SQLite file that is not there is named, not created empty by connecting."""
    target = DatabaseTarget.of(url)
    if target.is_sqlite and not Path(target.path).exists():
        raise StartupError(
            f"cannot use the SQLite file {target.path} "
            f"(REGISTRY_DATABASE_URL={mask_url(url)!r}): it does not exist",
            EXIT_UNREADABLE,
        )


async def _run(
    url: str,
    command: str,
    keys: dict[str, bytes] | None,
    expected: AuditCheckpoint | None,
    echo: Print,
) -> int:
    store = DatabaseStore(url, pool_min_size=1, pool_max_size=2)
    try:
        await store.connect()
        try:
            if command == "checkpoint":
                # The current key comes first (Settings.audit_checkpoint_keys).
                assert keys is not None
                signing_key = next(iter(keys.values()))
                report, written = await checkpoint_audit_log(
                    store, signing_key, at=time.time(), keys=keys
                )
            else:
                report = await verify_audit_log(store, keys, expected)
                written = None
        finally:
            await store.disconnect()
    except (StorageUnavailableError, asyncpg.PostgresError, sqlite3.Error, OSError) as exc:
        raise StartupError(
            f"reading the audit log at {DatabaseTarget.of(url).address} failed: {_reason(exc)}",
            EXIT_UNREADABLE,
        ) from None
    _print_report(report, keys, echo)
    if not report.is_intact:
        if command == "checkpoint":
            echo("no checkpoint written: the log must be intact to be signed")
        return EXIT_DAMAGED
    if written is not None:
        echo(f"checkpoint written for row {written.sequence}; keep a copy outside the database:")
        echo(written.token())
    return 0


def _print_report(report: ChainReport, keys: dict[str, bytes] | None, echo: Print) -> None:
    damage = report.damage
    if damage is not None:
        echo(f"audit log damaged at row {damage.sequence} ({damage.kind.value}): {damage.message}")
        return
    echo(f"audit log intact: {report.rows} rows, head {report.head_hash}")
    checkpoint = report.checkpoint
    if checkpoint is None:
        echo(
            "no checkpoint: a rewrite of the whole log, or the removal of its last rows, "
            "would go unnoticed; sign its head with `llm-schema-registry audit checkpoint`"
        )
        return
    signed = (
        time.strftime(" (signed %Y-%m-%dT%H:%M:%SZ)", time.gmtime(checkpoint.at))
        if checkpoint.at
        else ""
    )
    if keys is None:
        how = "signature not checked: REGISTRY_AUDIT_CHECKPOINT_KEY is not set"
    else:
        how = "signature verified"
    echo(f"checkpoint at row {checkpoint.sequence}{signed} matches; {how}")


def _reason(error: BaseException) -> str:
    """The first line of the innermost cause: what the driver or server said."""
    while error.__cause__ is not None:
        error = error.__cause__
    lines = str(error).strip().splitlines()
    reason = mask_url(lines[0]) if lines else type(error).__name__
    if "no such table" in reason or ("relation" in reason and "does not exist" in reason):
        reason += "; the database lacks the audit tables: run `llm-schema-registry migrate`"
    return reason
