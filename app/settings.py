"""All configuration, read once from REGISTRY_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.urls import normalize_broadcast_url, normalize_database_url

AUDIT_KEY_MIN_CHARS = 32
_AUDIT_KEY_HINT = (
    f"at least {AUDIT_KEY_MIN_CHARS} characters are needed; make one with "
    "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
)


def _audit_key(text: str) -> bytes:
    """The key's bytes (surrounding whitespace, such as a file's last newline, ignored)."""
    key = text.strip()
    if len(key) < AUDIT_KEY_MIN_CHARS:
        raise ValueError(_AUDIT_KEY_HINT)
    return key.encode()


def _read_audit_key(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ValueError(f"cannot read the key file: {reason}") from None
    return _audit_key(text)


class Settings(BaseSettings):
    """Defaults need no services: SQLite file + in-process broadcast."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", frozen=True, extra="ignore")

    # URLs may carry passwords: SecretStr keeps them out of reprs and logs.
    database_url: SecretStr = Field(
        default=SecretStr("sqlite+aiosqlite:///registry.db"),
        description="sqlite+aiosqlite:///path.db or postgresql+asyncpg://user:pw@host/db",
    )
    broadcast_url: SecretStr = Field(
        default=SecretStr("memory://"),
        description="memory:// (one process) or redis://host:6379 (replicas share events)",
    )
    broadcast_channel: str = Field(default="llm-schema-registry.events")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    max_schema_bytes: int = Field(default=1024 * 1024, ge=1)
    max_request_bytes: int | None = Field(
        default=None,
        ge=1024,
        description="Largest request body or websocket message; default 4 x max_schema_bytes.",
    )
    migrate_on_start: bool = True
    db_pool_min_size: int = Field(default=2, ge=1)
    db_pool_max_size: int = Field(default=10, ge=1)
    event_poll_interval: float = Field(
        default=1.0, gt=0, description="Seconds between outbox checks for missed events."
    )
    subscriber_queue_size: int = Field(default=10_000, ge=1)
    response_cache_entries: int = Field(default=10_000, ge=0)
    max_query_cost: int = Field(
        default=5_000,
        ge=1,
        description="Fields a GraphQL operation may select once fragments are expanded.",
    )
    max_query_depth: int = Field(default=12, ge=1)
    max_query_aliases: int = Field(default=30, ge=0)
    graphiql: bool | None = Field(
        default=None,
        description="The GraphiQL page on GET /graphql; default: on unless REGISTRY_AUTH.",
    )
    # Who may do what (SECURITY.md). Off only for local use: `serve` refuses a non-loopback
    # address without it unless allow_unauthenticated says that is intended.
    auth: bool = Field(default=False, description="Require API keys or tokens on every API call.")
    allow_unauthenticated: bool = Field(
        default=False, description="Serve a non-loopback address with REGISTRY_AUTH off."
    )
    introspection: Literal["all", "admin"] = Field(
        default="all", description="Who may introspect the GraphQL schema (authenticated)."
    )
    websocket_per_message_deflate: bool = False
    websocket_ping_interval: float = Field(default=20.0, gt=0)
    shutdown_timeout: int = Field(default=10, ge=0, description="Seconds to drain on SIGTERM.")
    # Slow or excessive clients, per replica: each bound frees what the client holds.
    header_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a connection may take to send request headers."
    )
    body_timeout: float = Field(
        default=30.0, gt=0, description="Seconds from request headers to the end of the body."
    )
    body_idle_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a request body may pause between two parts."
    )
    keep_alive_timeout: int = Field(
        default=5, ge=1, description="Seconds an idle connection is kept for its next request."
    )
    websocket_handshake_timeout: float = Field(
        default=10.0, gt=0, description="Seconds from accepting a connection to its upgrade."
    )
    websocket_init_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a graphql-transport-ws client has to init."
    )
    max_connections: int = Field(default=10_000, ge=1)
    listen_backlog: int = Field(default=2048, ge=1)
    # Compatibility checks and large schemas are parsed in worker processes (0: inline).
    check_workers: int = Field(default_factory=lambda: min(2, os.cpu_count() or 1), ge=0)
    check_queue: int = Field(default=32, ge=0)
    database_connect_timeout: float = Field(
        default=15.0,
        ge=0,
        description="Seconds `serve` and `migrate` keep retrying an unreachable database.",
    )
    startup_timeout: float = Field(
        default=10.0, gt=0, description="Seconds each startup step (connect, subscribe) may take."
    )
    build_commit: str = Field(
        default="", description="Source commit of this build, shown in registry_build_info."
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    otel_exporter: Literal["none", "console"] = "none"
    otel_service_name: str = "llm-schema-registry"

    # --- Audit log checkpoints (registry/audit.py, `llm-schema-registry audit`) ---------
    # A key signs the head of the audit chain, so that a rewrite of the log by someone
    # who can write to the database (hashes recomputed) is detected. Keep it out of the
    # database's reach. The previous key is accepted while verifying, during a rotation.
    audit_checkpoint_key: SecretStr | None = Field(
        default=None,
        description=f"HMAC-SHA256 key of audit checkpoints, {AUDIT_KEY_MIN_CHARS}+ characters.",
    )
    audit_checkpoint_key_file: Path | None = Field(
        default=None, description="A file holding the checkpoint key (a mounted secret)."
    )
    audit_checkpoint_previous_key: SecretStr | None = None
    audit_checkpoint_previous_key_file: Path | None = None

    def audit_checkpoint_keys(self) -> dict[str, bytes]:
        """The keys a checkpoint may be signed with, by setting name: the current key
        (which signs new checkpoints) first, then the previous one. A key file is read
        now (it was found readable when the settings were built); ValueError if no more."""
        keys: dict[str, bytes] = {}
        for name, key, path in (
            ("REGISTRY_AUDIT_CHECKPOINT_KEY", self.audit_checkpoint_key, None),
            ("REGISTRY_AUDIT_CHECKPOINT_KEY_FILE", None, self.audit_checkpoint_key_file),
            ("REGISTRY_AUDIT_CHECKPOINT_PREVIOUS_KEY", self.audit_checkpoint_previous_key, None),
            (
                "REGISTRY_AUDIT_CHECKPOINT_PREVIOUS_KEY_FILE",
                None,
                self.audit_checkpoint_previous_key_file,
            ),
        ):
            if key is not None:
                keys[name] = _audit_key(key.get_secret_value())
            elif path is not None:
                keys[name] = _read_audit_key(path)
        return keys

    @property
    def has_audit_signing_key(self) -> bool:
        """Whether a current key is set (the previous one only verifies)."""
        return self.audit_checkpoint_key is not None or self.audit_checkpoint_key_file is not None

    @field_validator("audit_checkpoint_key", "audit_checkpoint_previous_key")
    @classmethod
    def _audit_checkpoint_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _audit_key(value.get_secret_value())
        return value

    @field_validator("audit_checkpoint_key_file", "audit_checkpoint_previous_key_file")
    @classmethod
    def _audit_checkpoint_key_file(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return value
        inline = str(info.field_name).removesuffix("_file")
        if info.data.get(inline) is not None:
            raise ValueError(f"set REGISTRY_{inline.upper()} or this file, not both")
        _read_audit_key(value)
        return value

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else not self.auth

    @property
    def request_bytes_limit(self) -> int:
        """A schema travels JSON-escaped inside a GraphQL or REST body, which can double
        it; four times the schema limit leaves room for that and the rest of the body."""
        if self.max_request_bytes is not None:
            return self.max_request_bytes
        return 4 * self.max_schema_bytes

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url(cls, value: object) -> object:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        return normalize_database_url(raw) if isinstance(raw, str) else value

    @field_validator("broadcast_url", mode="before")
    @classmethod
    def _broadcast_url(cls, value: object) -> object:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        return normalize_broadcast_url(raw) if isinstance(raw, str) else value
