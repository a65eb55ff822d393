"""readiness snapshots

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 23:54:12.792703
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "readiness_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("taken_by", sa.Integer(), nullable=True),
        sa.Column("district_score", sa.Float(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["taken_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("readiness_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_readiness_snapshots_as_of"), ["as_of"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("readiness_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_readiness_snapshots_as_of"))

    op.drop_table("readiness_snapshots")
