"""Schema references, the dialect a schema was read in, and the default dialect setting.

A registry that already holds JSON Schemas read those without "$schema" as 2020-12 and
fingerprinted them so: its global default dialect is set to 2020-12, so the same text
keeps finding the same schema (new registries default to draft-07).

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

_LEGACY_DIALECT = "https://json-schema.org/draft/2020-12/schema"


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
    connection = op.get_bind()
    holds_json = connection.execute(
        sa.text("SELECT 1 FROM schemas WHERE format = 'JSON' LIMIT 1")
    ).first()
    if holds_json is not None:
        updated = connection.execute(
            sa.text("UPDATE configs SET dialect = :dialect WHERE subject = ''"),
            {"dialect": _LEGACY_DIALECT},
        )
        if not updated.rowcount:
            connection.execute(
                sa.text("INSERT INTO configs (subject, dialect) VALUES ('', :dialect)"),
                {"dialect": _LEGACY_DIALECT},
            )


def downgrade() -> None:
    connection = op.get_bind()
    holding = connection.execute(
        sa.text("SELECT 1 FROM schemas WHERE refs IS NOT NULL OR dialect IS NOT NULL LIMIT 1")
    ).first()
    if holding is not None:
        # Their identity covers what the older schema cannot hold: they would be read as
        # other schemas.
        raise RuntimeError(
            "Cannot downgrade below 0005: schemas with references or a recorded dialect are stored."
        )
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
