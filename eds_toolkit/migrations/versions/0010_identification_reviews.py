"""identification_reviews: face matches referred to an officer (issue 10: accept, refer, refuse)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 11:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identification_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("enrolment_id", sa.String(length=43), nullable=False),
        sa.Column("iin_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("engine", sa.String(length=80), nullable=False),
        sa.Column("verdict", sa.Text(), nullable=False),
        sa.Column("selfie_image", sa.LargeBinary(), nullable=True),
        sa.Column("id_photo_image", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_identification_reviews_enrolment_id", "identification_reviews", ["enrolment_id"])
    op.create_index("ix_identification_reviews_iin_hash", "identification_reviews", ["iin_hash"])
    op.create_index("ix_identification_reviews_status", "identification_reviews", ["status"])


def downgrade() -> None:
    op.drop_index("ix_identification_reviews_status", table_name="identification_reviews")
    op.drop_index("ix_identification_reviews_iin_hash", table_name="identification_reviews")
    op.drop_index("ix_identification_reviews_enrolment_id", table_name="identification_reviews")
    op.drop_table("identification_reviews")
