"""``llm-schema-registry serve`` and ``llm-schema-registry migrate``."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from types import FrameType

import uvicorn
from sqlalchemy.exc import DBAPIError

from app.logs import configure_logging
from app.settings import Settings
from app.startup import StartupError, bind_listener, check_database, load_settings
from app.urls import DatabaseTarget, mask_url
from app.version import version
from storage.migrate import upgrade

logger = logging.getLogger("llm_schema_registry")

# uvicorn's own status for "the application's startup failed".
EXIT_STARTUP_FAILED = 3


def _migrate(settings: Settings) -> None:
    url = settings.database_url.get_secret_value()
    check_database(settings)
    try:
        upgrade(url)
    except DBAPIError as exc:
        # The driver's first line says what the database refused (a permission, say).
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StartupError(
            f"migrating the database at {DatabaseTarget.of(url).address} failed "
            f"(REGISTRY_DATABASE_URL={mask_url(url)!r}): {reason}"
        ) from None


def _serve(settings: Settings, host: str, port: int) -> int:
    from app.main import create_app

    # The port first: a port in use is reported before any file or database is touched.
    listener = bind_listener(host, port)
    try:
        if settings.migrate_on_start:
            _migrate(settings)
        else:
            check_database(settings)
        app = create_app(settings.model_copy(update={"migrate_on_start": False}))
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level=settings.log_level,
            # Logging is configured once (app/logs.py): uvicorn's lines share its format.
            log_config=None,
            loop="auto",
            http="auto",
            # permessage-deflate roughly doubles the memory each idle subscriber costs.
            ws_per_message_deflate=settings.websocket_per_message_deflate,
            # A larger message closes the socket with 1009 (message too big).
            ws_max_size=settings.request_bytes_limit,
            ws_ping_interval=settings.websocket_ping_interval,
            timeout_graceful_shutdown=round(settings.shutdown_timeout),
            lifespan="on",
            # No "server: uvicorn": the software and its version are nobody's business.
            server_header=False,
        )
        server = _Server(config)
        server.run(sockets=[listener])
    finally:
        listener.close()
    return 0 if server.started else EXIT_STARTUP_FAILED


class _Server(uvicorn.Server):
    """uvicorn re-raises a caught SIGTERM once it has shut down, so the process ends
    with status 143. For a replica, SIGTERM is the normal end of its life: once drained,
    exit 0 so that process managers do not record a failure."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if sig == signal.SIGTERM and sig in self._captured_signals:
            self._captured_signals.remove(sig)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-schema-registry", description="Schema registry for LLM applications."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="apply migrations, then serve HTTP and websockets")
    serve.add_argument("--host", default=None, help="overrides REGISTRY_HOST")
    serve.add_argument("--port", type=_port, default=None, help="overrides REGISTRY_PORT")
    commands.add_parser("migrate", help="apply database migrations and exit")
    return parser


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0 to 65535)")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        if args.command == "migrate":
            _migrate(settings)
            logger.info("database is up to date")
            return 0
        host = args.host or settings.host
        port = args.port if args.port is not None else settings.port
        return _serve(settings, host, port)
    except StartupError as exc:
        for line in exc.message.splitlines():
            sys.stderr.write(f"llm-schema-registry: error: {line}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
