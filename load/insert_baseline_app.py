"""The raw write baseline: a bare Starlette route doing one committed INSERT, on the
registry's drivers and settings (aiosqlite with one held connection, WAL and
synchronous=FULL; an asyncpg pool), served by uvicorn as the registry is.

    python -m load.insert_baseline_app --port 8002 --database-url sqlite+aiosqlite:///x.db
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TABLE = "bench_inserts"


async def _open_sqlite(path: str) -> Callable[[str], Awaitable[int]]:
    connection = await aiosqlite.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=5000"):
        await connection.execute(f"PRAGMA {pragma}")
    await connection.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} "
        "(id INTEGER PRIMARY KEY, body TEXT NOT NULL, created_at REAL NOT NULL)"
    )
    lock = asyncio.Lock()

    async def insert(body: str) -> int:
        async with lock:
            rows = await connection.execute_fetchall(
                f"INSERT INTO {TABLE} (body, created_at) VALUES (?, ?) RETURNING id",
                (body, time.time()),
            )
        return int(next(iter(rows))[0])

    insert.close = connection.close  # type: ignore[attr-defined]
    return insert


async def _open_postgres(dsn: str) -> Callable[[str], Awaitable[int]]:
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=10)
    await pool.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} "
        "(id SERIAL PRIMARY KEY, body TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL)"
    )

    async def insert(body: str) -> int:
        return int(
            await pool.fetchval(
                f"INSERT INTO {TABLE} (body, created_at) VALUES ($1, $2) RETURNING id",
                body,
                time.time(),
            )
        )

    insert.close = pool.close  # type: ignore[attr-defined]
    return insert


def create_app(database_url: str) -> Starlette:
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if database_url.startswith("sqlite"):
            state["insert"] = await _open_sqlite(database_url.split(":///", 1)[1])
        else:
            state["insert"] = await _open_postgres(
                database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
            )
        yield
        await state["insert"].close()

    async def insert(request: Request) -> Response:
        body = await request.body()
        return JSONResponse({"id": await state["insert"](body.decode())})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/insert", insert, methods=["POST"]), Route("/healthz", healthz)],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.database_url),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        loop="auto",
        http="auto",
        lifespan="on",
    )


if __name__ == "__main__":
    main()
