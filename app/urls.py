"""The database and broadcast URLs the registry accepts, and how they are shown in messages.

Both may carry a password, so any text that quotes them goes through ``mask_url``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DATABASE_URL_FORMS = (
    "sqlite+aiosqlite:///path/to/registry.db or "
    "postgresql+asyncpg://user:password@host:5432/database"
)
BROADCAST_URL_FORMS = (
    "memory:// (one process), or for replicas to share events redis://host:6379 or "
    "postgresql://user:password@host:5432/database (the registry's database)"
)

# Spellings people use for the two databases, mapped to the async drivers the registry runs.
_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}
_BROADCAST_SCHEMES = ("memory", "redis", "rediss")
# LISTEN/NOTIFY through asyncpg, whichever spelling names it.
_POSTGRES_BROADCAST_SCHEMES = ("postgresql", "postgres", "postgresql+asyncpg")

_PASSWORD = re.compile(r"(?P<head>://[^/@:]*:)[^/]*@")


def mask_url(text: str) -> str:
    """``scheme://user:secret@host`` becomes ``scheme://user:***@host``."""
    return _PASSWORD.sub(r"\g<head>***@", text)


def normalize_database_url(raw: str) -> str:
    """The URL in the form the drivers take, or ValueError saying what is expected."""
    try:
        url = make_url(raw.strip())
    except (ArgumentError, ValueError):
        raise ValueError(f"not a database URL; expected {DATABASE_URL_FORMS}") from None
    driver = _DRIVERS.get(url.drivername)
    if driver is None:
        raise ValueError(
            f"unsupported database {url.drivername!r}; expected {DATABASE_URL_FORMS}"
        ) from None
    url = url.set(drivername=driver)
    if driver.startswith("sqlite") and url.database in (None, "", ":memory:"):
        raise ValueError(
            "SQLite needs a file path (an in-memory database would not survive a restart); "
            f"expected {DATABASE_URL_FORMS}"
        )
    if driver.startswith("postgresql") and not url.database:
        raise ValueError(f"the URL names no database; expected {DATABASE_URL_FORMS}")
    return url.render_as_string(hide_password=False)


def normalize_broadcast_url(raw: str) -> str:
    """The URL as the broadcast takes it (PostgreSQL ones as ``postgresql://``), or
    ValueError saying what is expected; the message never quotes the URL."""
    text = raw.strip()
    scheme, separator, _ = text.partition("://")
    scheme = scheme.lower()
    if separator and scheme in _POSTGRES_BROADCAST_SCHEMES:
        return _normalize_postgres_broadcast_url(text)
    if separator and scheme.startswith(("postgres", "postgresql+")):
        raise ValueError(
            f"unsupported PostgreSQL driver {scheme!r} for the broadcast (it uses asyncpg); "
            f"expected {BROADCAST_URL_FORMS}"
        )
    if not separator or scheme not in _BROADCAST_SCHEMES:
        raise ValueError(f"unsupported broadcast URL; expected {BROADCAST_URL_FORMS}")
    return text


def _normalize_postgres_broadcast_url(text: str) -> str:
    try:
        url = make_url(text)
        # The port is parsed lazily by some versions; a bad one must fail here.
        _ = url.port
    except (ArgumentError, ValueError):
        raise ValueError(f"not a PostgreSQL URL; expected {BROADCAST_URL_FORMS}") from None
    if not url.database:
        raise ValueError(
            "the broadcast URL names no database; LISTEN/NOTIFY works within one database, "
            "so every replica must name the same one (usually that of REGISTRY_DATABASE_URL)"
        )
    query = dict(url.query)
    # SQLAlchemy's asyncpg spelling; asyncpg's own DSN takes sslmode.
    if "ssl" in query and "sslmode" not in query:
        query["sslmode"] = query.pop("ssl")
    url = url.set(drivername="postgresql", query=query)
    return url.render_as_string(hide_password=False)


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """Where a database URL points, for messages: never the password."""

    is_sqlite: bool
    path: str
    host: str
    port: int

    @classmethod
    def of(cls, raw: str) -> DatabaseTarget:
        url: URL = make_url(raw)
        if url.drivername.startswith("sqlite"):
            return cls(True, url.database or "", "", 0)
        return cls(False, "", url.host or "localhost", url.port or 5432)

    @property
    def address(self) -> str:
        return self.path if self.is_sqlite else f"{self.host}:{self.port}"
