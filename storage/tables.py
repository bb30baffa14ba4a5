"""Table definitions shared by queries and migrations."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# Content-addressed schemas. Rows are never deleted, so an id is never reused and
# events can always show the text that was registered.
schemas = sa.Table(
    "schemas",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("schema_text", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    # [[name, subject, version], ...] in the order given; NULL when there are none.
    sa.Column("refs", sa.Text, nullable=True),
    sa.Column("dialect", sa.String(255), nullable=True),
)

subjects = sa.Table(
    "subjects",
    metadata,
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.Float, nullable=False),
)

subject_versions = sa.Table(
    "subject_versions",
    metadata,
    sa.Column(
        "subject",
        sa.String(255),
        sa.ForeignKey("subjects.name", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("schema_id", sa.Integer, sa.ForeignKey("schemas.id"), nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.Float, nullable=False),
    # How the version changed against the previous live one (ChangeClass), and the STRICT
    # findings that say so (JSON records); NULL for a first or an imported version.
    sa.Column("change", sa.String(8), nullable=True),
    sa.Column("change_findings", sa.Text, nullable=True),
    sa.Index("ix_subject_versions_schema_id", "schema_id"),
)

# Which registered versions each schema refers to (the same facts as ``schemas.refs``,
# indexed the other way): what refers to a version, and so whether it may be deleted.
schema_references = sa.Table(
    "schema_references",
    metadata,
    sa.Column("schema_id", sa.Integer, sa.ForeignKey("schemas.id"), primary_key=True),
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_schema_references_target", "subject", "version"),
)

# Settings per scope: compatibility level, compatibility policy, mode, default dialect,
# provider rules; NULL = inherited.
# The global scope is the row whose subject is the empty string, which no subject can be
# named. A row whose settings are all NULL is removed.
configs = sa.Table(
    "configs",
    metadata,
    sa.Column("subject", sa.String(255), primary_key=True),
    sa.Column("compatibility", sa.String(32), nullable=True),
    sa.Column("policy", sa.String(16), nullable=True),
    sa.Column("mode", sa.String(16), nullable=True),
    sa.Column("dialect", sa.String(255), nullable=True),
    # Provider rules: a JSON list of provider names ("[]" is a setting: none), and
    # OFF / WARN / ENFORCE.
    sa.Column("providers", sa.Text, nullable=True),
    sa.Column("provider_enforcement", sa.String(16), nullable=True),
)

# The outbox: one row per committed change, numbered in commit order.
events = sa.Table(
    "events",
    metadata,
    sa.Column("sequence", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("subject", sa.String(255), nullable=True),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("schema_id", sa.Integer, sa.ForeignKey("schemas.id"), nullable=True),
    sa.Column("compatibility", sa.String(32), nullable=True),
    sa.Column("permanent", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.Float, nullable=False),
    # KEY_REVOKED events: the key. Revocations travel in the outbox, in commit order
    # with the changes, so no event committed after one reaches the key's sockets.
    sa.Column("key_id", sa.String(32), nullable=True),
    sa.Column("change", sa.String(8), nullable=True),
    # REGISTERED under provider rules: the lint findings (JSON records), so a subscriber
    # resuming from the outbox sees what a live one saw.
    sa.Column("lint_findings", sa.Text, nullable=True),
)

# A single row. Every write transaction first updates it: on PostgreSQL the row lock
# serializes writers across processes, so versions are consecutive and event sequences
# follow commit order (a subscriber resuming after N can never miss a smaller one).
registry_state = sa.Table(
    "registry_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_sequence", sa.BigInteger, nullable=False),
)

# API keys: a public lookup id and a slow hash of the secret (never the secret).
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    # Subject patterns, a JSON list.
    sa.Column("scopes", sa.Text, nullable=False),
    sa.Column("secret_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("revoked_at", sa.Float, nullable=True),
)

# The audit log: one row per audited request, each chained to the one before by its hash
# (registry/audit.py). Rows are only ever appended, inside the serialized write
# transactions, so the chain is linear across replicas.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("sequence", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", sa.Float, nullable=False),
    # Texts are unbounded here: the domain cuts them (registry.audit.MAX_TEXT), and a
    # column limit would make PostgreSQL refuse what SQLite accepts.
    sa.Column("principal", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=True),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("schema_id", sa.Integer, nullable=True),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("client", sa.Text, nullable=False),
    sa.Column("request_id", sa.Text, nullable=False),
    # A JSON object of str -> str | int | bool | null.
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("prev_hash", sa.CHAR(64), nullable=False),
    sa.Column("hash", sa.CHAR(64), nullable=False),
    sa.Index("ix_audit_log_principal", "principal", "sequence"),
    sa.Index("ix_audit_log_subject", "subject", "sequence"),
    sa.Index("ix_audit_log_at", "at"),
)

# Signed heads of the audit chain (``llm-schema-registry audit checkpoint``).
audit_checkpoints = sa.Table(
    "audit_checkpoints",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.CHAR(64), nullable=False),
    sa.Column("signature", sa.CHAR(64), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)

GLOBAL_SCOPE = ""
