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
BROADCAST_URL_FORMS = "memory:// (one process) or redis://host:6379 (replicas share events)"

# Spellings people use for the two databases, mapped to the async drivers the registry runs.
_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}
_BROADCAST_SCHEMES = ("memory", "redis", "rediss")

_PASSWORD = re.compile(r"(?P<head>://[^/@:]*:)[^@/]*@")


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
    scheme, separator, _ = raw.strip().partition("://")
    if not separator or scheme.lower() not in _BROADCAST_SCHEMES:
        raise ValueError(f"unsupported broadcast URL; expected {BROADCAST_URL_FORMS}")
    return raw.strip()


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
