"""All configuration, read once from REGISTRY_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.cors import parse_origins
from app.urls import normalize_broadcast_url, normalize_database_url

# Any of these set asks for JWT authentication (and then needs the issuer).
_JWT_SWITCHES = (
    "jwt_issuer",
    "jwt_audience",
    "jwt_jwks_url",
    "jwt_public_key",
    "jwt_public_key_file",
    "jwt_hs256_secret",
    "jwt_hs256_secret_file",
)


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
    migration_wait: float = Field(
        default=300.0,
        ge=0,
        description=(
            "Seconds `serve` without REGISTRY_MIGRATE_ON_START waits for the database to "
            "reach this release's migrations (applied by `llm-schema-registry migrate`)."
        ),
    )
    db_pool_min_size: int = Field(default=2, ge=1)
    db_pool_max_size: int = Field(default=10, ge=1)
    event_poll_interval: float = Field(
        default=1.0, gt=0, description="Seconds between outbox checks for missed events."
    )
    subscriber_queue_size: int = Field(default=10_000, ge=1)
    response_cache_entries: int = Field(default=10_000, ge=0)
    version_cache_subjects: int = Field(
        default=10_000,
        ge=0,
        description="Subjects whose live versions and latest are kept between requests.",
    )
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
    database_query_timeout: float = Field(
        default=10.0,
        gt=0,
        description=(
            "Seconds one PostgreSQL statement may take; past it the request is answered "
            "STORAGE_UNAVAILABLE and the database probed, as for a lost connection."
        ),
    )
    startup_timeout: float = Field(
        default=10.0, gt=0, description="Seconds each startup step (connect, subscribe) may take."
    )
    build_commit: str = Field(
        default="", description="Source commit of this build, shown in registry_build_info."
    )
    # ---- Per-principal abuse limits and CORS (SECURITY.md) ----
    rate_limit: float = Field(
        default=50.0,
        ge=0,
        description="Requests per second each principal may send on average (0: no limit).",
    )
    rate_burst: int = Field(
        default=100, ge=1, description="Requests a principal may send at once after a pause."
    )
    auth_failure_burst: int = Field(
        default=20,
        ge=0,
        description="Failed authentications an address may make at once (0: no limit); "
        "then one per second, and its requests are refused before verification.",
    )
    max_connections_per_principal: int = Field(
        default=100,
        ge=0,
        description="Websocket connections one principal may hold open per replica (0: no limit).",
    )
    max_subscriptions_per_principal: int = Field(
        default=1000,
        ge=0,
        description="Active subscriptions one principal may hold per replica (0: no limit).",
    )
    # Declared before cors_origins: its validator reads this one.
    cors_allow_credentials: bool = Field(
        default=False, description="Let browsers send cookies to the API from the allowed origins."
    )
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Comma-separated browser origins (https://app.example.com) allowed to "
        "call the API; empty: CORS off.",
    )
    cors_max_age: int = Field(
        default=600, ge=0, le=86400, description="Seconds a browser may cache a preflight answer."
    )
    # ---- end of abuse limits and CORS ----
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["text", "json"] = Field(
        default="text", description="text, or json: one JSON object per line for a log store."
    )
    otel_exporter: Literal["none", "console", "otlp"] = Field(
        default="none",
        description="Where spans go: none, console (stdout), or otlp (configured by the "
        "standard OTEL_EXPORTER_OTLP_* variables).",
    )
    otel_service_name: str = "llm-schema-registry"
    # OpenTelemetry's own variable (no REGISTRY_ prefix), the traces-specific one first;
    # the exporters read the other OTEL_EXPORTER_OTLP_* variables themselves. Checked
    # when the exporter is built (app/tracing.py), where the message can name both.
    otel_exporter_otlp_protocol: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "otel_exporter_otlp_traces_protocol", "otel_exporter_otlp_protocol"
        ),
    )

    # --- JWT bearer tokens (app/tokens.py); off while jwt_issuer is unset. ---------------
    jwt_issuer: str | None = Field(
        default=None, description="The 'iss' every accepted token carries; turns JWT on."
    )
    jwt_audience: str | None = Field(
        default=None, description="A value the 'aud' claim of every accepted token contains."
    )
    jwt_jwks_url: str | None = Field(
        default=None, description="The issuer's JWKS (https://, or http:// to localhost)."
    )
    # Not secret, but long: SecretStr keeps it out of reprs and logs all the same.
    jwt_public_key: SecretStr | None = Field(
        default=None, description="The issuer's public key or certificate, PEM (\\n allowed)."
    )
    jwt_public_key_file: Path | None = None
    jwt_algorithms: Annotated[tuple[str, ...], NoDecode] = Field(
        default=("RS256", "ES256"),
        description="Accepted signature algorithms: RS256, ES256, and HS256 only if listed.",
    )
    jwt_hs256_secret: SecretStr | None = Field(
        default=None, description="Shared secret for HS256 (32 bytes or more)."
    )
    jwt_hs256_secret_file: Path | None = None
    jwt_role_claim: str = Field(default="role", min_length=1)
    jwt_subjects_claim: str = Field(default="subjects", min_length=1)
    jwt_name_claim: str = Field(default="sub", min_length=1)
    jwt_default_subjects: str | None = Field(
        default=None,
        description="Subject scopes of a token without the subjects claim; unset refuses it.",
    )
    jwt_clock_skew: int = Field(
        default=30, ge=0, le=600, description="Seconds of tolerance on exp, nbf and iat."
    )
    jwt_jwks_cache_seconds: float = Field(
        default=300.0, gt=0, description="Seconds the JWKS is used before it is fetched again."
    )
    jwt_jwks_min_refresh_seconds: float = Field(
        default=5.0,
        ge=0,
        description="Least seconds between two JWKS fetches (an unknown 'kid' asks for one).",
    )
    jwt_jwks_timeout: float = Field(default=5.0, gt=0, description="Seconds a JWKS fetch may take.")

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

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _cors_origins(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str | list | tuple):
            return value
        return parse_origins(value, allow_credentials=bool(info.data.get("cors_allow_credentials")))

    @field_validator("broadcast_url", mode="before")
    @classmethod
    def _broadcast_url(cls, value: object) -> object:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        return normalize_broadcast_url(raw) if isinstance(raw, str) else value

    @field_validator(
        "jwt_issuer",
        "jwt_audience",
        "jwt_jwks_url",
        "jwt_public_key",
        "jwt_public_key_file",
        "jwt_hs256_secret",
        "jwt_hs256_secret_file",
        "jwt_default_subjects",
        mode="before",
    )
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        # `REGISTRY_JWT_ISSUER=` (as compose files write an unset variable) means unset.
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        return None if isinstance(raw, str) and not raw.strip() else value

    @field_validator("jwt_algorithms", mode="before")
    @classmethod
    def _jwt_algorithms(cls, value: object) -> object:
        from app.token_config import parse_algorithms

        return parse_algorithms(value)

    @model_validator(mode="after")
    def _jwt_block(self) -> Settings:
        """The JWT settings work together (keys readable, PEM valid, an audience with the
        issuer): checked here so that a mistake stops startup with one line."""
        if all(getattr(self, name) is None for name in _JWT_SWITCHES):
            return self  # JWT off: spare the startup the JOSE imports
        from app.token_config import load_token_config

        load_token_config(self)
        return self
