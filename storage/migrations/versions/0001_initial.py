"""Initial tables: schemas, subjects, versions, configs, the event outbox.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "schemas",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("schema_text", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "subjects",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "subject_versions",
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
    )
    op.create_index("ix_subject_versions_schema_id", "subject_versions", ["schema_id"])
    op.create_table(
        "configs",
        sa.Column("subject", sa.String(255), primary_key=True),
        sa.Column("compatibility", sa.String(32), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("sequence", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(255), nullable=True),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("schema_id", sa.Integer, sa.ForeignKey("schemas.id"), nullable=True),
        sa.Column("compatibility", sa.String(32), nullable=True),
        sa.Column("permanent", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    state = op.create_table(
        "registry_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_sequence", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(state, [{"id": 1, "last_sequence": 0}])


def downgrade() -> None:
    for table in ("registry_state", "events", "configs", "subject_versions", "subjects"):
        op.drop_table(table)
    op.drop_table("schemas")
