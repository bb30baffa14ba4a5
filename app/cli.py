"""``llm-schema-registry serve`` and ``llm-schema-registry migrate``."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from types import FrameType

import uvicorn

from app.settings import Settings
from storage.migrate import upgrade


def _serve(settings: Settings, host: str, port: int) -> None:
    from app.main import create_app

    if settings.migrate_on_start:
        upgrade(settings.database_url.get_secret_value())
    app = create_app(settings.model_copy(update={"migrate_on_start": False}))
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=settings.log_level,
        loop="auto",
        http="auto",
        # permessage-deflate roughly doubles the memory each idle subscriber costs.
        ws_per_message_deflate=settings.websocket_per_message_deflate,
        ws_ping_interval=settings.websocket_ping_interval,
        timeout_graceful_shutdown=round(settings.shutdown_timeout),
        lifespan="on",
    )
    _Server(config).run()


class _Server(uvicorn.Server):
    """uvicorn re-raises a caught SIGTERM once it has shut down, so the process ends
    with status 143. For a replica, SIGTERM is the normal end of its life: once drained,
    exit 0 so that process managers do not record a failure."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if sig == signal.SIGTERM and sig in self._captured_signals:
            self._captured_signals.remove(sig)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="llm-schema-registry", description="Schema registry for LLM applications."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="apply migrations, then serve HTTP and websockets")
    serve.add_argument("--host", default=None, help="overrides REGISTRY_HOST")
    serve.add_argument("--port", type=int, default=None, help="overrides REGISTRY_PORT")
    commands.add_parser("migrate", help="apply database migrations and exit")
    args = parser.parse_args(argv)

    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.command == "migrate":
        upgrade(settings.database_url.get_secret_value())
        logging.getLogger(__name__).info("database is up to date")
        return 0
    _serve(
        settings, args.host or settings.host, args.port if args.port is not None else settings.port
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
