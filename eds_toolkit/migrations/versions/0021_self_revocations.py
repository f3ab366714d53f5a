"""self_revocations: a citizen's own revocation of a pair from the cabinet (lost or stolen key),
confirmed with a one-time SMS code

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "self_revocations",
        sa.Column("id", sa.String(length=43), nullable=False),
        sa.Column("iin", sa.String(length=12), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("auth_serial", sa.String(length=40), nullable=True),
        sa.Column("sign_serial", sa.String(length=40), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_self_revocations_iin", "self_revocations", ["iin"])
    op.create_index("ix_self_revocations_created_at", "self_revocations", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_self_revocations_created_at", table_name="self_revocations")
    op.drop_index("ix_self_revocations_iin", table_name="self_revocations")
    op.drop_table("self_revocations")
