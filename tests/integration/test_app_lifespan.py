"""Each startup step that fails reports one line and releases what earlier steps opened:
no database connection, driver thread or task outlives a failed startup. An unreachable
broadcast is not a failure: the registry starts degraded."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from app.main import create_app
from app.settings import Settings
from tests.support.server import free_port


async def run_startup(settings: Settings) -> dict[str, Any]:
    """Drive the ASGI lifespan protocol as a server does; return the startup answer."""
    app = create_app(settings)
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    answers: list[dict[str, Any]] = []
    await inbox.put({"type": "lifespan.startup"})

    async def send(message: dict[str, Any]) -> None:
        answers.append(message)
        if message["type"] == "lifespan.startup.complete":
            await inbox.put({"type": "lifespan.shutdown"})

    await asyncio.wait_for(app({"type": "lifespan"}, inbox.get, send), 20)  # type: ignore[arg-type]
    return answers[0]


def live_threads() -> set[threading.Thread]:
    """Threads that would keep the process alive; the event loop's default executor
    (``asyncio_N``, used for migrations) idles and is joined when the loop closes."""
    return {
        t
        for t in threading.enumerate()
        if t.is_alive() and not t.daemon and not t.name.startswith("asyncio_")
    }


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": SecretStr(f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"),
        "broadcast_url": SecretStr("memory://"),
        "startup_timeout": 5.0,
        **overrides,
    }
    return Settings(**values)


@pytest.mark.parametrize(
    ("step", "overrides", "expected"),
    [
        (
            "opening the database",
            {
                "migrate_on_start": False,
                "database_url": "sqlite+aiosqlite:////nonexistent/dir/r.db",
            },
            "REGISTRY_DATABASE_URL",
        ),
        ("reading the database", {"migrate_on_start": False}, "llm-schema-registry migrate"),
        ("migrating the database", {"database_url": "sqlite+aiosqlite:///{clash}"}, "already"),
    ],
    ids=["open", "read", "migrate"],
)
async def test_a_failing_step_answers_one_line_and_leaves_nothing_open(
    tmp_path: Path, step: str, overrides: dict[str, Any], expected: str
) -> None:
    if step == "reading the database":
        sqlite3.connect(tmp_path / "registry.db").close()  # a database without tables
    clash = tmp_path / "clash.db"
    with sqlite3.connect(clash) as db:
        db.execute("CREATE TABLE schemas (unrelated TEXT)")
    resolved = {
        key: SecretStr(value.format(port=free_port(), clash=clash))
        if key.endswith("_url")
        else value
        for key, value in overrides.items()
    }
    threads_before = live_threads()
    tasks_before = {t for t in asyncio.all_tasks() if not t.done()}

    answer = await run_startup(settings_for(tmp_path, **resolved))

    assert answer["type"] == "lifespan.startup.failed"
    message = answer["message"]
    assert message.startswith(f"{step} failed"), message
    assert expected in message, message
    assert "\n" not in message and "Traceback" not in message and "hidden" not in message
    await asyncio.sleep(0.1)
    assert live_threads() <= threads_before
    assert {t for t in asyncio.all_tasks() if not t.done()} <= tasks_before


async def test_a_good_configuration_starts_and_stops(tmp_path: Path) -> None:
    threads_before = live_threads()

    answer = await run_startup(settings_for(tmp_path))

    assert answer["type"] == "lifespan.startup.complete"
    await asyncio.sleep(0.1)
    assert live_threads() <= threads_before


async def test_an_unreachable_broadcast_starts_degraded_and_stops_leaving_nothing_open(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    threads_before = live_threads()
    tasks_before = {t for t in asyncio.all_tasks() if not t.done()}
    settings = settings_for(
        tmp_path, broadcast_url=SecretStr(f"redis://:hidden@127.0.0.1:{free_port()}")
    )

    with caplog.at_level(logging.INFO):
        answer = await run_startup(settings)

    assert answer["type"] == "lifespan.startup.complete"
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("broadcast unreachable at startup") for m in messages), messages
    assert any("degraded" in m and "ready" in m for m in messages), messages
    assert not any("hidden" in m for m in messages)
    await asyncio.sleep(0.1)
    assert live_threads() <= threads_before
    assert {t for t in asyncio.all_tasks() if not t.done()} <= tasks_before
