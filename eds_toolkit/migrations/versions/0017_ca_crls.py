"""ca_crl_counters and ca_crls: CRL numbers from a stored counter, and the newest CRLs as published

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 21:30:00

CRLs were numbered by their issue time in microseconds before this revision; ``ca.crl`` starts the
issuing CA's counter above that (the time of its first stored CRL, in microseconds), so numbers keep
increasing across the upgrade.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ca_crl_counters",
        sa.Column("issuer_sha256", sa.String(length=64), nullable=False),
        sa.Column("last_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("issuer_sha256"),
    )
    op.create_table(
        "ca_crls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("base_number", sa.BigInteger(), nullable=True),
        sa.Column("this_update", sa.DateTime(), nullable=False),
        sa.Column("next_update", sa.DateTime(), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer_sha256", "number", name="uq_ca_crls_issuer_number"),
    )


def downgrade() -> None:
    op.drop_table("ca_crls")
    op.drop_table("ca_crl_counters")
