"""How each version changed against the previous one (MAJOR / MINOR / PATCH).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("subject_versions") as batch:
        batch.add_column(sa.Column("change", sa.String(8), nullable=True))
        batch.add_column(sa.Column("change_findings", sa.Text, nullable=True))
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("change", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("change")
    with op.batch_alter_table("subject_versions") as batch:
        batch.drop_column("change_findings")
        batch.drop_column("change")
