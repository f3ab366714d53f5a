"""renewal: single-use challenges signed with the still-valid AUTH certificate

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "renewal_challenges",
        sa.Column("id", sa.String(length=43), nullable=False),
        sa.Column("challenge", sa.String(length=200), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        sa.Column("old_auth_serial", sa.String(length=40), nullable=True),
        sa.Column("new_auth_serial", sa.String(length=40), nullable=True),
        sa.Column("new_sign_serial", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("renewal_challenges")
