"""residence_owner_decisions: the owner's one decision on a residence application (confirmed or declined;
by signing the consent document with the EDS, with the SMS code, or refused in the cabinet), with the
signed consent and its verdict

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "residence_owner_decisions",
        sa.Column("application_id", sa.String(length=32), nullable=False),
        sa.Column("owner_iin", sa.String(length=12), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("document", sa.Text(), nullable=True),
        sa.Column("signature_cms", sa.LargeBinary(), nullable=True),
        sa.Column("signer_serial", sa.String(length=40), nullable=True),
        sa.Column("verdict", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["residence_applications.id"]),
        sa.PrimaryKeyConstraint("application_id"),
    )


def downgrade() -> None:
    op.drop_table("residence_owner_decisions")
