"""liveness_tasks.seconds_per_challenge: each task's own time per movement ("I need more time")

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("liveness_tasks") as batch:
        batch.add_column(sa.Column("seconds_per_challenge", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("liveness_tasks") as batch:
        batch.drop_column("seconds_per_challenge")
