"""Schema references, the dialect a schema was read in, and the default dialect setting.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("schemas") as batch:
        batch.add_column(sa.Column("refs", sa.Text, nullable=True))
        batch.add_column(sa.Column("dialect", sa.String(255), nullable=True))
    with op.batch_alter_table("configs") as batch:
        batch.add_column(sa.Column("dialect", sa.String(255), nullable=True))
    op.create_table(
        "schema_references",
        sa.Column("schema_id", sa.Integer, sa.ForeignKey("schemas.id"), primary_key=True),
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_schema_references_target", "schema_references", ["subject", "version"])


def downgrade() -> None:
    op.drop_index("ix_schema_references_target", "schema_references")
    op.drop_table("schema_references")
    op.execute(
        "DELETE FROM configs WHERE compatibility IS NULL AND policy IS NULL AND mode IS NULL"
    )
    with op.batch_alter_table("configs") as batch:
        batch.drop_column("dialect")
    with op.batch_alter_table("schemas") as batch:
        batch.drop_column("dialect")
        batch.drop_column("refs")
