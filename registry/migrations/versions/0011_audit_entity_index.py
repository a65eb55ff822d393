"""The newest audit event per kind of record in one index seek: caches keyed on what they read

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 17:40:00.000000
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_events_entity_id", "audit_events", ["entity", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_entity_id", table_name="audit_events")
