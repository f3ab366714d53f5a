"""registration: residence-registration applications (signed with the EDS or an SMS code, owner's hour)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 17:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "residence_applications",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("applicant_iin", sa.String(length=12), nullable=False),
        sa.Column("owner_iin", sa.String(length=12), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("signed_with", sa.String(length=8), nullable=True),
        sa.Column("signature_cms", sa.LargeBinary(), nullable=True),
        sa.Column("signer_serial", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome_reason", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("residence_applications", schema=None) as batch_op:
        batch_op.create_index("ix_residence_applications_applicant", ["applicant_iin"], unique=False)
        batch_op.create_index(
            "ix_residence_applications_status_deadline", ["status", "owner_deadline"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("residence_applications", schema=None) as batch_op:
        batch_op.drop_index("ix_residence_applications_status_deadline")
        batch_op.drop_index("ix_residence_applications_applicant")
    op.drop_table("residence_applications")
