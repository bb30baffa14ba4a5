"""``llm-schema-registry serve``, ``migrate``, ``keys``, ``audit``, ``export`` and ``import``.

Each command imports what it needs when it runs: every check worker process runs this
module again on starting (multiprocessing re-imports the parent's main module), and the
server's imports (uvicorn, SQLAlchemy, Alembic) would cost each one most of a second.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app import backup_commands, key_commands
from app.logs import configure_logging
from app.version import version

if TYPE_CHECKING:
    from app.settings import Settings

logger = logging.getLogger("llm_schema_registry")

# uvicorn's own status for "the application's startup failed".
EXIT_STARTUP_FAILED = 3


def _migrate(settings: Settings) -> None:
    from sqlalchemy.exc import DBAPIError

    from app.startup import StartupError, check_database
    from app.urls import DatabaseTarget, mask_url
    from storage.migrate import upgrade

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
    from app.server import build_server
    from app.startup import (
        bind_listener,
        check_database,
        check_exposure,
        wait_for_migrations,
    )
    from app.tracing import configure_tracing

    check_exposure(settings, host)
    # Exporter settings that cannot work are told before any port, file or database.
    configure_tracing(settings)
    # The port first: a port in use is reported before any file or database is touched.
    listener = bind_listener(host, port)
    try:
        if settings.migrate_on_start:
            _migrate(settings)
        else:
            check_database(settings)
            wait_for_migrations(settings)
        app = create_app(settings.model_copy(update={"migrate_on_start": False}))
        server = build_server(app, settings, host, port)
        server.run(sockets=[listener])
    finally:
        listener.close()
    return 0 if server.started else EXIT_STARTUP_FAILED


def _audit(settings: Settings, args: argparse.Namespace) -> int:
    from app.audit import run_audit

    def echo(line: str) -> None:
        sys.stdout.write(line + "\n")

    return run_audit(settings, args.audit_command, getattr(args, "checkpoint", None), echo)


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
    key_commands.add_parser(commands)
    audit = commands.add_parser("audit", help="check or sign the tamper-evident audit log")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser(
        "verify",
        help="walk the audit chain and compare it with the latest checkpoint; "
        "exit 1 naming the first damaged row",
    )
    verify.add_argument(
        "--checkpoint",
        metavar="SEQUENCE:HASH:SIGNATURE",
        help="compare with this checkpoint (as `audit checkpoint` printed it) "
        "instead of the latest one stored",
    )
    audit_commands.add_parser(
        "checkpoint",
        help="verify the log, then sign its head with REGISTRY_AUDIT_CHECKPOINT_KEY and store it",
    )
    backup_commands.add_parsers(commands)
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
    from app.startup import StartupError, load_settings

    log_format = "text"
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        log_format = settings.log_format
        if args.command == "migrate":
            _migrate(settings)
            logger.info("database is up to date")
            return 0
        if args.command == "keys":
            return key_commands.run(args, settings)
        if args.command == "audit":
            return _audit(settings, args)
        if args.command in backup_commands.COMMANDS:
            return backup_commands.run(args, settings)
        host = args.host or settings.host
        port = args.port if args.port is not None else settings.port
        return _serve(settings, host, port)
    except StartupError as exc:
        if log_format == "json":
            # A log store reads every line as JSON: the reason is one record.
            logger.error("%s", exc.message)
            return exc.exit_code
        for line in exc.message.splitlines():
            sys.stderr.write(f"llm-schema-registry: error: {line}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
