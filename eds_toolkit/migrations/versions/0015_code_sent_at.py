"""one_time_codes.sent_at: when the provider took the code's SMS (the earlier code works until then)

Codes issued before this revision count as sent when they were made.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("one_time_codes") as batch:
        batch.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE one_time_codes SET sent_at = created_at WHERE phone <> '+77000000000'")


def downgrade() -> None:
    with op.batch_alter_table("one_time_codes") as batch:
        batch.drop_column("sent_at")
