"""identification: attempts and face encodings per enrolment, liveness tasks (hashed single-use nonces)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identification_records",
        sa.Column("enrolment_id", sa.String(length=43), nullable=False),
        sa.Column("selfie_attempts", sa.Integer(), nullable=False),
        sa.Column("liveness_attempts", sa.Integer(), nullable=False),
        sa.Column("id_photo_attempts", sa.Integer(), nullable=False),
        sa.Column("selfie_encoding", sa.LargeBinary(), nullable=True),
        sa.Column("video_encodings", sa.LargeBinary(), nullable=True),
        sa.Column("selfie_image", sa.LargeBinary(), nullable=True),
        sa.Column("id_photo_image", sa.LargeBinary(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("enrolment_id"),
    )
    op.create_table(
        "liveness_tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("enrolment_id", sa.String(length=43), nullable=False),
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("challenges", sa.String(length=80), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nonce_hash"),
    )
    with op.batch_alter_table("liveness_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_liveness_tasks_enrolment_id"), ["enrolment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("liveness_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_liveness_tasks_enrolment_id"))
    op.drop_table("liveness_tasks")
    op.drop_table("identification_records")
