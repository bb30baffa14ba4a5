"""Alembic environment: runs the same migrations on SQLite and PostgreSQL, async drivers."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from storage.tables import metadata

# Replicas may start together; one advisory lock makes them migrate one after another.
_MIGRATION_LOCK_KEY = 0x5C4E_4D41


def _migrate_locked(connection: Connection) -> None:
    """On PostgreSQL, hold a session-level advisory lock around the migration and release
    it only after the migration's commit (or rollback): a replica waiting for the lock
    must find the schema committed, not half-way."""
    connection.execute(sa.text(f"SELECT pg_advisory_lock({_MIGRATION_LOCK_KEY})"))
    # The lock statement opened a transaction; end it so alembic manages its own.
    connection.commit()
    try:
        _migrate(connection)
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.execute(sa.text(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK_KEY})"))
        connection.commit()


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        _migrate_locked(connection)
    else:
        _migrate(connection)
        connection.commit()


async def _migrate_url(url: str) -> None:
    engine = create_async_engine(url, poolclass=sa.pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


url = context.config.get_main_option("sqlalchemy.url")
if url is None:
    raise RuntimeError("sqlalchemy.url is not set")
asyncio.run(_migrate_url(url))
