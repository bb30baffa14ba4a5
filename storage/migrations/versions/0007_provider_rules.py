"""Provider rules per scope, and the lint findings a registration event carries.

Which providers' rules a registration is linted against, and OFF / WARN / ENFORCE.

Every column is new and nullable: an upgraded registry keeps its data and settings, and
lints nothing until rules are set.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("configs") as batch:
        batch.add_column(sa.Column("providers", sa.Text, nullable=True))
        batch.add_column(sa.Column("provider_enforcement", sa.String(16), nullable=True))
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("lint_findings", sa.Text, nullable=True))


def downgrade() -> None:
    # A scope whose only settings were provider rules would be left with none at all.
    op.execute(
        "DELETE FROM configs WHERE compatibility IS NULL AND policy IS NULL AND mode IS NULL "
        "AND dialect IS NULL"
    )
    with op.batch_alter_table("events") as batch:
        batch.drop_column("lint_findings")
    with op.batch_alter_table("configs") as batch:
        batch.drop_column("provider_enforcement")
        batch.drop_column("providers")
