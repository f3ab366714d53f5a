"""audit_events.seq/prev_hash/hash and audit_chain_head: the audit log as a keyed hash chain

Existing events are numbered here in id order and the head row records how many there are. The chain's
key is the service's (a migration does not have it), so their hashes are written by the first event
appended after this revision, in its own transaction (``eds_toolkit.core.audit_chain``).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 21:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE audit_events SET seq = numbered.n FROM "
        "(SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM audit_events) AS numbered "
        "WHERE audit_events.id = numbered.id"
    )
    with op.batch_alter_table("audit_events") as batch:
        batch.create_index("ux_audit_events_seq", ["seq"], unique=True)
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO audit_chain_head (id, seq, hash) SELECT 1, COUNT(*), NULL FROM audit_events")


def downgrade() -> None:
    op.drop_table("audit_chain_head")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_index("ux_audit_events_seq")
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
