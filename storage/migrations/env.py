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


def _run(connection: Connection) -> None:
    is_postgres = connection.dialect.name == "postgresql"
    if is_postgres:
        connection.execute(sa.text(f"SELECT pg_advisory_lock({_MIGRATION_LOCK_KEY})"))
    try:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if is_postgres:
            connection.execute(sa.text(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK_KEY})"))
            connection.commit()


async def _migrate(url: str) -> None:
    engine = create_async_engine(url, poolclass=sa.pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


url = context.config.get_main_option("sqlalchemy.url")
if url is None:
    raise RuntimeError("sqlalchemy.url is not set")
asyncio.run(_migrate(url))
