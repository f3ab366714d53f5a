"""keystore_pickups: server-made keystores kept (encrypted) from the issuing commit until picked up

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "keystore_pickups",
        sa.Column(
            "enrolment_id",
            sa.String(length=43),
            sa.ForeignKey("enrolments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("auth_serial", sa.String(length=64), nullable=False),
        sa.Column("sign_serial", sa.String(length=64), nullable=False),
        sa.Column("zip_bytes", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_keystore_pickups_expires_at", "keystore_pickups", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_keystore_pickups_expires_at", table_name="keystore_pickups")
    op.drop_table("keystore_pickups")
