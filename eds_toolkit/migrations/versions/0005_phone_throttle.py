"""one-time codes: index on (phone, created_at) for the per-destination-number SMS throttle

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 19:30:00
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_one_time_codes_phone_created", "one_time_codes", ["phone", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_one_time_codes_phone_created", table_name="one_time_codes")
