"""one-time codes: index on (phone, created_at) for the per-destination-number SMS throttle;
enrolments.language: the citizen's language, for SMS and messages of later API steps

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_one_time_codes_phone_created", "one_time_codes", ["phone", "created_at"])
    with op.batch_alter_table("enrolments") as batch:
        batch.add_column(sa.Column("language", sa.String(length=5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_column("language")
    op.drop_index("ix_one_time_codes_phone_created", table_name="one_time_codes")
