"""bulk_revocations: bulk revocation proposed by one CA administrator, approved by another

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulk_revocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("listed", sa.String(length=8), nullable=False),
        sa.Column("serials", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("proposed_with", sa.String(length=64), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_with", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("revoked_count", sa.Integer(), nullable=True),
        sa.Column("not_revoked", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["proposed_by"], ["operators.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["operators.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bulk_revocations_state_proposed_at", "bulk_revocations", ["state", "proposed_at"])


def downgrade() -> None:
    op.drop_index("ix_bulk_revocations_state_proposed_at", table_name="bulk_revocations")
    op.drop_table("bulk_revocations")
