"""Broadcast URLs: the accepted spellings and their normal form, one clear error for each
kind of bad URL, and no password in any message."""

from __future__ import annotations

import pytest

from app.urls import mask_url, normalize_broadcast_url

SECRET = "s3cr3t-pw"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("memory://", "memory://"),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("rediss://:pw@cache:6380", "rediss://:pw@cache:6380"),
        ("postgres://app:pw@db:5432/registry", "postgresql://app:pw@db:5432/registry"),
        ("postgresql://app:pw@db/registry", "postgresql://app:pw@db/registry"),
        ("postgresql+asyncpg://app:pw@db:5433/registry", "postgresql://app:pw@db:5433/registry"),
        ("  POSTGRES://db/registry ", "postgresql://db/registry"),
        # SQLAlchemy's asyncpg option, in the form asyncpg's own DSN takes.
        (
            "postgresql+asyncpg://db/registry?ssl=require",
            "postgresql://db/registry?sslmode=require",
        ),
        (
            "postgresql://db/registry?sslmode=verify-full",
            "postgresql://db/registry?sslmode=verify-full",
        ),
        # An escaped password stays escaped (asyncpg unescapes it).
        ("postgresql://app:p%40ss%2Fw@db/registry", "postgresql://app:p%40ss%2Fw@db/registry"),
    ],
)
def test_an_accepted_broadcast_url_is_given_in_its_normal_form(raw: str, expected: str) -> None:
    assert normalize_broadcast_url(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (f"kafka://user:{SECRET}@broker:9092", "unsupported broadcast URL; expected memory://"),
        ("localhost:6379", "unsupported broadcast URL"),
        (f"mysql://app:{SECRET}@db/registry", "unsupported broadcast URL"),
        (f"postgresql+psycopg://app:{SECRET}@db/registry", "unsupported PostgreSQL driver"),
        (f"postgres://app:{SECRET}@db:5432", "names no database; LISTEN/NOTIFY works within one"),
        ("postgresql://", "names no database"),
        (f"postgres://app:{SECRET}@db:notaport/registry", "not a PostgreSQL URL"),
    ],
)
def test_a_bad_broadcast_url_is_refused_with_a_message_that_hides_the_password(
    raw: str, message: str
) -> None:
    with pytest.raises(ValueError) as raised:
        normalize_broadcast_url(raw)

    text = str(raised.value)
    assert message in text
    assert SECRET not in text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            f"REGISTRY_BROADCAST_URL='postgresql://app:{SECRET}@db/registry'",
            "REGISTRY_BROADCAST_URL='postgresql://app:***@db/registry'",
        ),
        (f"redis://:{SECRET}@cache:6379/0", "redis://:***@cache:6379/0"),
        # An unescaped @ in the password: all of it is masked, not only what precedes it.
        ("postgresql://app:pa@ss@db/registry", "postgresql://app:***@db/registry"),
        ("postgresql://db/registry", "postgresql://db/registry"),
        ("memory://", "memory://"),
    ],
)
def test_mask_url_hides_every_password(text: str, masked: str) -> None:
    assert mask_url(text) == masked
