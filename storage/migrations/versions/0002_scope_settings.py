"""Per-scope settings beyond the compatibility level: policy and mode.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Batch mode: SQLite can only change a column's nullability by rebuilding the table.
    with op.batch_alter_table("configs") as batch:
        batch.alter_column("compatibility", existing_type=sa.String(32), nullable=True)
        batch.add_column(sa.Column("policy", sa.String(16), nullable=True))
        batch.add_column(sa.Column("mode", sa.String(16), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM configs WHERE compatibility IS NULL")
    with op.batch_alter_table("configs") as batch:
        batch.drop_column("mode")
        batch.drop_column("policy")
        batch.alter_column("compatibility", existing_type=sa.String(32), nullable=False)
