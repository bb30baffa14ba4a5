"""The audit log and its signed checkpoints.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("sequence", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("principal", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("schema_id", sa.Integer, nullable=True),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("client", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("prev_hash", sa.CHAR(64), nullable=False),
        sa.Column("hash", sa.CHAR(64), nullable=False),
    )
    op.create_index("ix_audit_log_principal", "audit_log", ["principal", "sequence"])
    op.create_index("ix_audit_log_subject", "audit_log", ["subject", "sequence"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.CHAR(64), nullable=False),
        sa.Column("signature", sa.CHAR(64), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_index("ix_audit_log_at", "audit_log")
    op.drop_index("ix_audit_log_subject", "audit_log")
    op.drop_index("ix_audit_log_principal", "audit_log")
    op.drop_table("audit_log")
