"""cabinet_sessions: server-side cabinet sign-in sessions (sign-out ends them for good);
signin_throttles: wrong cabinet sign-ins per IIN hash, for every IIN tried (no account enumeration)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 20:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cabinet_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("iin", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_cabinet_sessions_iin", "cabinet_sessions", ["iin"])
    op.create_index("ix_cabinet_sessions_expires_at", "cabinet_sessions", ["expires_at"])
    op.create_table(
        "signin_throttles",
        sa.Column("iin_hash", sa.String(length=64), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("iin_hash"),
    )
    op.create_index("ix_signin_throttles_updated_at", "signin_throttles", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_signin_throttles_updated_at", table_name="signin_throttles")
    op.drop_table("signin_throttles")
    op.drop_index("ix_cabinet_sessions_expires_at", table_name="cabinet_sessions")
    op.drop_index("ix_cabinet_sessions_iin", table_name="cabinet_sessions")
    op.drop_table("cabinet_sessions")
