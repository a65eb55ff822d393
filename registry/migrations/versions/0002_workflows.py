"""inspection, rectification and plan workflows: attachments kept in the database, campaign
descriptions, office sign-off time, plan filing and revision triggers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 23:30:52.050256
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "owner_kind",
            sa.Enum(
                "inspection",
                "rectification_step",
                "plan_revision",
                name="ck_attachmentowner",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachment_owner", ["owner_kind", "owner_id"], unique=False)

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))

    with op.batch_alter_table("plan_revisions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "trigger",
                sa.Enum(
                    "law_change",
                    "command_change",
                    "risk_change",
                    "resource_change",
                    "key_info_change",
                    "response_or_drill",
                    "evaluation",
                    "other",
                    name="ck_revisiontrigger",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )

    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("filing_ref", sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column(
                "revision_trigger",
                sa.Enum(
                    "law_change",
                    "command_change",
                    "risk_change",
                    "resource_change",
                    "key_info_change",
                    "response_or_drill",
                    "evaluation",
                    "other",
                    name="ck_revisiontrigger",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("status_note", sa.Text(), nullable=True))

    with op.batch_alter_table("rectification_steps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("action", sa.String(length=32), nullable=True))

    with op.batch_alter_table("rectifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signed_off_at", sa.DateTime(), nullable=True))
        batch_op.create_index(
            "ix_rectification_status_deadline", ["status", "deadline"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("rectifications", schema=None) as batch_op:
        batch_op.drop_index("ix_rectification_status_deadline")
        batch_op.drop_column("signed_off_at")

    with op.batch_alter_table("rectification_steps", schema=None) as batch_op:
        batch_op.drop_column("action")

    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_constraint("ck_revisiontrigger", type_="check")
        batch_op.drop_column("status_note")
        batch_op.drop_column("revision_trigger")
        batch_op.drop_column("filing_ref")

    with op.batch_alter_table("plan_revisions", schema=None) as batch_op:
        batch_op.drop_constraint("ck_revisiontrigger", type_="check")
        batch_op.drop_column("trigger")

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("description")

    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_attachment_owner")

    op.drop_table("attachments")
