"""phone_changes: a new number for an IIN whose base had one, held until the cooling-off period ends or
the old number confirms; enrolments.phone_change_id and enrolments.pending_pin_hash

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "phone_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("iin", sa.String(length=12), nullable=False),
        sa.Column("old_phone", sa.String(length=16), nullable=False),
        sa.Column("new_phone", sa.String(length=16), nullable=False),
        sa.Column("enrolment_id", sa.String(length=43), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("release_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_code_hash", sa.String(length=64), nullable=False),
        sa.Column("confirm_attempts", sa.Integer(), nullable=False),
        sa.Column("stop_attempts", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_phone_changes_iin_new_phone", "phone_changes", ["iin", "new_phone"])
    with op.batch_alter_table("enrolments") as batch:
        batch.add_column(sa.Column("phone_change_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("pending_pin_hash", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_column("pending_pin_hash")
        batch.drop_column("phone_change_id")
    op.drop_index("ix_phone_changes_iin_new_phone", table_name="phone_changes")
    op.drop_table("phone_changes")
