"""liveness_tasks.colours: the screen-colour sequence of each task's colour challenge

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("liveness_tasks") as batch:
        batch.add_column(sa.Column("colours", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("liveness_tasks") as batch:
        batch.drop_column("colours")
