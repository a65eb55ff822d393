"""warnings: early-warning messages (GB/T 35965.1, CAP 1.2) and the localities they touch

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 09:30:00
"""

import sqlalchemy as sa
from alembic import op

WARNING_TYPES = [
    "typhoon",
    "rainstorm",
    "snowstorm",
    "cold_wave",
    "gale",
    "sandstorm",
    "heat",
    "drought",
    "lightning",
    "hail",
    "frost",
    "fog",
    "haze",
    "road_icing",
    "flood",
    "geological",
]
LEVELS = ["red", "orange", "yellow", "blue"]
STATES = ["in_force", "updated", "cancelled"]


def _enum(values: list[str], name: str) -> sa.Enum:
    """As the models write it: a VARCHAR(32) with a CHECK constraint."""
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=128), nullable=False),
        sa.Column("sender", sa.String(length=128), nullable=False),
        sa.Column("sender_name", sa.String(length=128), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("is_exercise", sa.Boolean(), nullable=False),
        sa.Column("msg_type", sa.String(length=16), nullable=False),
        sa.Column("references", sa.Text(), nullable=True),
        sa.Column("warning_type", _enum(WARNING_TYPES, "ck_warningtype"), nullable=False),
        sa.Column("level", _enum(LEVELS, "ck_warninglevel"), nullable=False),
        sa.Column("headline", sa.String(length=256), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("instruction", sa.Text(), nullable=True),
        sa.Column("effective_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("area_description", sa.Text(), nullable=True),
        sa.Column("area_geojson", sa.Text(), nullable=True),
        sa.Column("area_codes", sa.Text(), nullable=True),
        sa.Column("state", _enum(STATES, "ck_warningstate"), nullable=False),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("registered_by", sa.Integer(), nullable=True),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["registered_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["replaced_by_id"], ["warnings.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identifier"),
    )
    op.create_table(
        "warning_localities",
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["locality_id"], ["localities.id"]),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"]),
        sa.PrimaryKeyConstraint("warning_id", "locality_id"),
    )


def downgrade() -> None:
    op.drop_table("warning_localities")
    op.drop_table("warnings")
