"""renewal_reminders: the SMS reminders before a pair expires, one row per (AUTH serial, days before)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "renewal_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("auth_serial", sa.String(length=40), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("auth_serial", "days_before", name="uq_renewal_reminders_slot"),
    )
    op.create_index("ix_renewal_reminders_not_after", "renewal_reminders", ["not_after"])


def downgrade() -> None:
    op.drop_index("ix_renewal_reminders_not_after", table_name="renewal_reminders")
    op.drop_table("renewal_reminders")
