"""Own-format imports: saved column mappings per locality and sheet shape, and the item
aliases users confirmed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 17:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("shape", sa.String(length=32), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("columns", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["locality_id"], ["localities.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "shape", "locality_id"),
    )
    op.create_index("ix_import_mappings_shape", "import_mappings", ["shape"])
    op.create_table(
        "item_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=128), nullable=False),
        sa.Column("written", sa.String(length=128), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alias"),
    )


def downgrade() -> None:
    op.drop_table("item_aliases")
    op.drop_index("ix_import_mappings_shape", table_name="import_mappings")
    op.drop_table("import_mappings")
