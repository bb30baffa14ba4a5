"""What `serve` and `migrate` check before they start, and how a failure is told.

A configuration mistake or an unreachable service is a ``StartupError``: one line that
names the setting, its value (passwords masked) and what is expected. The CLI prints it
and exits non-zero; no traceback, since nothing is wrong with the program.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import logging
import os
import socket
import sqlite3
import time
from pathlib import Path

import asyncpg
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from app.settings import Settings
from app.urls import DatabaseTarget, mask_url

logger = logging.getLogger(__name__)

EXIT_CONFIGURATION = 2
EXIT_UNAVAILABLE = 1

_SECRET_SETTINGS = frozenset({"database_url", "broadcast_url"})
# Settings whose value is never shown, not even masked.
_HIDDEN_SETTINGS = frozenset({"audit_checkpoint_key", "audit_checkpoint_previous_key"})

# Errors after which trying again may succeed (the server is starting, restarting, full).
_TRANSIENT = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.ConnectionDoesNotExistError,
)


class StartupError(Exception):
    """Startup cannot go on; the message is the whole story (one line per problem)."""

    def __init__(self, message: str, exit_code: int = EXIT_UNAVAILABLE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise StartupError(describe_settings_error(exc), EXIT_CONFIGURATION) from None


def describe_settings_error(error: ValidationError) -> str:
    lines = []
    for item in error.errors(include_url=False):
        name = str(item["loc"][0]) if item["loc"] else ""
        value = item.get("input")
        shown = repr(mask_url(value) if name in _SECRET_SETTINGS else value)
        message = str(item["msg"]).removeprefix("Value error, ")
        if not name:
            # A check across settings (the JWT block): its message names them itself.
            lines.append(message)
        elif name in _HIDDEN_SETTINGS:
            lines.append(f"invalid setting REGISTRY_{name.upper()}: {message}")
        elif isinstance(value, str) or name in _SECRET_SETTINGS:
            lines.append(f"invalid setting REGISTRY_{name.upper()}={shown}: {message}")
        else:
            lines.append(f"invalid setting REGISTRY_{name.upper()}: {message}")
    return "\n".join(lines)


def bind_listener(host: str, port: int) -> socket.socket:
    """The server's socket, bound before anything else happens, so a port in use is
    reported before migrations create files or touch a database. It listens only once the
    registry is ready (uvicorn listens after the lifespan has started): until then a
    connection is refused at once, so a client or load balancer tries another replica
    instead of waiting in the listen queue while this one migrates and connects."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise StartupError(
            f"invalid setting REGISTRY_HOST={host!r}: cannot resolve it ({exc.strerror}); "
            "expected an address of this machine such as 127.0.0.1 or 0.0.0.0",
            EXIT_CONFIGURATION,
        ) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        reason = {
            errno.EADDRINUSE: "the address is already in use by another process",
            errno.EADDRNOTAVAIL: "the address does not belong to this machine",
            errno.EACCES: "permission denied (ports below 1024 need privileges)",
        }.get(exc.errno or 0, exc.strerror or str(exc))
        raise StartupError(
            f"cannot listen on {host}:{port} (REGISTRY_HOST, REGISTRY_PORT): {reason}",
            EXIT_CONFIGURATION,
        ) from None
    sock.set_inheritable(True)
    return sock


def check_database(settings: Settings) -> None:
    """Fails with a clear message unless the database can be opened; an unreachable
    PostgreSQL is retried for ``database_connect_timeout`` seconds first."""
    url = settings.database_url.get_secret_value()
    target = DatabaseTarget.of(url)
    if target.is_sqlite:
        _check_sqlite_path(url, Path(target.path))
    else:
        asyncio.run(_wait_for_postgres(url, target, settings.database_connect_timeout))


def _setting(url: str) -> str:
    return f"REGISTRY_DATABASE_URL={mask_url(url)!r}"


def _check_sqlite_path(url: str, path: Path) -> None:
    def refuse(reason: str) -> StartupError:
        return StartupError(f"cannot use the SQLite file {path} ({_setting(url)}): {reason}")

    if path.exists():
        if not path.is_file():
            raise refuse("it is not a regular file")
        if not os.access(path, os.R_OK | os.W_OK):
            raise refuse("it is not readable and writable by this user")
        try:
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=rw", uri=True)) as db:
                db.execute("PRAGMA schema_version").fetchone()
        except sqlite3.DatabaseError as exc:
            raise refuse(str(exc)) from None
        return
    parent = path.parent
    if not parent.exists():
        raise refuse(f"the directory {parent} does not exist")
    if not parent.is_dir():
        raise refuse(f"{parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise refuse(f"the directory {parent} is not writable by this user")


async def _wait_for_postgres(url: str, target: DatabaseTarget, patience: float) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    where = f"PostgreSQL at {target.address} ({_setting(url)})"
    deadline = time.monotonic() + patience
    delay = 0.25
    attempts = 0
    while True:
        attempts += 1
        try:
            connection = await asyncpg.connect(dsn, timeout=max(1.0, min(5.0, patience)))
        except (
            asyncpg.InvalidPasswordError,
            asyncpg.InvalidAuthorizationSpecificationError,
        ) as exc:
            raise StartupError(f"{where} refused the credentials: {exc}") from None
        except asyncpg.InvalidCatalogNameError as exc:
            raise StartupError(f"{where}: {exc}") from None
        except _TRANSIENT as exc:
            if time.monotonic() + delay > deadline:
                reason = str(exc) or type(exc).__name__
                if isinstance(exc, ConnectionRefusedError):
                    reason = "connection refused"
                elif isinstance(exc, TimeoutError | asyncio.TimeoutError):
                    reason = "no answer"
                raise StartupError(
                    f"cannot reach {where} after {attempts} attempt(s) in {patience:g} s: "
                    f"{reason}; is the server running and the address right?"
                ) from None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
        except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StartupError(f"{where}: {exc}") from None
        else:
            await connection.close()
            return


def wait_for_migrations(settings: Settings) -> None:
    """Without ``migrate_on_start`` another process migrates (a Kubernetes Job running
    ``llm-schema-registry migrate``): wait up to ``migration_wait`` seconds for the
    database to reach this release's newest migration. A revision this release does not
    know was written by a newer one, whose migrations only add: served, with a warning."""
    asyncio.run(_wait_for_migrations(settings))


async def _wait_for_migrations(settings: Settings) -> None:
    from storage.migrate import current_revision, head_revision, is_known_revision

    url = settings.database_url.get_secret_value()
    head = head_revision()
    deadline = time.monotonic() + settings.migration_wait
    announced = False
    while True:
        try:
            current = await current_revision(url)
        except Exception as exc:
            raise StartupError(
                f"cannot read the migration state of the database ({_setting(url)}): "
                f"{str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}"
            ) from None
        if current == head:
            return
        if current is not None and not is_known_revision(current):
            logger.warning(
                "the database is at migration %s, newer than this release's %s", current, head
            )
            return
        if time.monotonic() >= deadline:
            raise StartupError(
                f"the database is at migration {current or 'none'} and this release needs "
                f"{head}; run `llm-schema-registry migrate` (or set "
                f"REGISTRY_MIGRATE_ON_START=true). Waited {settings.migration_wait:g} s "
                "(REGISTRY_MIGRATION_WAIT)."
            )
        if not announced:
            logger.info(
                "waiting for the database to reach migration %s (at %s)", head, current or "none"
            )
            announced = True
        await asyncio.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or a name) only ever means this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings, host: str) -> None:
    """Serving anything beyond this machine without authentication is refused unless
    it is asked for explicitly."""
    if settings.auth or settings.allow_unauthenticated or is_loopback(host):
        return
    raise StartupError(
        f"refusing to serve {host} without authentication: anyone who can reach the port "
        "could delete every subject.\n"
        "Set REGISTRY_AUTH=true and create a key: "
        "`llm-schema-registry keys create --role admin --name ops` (or configure "
        "REGISTRY_JWT_* for tokens); or bind a loopback address (REGISTRY_HOST=127.0.0.1); "
        "or, to serve without authentication on purpose, set "
        "REGISTRY_ALLOW_UNAUTHENTICATED=true.",
        EXIT_CONFIGURATION,
    )
